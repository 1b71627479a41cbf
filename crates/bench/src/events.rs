//! Event registration with its audit entry, two ways in the same run, in
//! alternating blocks: the entry written inside the event's transaction (as
//! the server does now, with an idempotency key) against the event committed
//! first and its entry written after by the group-commit sink (as it did
//! before). Several writers at once, as a server has.

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
    InTransaction,
    AfterCommit,
}

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
    let block = (events / 4).max(WRITERS);
    let mut spent = [Duration::ZERO, Duration::ZERO];
    let mut done = [0usize, 0usize];
    for round in 0..4 {
        let mode = if round % 2 == 0 {
            Audit::InTransaction
        } else {
            Audit::AfterCommit
        };
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
        let i = usize::from(mode == Audit::AfterCommit);
        spent[i] += start.elapsed();
        done[i] += block;
    }
    let rate = |i: usize| done[i] as f64 / spent[i].as_secs_f64();
    println!(
        "{engine}: event registration ({WRITERS} writers, births): audit entry in the transaction \
         {:.0} events/s, after the commit (before) {:.0} events/s, in the transaction costs {:.1}%",
        rate(0),
        rate(1),
        (1.0 - rate(0) / rate(1)) * 100.0
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
        Audit::InTransaction => {
            let context = WriteContext {
                audit: Some(entry),
                idempotency: Some(IdempotencyKey {
                    actor: "bench".into(),
                    key: format!("{round}-{}", rng.random::<u64>()),
                    request_hash: "bench".into(),
                }),
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
