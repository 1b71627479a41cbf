//! A township operator's list of cases due (待办办件, issue 16) with many
//! open cases in the province: `--open` open cases are spread over the
//! villages (every tenth person's village, due from ten days ago to thirty
//! days ahead), then townships' lists of the 50 due first are read through
//! the store, beside the same statement sent to the engine directly.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use renkou_domain::RegionCode;
use renkou_store::Store;

/// The plain statement of the list (the store's, without its decoding).
const RAW: &str = "SELECT id, kind, owner_region, state, due_at FROM cases \
     WHERE owner_region >= $1 AND owner_region < $2 AND due_at IS NOT NULL \
     ORDER BY due_at, id LIMIT 50";

fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

/// Seeds the open cases (once: a second run finds them) and measures.
pub async fn run(db: &str, open: i64, samples: usize) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    seed(&store, open).await?;
    let owners: Vec<String> = match &store {
        Store::Sqlite(pool) => {
            sqlx::query_scalar("SELECT DISTINCT owner_region FROM cases WHERE source = 'bench-due'")
                .fetch_all(pool)
                .await?
        }
        Store::Postgres(pool) => {
            sqlx::query_scalar("SELECT DISTINCT owner_region FROM cases WHERE source = 'bench-due'")
                .fetch_all(pool)
                .await?
        }
    };
    let townships: Vec<RegionCode> = owners
        .iter()
        .filter_map(|c| RegionCode::parse(c).ok())
        .map(|c| c.ancestor(renkou_domain::RegionLevel::Township))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let open_now: i64 = match &store {
        Store::Sqlite(pool) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE due_at IS NOT NULL")
                .fetch_one(pool)
                .await?
        }
        Store::Postgres(pool) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE due_at IS NOT NULL")
                .fetch_one(pool)
                .await?
        }
    };
    println!("{open_now} open cases in {} townships", townships.len());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
    let picks: Vec<RegionCode> = (0..samples)
        .filter_map(|_| townships.choose(&mut rng).copied())
        .collect();
    let (mut through_store, mut raw) = (Vec::new(), Vec::new());
    let mut rows = 0;
    for township in &picks {
        let start = Instant::now();
        rows += store.cases_due(township, 50).await?.len();
        through_store.push(start.elapsed());
        let (low, high) = township.descendant_range();
        let start = Instant::now();
        match &store {
            Store::Sqlite(pool) => {
                sqlx::query(RAW)
                    .bind(&low)
                    .bind(&high)
                    .fetch_all(pool)
                    .await?;
            }
            Store::Postgres(pool) => {
                sqlx::query(RAW)
                    .bind(&low)
                    .bind(&high)
                    .fetch_all(pool)
                    .await?;
            }
        }
        raw.push(start.elapsed());
    }
    let (p50, p99) = percentiles(through_store);
    let (raw50, raw99) = percentiles(raw);
    println!(
        "township list of cases due ({} lists, {:.1} rows each): p50 {p50:.2} ms, p99 {p99:.2} ms \
         (the plain statement: p50 {raw50:.2} ms, p99 {raw99:.2} ms)",
        picks.len(),
        rows as f64 / picks.len().max(1) as f64
    );
    Ok(())
}

/// Opens `open` cases owned by villages, as notices assigned to them.
async fn seed(store: &Store, open: i64) -> anyhow::Result<()> {
    let persons: Vec<(i64, String)> = match store {
        Store::Sqlite(pool) => {
            sqlx::query_as(
                "SELECT id, residence FROM persons WHERE id % 10 = 0 ORDER BY id LIMIT $1",
            )
            .bind(open)
            .fetch_all(pool)
            .await?
        }
        Store::Postgres(pool) => {
            sqlx::query_as(
                "SELECT id, residence FROM persons WHERE id % 10 = 0 ORDER BY id LIMIT $1",
            )
            .bind(open)
            .fetch_all(pool)
            .await?
        }
    };
    let now = Utc::now();
    let start = Instant::now();
    for chunk in persons.chunks(1_000) {
        macro_rules! insert {
            ($pool:expr) => {{
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO cases (kind, source, external_id, person_id, sender_region, \
                     recipient_region, owner_region, state, confidence, inside_province, opened_at, due_at) ",
                );
                q.push_values(chunk, |mut row, (id, village)| {
                    let due = now + chrono::Duration::days(id / 10 % 40 - 10);
                    row.push_bind("migrant_notice")
                        .push_bind("bench-due")
                        .push_bind(format!("due:{id}"))
                        .push_bind(*id)
                        .push_bind(village)
                        .push_bind(village)
                        .push_bind(village)
                        .push_bind("assigned")
                        .push_bind(1.0f64)
                        .push_bind(true)
                        .push_bind(now)
                        .push_bind(due);
                });
                q.push(" ON CONFLICT (source, external_id) DO NOTHING");
                q.build().execute($pool).await?;
            }};
        }
        match store {
            Store::Sqlite(pool) => insert!(pool),
            Store::Postgres(pool) => insert!(pool),
        }
    }
    println!(
        "seeded {} open cases in {:.1} s",
        persons.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
