//! Figures of the women's cards' statistics (issue 14), each beside the raw
//! engine in the same run: the `contraception` report at province level by
//! county from the counters, against the same figures by a plain `GROUP BY`
//! over the persons (checked equal, cell by cell); and events per second
//! with the new counters (and the policy rules) against without them, in
//! alternating blocks.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::report::ReportName;
use renkou_domain::rules::Command;
use renkou_domain::wis::PolicyRule;
use renkou_domain::{PersonId, RegionCode};
use renkou_store::{EventMeta, Scope, Store, WriteContext, set_wis_counters_enabled};

use crate::stats::{cells_equal, newborn, province_report, timed_group_by};

/// The plain way: married women 15–49 (by birth year) living in the
/// province, by county and current method.
const GROUP_BY: &str = "SELECT substr(residence, 1, 6), COALESCE(contraception, '00'), CAST(COUNT(*) AS BIGINT) \
     FROM persons WHERE status = 'active' AND sex = '2' AND marital_status LIKE '2%' \
     AND residence >= '510000000000' AND residence < '520000000000' \
     AND $1 - CAST(substr(CAST(birth_date AS TEXT), 1, 4) AS INTEGER) BETWEEN 15 AND 49 GROUP BY 1, 2";

/// Mothers for the event run: married women 20–40 living in the province.
const MOTHERS: &str = "SELECT id, residence FROM persons WHERE status = 'active' AND sex = '2' \
     AND marital_status LIKE '2%' AND birth_date >= $1 AND birth_date <= $2 \
     AND residence >= '510000000000' AND residence < '520000000000' ORDER BY id LIMIT 20000";

fn quantiles(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.95), at(0.99))
}

pub async fn run(db: &str, samples: usize, events: usize) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let today = renkou_domain::date::today_in_china();
    let engine = store.engine();

    // 1. The report from the counters, and the same figures the plain way.
    let (report, times) = province_report(&store, ReportName::Contraception, samples).await?;
    let (median, p95, p99) = quantiles(times);
    let (rows, times): (Vec<(String, String, i64)>, _) =
        timed_group_by(&store, GROUP_BY, today.year(), samples).await?;
    let mut plain: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (county, method, n) in rows {
        let row = plain.entry(format!("{county}000000")).or_default();
        *row.entry("married_women".into()).or_default() += n;
        let Ok(method) = renkou_domain::wis::Method::parse(&method) else {
            continue;
        };
        if method.contracepts() {
            *row.entry("contracepting".into()).or_default() += n;
            *row.entry(format!("m{}", method.code())).or_default() += n;
        }
        if method.long_acting() {
            *row.entry("long_acting".into()).or_default() += n;
        }
    }
    let (plain_median, _, _) = quantiles(times);
    let cells = cells_equal(&report, &plain)?;
    let total = |key: &str| report.total.get(key).and_then(|c| c.count()).unwrap_or(0);
    println!(
        "{engine}: contraception report at province level by county ({} counties, {} married women 15-49, \
         {} contracepting, {cells} cells equal to GROUP BY): counters median {median:.2} ms \
         (p95 {p95:.2} ms, p99 {p99:.2} ms), plain GROUP BY over persons median {plain_median:.0} ms",
        report.rows.len(),
        total("married_women"),
        total("contracepting"),
    );

    // 2. Events per second with the new counters and rules, and without.
    if events > 0 {
        event_rates(&store, today, events).await?;
    }
    Ok(())
}

/// Births to married women and moves of women, in alternating blocks with
/// and without the women's cards' counters and policy rules.
async fn event_rates(store: &Store, today: NaiveDate, events: usize) -> anyhow::Result<()> {
    let engine = store.engine();
    let first = NaiveDate::from_ymd_opt(today.year() - 40, 1, 1);
    let last = NaiveDate::from_ymd_opt(today.year() - 20, 12, 31);
    let mothers: Vec<(i64, String)> = match store {
        Store::Sqlite(pool) => {
            sqlx::query_as(MOTHERS)
                .bind(first)
                .bind(last)
                .fetch_all(pool)
                .await?
        }
        Store::Postgres(pool) => {
            sqlx::query_as(MOTHERS)
                .bind(first)
                .bind(last)
                .fetch_all(pool)
                .await?
        }
    };
    anyhow::ensure!(!mothers.is_empty(), "no married women to give birth");
    let villages: Vec<RegionCode> = store
        .villages(&RegionCode::parse("510000000000")?)
        .await?
        .into_iter()
        .filter_map(|r| RegionCode::parse(&r.code).ok())
        .collect();
    let scope = Scope::new([RegionCode::parse("510000000000")?]);
    let with = WriteContext {
        rules: renkou_store::Rules {
            policies: PolicyRule::defaults(),
            ..Default::default()
        },
        ..WriteContext::default()
    };
    let without = WriteContext::default();
    let meta = EventMeta {
        recorder: "bench".into(),
        source: "bench".into(),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let block = (events / 4).max(1);
    let mut spent = [Duration::ZERO, Duration::ZERO];
    let mut done = [0usize, 0usize];
    let mut next = 0usize;
    for round in 0..4 {
        let counting = round % 2 == 0;
        set_wis_counters_enabled(counting);
        let context = if counting { &with } else { &without };
        let start = Instant::now();
        for i in 0..block {
            let (mother, residence) = &mothers[next % mothers.len()];
            next += 1;
            let command = if i % 2 == 0 {
                let birth = today - chrono::Duration::days(rng.random_range(0..60));
                Command::Birth {
                    details: Default::default(),
                    child: newborn(&mut rng, birth, RegionCode::parse(residence)?),
                    mother: Some(PersonId(*mother)),
                    father: None,
                }
            } else {
                Command::MoveWithin {
                    person: PersonId(*mother),
                    to: villages[rng.random_range(0..villages.len())],
                    date: today,
                }
            };
            // A refusal (a move to her own village) still took a round trip.
            match store.record_in(&command, &meta, &scope, context).await {
                Ok(_) | Err(renkou_store::StoreError::Rule(_)) => {}
                Err(e) => {
                    set_wis_counters_enabled(true);
                    return Err(e.into());
                }
            }
        }
        spent[usize::from(!counting)] += start.elapsed();
        done[usize::from(!counting)] += block;
    }
    set_wis_counters_enabled(true);
    let rate = |i: usize| done[i] as f64 / spent[i].as_secs_f64();
    println!(
        "{engine}: event registration (births to married women and their moves, one writer): \
         with the WIS counters and policy rules {:.0} events/s, without {:.0} events/s, cost {:.0}%",
        rate(0),
        rate(1),
        (1.0 - rate(0) / rate(1)) * 100.0
    );
    // The uncounted events are counted now, so the register stays right.
    let start = Instant::now();
    store.rebuild_counters().await?;
    println!(
        "{engine}: stats rebuild {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
