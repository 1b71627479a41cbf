//! The exchange feed never passes an event that commits late: on
//! PostgreSQL an event whose transaction is still running holds back every
//! event written after it, and once it commits the feed gives both, in the
//! order of their transactions; a subscriber that resumes from its cursor
//! misses nothing.

use renkou_domain::RegionCode;
use renkou_store::testing::TestDb;
use renkou_store::{FeedCursor, Store};

const INSERT: &str = "INSERT INTO events (person_id, kind, effective_date, recorded_at, recorder, source, \
                      region_code, changes) VALUES ($1, 'verification', DATE '2026-11-01', now(), 't', 't', \
                      '510104017001', '[]'::jsonb) RETURNING id";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_that_commits_late_is_not_skipped() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let Store::Postgres(pool) = &db.store else {
        unreachable!("a PostgreSQL test database")
    };
    let county = [RegionCode::parse("510104000000").unwrap()];
    // A slow transaction writes first and stays open.
    let mut slow = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *slow)
        .await
        .unwrap();
    let late: i64 = sqlx::query_scalar(INSERT)
        .bind(1i64)
        .fetch_one(&mut *slow)
        .await
        .unwrap();
    // A quick one commits after it started.
    let quick: i64 = sqlx::query_scalar(INSERT)
        .bind(2i64)
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(quick > late);
    let held = db
        .store
        .feed(FeedCursor::default(), &county, 100)
        .await
        .unwrap();
    assert!(
        held.events.is_empty(),
        "nothing after a transaction still running: {:?}",
        held.events.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    slow.commit().await.unwrap();
    // Other tests' transactions elsewhere in the cluster may hold the feed a
    // moment longer: poll as a subscriber does.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let page = loop {
        let page = db.store.feed(held.next, &county, 100).await.unwrap();
        if page.events.len() >= 2 || std::time::Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let ids: Vec<i64> = page.events.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![late, quick]);
    // Resuming from the end finds nothing new.
    let again = db.store.feed(page.next, &county, 100).await.unwrap();
    assert!(again.events.is_empty());
    assert_eq!(again.next, page.next);
    db.finish().await;
}
