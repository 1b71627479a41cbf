//! Women of childbearing age: the work lists of the most populous township,
//! as pages served in process (session, audit and all), beside the bare
//! query the lists are computed from.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use renkou_domain::password::hash_password;
use renkou_domain::wis::Schedule;
use renkou_domain::{Grant, RegionCode, Role, Username};
use renkou_server::{AppState, Settings, router};
use renkou_store::{AuditKey, Scope, Store};
use tower::ServiceExt;

/// Prints the p50 / p99 of `requests` list pages of the township with the
/// most persons (or `region`), each list in turn.
pub async fn run(db: &str, region: Option<String>, requests: usize) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let region = match region {
        Some(code) => RegionCode::parse(&code).context("--region")?,
        None => {
            store
                .most_populous(renkou_domain::RegionLevel::Township)
                .await?
        }
    };
    let people = store
        .summary(&region, renkou_domain::date::today_in_china())
        .await?;
    let user = Username::parse("bench-jsz")?;
    let grant = Grant::new(Role::FamilyPlanningOfficer, region)?;
    if store.user(&user).await?.is_none() {
        let hash = hash_password("bench2026pass").map_err(|e| anyhow::anyhow!("{e}"))?;
        store
            .add_user(&user, Some("测试专干"), &hash, &[grant], "bench")
            .await?;
    } else {
        store.grant(&user, grant, "bench").await?;
    }
    let app = router(AppState::with(
        store.clone(),
        Settings::default(),
        AuditKey::from_bytes([3; 32]),
        None,
    ));
    let login = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"username":"bench-jsz","password":"bench2026pass"}"#,
        ))?;
    let answer = app.clone().oneshot(login).await?;
    let cookie = answer
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .context("no session cookie")?
        .to_string();
    let kinds = [
        "",
        "delivery",
        "iud_check",
        "visit",
        "newly_married",
        "postpartum",
    ];
    // Warm-up.
    for kind in kinds {
        page(&app, &cookie, &region, kind).await?;
    }
    let mut times = Vec::with_capacity(requests);
    let mut listed = 0;
    for i in 0..requests {
        let start = Instant::now();
        let bytes = page(&app, &cookie, &region, kinds[i % kinds.len()]).await?;
        times.push(start.elapsed());
        listed = listed.max(bytes);
    }
    let mut raw = Vec::with_capacity(requests);
    let scope = Scope::new([region]);
    let today = renkou_domain::date::today_in_china();
    let mut women = 0;
    for _ in 0..requests {
        let start = Instant::now();
        women = store
            .wis_listed(&region, &scope, &Schedule::default(), today)
            .await?
            .len();
        raw.push(start.elapsed());
    }
    println!(
        "township {region}: {} living persons, {women} women on a list this month",
        people.living
    );
    println!(
        "work-list pages ({requests} requests over the index and five lists): p50 {:.1} ms, p99 {:.1} ms",
        ms(percentile(&mut times, 0.5)),
        ms(percentile(&mut times, 0.99))
    );
    println!(
        "the lists' query alone, same run: p50 {:.1} ms, p99 {:.1} ms",
        ms(percentile(&mut raw, 0.5)),
        ms(percentile(&mut raw, 0.99))
    );
    Ok(())
}

async fn page(
    app: &axum::Router,
    cookie: &str,
    region: &RegionCode,
    kind: &str,
) -> anyhow::Result<usize> {
    let uri = format!("/wis/lists?region={region}&kind={kind}");
    let request = Request::get(&uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())?;
    let answer = app.clone().oneshot(request).await?;
    if answer.status() != StatusCode::OK {
        bail!("{uri}: {}", answer.status());
    }
    Ok(answer.into_body().collect().await?.to_bytes().len())
}

fn percentile(times: &mut [Duration], q: f64) -> Duration {
    times.sort_unstable();
    let i = ((times.len() as f64 - 1.0) * q).round() as usize;
    times.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
