//! The exchange feed as a subscriber reads it: events per second through
//! `GET /api/v1/exchange/feed` (served in process: token, scope, field
//! filter, audit of every person read), beside the raw engine reading the
//! same number of events in id order.

use std::time::Instant;

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use http_body_util::BodyExt;
use renkou_domain::{Field, RegionCode};
use renkou_server::{AppState, Settings, router, token_hash};
use renkou_store::{AuditKey, Store};
use tower::ServiceExt;

/// Reads `events` events of `region`'s feed a page of `limit` at a time.
pub async fn run(db: &str, region: &str, events: usize, limit: usize) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let region = RegionCode::parse(region).context("--region")?;
    let secret = format!("rk_bench_feed_{}", Utc::now().timestamp_micros());
    store
        .add_api_token(
            &format!("bench-feed-{}", Utc::now().timestamp_micros()),
            &token_hash(&secret),
            &region,
            &[
                Field::Name,
                Field::Sex,
                Field::BirthDate,
                Field::Residence,
                Field::Status,
            ],
            "bench",
            Utc::now() + Duration::days(1),
        )
        .await?;
    let app = router(AppState::with(
        store.clone(),
        Settings::default(),
        AuditKey::from_bytes([3; 32]),
        None,
    ));
    let start = Instant::now();
    let (mut read, mut shown, mut pages, mut after) = (0usize, 0usize, 0usize, String::new());
    while read < events {
        let request = Request::get(format!("/api/v1/exchange/feed?after={after}&limit={limit}"))
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())?;
        let answer = app.clone().oneshot(request).await?;
        anyhow::ensure!(
            answer.status() == StatusCode::OK,
            "feed answered {}",
            answer.status()
        );
        let body = answer.into_body().collect().await?.to_bytes();
        let page: serde_json::Value = serde_json::from_slice(&body)?;
        let next = page["next"].as_str().unwrap_or_default().to_string();
        let items = page["items"].as_array().map_or(0, Vec::len);
        pages += 1;
        shown += items;
        // Events the cursor moved past (an event with none of the token's
        // fields is left out of the page but read all the same).
        let moved = next
            .split_once('.')
            .and_then(|(_, id)| id.parse::<i64>().ok())
            .unwrap_or(0);
        let before = after
            .split_once('.')
            .and_then(|(_, id)| id.parse::<i64>().ok())
            .unwrap_or(0);
        if next == after {
            break;
        }
        read += (moved - before).max(0) as usize;
        after = next;
    }
    let api = start.elapsed().as_secs_f64();
    // The raw engine: the same events, in id order, as plain rows.
    let start = Instant::now();
    let raw = store.raw_event_scan(read as i64).await?;
    let raw_time = start.elapsed().as_secs_f64();
    println!(
        "{}: feed of {region} through the API, pages of {limit}: {shown} events shown of about {read} read in {pages} pages, \
         {api:.1} s, {:.0} events/s (every person of a page audited); raw engine, the same {raw} rows in id order: {raw_time:.2} s, {:.0} rows/s",
        store.engine(),
        read as f64 / api,
        raw as f64 / raw_time.max(1e-9)
    );
    Ok(())
}
