//! The embedded engine: one SQLite file (WAL mode), the default for a county
//! office, a laptop or a demo.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::error::StoreResult;
use crate::rows::{HouseholdRow, NewEventRow, PersonRow, RegionRow, SourceLink};
use crate::tx::{IdTable, Tx, shared_statements};

/// Rows per multi-row INSERT (19 parameters each stays under SQLite's 32,766).
const INSERT_CHUNK: usize = 1500;

/// Opens (creating if needed) the database file behind a `sqlite:` URL.
pub(crate) async fn connect(url: &str) -> StoreResult<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(30))
        .pragma("cache_size", "-262144")
        .pragma("temp_store", "memory");
    Ok(SqlitePoolOptions::new().max_connections(4).connect_with(options).await?)
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
}

impl Tx for SqliteTx {
    shared_statements!(
        "SELECT value FROM json_each($1)",
        "SELECT value FROM json_each($1)",
        "",
        // `WHERE true` keeps SQLite from reading the upsert's ON as a join.
        "SELECT json_extract(value, '$.code'), json_extract(value, '$.name'), json_extract(value, '$.level'), \
         json_extract(value, '$.parent'), json_extract(value, '$.valid_from'), json_extract(value, '$.valid_to'), \
         json_extract(value, '$.replaced_by') FROM json_each($1) WHERE true"
    );

    async fn allocate_ids(&mut self, table: IdTable, n: usize) -> StoreResult<Vec<i64>> {
        let sql = match table {
            IdTable::Persons => "SELECT COALESCE(MAX(id), 0) FROM persons",
            IdTable::Households => "SELECT COALESCE(MAX(id), 0) FROM households",
        };
        let max: i64 = sqlx::query_scalar(sql).fetch_one(&mut *self.0).await?;
        Ok((max + 1..=max + n as i64).collect())
    }

    async fn insert_persons(&mut self, rows: &[PersonRow], now: DateTime<Utc>) -> StoreResult<()> {
        for chunk in rows.chunks(INSERT_CHUNK) {
            let mut q = QueryBuilder::<Sqlite>::new(concat!(
                "INSERT INTO persons (",
                crate::rows::person_columns!(),
                ", updated_at) "
            ));
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id)
                    .push_bind(r.id_number.clone())
                    .push_bind(r.name.clone())
                    .push_bind(r.sex.clone())
                    .push_bind(r.birth_date)
                    .push_bind(r.ethnicity.clone())
                    .push_bind(r.residence.clone())
                    .push_bind(r.hukou_region.clone())
                    .push_bind(r.hukou_type.clone())
                    .push_bind(r.household_id)
                    .push_bind(r.relation.clone())
                    .push_bind(r.marital_status.clone())
                    .push_bind(r.education.clone())
                    .push_bind(r.status.clone())
                    .push_bind(r.death_date)
                    .push_bind(r.mother_id)
                    .push_bind(r.father_id)
                    .push_bind(r.spouse_id)
                    .push_bind(now);
            });
            q.build().execute(&mut *self.0).await?;
        }
        Ok(())
    }

    async fn insert_households(&mut self, rows: &[HouseholdRow]) -> StoreResult<()> {
        for chunk in rows.chunks(INSERT_CHUNK * 3) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO households (id, household_no, region_code, address, kind, head_id) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id)
                    .push_bind(r.household_no.clone())
                    .push_bind(r.region_code.clone())
                    .push_bind(r.address.clone())
                    .push_bind(r.kind.clone())
                    .push_bind(r.head_id);
            });
            q.build().execute(&mut *self.0).await?;
        }
        Ok(())
    }

    async fn insert_source_links(&mut self, rows: &[SourceLink]) -> StoreResult<()> {
        for chunk in rows.chunks(INSERT_CHUNK * 4) {
            let mut q =
                QueryBuilder::<Sqlite>::new("INSERT INTO source_records (source, record_id, person_id, row_hash) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.source.clone())
                    .push_bind(r.record_id.clone())
                    .push_bind(r.person_id)
                    .push_bind(r.row_hash.clone());
            });
            q.build().execute(&mut *self.0).await?;
        }
        Ok(())
    }

    async fn insert_events(&mut self, rows: &[NewEventRow]) -> StoreResult<()> {
        for chunk in rows.chunks(INSERT_CHUNK * 2) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO events (person_id, kind, effective_date, recorded_at, recorder, source, \
                 region_code, related_id, changes, note) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.person_id)
                    .push_bind(r.kind.as_str())
                    .push_bind(r.effective_date)
                    .push_bind(r.recorded_at)
                    .push_bind(r.recorder.clone())
                    .push_bind(r.source.clone())
                    .push_bind(r.region_code.clone())
                    .push_bind(r.related_id)
                    .push_bind(serde_json::to_string(&r.changes).unwrap_or_default())
                    .push_bind(r.note.clone());
            });
            q.build().execute(&mut *self.0).await?;
        }
        Ok(())
    }
}
