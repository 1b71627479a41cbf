//! The home page's headline counts at each level (province, city, county,
//! township, village), from the counters, beside the statement they replaced
//! (flows by region range at every level) and the plain count of the living
//! over the persons, in the same run. On a database migrated before 0015
//! (without its indexes) the middle column is the home page as it was.

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use renkou_domain::{RegionCode, RegionLevel};
use renkou_store::Store;

/// The home page's counts as they were read before cities and the province
/// were read by date (`$1` the stored level, `$2`..`$3` the region's codes,
/// `$4`..`$5` this year): flows by region range at every level.
const PREVIOUS: &str = "SELECT \
     (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_stock WHERE level = $1 \
      AND region_code >= $2 AND region_code < $3 AND indicator = 'living') \
   + (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_stock WHERE level = $1 \
      AND region_code >= $2 AND region_code < $3 AND indicator = 'households') \
   + (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_stock WHERE level = 'village' \
      AND region_code >= $2 AND region_code < $3 AND indicator = 'quality' AND key = 'missing_id_number') \
   + (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_flows WHERE region_code >= $2 \
      AND region_code < $3 AND effective_date >= $4 AND effective_date <= $5 \
      AND indicator = 'pop' AND kind = 'birth' AND sign = 1) \
   + (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_flows WHERE region_code >= $2 \
      AND region_code < $3 AND effective_date >= $4 AND effective_date <= $5 \
      AND indicator = 'pop' AND kind = 'death' AND sign = -1)";

/// The living counted the plain way, over the persons.
const PLAIN_LIVING: &str = "SELECT CAST(COUNT(*) AS BIGINT) FROM persons \
     WHERE status = 'active' AND residence >= $1 AND residence < $2";

fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

async fn timed<F: Future<Output = anyhow::Result<()>>>(
    samples: usize,
    mut run: impl FnMut() -> F,
) -> anyhow::Result<(f64, f64)> {
    run().await?;
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        run().await?;
        times.push(start.elapsed());
    }
    Ok(percentiles(times))
}

/// Runs a one-number statement on either engine.
async fn scalar(
    store: &Store,
    sql: &'static str,
    binds: &[&str],
    dates: &[NaiveDate],
) -> anyhow::Result<i64> {
    macro_rules! run {
        ($pool:expr) => {{
            let mut query = sqlx::query_scalar::<_, i64>(sql);
            for b in binds {
                query = query.bind(b.to_string());
            }
            for d in dates {
                query = query.bind(*d);
            }
            query.fetch_one($pool).await?
        }};
    }
    Ok(match store {
        Store::Sqlite(pool) => run!(pool),
        Store::Postgres(pool) => run!(pool),
    })
}

pub async fn run(db: &str, samples: usize) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let today = renkou_domain::date::today_in_china();
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let village: String = match &store {
        Store::Sqlite(pool) => {
            sqlx::query_scalar("SELECT residence FROM persons ORDER BY id LIMIT 1")
                .fetch_one(pool)
                .await?
        }
        Store::Postgres(pool) => {
            sqlx::query_scalar("SELECT residence FROM persons ORDER BY id LIMIT 1")
                .fetch_one(pool)
                .await?
        }
    };
    let village = RegionCode::parse(&village)?;
    println!(
        "home page counts, {} engine, {samples} samples each, p50 / p99 in ms",
        store.engine()
    );
    println!(
        "level     | summary (now)   | previous statement    | living, plain COUNT over persons"
    );
    for level in RegionLevel::ALL {
        let region = village.ancestor(level);
        let (low, high) = region.descendant_range();
        let now = timed(samples, || async {
            store.summary(&region, today).await?;
            Ok(())
        })
        .await?;
        let range = timed(samples, || async {
            let stored = if level <= RegionLevel::County {
                "county"
            } else {
                "village"
            };
            scalar(
                &store,
                PREVIOUS,
                &[stored, &low, &high],
                &[year_start, today],
            )
            .await?;
            Ok(())
        })
        .await?;
        let plain = timed(samples.min(20), || async {
            scalar(&store, PLAIN_LIVING, &[&low, &high], &[]).await?;
            Ok(())
        })
        .await?;
        println!(
            "{:<9} | {:>6.2} / {:>6.2} | {:>8.2} / {:>8.2}     | {:>8.2} / {:>8.2}",
            level.as_str(),
            now.0,
            now.1,
            range.0,
            range.1,
            plain.0,
            plain.1
        );
    }
    Ok(())
}
