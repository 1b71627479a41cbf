//! The embedded engine: one SQLite file (WAL mode), the default for a county
//! office, a laptop or a demo.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use crate::database::rows::{
    ColumnValue, HouseholdRow, NewEventRow, PersonRow, RegionRow, SourceLink,
};
use crate::database::sqlite_bulk::{self as bulk, Value};
use crate::database::tx::{Table, Tx, shared_statements};
use crate::error::StoreResult;
use crate::statistics::counters::CounterDelta;

/// Bulk inserts of at least this many rows may rebuild the table's indexes.
const REBUILD_INDEXES_FROM: usize = 50_000;

/// Opens (creating if needed) the database file behind a `sqlite:` URL.
pub(crate) async fn connect(url: &str, max_connections: u32) -> StoreResult<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(30))
        .pragma("cache_size", "-262144")
        .pragma("temp_store", "memory");
    Ok(SqlitePoolOptions::new()
        .max_connections(max_connections)
        .connect_with(options)
        .await?)
}

/// Runs the SQLite migrations.
pub(crate) async fn migrate(pool: &SqlitePool) -> StoreResult<()> {
    sqlx::migrate!("./migrations/sqlite").run(pool).await?;
    Ok(())
}

/// A write transaction; `BEGIN IMMEDIATE` takes the write lock up front so
/// that two writers queue instead of failing half-way.
pub(crate) struct SqliteTx(pub(crate) sqlx::Transaction<'static, Sqlite>);

impl SqliteTx {
    pub(crate) async fn begin(pool: &SqlitePool) -> StoreResult<Self> {
        Ok(SqliteTx(pool.begin_with("BEGIN IMMEDIATE").await?))
    }

    /// Runs a bulk insert of `incoming` rows into `table`. When that is more
    /// rows than the table holds, its secondary indexes are dropped first and
    /// built again after (a sorted build beats a million random inserts). All
    /// inside the transaction: readers keep their snapshot, a failure (say, a
    /// duplicate identity number) rolls everything back.
    async fn bulk<F>(&mut self, table: &'static str, incoming: usize, insert: F) -> StoreResult<()>
    where
        F: AsyncFnOnce(&mut sqlx::SqliteConnection) -> StoreResult<()>,
    {
        let mut rebuild: Vec<String> = Vec::new();
        if incoming >= REBUILD_INDEXES_FROM {
            let limit = incoming as i64;
            let existing: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT $1)"
            )))
            .bind(limit)
            .fetch_one(&mut *self.0)
            .await?;
            if existing < limit {
                let indexes: Vec<(String, String)> = sqlx::query_as(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL",
                )
                .bind(table)
                .fetch_all(&mut *self.0)
                .await?;
                for (name, sql) in indexes {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
                        .execute(&mut *self.0)
                        .await?;
                    rebuild.push(sql);
                }
            }
        }
        insert(&mut self.0).await?;
        for sql in rebuild {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *self.0)
                .await?;
        }
        Ok(())
    }
}

impl Tx for SqliteTx {
    async fn lock_counter(&mut self, _key: &str) -> StoreResult<()> {
        // BEGIN IMMEDIATE: one writer at a time already.
        Ok(())
    }

    shared_statements!(
        "SELECT value FROM json_each($1)",
        "SELECT value FROM json_each($1)",
        "",
        // `WHERE true` keeps SQLite from reading the upsert's ON as a join.
        "SELECT json_extract(value, '$.code'), json_extract(value, '$.name'), json_extract(value, '$.level'), \
         json_extract(value, '$.parent'), json_extract(value, '$.valid_from'), json_extract(value, '$.valid_to'), \
         json_extract(value, '$.replaced_by') FROM json_each($1) WHERE true"
    );

    async fn allocate_ids(&mut self, table: Table, n: usize) -> StoreResult<Vec<i64>> {
        let sql = match table {
            Table::Persons => "SELECT COALESCE(MAX(id), 0) FROM persons",
            Table::Households => "SELECT COALESCE(MAX(id), 0) FROM households",
        };
        let max: i64 = sqlx::query_scalar(sql).fetch_one(&mut *self.0).await?;
        Ok((max + 1..=max + n as i64).collect())
    }

    async fn insert_persons(&mut self, rows: &[PersonRow], now: DateTime<Utc>) -> StoreResult<()> {
        let now = now.to_rfc3339();
        self.bulk("persons", rows.len(), async |conn| {
            bulk::insert(
                conn,
                concat!(
                    "INSERT INTO persons (",
                    crate::database::rows::person_columns!(),
                    crate::database::rows::written_columns!(),
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                rows,
                |r| {
                    let columns = r.values().map(|v| match v {
                        ColumnValue::Int(n) => n.into(),
                        ColumnValue::Text(t) => t.into(),
                        ColumnValue::Date(d) => d.into(),
                    });
                    // The person columns, then `name_key` and `updated_at`.
                    let mut columns = columns
                        .into_iter()
                        .chain([Value::Owned(r.name_key()), Value::Owned(now.clone())]);
                    std::array::from_fn::<_, { crate::database::rows::PERSON_COLUMNS + 2 }, _>(|_| {
                        columns.next().unwrap_or_else(|| Value::Owned(now.clone()))
                    })
                },
            )
            .await
        })
        .await
    }

    async fn insert_households(&mut self, rows: &[HouseholdRow]) -> StoreResult<()> {
        self.bulk("households", rows.len(), async |conn| {
            bulk::insert(
                conn,
                "INSERT INTO households (id, household_no, region_code, address, kind, head_id) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
                |r| {
                    [
                        Value::Int(r.id),
                        Value::Text(&r.household_no),
                        Value::Text(&r.region_code),
                        r.address.as_deref().into(),
                        Value::Text(&r.kind),
                        r.head_id.into(),
                    ]
                },
            )
            .await
        })
        .await
    }

    async fn insert_source_links(&mut self, rows: &[SourceLink]) -> StoreResult<()> {
        bulk::insert(
            &mut self.0,
            "INSERT INTO source_records (source, record_id, person_id, row_hash, extra) VALUES (?, ?, ?, ?, ?)",
            rows,
            |r| {
                [
                    Value::Text(&r.source),
                    Value::Text(&r.record_id),
                    Value::Int(r.person_id),
                    Value::Text(&r.row_hash),
                    r.extra.as_deref().into(),
                ]
            },
        )
        .await
    }

    async fn insert_events(&mut self, rows: &[NewEventRow]) -> StoreResult<()> {
        self.bulk("events", rows.len(), async |conn| {
            bulk::insert(
                conn,
                "INSERT INTO events (person_id, kind, effective_date, recorded_at, recorder, source, region_code, \
                 related_id, changes, note, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
                |r| {
                    [
                        Value::Int(r.person_id),
                        Value::Text(r.kind.as_str()),
                        Some(r.effective_date).into(),
                        Value::Owned(r.recorded_at.to_rfc3339()),
                        Value::Text(&r.recorder),
                        Value::Text(&r.source),
                        Value::Text(&r.region_code),
                        r.related_id.into(),
                        Value::Owned(serde_json::to_string(&r.changes).unwrap_or_default()),
                        r.note.as_deref().into(),
                        r.details
                            .as_ref()
                            .and_then(|d| serde_json::to_string(d).ok())
                            .map_or(Value::Null, Value::Owned),
                    ]
                },
            )
            .await
        })
        .await
    }

    async fn add_counts(&mut self, delta: &CounterDelta) -> StoreResult<()> {
        let stock = delta.stock_rows();
        self.bulk("stat_stock", stock.len(), async |conn| {
            bulk::insert(
            conn,
            "INSERT INTO stat_stock (level, region_code, indicator, key, n) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (level, region_code, indicator, key) DO UPDATE SET n = n + excluded.n",
            &stock,
            |r| {
                [
                    Value::Text(r.0),
                    Value::Text(r.1),
                    Value::Text(r.2),
                    Value::Text(r.3),
                    Value::Int(r.4),
                ]
            },
        )
        .await
        })
        .await?;
        let flows = delta.flow_rows();
        self.bulk("stat_flows", flows.len(), async |conn| bulk::insert(
            conn,
            "INSERT INTO stat_flows (region_code, effective_date, recorded_date, kind, indicator, key, sign, other, n) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (region_code, effective_date, recorded_date, kind, \
             indicator, key, sign, other) DO UPDATE SET n = n + excluded.n",
            &flows,
            |(f, n)| {
                [
                    Value::Text(f.flow.counter.region.as_str()),
                    Value::Owned(f.effective_date.to_string()),
                    Value::Owned(f.recorded_date.to_string()),
                    Value::Text(f.kind.as_str()),
                    Value::Text(f.flow.counter.indicator.as_str()),
                    Value::Text(&f.flow.counter.key),
                    Value::Int(i64::from(f.flow.sign)),
                    Value::Text(&f.flow.other),
                    Value::Int(*n),
                ]
            },
        )
        .await)
        .await
    }
}
