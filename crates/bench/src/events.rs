//! Event registration with its audit entry, three ways in the same run, in
//! rotating blocks: the event committed first and its entry written after by
//! the group-commit sink (as before); the entry written inside the event's
//! transaction (as now); and that with an idempotency key too (as a form or a
//! retrying client sends). Several writers at once, as a server has.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::RegionCode;
use renkou_domain::rules::Command;
use renkou_server::AuditSink;
use renkou_store::{AuditEntry, AuditKey, EventMeta, IdempotencyKey, Scope, Store, WriteContext};

/// Writers at once.
const WRITERS: usize = 8;

/// How the audit entry is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audit {
    AfterCommit,
    InTransaction,
    InTransactionWithKey,
}

/// The modes, in the order the blocks rotate through them.
const MODES: [Audit; 3] = [
    Audit::AfterCommit,
    Audit::InTransaction,
    Audit::InTransactionWithKey,
];

/// Rounds: each mode four times, so that a slow spell (a WAL checkpoint,
/// autovacuum) falls on all of them alike.
const ROUNDS: usize = 12;

pub async fn run(db: &str, events: usize) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let engine = store.engine();
    let province = RegionCode::parse("510000000000")?;
    let villages: Arc<Vec<RegionCode>> = Arc::new(
        store
            .villages(&province)
            .await?
            .into_iter()
            .filter_map(|r| RegionCode::parse(&r.code).ok())
            .collect(),
    );
    anyhow::ensure!(
        !villages.is_empty(),
        "no villages under 510000: run `renkou demo` first"
    );
    let sink = Arc::new(AuditSink::start(store.clone(), AuditKey::generate(), None));
    let block = (events / ROUNDS).max(WRITERS);
    let mut spent = [Duration::ZERO; 3];
    let mut done = [0usize; 3];
    for round in 0..ROUNDS {
        let i = round % MODES.len();
        let mode = MODES[i];
        let start = Instant::now();
        let next = Arc::new(AtomicUsize::new(0));
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let (store, sink, villages, next) =
                (store.clone(), sink.clone(), villages.clone(), next.clone());
            writers.push(tokio::spawn(async move {
                let mut rng = ChaCha8Rng::seed_from_u64((round * WRITERS + w) as u64);
                while next.fetch_add(1, Ordering::Relaxed) < block {
                    register_one(&store, &sink, &villages, &mut rng, mode, round).await?;
                }
                anyhow::Ok(())
            }));
        }
        for w in writers {
            w.await??;
        }
        spent[i] += start.elapsed();
        done[i] += block;
    }
    let rate = |i: usize| done[i] as f64 / spent[i].as_secs_f64();
    // Positive: slower than before.
    let cost = |i: usize| (rate(0) / rate(i) - 1.0) * 100.0;
    println!(
        "{engine}: event registration ({WRITERS} writers, births): audit entry after the commit \
         (before) {:.0} events/s; in the transaction {:.0} events/s ({:+.1}% time per event); in the \
         transaction with an idempotency key {:.0} events/s ({:+.1}% time per event)",
        rate(0),
        rate(1),
        cost(1),
        rate(2),
        cost(2)
    );
    Ok(())
}

/// One birth in a random village, audited the given way.
async fn register_one(
    store: &Store,
    sink: &AuditSink,
    villages: &[RegionCode],
    rng: &mut ChaCha8Rng,
    mode: Audit,
    round: usize,
) -> anyhow::Result<()> {
    let today = renkou_domain::date::today_in_china();
    let village = villages[rng.random_range(0..villages.len())];
    let birth = today - chrono::Duration::days(rng.random_range(0..300));
    let command = Command::Birth {
        details: Default::default(),
        child: crate::stats::newborn(rng, birth, village),
        mother: None,
        father: None,
    };
    let meta = EventMeta {
        recorder: "bench".into(),
        source: "bench".into(),
    };
    let entry = AuditEntry {
        actor: "bench".into(),
        action: "record_event".into(),
        person_id: None,
        detail: "birth".into(),
        address: None,
    };
    let scope = Scope::new([village.ancestor(renkou_domain::RegionLevel::Province)]);
    match mode {
        Audit::InTransaction | Audit::InTransactionWithKey => {
            let context = WriteContext {
                audit: Some(entry),
                idempotency: (mode == Audit::InTransactionWithKey).then(|| IdempotencyKey {
                    actor: "bench".into(),
                    // Not from the seeded generator: a key of an earlier run
                    // would answer that run's answer and record nothing.
                    key: format!("{round}-{}", rand::random::<u64>()),
                    request_hash: "bench".into(),
                }),
                review: false,
                rules: renkou_store::Rules {
                    policies: renkou_domain::wis::PolicyRule::defaults(),
                    ..Default::default()
                },
            };
            store.record_in(&command, &meta, &scope, &context).await?;
            sink.nudge();
        }
        Audit::AfterCommit => {
            let recorded = store
                .record_in(&command, &meta, &scope, &WriteContext::default())
                .await?;
            let entry = AuditEntry {
                person_id: Some(recorded.person_id.0),
                ..entry
            };
            sink.write(vec![entry])
                .await
                .map_err(|e| anyhow::anyhow!("audit: {}", e.message))?;
        }
    }
    Ok(())
}
