//! Renkou's storage: one API, two engines. SQLite is the embedded default (one
//! file: a county, a laptop, the demo); PostgreSQL is the production engine.
//! Both give the same answers; the conformance tests run every case on both.
//!
//! Writes go through [`database::tx::Tx`], one trait implemented on each engine's open
//! transaction; the use cases (`record`, `import`, `apply_rezoning`, …) are
//! written once against it. The engine is chosen at run time from the URL.

mod access;
mod cases;
mod certificates;
mod database;
mod error;
mod exchange;
mod migrants;
mod rebirth;
mod registry;
mod replication;
mod requests;
mod statistics;
mod support;
mod verification;
mod wis;
mod work;

use chrono::NaiveDate;
use renkou_domain::rules::Command;
use renkou_domain::{IdNumber, Person, PersonId, RegionCode};
use renkou_formats::RegisterRecord;
use sqlx::{PgPool, SqlitePool};

pub use access::accounts::Account;
pub use access::audit::{
    AuditEntry, AuditFilter, AuditHead, AuditKey, AuditRecord, AuditVerification, Checkpoint,
    append_checkpoint, read_checkpoints,
};
pub use access::scope::Scope;
pub use access::sessions::{LOCK_MINUTES, MAX_FAILED_LOGINS, MAX_FAILED_LOGINS_PER_ADDRESS};
pub use access::tokens::ApiToken;
pub use cases::decisions::Decision;
pub use cases::documents::{CaseDocument, MAX_DOCUMENT_BYTES};
pub use cases::listing::{CaseCounts, CaseFilter, Mailbox, SenderTally};
pub use cases::response_times::ResponseTimes;
pub use cases::steps::Handling;
pub use cases::{Case, CaseStep, PLATFORM};
pub use certificates::Certificate;
pub use database::notifications::{ChangeNotice, ChangeNotices};
pub use database::rows::{HouseholdRow, NewEventRow, PersonRow, RegionRow, StoredEvent};
pub use error::{StoreError, StoreResult};
pub use exchange::feed::{FeedCursor, FeedPage};
pub use exchange::handoff::NoticeAnswer;
pub use exchange::subscriptions::Subscription;
pub use migrants::arrivals::{MigrantImportInput, MigrantImportReport, MigrantTownshipCounts};
pub use registry::history::person_as_of;
pub use registry::households::Household;
pub use registry::import::{ImportInput, ImportReport};
pub use registry::listing::{NameMatch, PersonFilter, PersonPage, SortKey};
pub use registry::population::{LoadedCounts, Population};
pub use registry::record::{EventMeta, IdempotencyKey, Recorded, Rules, WriteContext};
pub use registry::region_search::RegionMatch;
pub use registry::regions::{
    Rezoning, RezoningReport, embedded_region_table, read_region_table, read_rezoning_file,
};
pub use registry::review::{EntryReview, ReviewState};
pub use replication::{Freshness, Standby};
pub use requests::{NewRequest, RequestAnswer, RequestFacts};
pub use statistics::change_lists::{CHANGE_LIST_LIMIT, Progress};
pub use statistics::counters::{set_counters_enabled, set_wis_counters_enabled};
pub use statistics::recount::{CounterDifference, VerifyReport};
pub use statistics::reports::{ReportRequest, next_level};
pub use statistics::summary::Summary;
pub use support::roll::{ReasonCount, Roll, RollEntry};
pub use support::rolls::{Change, NO_LONGER_REGISTERED, RollChange, SavedRoll};
pub use verification::reconcile::{Problem, SourceReconciliation, source_records};
pub use verification::tasks::{NewTask, Raised, Task, TaskCount};
pub use wis::card::Card;
pub use wis::conversion::{ConversionInput, ConversionReport, TownshipCounts};
pub use wis::export::RegisterCard;
pub use wis::worklists::WorkListPage;
pub use work::WorkContext;

use crate::database::rows::{self, person_columns};
use crate::database::{postgres, sqlite, tx};
use crate::registry::{import, population, record, regions};

/// The database URL used when none is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://renkou.db";

/// Runs `$body` with `$tx` bound to a new write transaction of the store's engine.
macro_rules! with_tx {
    ($store:expr, $tx:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite(pool) => {
                let $tx = $crate::database::sqlite::SqliteTx::begin(pool).await?;
                $body
            }
            $crate::Store::Postgres(pool) => {
                let $tx = $crate::database::postgres::PgTx::begin(pool).await?;
                $body
            }
        }
    };
}
pub(crate) use with_tx;

/// Runs `$body` (the same text for both engines) with `$pool` bound to the pool.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::Store::Sqlite($pool) => $body,
            $crate::Store::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A connected database.
#[derive(Debug, Clone)]
pub enum Store {
    /// The embedded engine.
    Sqlite(SqlitePool),
    /// The production engine.
    Postgres(PgPool),
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub regions: i64,
    pub households: i64,
    pub persons: i64,
    pub living: i64,
    pub events: i64,
    pub pending: i64,
}

impl Store {
    /// Connects to `sqlite://FILE` (created if missing) or `postgres://…`,
    /// and brings the schema up to date.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn open(url: &str) -> StoreResult<Store> {
        Store::open_with(url, None).await
    }

    /// Like [`Store::open`], with the pool's size (default: 4 on SQLite,
    /// whose one writer gains nothing from more, 16 on PostgreSQL).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn open_with(url: &str, max_connections: Option<u32>) -> StoreResult<Store> {
        let store = if url.starts_with("sqlite:") {
            Store::Sqlite(sqlite::connect(url, max_connections.unwrap_or(4)).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Store::Postgres(postgres::connect(url, max_connections.unwrap_or(16)).await?)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        if let Store::Postgres(pool) = &store
            && replication::is_standby(pool).await?
        {
            // A read replica (the decision-support copy): nothing to write;
            // its schema comes from the primary.
            replication::check_schema(pool).await?;
            return Ok(store);
        }
        store.migrate().await?;
        store.sweep_partitions().await?;
        store.fill_name_keys().await?;
        store.ensure_counters().await?;
        Ok(store)
    }

    /// Applies pending migrations (idempotent).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Store::Sqlite(pool) => sqlite::migrate(pool).await,
            Store::Postgres(pool) => postgres::migrate(pool).await,
        }
    }

    /// `sqlite` or `postgres`.
    pub fn engine(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// Inserts or updates region rows; returns how many were given.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn load_regions(&self, rows: &[RegionRow]) -> StoreResult<usize> {
        with_tx!(self, tx => {
            let mut tx = tx;
            tx::Tx::upsert_regions(&mut tx, rows).await?;
            tx::Tx::commit(tx).await?;
        });
        Ok(rows.len())
    }

    /// One region by code, retired or not.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn region(&self, code: &RegionCode) -> StoreResult<Option<RegionRow>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, RegionRow>(concat!(
            "SELECT ", crate::database::rows::region_columns!(), " FROM regions WHERE code = $1"
        ))
        .bind(code.as_str())
        .fetch_optional(pool)
        .await?),
        )
    }

    /// A region's name, or its code when the table does not know it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn region_name(&self, code: &RegionCode) -> StoreResult<String> {
        Ok(self
            .region(code)
            .await?
            .map_or_else(|| code.to_string(), |r| r.name))
    }

    /// The current (not retired) regions one level below a region.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn region_children(&self, parent: &RegionCode) -> StoreResult<Vec<RegionRow>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, RegionRow>(concat!(
            "SELECT ", crate::database::rows::region_columns!(), " FROM regions WHERE parent = $1 AND valid_to IS NULL ORDER BY code"
        ))
        .bind(parent.as_str())
        .fetch_all(pool)
        .await?),
        )
    }

    /// The current (not retired) villages and communities inside a region.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn villages(&self, within: &RegionCode) -> StoreResult<Vec<RegionRow>> {
        let (low, high) = within.descendant_range();
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, RegionRow>(concat!(
            "SELECT ", crate::database::rows::region_columns!(), " FROM regions \
             WHERE code >= $1 AND code < $2 AND level = 'village' AND valid_to IS NULL ORDER BY code"
        ))
        .bind(low)
        .bind(high)
        .fetch_all(pool)
        .await?),
        )
    }

    /// Records what a command says happened, after checking the register's rules.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record(&self, command: &Command, meta: &EventMeta) -> StoreResult<Recorded> {
        self.record_at(command, meta, renkou_domain::date::today_in_china())
            .await
    }

    /// Like [`Store::record`] with "today" given (for tests and back-dated entry).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_at(
        &self,
        command: &Command,
        meta: &EventMeta,
        today: NaiveDate,
    ) -> StoreResult<Recorded> {
        with_tx!(self, tx => record::record(tx, command, meta, today, None, &WriteContext::default()).await)
    }

    /// Records a command on behalf of a caller who may change only the
    /// persons and regions of `scope`; anyone outside it is unknown.
    /// Its audit entry is written in the same transaction, and a write sent
    /// again with the same idempotency key answers the first answer.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_in(
        &self,
        command: &Command,
        meta: &EventMeta,
        scope: &Scope,
        context: &WriteContext,
    ) -> StoreResult<Recorded> {
        let today = renkou_domain::date::today_in_china();
        let first = with_tx!(self, tx => record::record(tx, command, meta, today, Some(scope), context).await);
        match first {
            // The concurrent request with the key has committed: read its answer.
            Err(StoreError::IdempotencyRace) => {
                with_tx!(self, tx => record::record(tx, command, meta, today, Some(scope), context).await)
            }
            other => other,
        }
    }

    /// A person by internal id.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn person(&self, id: PersonId) -> StoreResult<Option<Person>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, PersonRow>(
            concat!("SELECT ", person_columns!(), " FROM persons WHERE id = $1"),
        )
        .bind(id.0)
        .fetch_optional(pool)
        .await?);
        row.map(Person::try_from).transpose()
    }

    /// The living person with this identity number, else the most recently
    /// registered dead (or merged) one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn person_by_id_number(&self, number: &IdNumber) -> StoreResult<Option<Person>> {
        let living = on_pool!(self, pool => sqlx::query_as::<_, PersonRow>(
            concat!("SELECT ", person_columns!(), " FROM persons WHERE id_number = $1 AND status NOT IN ('dead', 'merged')"),
        )
        .bind(number.as_str())
        .fetch_optional(pool)
        .await?);
        let row = match living {
            Some(row) => Some(row),
            None => on_pool!(self, pool => sqlx::query_as::<_, PersonRow>(
                concat!("SELECT ", person_columns!(), " FROM persons WHERE id_number = $1 AND status IN ('dead', 'merged') ORDER BY id DESC LIMIT 1"),
            )
            .bind(number.as_str())
            .fetch_optional(pool)
            .await?),
        };
        row.map(Person::try_from).transpose()
    }

    /// Persons by id, read without a transaction (ids not found are left out).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn persons_by_ids(
        &self,
        ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<PersonId, Person>> {
        let mut persons = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(crate::database::tx::LOOKUP_CHUNK) {
            let json = serde_json::to_string(chunk).unwrap_or_default();
            let rows = match self {
                Store::Sqlite(pool) => {
                    sqlx::query_as::<_, PersonRow>(concat!(
                        "SELECT ",
                        person_columns!(),
                        " FROM persons WHERE id IN (SELECT value FROM json_each($1))"
                    ))
                    .bind(json)
                    .fetch_all(pool)
                    .await?
                }
                Store::Postgres(pool) => {
                    sqlx::query_as::<_, PersonRow>(concat!(
                        "SELECT ",
                        person_columns!(),
                        " FROM persons WHERE id IN (SELECT json_bigints($1::jsonb))"
                    ))
                    .bind(json)
                    .fetch_all(pool)
                    .await?
                }
            };
            for row in rows {
                let p = Person::try_from(row)?;
                persons.insert(p.id, p);
            }
        }
        Ok(persons)
    }

    /// Every event of a person, oldest recorded first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn events_of(&self, id: PersonId) -> StoreResult<Vec<StoredEvent>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, rows::EventRow>(concat!(
            "SELECT ", crate::database::rows::event_columns!(), " FROM events WHERE person_id = $1 ORDER BY id"
        ))
        .bind(id.0)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(StoredEvent::try_from).collect()
    }

    /// Which person a source's record was matched to, and the columns beyond
    /// the register format it carried (kept as written).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn source_record(
        &self,
        source: &str,
        record_id: &str,
    ) -> StoreResult<Option<(PersonId, Option<serde_json::Value>)>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, (i64, Option<sqlx::types::Json<serde_json::Value>>)>(
            "SELECT person_id, extra FROM source_records WHERE source = $1 AND record_id = $2",
        )
        .bind(source)
        .bind(record_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(id, extra)| (PersonId(id), extra.map(|e| e.0))))
    }

    /// Imports a parsed register file (see [`ImportInput`]).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn import(&self, input: ImportInput) -> StoreResult<ImportReport> {
        self.partition_cities(input.records.iter().map(|r| r.region_code.as_str()))
            .await?;
        let report = with_tx!(self, tx => import::import(tx, input).await)?;
        self.tidy_after_bulk().await?;
        Ok(report)
    }

    /// Applies a re-zoning: retires the old codes (and every region inside
    /// them), creates the new ones and moves people and households, each
    /// person with an event.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn apply_rezoning(
        &self,
        changes: &[Rezoning],
        meta: &EventMeta,
    ) -> StoreResult<RezoningReport> {
        let report = with_tx!(self, tx => regions::apply_rezoning(tx, changes, meta).await)?;
        self.tidy_after_bulk().await?;
        Ok(report)
    }

    /// Loads a whole population (ids are assigned by the store).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn load_population(&self, population: Population) -> StoreResult<LoadedCounts> {
        self.partition_cities(population.persons.iter().map(|p| p.residence.as_str()))
            .await?;
        let counts = with_tx!(self, tx => population::load(tx, population).await)?;
        self.tidy_after_bulk().await?;
        Ok(counts)
    }

    /// After a bulk write on PostgreSQL, rewrites the small, hot county
    /// arrays (`stat_pyramid`, `stat_methods`: a few hundred rows, each
    /// rewritten many times in that one transaction), so that the next report
    /// reads a few pages, not thousands. It locks each table for the
    /// milliseconds the rewrite takes.
    pub(crate) async fn tidy_after_bulk(&self) -> StoreResult<()> {
        self.sweep_partitions().await?;
        if let Store::Postgres(pool) = self {
            for table in ["stat_pyramid", "stat_methods"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM FULL {table}")))
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Calls `write` with every person living in `region` (all when `None`; merged
    /// records are part of their survivor and left out), in
    /// register CSV form, in id order; memory stays bounded by the page size.
    /// With `audit`, every page of persons is audited (an entry per person,
    /// like `audit` but for that person) before it is handed to `write`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn export(
        &self,
        region: Option<&RegionCode>,
        audit: Option<(&AuditEntry, &AuditKey)>,
        mut write: impl FnMut(RegisterRecord) -> StoreResult<()>,
    ) -> StoreResult<u64> {
        const PAGE: i64 = 10_000;
        let (low, high) =
            region.map_or(("0".to_string(), ":".to_string()), |r| r.descendant_range());
        let mut after = 0i64;
        let mut written = 0;
        loop {
            let page = on_pool!(self, pool => sqlx::query_as::<_, ExportRow>(sqlx::AssertSqlSafe(EXPORT_PAGE.as_str()))
            .bind(after)
            .bind(&low)
            .bind(&high)
            .bind(PAGE)
            .fetch_all(pool)
            .await?);
            let Some(last) = page.last() else { break };
            after = last.person.id;
            if let Some((entry, key)) = audit {
                let entries: Vec<AuditEntry> = page
                    .iter()
                    .map(|row| AuditEntry {
                        person_id: Some(row.person.id),
                        ..entry.clone()
                    })
                    .collect();
                self.audit(&entries, key).await?;
            }
            for row in page {
                let household_no = row.household_no.clone();
                let person = Person::try_from(row.person)?;
                write(RegisterRecord {
                    line: 0,
                    record_id: person.id.to_string(),
                    id_number: person.id_number,
                    name: person.name,
                    sex: person.sex,
                    birth_date: person.birth_date,
                    ethnicity: person.ethnicity,
                    region_code: person.residence,
                    household_no,
                    relation: person.relation,
                    hukou_type: person.hukou_type,
                    status: person.status,
                    death_date: person.death_date,
                    extra: Vec::new(),
                })?;
                written += 1;
            }
        }
        Ok(written)
    }

    /// An online copy of a SQLite database into `out` (which must not exist).
    pub async fn snapshot_sqlite(&self, out: &std::path::Path) -> StoreResult<()> {
        let Store::Sqlite(pool) = self else {
            return Err(StoreError::Invalid("VACUUM INTO is SQLite's".into()));
        };
        // A consistent copy while readers and writers go on.
        sqlx::query("VACUUM INTO $1")
            .bind(out.display().to_string())
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Row counts of the main tables.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn counts(&self) -> StoreResult<Counts> {
        let (regions, households, persons, living, events, pending) = on_pool!(self, pool => sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64)>(
            "SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM households), \
             (SELECT COUNT(*) FROM persons), (SELECT COUNT(*) FROM persons WHERE status = 'active'), \
             (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM pending_records)",
        )
        .fetch_one(pool)
        .await?);
        Ok(Counts {
            regions,
            households,
            persons,
            living,
            events,
            pending,
        })
    }
}

/// A page of persons with their household numbers, for the export.
static EXPORT_PAGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {}, h.household_no FROM persons p LEFT JOIN households h ON h.id = p.household_id \
         WHERE p.id > $1 AND p.residence >= $2 AND p.residence < $3 AND p.status <> 'merged' \
         ORDER BY p.id LIMIT $4",
        crate::database::rows::person_columns_of("p")
    )
});

/// A person row with its household number, as export reads it.
#[derive(sqlx::FromRow)]
struct ExportRow {
    #[sqlx(flatten)]
    person: PersonRow,
    household_no: Option<String>,
}

#[cfg(feature = "testing")]
pub mod testing;
