//! The exchange flow between two regions on loopback (流动人口信息交换):
//! 锦江区 (where N persons are registered) and 武侯区 (where they now live).
//! A sender delivers N migrant records to `POST /api/v1/exchange/migrants`
//! in chunks, at least once (a chunk whose answer is lost is sent again);
//! the place of registration meanwhile reads its inbox and answers each
//! notice (`POST /api/v1/cases/{id}/handle`, again until answered). With
//! `kill_every`, a third party kills the server (`renkou serve`, SIGKILL)
//! at random moments and starts it again. At the end the database is asked
//! what became of every message: each must have been handled exactly once.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::{Rng, SeedableRng};
use renkou_domain::{IdNumber, RegionCode};
use renkou_store::{SenderTally, Store};

use crate::renkou_process::{Renkou, free_port, path};
use tokio::sync::Mutex;

/// The county where the persons are registered (the recipient).
const HOME_COUNTY: &str = "510104000000";
/// The county where they now live (the sender).
const WORK_COUNTY: &str = "510107000000";
/// The sender's name (events carry `migrants:SOURCE`).
pub const SOURCE: &str = "exchange-flow";
/// The accounts' password.
const PASSWORD: &str = "flow2026pw!";

/// How to run the flow.
#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// The `renkou` binary.
    pub renkou: PathBuf,
    /// The database (empty: it is filled here).
    pub db: String,
    /// A folder for the server's audit key and the register file.
    pub workdir: PathBuf,
    /// How many messages.
    pub messages: usize,
    /// Records per delivery.
    pub chunk: usize,
    /// Answers sent at once by the place of registration.
    pub handlers: usize,
    /// Kill the server at a random moment within this range, again and again.
    pub kill_every: Option<(Duration, Duration)>,
    pub seed: u64,
}

impl FlowOptions {
    fn process(&self) -> Renkou {
        Renkou {
            binary: self.renkou.clone(),
            db: self.db.clone(),
            workdir: self.workdir.clone(),
            env: Vec::new(),
        }
    }
}

/// What the flow did and what the database says became of it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FlowReport {
    pub messages: usize,
    /// Deliveries sent again after a lost answer.
    pub redeliveries: u64,
    /// Answers sent again after a lost answer.
    pub reanswers: u64,
    /// Times the server was killed.
    pub kills: u64,
    /// Seconds from the first delivery until every notice was answered.
    pub seconds: f64,
    /// Seconds until every record was delivered.
    pub delivered_seconds: f64,
    pub tally: SenderTally,
}

impl FlowReport {
    /// Whether every message was handled exactly once: one arrival, one
    /// notice, one answer each; none lost, none doubled.
    pub fn exactly_once(&self) -> bool {
        let n = self.messages as i64;
        let t = &self.tally;
        t.arrivals == n
            && t.persons == n
            && t.cases == n
            && t.answered == n
            && t.handled_steps == n
            && t.handled_twice == 0
    }

    /// Messages per second from sent to feedback.
    pub fn per_second(&self) -> f64 {
        self.messages as f64 / self.seconds.max(1e-9)
    }
}

/// Fills the database (persons, accounts), runs the flow and tallies it.
pub async fn run(options: &FlowOptions) -> anyhow::Result<FlowReport> {
    let persons = prepare(options).await?;
    let port = free_port()?;
    let process = options.process();
    let server = Arc::new(Mutex::new(process.serve(port).await?));
    let done = Arc::new(AtomicBool::new(false));
    let kills = Arc::new(AtomicU64::new(0));
    let killer = options.kill_every.map(|(low, high)| {
        let (server, done, kills, options, process) = (
            server.clone(),
            done.clone(),
            kills.clone(),
            options.clone(),
            process.clone(),
        );
        tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(options.seed);
            while !done.load(Ordering::SeqCst) {
                let wait = rng.random_range(low.as_millis() as u64..=high.as_millis() as u64);
                tokio::time::sleep(Duration::from_millis(wait)).await;
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let mut child = server.lock().await;
                let _ = child.kill(); // SIGKILL
                let _ = child.wait();
                kills.fetch_add(1, Ordering::SeqCst);
                match process.serve(port).await {
                    Ok(next) => *child = next,
                    Err(e) => {
                        tracing::error!(%e, "the server did not start again");
                        break;
                    }
                }
            }
        })
    });
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let sender = tokio::spawn(deliver(base.clone(), persons, options.chunk));
    let answerer = tokio::spawn(answer_all(base, options.messages, options.handlers));
    let redeliveries = sender.await??;
    let delivered_seconds = started.elapsed().as_secs_f64();
    let reanswers = answerer.await??;
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::SeqCst);
    if let Some(killer) = killer {
        let _ = killer.await;
    }
    {
        let mut child = server.lock().await;
        let _ = child.kill();
        let _ = child.wait();
    }
    let store = Store::open(&options.db).await?;
    let tally = store.sender_tally(&format!("migrants:{SOURCE}")).await?;
    store.close().await;
    Ok(FlowReport {
        messages: options.messages,
        redeliveries,
        reanswers,
        kills: kills.load(Ordering::SeqCst),
        seconds,
        delivered_seconds,
        tally,
    })
}

/// One person of the home county, and the record that reports them living
/// in the work county.
#[derive(Debug, Clone)]
struct Migrant {
    record: serde_json::Value,
}

/// Writes the home county's register (one person per message, in its
/// villages), imports it, adds the two offices' accounts, and returns the
/// records the sender will deliver.
async fn prepare(options: &FlowOptions) -> anyhow::Result<Vec<Migrant>> {
    let process = options.process();
    std::fs::create_dir_all(&options.workdir)?;
    let store = Store::open(&options.db).await?;
    if store
        .villages(&RegionCode::parse(HOME_COUNTY)?)
        .await?
        .is_empty()
    {
        // A new database: Sichuan's region table first.
        store.close().await;
        process.run(&["init", "--regions-prefix", "51"])?;
    }
    let store = Store::open(&options.db).await?;
    let home: Vec<String> = store
        .villages(&RegionCode::parse(HOME_COUNTY)?)
        .await?
        .into_iter()
        .map(|v| v.code)
        .collect();
    let work: Vec<String> = store
        .villages(&RegionCode::parse(WORK_COUNTY)?)
        .await?
        .into_iter()
        .map(|v| v.code)
        .collect();
    store.close().await;
    if home.is_empty() || work.is_empty() {
        bail!("the region table lacks the villages of {HOME_COUNTY} or {WORK_COUNTY}");
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(options.seed);
    let mut register =
        String::from("record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n");
    let mut migrants = Vec::with_capacity(options.messages);
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
    let given = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
    ];
    for i in 0..options.messages {
        // A birth date per person (16,000 days from 1960), then the
        // sequence number: unique numbers for up to 8 million persons.
        let birth = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).context("a date")?
            + chrono::Duration::days((i % 16_000) as i64);
        let seq = (i / 16_000) as u16 * 2 + 1 + (i % 2) as u16;
        let sex = if seq % 2 == 1 { "1" } else { "2" };
        let number =
            IdNumber::from_parts(&HOME_COUNTY[..6], birth, seq).context("an identity number")?;
        let name = format!(
            "{}{}{}",
            surnames[rng.random_range(0..surnames.len())],
            given[rng.random_range(0..given.len())],
            given[rng.random_range(0..given.len())]
        );
        let village = &home[i % home.len()];
        register += &format!(
            "p{i},{},{name},{sex},{birth},{village},F{i},02\n",
            number.as_str()
        );
        migrants.push(Migrant {
            record: serde_json::json!({
                "record_id": format!("m{i}"),
                "id_number": number.as_str(),
                "name": name,
                "sex": sex,
                "birth_date": birth.to_string(),
                "region_code": work[i % work.len()],
                "hukou_region": village,
                "arrival_date": "2026-06-01",
                "reason": "1",
                "workplace": "物流园",
            }),
        });
    }
    let file = options.workdir.join("home-register.csv");
    std::fs::write(&file, register)?;
    process.run(&["import", path(&file)?, "--source", "flow-register"])?;
    for (user, region) in [("js510107", WORK_COUNTY), ("js510104", HOME_COUNTY)] {
        process.run(&[
            "user",
            "add",
            user,
            "--password",
            PASSWORD,
            "--role",
            "family_planning_officer",
            "--region",
            region,
        ])?;
    }
    Ok(migrants)
}

/// A client of one office, logged in again whenever its session is lost.
struct Office {
    http: reqwest::Client,
    base: String,
    user: &'static str,
}

impl Office {
    fn new(base: String, user: &'static str) -> anyhow::Result<Office> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(120))
            .build()?;
        Ok(Office { http, base, user })
    }

    /// Logs in until the server answers.
    async fn login(&self) {
        loop {
            let answer = self
                .http
                .post(format!("{}/api/v1/session", self.base))
                .json(&serde_json::json!({"username": self.user, "password": PASSWORD}))
                .send()
                .await;
            if answer.is_ok_and(|a| a.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Delivers every record, chunk by chunk, each chunk until it is answered
/// (at least once); returns how many deliveries were repeated.
async fn deliver(base: String, migrants: Vec<Migrant>, chunk: usize) -> anyhow::Result<u64> {
    let office = Office::new(base, "js510107")?;
    office.login().await;
    let mut again = 0;
    for records in migrants.chunks(chunk.max(1)) {
        let body: String = records.iter().map(|m| format!("{}\n", m.record)).collect();
        loop {
            let answer = office
                .http
                .post(format!(
                    "{}/api/v1/exchange/migrants?source={SOURCE}",
                    office.base
                ))
                .header("Content-Type", "application/x-ndjson")
                .body(body.clone())
                .send()
                .await;
            match answer {
                Ok(a) if a.status().is_success() => break,
                Ok(a) if a.status() == reqwest::StatusCode::UNAUTHORIZED => office.login().await,
                Ok(a) if a.status().is_client_error() => {
                    bail!(
                        "delivery refused: {} {}",
                        a.status(),
                        a.text().await.unwrap_or_default()
                    )
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
            again += 1;
        }
    }
    Ok(again)
}

/// The place of registration answers every notice in its inbox until all
/// `messages` are answered; returns how many answers were repeated.
async fn answer_all(base: String, messages: usize, handlers: usize) -> anyhow::Result<u64> {
    let office = Arc::new(Office::new(base, "js510104")?);
    office.login().await;
    let again = Arc::new(AtomicU64::new(0));
    loop {
        let page = office
            .http
            .get(format!(
                "{}/api/v1/cases?mailbox=inbox&region={HOME_COUNTY}&state=assigned&limit=1000",
                office.base
            ))
            .send()
            .await;
        let page: serde_json::Value = match page {
            Ok(a) if a.status().is_success() => match a.json().await {
                Ok(page) => page,
                Err(_) => continue,
            },
            Ok(a) if a.status() == reqwest::StatusCode::UNAUTHORIZED => {
                office.login().await;
                continue;
            }
            _ => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let answered = page["counts"]["states"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s[0] == "answered")
            .and_then(|s| s[1].as_i64())
            .unwrap_or(0);
        if answered as usize >= messages {
            return Ok(again.load(Ordering::SeqCst));
        }
        let ids: Vec<i64> = page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["id"].as_i64())
            .collect();
        if ids.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let queue = Arc::new(std::sync::Mutex::new(ids));
        let mut workers = Vec::new();
        for _ in 0..handlers.max(1) {
            let (office, queue, again) = (office.clone(), queue.clone(), again.clone());
            workers.push(tokio::spawn(async move {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.pop());
                    let Some(id) = next else { break };
                    answer_one(&office, id, &again).await;
                }
            }));
        }
        for w in workers {
            w.await?;
        }
    }
}

/// Answers one notice until the server says it is answered (200, or 409:
/// answered already by an earlier attempt whose answer was lost).
async fn answer_one(office: &Office, id: i64, again: &AtomicU64) {
    loop {
        let answer = office
            .http
            .post(format!("{}/api/v1/cases/{id}/handle", office.base))
            .json(&serde_json::json!({"confirmed": true, "note": "已核实"}))
            .send()
            .await;
        match answer {
            Ok(a) if a.status().is_success() || a.status() == reqwest::StatusCode::CONFLICT => {
                return;
            }
            Ok(a) if a.status() == reqwest::StatusCode::UNAUTHORIZED => office.login().await,
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
        again.fetch_add(1, Ordering::SeqCst);
    }
}

/// The raw engine in the same run: what two commits per message (one
/// opening it, one answering it) cost on the same database with nothing
/// else — a plain table, a row inserted and updated, each its own
/// transaction. Messages per second.
pub async fn raw_two_commits(db: &str, messages: usize) -> anyhow::Result<f64> {
    macro_rules! run {
        ($pool:expr, $create:expr) => {{
            let pool = $pool;
            sqlx::query("DROP TABLE IF EXISTS raw_flow")
                .execute(&pool)
                .await?;
            sqlx::query($create).execute(&pool).await?;
            let started = Instant::now();
            for i in 0..messages as i64 {
                sqlx::query("INSERT INTO raw_flow (id, state) VALUES ($1, 'sent')")
                    .bind(i)
                    .execute(&pool)
                    .await?;
            }
            for i in 0..messages as i64 {
                sqlx::query("UPDATE raw_flow SET state = 'answered' WHERE id = $1")
                    .bind(i)
                    .execute(&pool)
                    .await?;
            }
            let seconds = started.elapsed().as_secs_f64();
            sqlx::query("DROP TABLE raw_flow").execute(&pool).await?;
            pool.close().await;
            messages as f64 / seconds
        }};
    }
    Ok(if db.starts_with("sqlite:") {
        let options: sqlx::sqlite::SqliteConnectOptions = db.parse()?;
        // The store's own settings: WAL, synchronous NORMAL.
        let options = options
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
        run!(
            sqlx::SqlitePool::connect_with(options).await?,
            "CREATE TABLE raw_flow (id INTEGER PRIMARY KEY, state TEXT NOT NULL)"
        )
    } else {
        run!(
            sqlx::PgPool::connect(db).await?,
            "CREATE TABLE raw_flow (id BIGINT PRIMARY KEY, state TEXT NOT NULL)"
        )
    })
}
