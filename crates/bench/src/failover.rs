//! The hot mirror taking over mid-load. A primary and its synchronous mirror
//! (`scripts/pg-mirror.sh`), one `renkou serve` given both hosts; township
//! operators register newcomers (each with an idempotency key, sent again
//! until answered) and read them back. Mid-load the primary is stopped at
//! once (a crash) and the mirror promoted. At the end the database (the
//! former mirror) is asked what it holds: every acknowledged registration
//! must be there, once, and no other.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use renkou_store::Store;

use crate::entry_load::{Answer, COUNTY, Load, add_operators, read, villages, write};
use crate::renkou_process::{Renkou, free_port, pg_mirror};

/// How to run it.
#[derive(Debug, Clone)]
pub struct FailoverOptions {
    /// The `renkou` binary.
    pub renkou: PathBuf,
    /// `scripts/pg-mirror.sh`.
    pub script: PathBuf,
    /// The clusters' name (`NAME-primary`, `NAME-mirror`).
    pub name: String,
    pub primary_port: u16,
    pub mirror_port: u16,
    /// A folder for the audit key.
    pub workdir: PathBuf,
    /// Clients registering newcomers, and clients reading them back.
    pub writers: usize,
    pub readers: usize,
    /// Load before the primary is stopped, and after the mirror is promoted.
    pub before: Duration,
    pub after: Duration,
    /// From the crash to the promotion (what a failover manager takes to
    /// decide; the script itself promotes at once).
    pub promote_delay: Duration,
}

/// What happened.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FailoverReport {
    /// Registrations answered 201 to the clients.
    pub acknowledged: u64,
    /// Of those, sent after the primary was stopped (answered by the mirror).
    pub acknowledged_after: u64,
    /// Reads answered 200.
    pub reads: u64,
    /// Requests a client had to send again (the server gave up or the
    /// connection broke); the server's own retries are not counted.
    pub client_retries: u64,
    /// Registrations refused as a number already registered: a repeat the
    /// idempotency key failed to recognise (must be 0).
    pub refused_as_duplicate: u64,
    /// Acknowledged registrations the promoted mirror does not hold.
    pub lost: u64,
    /// Persons the load added, by the promoted mirror's count: equal to
    /// `acknowledged` when nothing was lost or doubled.
    pub persons_added: i64,
    /// The longest time no client got an answer.
    pub unavailable_seconds: f64,
    /// From the primary's stop to the first registration sent after it and
    /// answered (by the promoted mirror).
    pub first_write_after_seconds: f64,
    /// The slowest answer a client waited for.
    pub slowest_answer_seconds: f64,
}

impl FailoverReport {
    /// Whether every acknowledged registration survived, once.
    pub fn nothing_lost(&self) -> bool {
        self.lost == 0
            && self.refused_as_duplicate == 0
            && self.persons_added == self.acknowledged as i64
    }
}

/// Sets up the pair, runs the load through a failover and checks the result.
pub async fn run(options: &FailoverOptions) -> anyhow::Result<FailoverReport> {
    pg_mirror(
        &options.script,
        &[
            "up",
            &options.name,
            &options.primary_port.to_string(),
            &options.mirror_port.to_string(),
        ],
    )?;
    std::fs::create_dir_all(&options.workdir)?;
    let process = Renkou {
        binary: options.renkou.clone(),
        db: format!(
            "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/renkou",
            options.primary_port, options.mirror_port
        ),
        workdir: options.workdir.clone(),
        env: Vec::new(),
    };
    process.run(&["init", "--regions-prefix", "51"])?;
    let villages = villages(&process.db).await?;
    add_operators(
        &process,
        0..options.writers + options.readers,
        "county_manager",
        COUNTY,
    )?;
    let persons_before = counted_persons(&process.db).await?;
    let port = free_port()?;
    let mut server = process.serve(port).await?;
    let base = format!("http://127.0.0.1:{port}");

    let load = Load::new();
    let mut clients = Vec::new();
    for w in 0..options.writers {
        let (load, base, villages) = (load.clone(), base.clone(), villages.clone());
        clients.push(tokio::spawn(async move {
            write(load, base, w, w, villages).await
        }));
    }
    for r in 0..options.readers {
        let (load, base) = (load.clone(), base.clone());
        let user = options.writers + r;
        clients.push(tokio::spawn(async move { read(load, base, user).await }));
    }
    tokio::time::sleep(options.before).await;
    pg_mirror(&options.script, &["kill-primary", &options.name])?;
    // The primary is down from here: an answer to a request sent later came
    // from the mirror.
    let crash = Instant::now();
    tokio::time::sleep(options.promote_delay).await;
    pg_mirror(&options.script, &["promote", &options.name])?;
    tokio::time::sleep(options.after).await;
    load.stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await??;
    }
    let _ = server.kill();
    let _ = server.wait();

    let acknowledged = load.acknowledged.lock().await.clone();
    let store = Store::open(&process.db).await?;
    let mut lost = 0;
    for (id, number) in &acknowledged {
        let held = store.person(*id).await?;
        if held.and_then(|p| p.id_number).as_ref() != Some(number) {
            lost += 1;
        }
    }
    store.close().await;
    let persons_added = counted_persons(&process.db).await? - persons_before;
    let answers = load.answers.lock().await;
    let (unavailable, first_write) = gaps(&answers, crash);
    Ok(FailoverReport {
        acknowledged: acknowledged.len() as u64,
        acknowledged_after: answers.iter().filter(|a| a.write && a.sent > crash).count() as u64,
        reads: answers.iter().filter(|a| !a.write).count() as u64,
        client_retries: load.client_retries.load(Ordering::SeqCst),
        refused_as_duplicate: load.duplicates.load(Ordering::SeqCst),
        lost,
        persons_added,
        unavailable_seconds: unavailable,
        first_write_after_seconds: first_write,
        slowest_answer_seconds: answers.iter().map(|a| a.waited).fold(0.0, f64::max),
    })
}

async fn counted_persons(db: &str) -> anyhow::Result<i64> {
    let store = Store::open(db).await?;
    let persons = store.counts().await?.persons;
    store.close().await;
    Ok(persons)
}

/// The longest time in the run during which no client got an answer (the
/// failover's, unless something else stalled longer), and the time from the
/// primary's stop to the first registration sent after it and answered.
fn gaps(answers: &[Answer], crash: Instant) -> (f64, f64) {
    let mut times: Vec<Instant> = answers.iter().map(|a| a.at).collect();
    times.sort();
    let unavailable = times
        .windows(2)
        .map(|pair| pair[1].duration_since(pair[0]).as_secs_f64())
        .fold(0.0, f64::max);
    let first_write = answers
        .iter()
        .filter(|a| a.write && a.sent > crash)
        .map(|a| a.at.duration_since(crash).as_secs_f64())
        .fold(f64::INFINITY, f64::min);
    (unavailable, first_write)
}
