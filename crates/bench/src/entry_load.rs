//! Operators' load on a running server, shared by the failover and the
//! decision-support benchmarks: clients that register newcomers (each with
//! an idempotency key, sent again until answered) and read them back,
//! recording when each answer came and how long it took.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::{Rng, SeedableRng};
use renkou_domain::{IdNumber, PersonId, RegionCode};
use renkou_store::Store;
use tokio::sync::Mutex;

use crate::renkou_process::Renkou;

/// Where the newcomers are registered.
pub const COUNTY: &str = "510104000000";
/// The operators' password.
pub const PASSWORD: &str = "operator2026pw!";

/// The login name of operator `n` (`op000`, `op001`, …).
pub fn username(n: usize) -> String {
    format!("op{n:03}")
}

/// Adds the operators `users` with one role in one region.
pub fn add_operators(
    renkou: &Renkou,
    users: std::ops::Range<usize>,
    role: &str,
    region: &str,
) -> anyhow::Result<()> {
    for n in users {
        renkou.run(&[
            "user",
            "add",
            &username(n),
            "--password",
            PASSWORD,
            "--role",
            role,
            "--region",
            region,
        ])?;
    }
    Ok(())
}

/// The villages of [`COUNTY`], where the newcomers are registered.
pub async fn villages(db: &str) -> anyhow::Result<Vec<String>> {
    let store = Store::open(db).await?;
    let villages = store.villages(&RegionCode::parse(COUNTY)?).await?;
    store.close().await;
    if villages.is_empty() {
        bail!("the region table lacks the villages of {COUNTY}");
    }
    Ok(villages.into_iter().map(|v| v.code).collect())
}

/// One answer a client got: when, after how long, and whether a registration.
pub struct Answer {
    pub sent: Instant,
    pub at: Instant,
    /// Seconds from sending to the answer.
    pub waited: f64,
    pub write: bool,
}

/// What the clients share.
#[derive(Clone, Default)]
pub struct Load {
    /// Set to end the load.
    pub stop: Arc<AtomicBool>,
    /// The registrations answered 201: the person and the number sent.
    pub acknowledged: Arc<Mutex<Vec<(PersonId, IdNumber)>>>,
    /// Every answer, in the order they came.
    pub answers: Arc<Mutex<Vec<Answer>>>,
    /// Requests a client had to send again.
    pub client_retries: Arc<AtomicU64>,
    /// Registrations refused because the identity number was taken.
    pub duplicates: Arc<AtomicU64>,
}

impl Load {
    /// No answers yet.
    pub fn new() -> Load {
        Load::default()
    }

    /// The registrations' waits so far, in milliseconds, sorted.
    pub async fn write_waits_ms(&self) -> Vec<f64> {
        let mut waits: Vec<f64> = self
            .answers
            .lock()
            .await
            .iter()
            .filter(|a| a.write)
            .map(|a| a.waited * 1000.0)
            .collect();
        waits.sort_by(f64::total_cmp);
        waits
    }

    async fn answered(&self, sent: Instant, write: bool) {
        self.answers.lock().await.push(Answer {
            sent,
            at: Instant::now(),
            waited: sent.elapsed().as_secs_f64(),
            write,
        });
    }
}

/// A logged-in client.
pub async fn client(base: &str, user: usize) -> anyhow::Result<reqwest::Client> {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    loop {
        let answer = http
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({"username": username(user), "password": PASSWORD}))
            .send()
            .await;
        if answer.is_ok_and(|a| a.status().is_success()) {
            return Ok(http);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Registers newcomers one after another, each until it is answered.
/// `user` is the operator who logs in; `writer` (unique in the database,
/// up to 24) makes the identity numbers and keys.
pub async fn write(
    load: Load,
    base: String,
    user: usize,
    writer: usize,
    villages: Vec<String>,
) -> anyhow::Result<()> {
    let http = client(&base, user).await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(writer as u64);
    let mut n = 0usize;
    while !load.stop.load(Ordering::SeqCst) {
        // Unique numbers: a birth date per (writer, n), sequence by writer.
        let birth = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).context("a date")?
            + chrono::Duration::days((n % 15_000) as i64);
        let seq = (writer * 20 + n / 15_000) as u16 * 2 + 1;
        let number =
            IdNumber::from_parts(&COUNTY[..6], birth, seq).context("an identity number")?;
        let village = &villages[rng.random_range(0..villages.len())];
        let body = serde_json::json!({"move_in": {"newcomer": {
            "id_number": number.as_str(), "name": "王新来", "sex": "1",
            "birth_date": birth.to_string(), "residence": village,
        }, "date": "2026-12-01"}});
        let key = format!("failover-{writer}-{n}");
        let sent = Instant::now();
        loop {
            let answer = http
                .post(format!("{base}/api/v1/events"))
                .header("Idempotency-Key", &key)
                .json(&body)
                .send()
                .await;
            match answer {
                Ok(a) if a.status() == reqwest::StatusCode::CREATED => {
                    let recorded: serde_json::Value = a.json().await?;
                    let id = recorded["person_id"].as_i64().context("person_id")?;
                    load.acknowledged.lock().await.push((PersonId(id), number));
                    load.answered(sent, true).await;
                    break;
                }
                Ok(a) if a.status() == reqwest::StatusCode::CONFLICT => {
                    // The number is someone's already (a demo province's
                    // person): the next one. Counted, as the failover must
                    // never see one.
                    load.duplicates.fetch_add(1, Ordering::SeqCst);
                    break;
                }
                Ok(a) if a.status().is_client_error() => {
                    bail!(
                        "registration refused: {} {}",
                        a.status(),
                        a.text().await.unwrap_or_default()
                    )
                }
                _ => {
                    load.client_retries.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        n += 1;
    }
    Ok(())
}

/// Reads back persons registered so far.
pub async fn read(load: Load, base: String, user: usize) -> anyhow::Result<()> {
    let http = client(&base, user).await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1000 + user as u64);
    while !load.stop.load(Ordering::SeqCst) {
        let id = {
            let acknowledged = load.acknowledged.lock().await;
            if acknowledged.is_empty() {
                None
            } else {
                Some(acknowledged[rng.random_range(0..acknowledged.len())].0)
            }
        };
        let Some(id) = id else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let sent = Instant::now();
        loop {
            let answer = http
                .get(format!("{base}/api/v1/persons/{}", id.0))
                .send()
                .await;
            match answer {
                Ok(a) if a.status().is_success() => {
                    load.answered(sent, false).await;
                    break;
                }
                Ok(a) if a.status().is_client_error() => {
                    bail!(
                        "read refused: {} {}",
                        a.status(),
                        a.text().await.unwrap_or_default()
                    )
                }
                _ => {
                    load.client_retries.fetch_add(1, Ordering::SeqCst);
                    if load.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    Ok(())
}

/// The `q` quantile of sorted values (NaN when there are none).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}
