//! Figures of the statistics (issue 4), each beside the raw engine in the
//! same run: the province report at county level from the counters against
//! the same figures by a plain `GROUP BY` over the persons; `stats verify`
//! on the whole register; and events per second with and without counters.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::report::{Cell, ReportName};
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{PersonId, PersonName, RegionCode, RegionLevel, Sex};
use renkou_store::{EventMeta, ReportRequest, Store, set_counters_enabled};

/// The plain way: every living person read and grouped by county, sex and age group.
const GROUP_BY: &str = "SELECT substr(residence, 1, 6), sex, \
     CASE WHEN $1 - CAST(substr(CAST(birth_date AS TEXT), 1, 4) AS INTEGER) >= 85 THEN 17 \
     ELSE ($1 - CAST(substr(CAST(birth_date AS TEXT), 1, 4) AS INTEGER)) / 5 END, CAST(COUNT(*) AS BIGINT) \
     FROM persons WHERE status = 'active' AND residence >= '510000000000' AND residence < '520000000000' \
     AND CAST(substr(CAST(birth_date AS TEXT), 1, 4) AS INTEGER) <= $1 GROUP BY 1, 2, 3";

fn median_and_p95(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.95))
}

/// A province report at county level, run `samples` times after a first
/// run: the last report and each run's time.
pub(crate) async fn province_report(
    store: &Store,
    name: ReportName,
    samples: usize,
) -> anyhow::Result<(renkou_domain::report::Report, Vec<Duration>)> {
    let request = ReportRequest {
        name,
        region: RegionCode::parse("510000000000")?,
        level: Some(RegionLevel::County),
        date: None,
        period: None,
        today: renkou_domain::date::today_in_china(),
    };
    let mut report = store.report(&request).await?;
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        report = store.report(&request).await?;
        times.push(start.elapsed());
    }
    Ok((report, times))
}

/// The plain query run a few times (at least 3, at most 7): its last rows
/// and each run's time.
pub(crate) async fn timed_group_by<T>(
    store: &Store,
    sql: &'static str,
    year: i32,
    samples: usize,
) -> anyhow::Result<(Vec<T>, Vec<Duration>)>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let mut rows = Vec::new();
    let mut times = Vec::new();
    for _ in 0..samples.clamp(3, 7) {
        let start = Instant::now();
        rows = match store {
            Store::Sqlite(pool) => sqlx::query_as(sql).bind(year).fetch_all(pool).await?,
            Store::Postgres(pool) => sqlx::query_as(sql).bind(year).fetch_all(pool).await?,
        };
        times.push(start.elapsed());
    }
    Ok((rows, times))
}

/// Checks the report against the plain figures county by county and cell
/// by cell; how many cells agree.
pub(crate) fn cells_equal(
    report: &renkou_domain::report::Report,
    plain: &BTreeMap<String, BTreeMap<String, i64>>,
) -> anyhow::Result<usize> {
    let mut cells = 0;
    for row in &report.rows {
        let expected = plain.get(row.region_code.as_str());
        for (key, cell) in &row.cells {
            if let Cell::Count(n) = cell {
                let want = expected.and_then(|e| e.get(key)).copied().unwrap_or(0);
                anyhow::ensure!(
                    *n == want,
                    "{} {key}: counters {n}, GROUP BY {want}",
                    row.region_code
                );
                cells += 1;
            }
        }
    }
    Ok(cells)
}

pub async fn run(db: &str, samples: usize, events: usize) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let today = renkou_domain::date::today_in_china();
    let engine = store.engine();
    let province = RegionCode::parse("510000000000")?;

    // 1. The province report at county level, and the same figures the plain way.
    let (report, times) = province_report(&store, ReportName::Population, samples).await?;
    let (report_median, report_p95) = median_and_p95(times);
    let (rows, times): (Vec<(String, String, i32, i64)>, _) =
        timed_group_by(&store, GROUP_BY, today.year(), samples).await?;
    let mut plain: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (county, sex, group, n) in rows {
        let row = plain.entry(format!("{county}000000")).or_default();
        *row.entry("total".into()).or_default() += n;
        let sex = match sex.as_str() {
            "1" => "male",
            "2" => "female",
            _ => "other",
        };
        *row.entry(sex.into()).or_default() += n;
        let label = renkou_domain::stats::age_group_label(group as usize);
        let key = format!("age_{}", label.replace('-', "_").replace('+', "_plus"));
        *row.entry(key).or_default() += n;
    }
    let (plain_median, _) = median_and_p95(times);
    // The two must agree, county by county and cell by cell.
    let cells = cells_equal(&report, &plain)?;
    let total = report
        .total
        .get("total")
        .and_then(|c| c.count())
        .unwrap_or(0);
    println!(
        "{engine}: province report at county level ({} counties, {total} living, {cells} cells equal to GROUP BY): \
         counters median {report_median:.2} ms (p95 {report_p95:.2} ms), plain GROUP BY over persons median \
         {plain_median:.0} ms, ratio {:.0}x",
        report.rows.len(),
        plain_median / report_median
    );

    // 2. stats verify on the whole register.
    let start = Instant::now();
    let verify = store.verify_counters(None).await?;
    println!(
        "{engine}: stats verify: {} persons, {} events, {} counters, {} differences in {:.1} s",
        verify.persons,
        verify.events,
        verify.counters,
        verify.differences.len(),
        start.elapsed().as_secs_f64()
    );
    anyhow::ensure!(
        verify.differences.is_empty(),
        "counters disagree before the event run"
    );

    // 3. Events per second, with and without counters, in alternating blocks.
    if events > 0 {
        let villages: Vec<RegionCode> = store
            .villages(&province)
            .await?
            .into_iter()
            .filter_map(|r| RegionCode::parse(&r.code).ok())
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let meta = EventMeta {
            recorder: "bench".into(),
            source: "bench".into(),
        };
        let block = (events / 4).max(1);
        let mut spent = [Duration::ZERO, Duration::ZERO];
        let mut done = [0usize, 0usize];
        for round in 0..4 {
            let counting = round % 2 == 0;
            set_counters_enabled(counting);
            let start = Instant::now();
            let mut born: Vec<PersonId> = Vec::new();
            for i in 0..block {
                // A birth, then the newborn's family moving to another village.
                let command = if i % 2 == 1 && !born.is_empty() {
                    Command::MoveWithin {
                        person: born[born.len() - 1],
                        to: villages[rng.random_range(0..villages.len())],
                        date: today,
                    }
                } else {
                    let birth = today - chrono::Duration::days(rng.random_range(0..300));
                    let village = villages[rng.random_range(0..villages.len())];
                    Command::Birth {
                        details: Default::default(),
                        child: newborn(&mut rng, birth, village),
                        mother: None,
                        father: None,
                    }
                };
                // A move to the village the child already lives in is refused
                // (nothing to change); it still took a round trip, so it counts.
                match store.record_at(&command, &meta, today).await {
                    Ok(recorded) if matches!(command, Command::Birth { .. }) => {
                        born.push(recorded.person_id)
                    }
                    Ok(_) | Err(renkou_store::StoreError::Rule(_)) => {}
                    Err(e) => {
                        set_counters_enabled(true);
                        return Err(e.into());
                    }
                }
            }
            spent[usize::from(!counting)] += start.elapsed();
            done[usize::from(!counting)] += block;
        }
        set_counters_enabled(true);
        let rate = |i: usize| done[i] as f64 / spent[i].as_secs_f64();
        println!(
            "{engine}: event registration (one writer, births and moves): with counters {:.0} events/s, \
             without {:.0} events/s, counters cost {:.0}%",
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
    }
    Ok(())
}

pub(crate) fn newborn(rng: &mut ChaCha8Rng, birth: NaiveDate, residence: RegionCode) -> NewPerson {
    let names = ["张小雨", "李子涵", "王梓萱", "刘宇轩", "陈思远", "杨欣怡"];
    NewPerson {
        id_number: None,
        name: PersonName::parse(names[rng.random_range(0..names.len())])
            .unwrap_or_else(|_| unreachable!()),
        sex: if rng.random_bool(0.51) {
            Sex::Male
        } else {
            Sex::Female
        },
        birth_date: birth,
        ethnicity: None,
        residence,
        hukou_region: Some(residence),
        hukou_type: None,
        household_id: None,
        relation: None,
        marital_status: None,
        education: None,
        birth_order: None,
    }
}
