//! Recounting the statistics from persons, households and events, to check
//! the counters (`renkou stats verify`) or to build them where they are
//! missing (a database from before the counters existed).

use std::collections::HashMap;

use chrono::NaiveDate;
use renkou_domain::{Person, RegionCode};
use serde::Serialize;

use crate::database::rows::{EventRow, PersonRow, person_columns};
use crate::database::tx::Tx;
use crate::error::StoreResult;
use crate::statistics::counters::{CounterDelta, FlowRow, ReplayEvent, replay};
use crate::{Store, on_pool};

/// Persons read per round trip while recounting.
const PAGE: i64 = 50_000;

/// A flow counter's key as read from the table.
type FlowId = (
    String,
    NaiveDate,
    NaiveDate,
    String,
    String,
    String,
    i16,
    String,
);

/// One counter that disagrees with the recount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CounterDifference {
    /// `stock`, `flows` or (PostgreSQL) `pyramid`.
    pub table: &'static str,
    /// The counter's key, as `level region indicator key` or
    /// `region date recorded kind indicator key sign other`.
    pub counter: String,
    /// What the counter holds.
    pub stored: i64,
    /// What the recount found.
    pub recounted: i64,
}

/// The outcome of `stats verify`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// Persons read.
    pub persons: u64,
    /// Events replayed.
    pub events: u64,
    /// Counters compared.
    pub counters: u64,
    /// Every counter that disagrees (empty when all agree).
    pub differences: Vec<CounterDifference>,
}

impl Store {
    /// Recounts every indicator from persons, households and events and
    /// compares the counters inside `within` (all when `None`) with it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify_counters(&self, within: Option<&RegionCode>) -> StoreResult<VerifyReport> {
        let (recount, persons, events) = self.recount().await?;
        let (low, high) =
            within.map_or(("0".to_string(), ":".to_string()), |r| r.descendant_range());
        let inside = |code: &str| code >= low.as_str() && code < high.as_str();

        let mut stored_stock: HashMap<(String, String, String, String), i64> = HashMap::new();
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, String, String, i64)>(
            "SELECT level, region_code, indicator, key, n FROM stat_stock WHERE region_code >= $1 AND region_code < $2",
        ).bind(&low).bind(&high).fetch_all(pool).await?);
        for (level, region, indicator, key, n) in rows {
            stored_stock.insert((level, region, indicator, key), n);
        }
        let mut differences = Vec::new();
        let mut compared = 0u64;
        for ((level, k), n) in &recount.stock {
            if !inside(k.region.as_str()) || *n == 0 {
                continue;
            }
            compared += 1;
            let id = (
                level.as_str().to_string(),
                k.region.to_string(),
                k.indicator.as_str().to_string(),
                k.key.clone(),
            );
            let stored = stored_stock.remove(&id).unwrap_or(0);
            if stored != *n {
                differences.push(CounterDifference {
                    table: "stock",
                    counter: format!("{} {} {} {}", id.0, id.1, id.2, id.3),
                    stored,
                    recounted: *n,
                });
            }
        }
        for ((level, region, indicator, key), n) in stored_stock {
            if n != 0 {
                differences.push(CounterDifference {
                    table: "stock",
                    counter: format!("{level} {region} {indicator} {key}"),
                    stored: n,
                    recounted: 0,
                });
            }
        }

        let mut stored_flows: HashMap<FlowId, i64> = HashMap::new();
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, NaiveDate, NaiveDate, String, String, String, i16, String, i64)>(
            "SELECT region_code, effective_date, recorded_date, kind, indicator, key, CAST(sign AS SMALLINT), other, n \
             FROM stat_flows WHERE region_code >= $1 AND region_code < $2",
        ).bind(&low).bind(&high).fetch_all(pool).await?);
        for (region, eff, rec, kind, indicator, key, sign, other, n) in rows {
            stored_flows.insert((region, eff, rec, kind, indicator, key, sign, other), n);
        }
        for (f, n) in &recount.flows {
            if !inside(f.flow.counter.region.as_str()) || *n == 0 {
                continue;
            }
            compared += 1;
            let id = flow_id(f);
            let stored = stored_flows.remove(&id).unwrap_or(0);
            if stored != *n {
                differences.push(CounterDifference {
                    table: "flows",
                    counter: describe_flow(&id),
                    stored,
                    recounted: *n,
                });
            }
        }
        for (id, n) in stored_flows {
            if n != 0 {
                differences.push(CounterDifference {
                    table: "flows",
                    counter: describe_flow(&id),
                    stored: n,
                    recounted: 0,
                });
            }
        }
        if let Store::Postgres(pool) = self {
            differences.extend(array_differences(pool, &low, &high).await?);
        }
        differences.sort_by(|a, b| (a.table, &a.counter).cmp(&(b.table, &b.counter)));
        Ok(VerifyReport {
            persons,
            events,
            counters: compared,
            differences,
        })
    }

    /// Replaces every counter with a recount.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rebuild_counters(&self) -> StoreResult<()> {
        let (recount, _, _) = self.recount().await?;
        macro_rules! rebuild {
            ($tx:ident) => {{
                let mut tx = $tx;
                sqlx::query("DELETE FROM stat_stock")
                    .execute(&mut *tx.0)
                    .await?;
                sqlx::query("DELETE FROM stat_flows")
                    .execute(&mut *tx.0)
                    .await?;
                tx.add_counts(&recount).await?;
                tx.commit().await
            }};
        }
        match self {
            Store::Sqlite(pool) => {
                let tx = crate::database::sqlite::SqliteTx::begin(pool).await?;
                rebuild!(tx)?;
            }
            Store::Postgres(pool) => {
                let tx = crate::database::postgres::PgTx::begin(pool).await?;
                rebuild!(tx)?;
            }
        }
        self.tidy_after_bulk().await
    }

    /// Builds the counters of a register that has persons but no counters yet
    /// (one written before the counters existed). Cheap when there is nothing to do.
    pub(crate) async fn ensure_counters(&self) -> StoreResult<()> {
        let (persons, counted) = on_pool!(self, pool => sqlx::query_as::<_, (bool, bool)>(
            "SELECT EXISTS (SELECT 1 FROM persons), EXISTS (SELECT 1 FROM stat_stock)",
        ).fetch_one(pool).await?);
        if persons && !counted {
            tracing::info!("building the statistics counters from the register");
            self.rebuild_counters().await?;
        }
        Ok(())
    }

    /// Every count, recomputed: each person as they are now, each household,
    /// each event replayed from its person's current record. Reads the
    /// persons a page at a time, with their events.
    async fn recount(&self) -> StoreResult<(CounterDelta, u64, u64)> {
        let mut counts = CounterDelta::default();
        let households = on_pool!(self, pool => sqlx::query_as::<_, (String, i64)>(
            "SELECT region_code, COUNT(*) FROM households GROUP BY region_code",
        ).fetch_all(pool).await?);
        for (region, n) in households {
            if let Ok(region) = RegionCode::parse(&region) {
                counts.households(region, n);
            }
        }
        let (mut persons_read, mut events_read) = (0u64, 0u64);
        let mut after = i64::MIN;
        loop {
            let persons = on_pool!(self, pool => sqlx::query_as::<_, PersonRow>(
                concat!("SELECT ", person_columns!(), " FROM persons WHERE id > $1 ORDER BY id LIMIT $2"),
            ).bind(after).bind(PAGE).fetch_all(pool).await?);
            let (Some(first), Some(last)) = (persons.first(), persons.last()) else {
                break;
            };
            let (first, last) = (first.id, last.id);
            after = last;
            let events = on_pool!(self, pool => sqlx::query_as::<_, EventRow>(concat!(
                "SELECT ", crate::database::rows::event_columns!(), " FROM events WHERE person_id >= $1 AND person_id <= $2 \
                 ORDER BY person_id, id"
            )).bind(first).bind(last).fetch_all(pool).await?);
            persons_read += persons.len() as u64;
            events_read += events.len() as u64;
            let mut by_person: HashMap<i64, Vec<ReplayEvent<'_>>> = HashMap::new();
            for (row, event) in events.iter().zip(ReplayEvent::from_rows(&events)?) {
                by_person.entry(row.person_id).or_default().push(event);
            }
            for row in persons {
                let id = row.id;
                let person = Person::try_from(row)?;
                counts.person_added(&person);
                if let Some(events) = by_person.get(&id) {
                    replay(&mut counts, &person, events);
                }
            }
        }
        Ok((counts, persons_read, events_read))
    }
}

fn flow_id(f: &FlowRow) -> FlowId {
    (
        f.flow.counter.region.to_string(),
        f.effective_date,
        f.recorded_date,
        f.kind.as_str().to_string(),
        f.flow.counter.indicator.as_str().to_string(),
        f.flow.counter.key.clone(),
        i16::from(f.flow.sign),
        f.flow.other.clone(),
    )
}

fn describe_flow(id: &FlowId) -> String {
    format!(
        "{} {} recorded {} {} {} {} {:+} {}",
        id.0, id.1, id.2, id.3, id.4, id.5, id.6, id.7
    )
}

/// County counters PostgreSQL keeps a second time, as arrays by birth year
/// (`stat_pyramid`, migration 0010; `stat_methods`, 0021): the table, the
/// indicator, the column beside the year, and whether the year leads the key.
const ARRAYS: [(&str, &str, &str, bool); 2] = [
    ("stat_pyramid", "pop", "sex", false),
    ("stat_methods", "contraception", "method", true),
];

/// Every element of the county arrays must equal its `stat_stock` row,
/// which the recount checks.
async fn array_differences(
    pool: &sqlx::PgPool,
    low: &str,
    high: &str,
) -> StoreResult<Vec<CounterDifference>> {
    let mut out = Vec::new();
    for (table, indicator, column, year_first) in ARRAYS {
        let year = "(array_lower(counts, 1) + u.i - 1)";
        let key = if year_first {
            format!("{year} || '|' || {column}")
        } else {
            format!("{column} || '|' || {year}")
        };
        let rows = sqlx::query_as::<_, (String, String, i64, i64)>(sqlx::AssertSqlSafe(format!(
            "SELECT COALESCE(s.region_code, p.region_code), COALESCE(s.key, p.key), \
                    COALESCE(p.n, 0), COALESCE(s.n, 0) \
             FROM (SELECT region_code, key, n FROM stat_stock_county \
                   WHERE indicator = '{indicator}' AND n <> 0 AND region_code >= $1 AND region_code < $2) s \
             FULL JOIN (SELECT region_code, {key} AS key, u.n \
                        FROM {table}, unnest(counts[:]) WITH ORDINALITY AS u(n, i) \
                        WHERE u.n <> 0 AND region_code >= $1 AND region_code < $2) p \
               ON s.region_code = p.region_code AND s.key = p.key \
             WHERE COALESCE(s.n, 0) <> COALESCE(p.n, 0)"
        )))
        .bind(low)
        .bind(high)
        .fetch_all(pool)
        .await?;
        out.extend(
            rows.into_iter()
                .map(|(region, key, stored, recounted)| CounterDifference {
                    table,
                    counter: format!("county {region} {indicator} {key}"),
                    stored,
                    recounted,
                }),
        );
    }
    Ok(out)
}
