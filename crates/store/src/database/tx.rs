//! The statements the store's use cases are built from, as one trait that each
//! engine implements on its open transaction. The SQL both engines understand
//! alike is written once, in [`shared_statements!`]; only bulk loading and id
//! allocation differ and are written per engine.

use chrono::{DateTime, Utc};

use crate::database::rows::{HouseholdRow, NewEventRow, PersonRow, RegionRow, SourceLink};
use crate::error::StoreResult;

/// Largest list a single lookup statement takes.
pub(crate) const LOOKUP_CHUNK: usize = 1000;

/// Tables whose ids the application allocates in blocks.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Table {
    Persons,
    Households,
}

/// An import run to record.
#[derive(Debug, Clone)]
pub(crate) struct ImportRow {
    pub source: String,
    pub file: String,
    pub file_sha256: String,
    pub recorder: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
}

/// A rejected row to keep.
#[derive(Debug, Clone)]
pub(crate) struct PendingRow {
    pub source: String,
    pub import_id: i64,
    pub file: String,
    pub line: i64,
    pub record_id: Option<String>,
    pub raw: serde_json::Value,
    pub errors: serde_json::Value,
    pub row_hash: String,
}

/// One open transaction on either engine.
#[allow(async_fn_in_trait)]
pub(crate) trait Tx {
    /// Regions with the given codes.
    async fn regions(&mut self, codes: &[String]) -> StoreResult<Vec<RegionRow>>;
    /// Current regions inside `[low, high)`.
    async fn regions_in_range(&mut self, low: &str, high: &str) -> StoreResult<Vec<RegionRow>>;
    /// Inserts or replaces regions.
    async fn upsert_regions(&mut self, rows: &[RegionRow]) -> StoreResult<()>;
    /// Persons with the given ids (locked for update where the engine can).
    async fn persons(&mut self, ids: &[i64]) -> StoreResult<Vec<PersonRow>>;
    /// (id_number, person id, status) of every person with one of these numbers.
    async fn persons_by_id_numbers(
        &mut self,
        numbers: &[String],
    ) -> StoreResult<Vec<(String, i64, String)>>;
    /// (record_id, person id, row hash) of the source's known records.
    async fn source_links(
        &mut self,
        source: &str,
        record_ids: &[String],
    ) -> StoreResult<Vec<(String, i64, String)>>;
    /// Whether a table has no rows yet (lookups against it can be skipped).
    async fn is_empty(&mut self, table: Table) -> StoreResult<bool>;
    /// Whether the source has never been imported.
    async fn source_is_new(&mut self, source: &str) -> StoreResult<bool>;
    /// (household_no, id) of existing households.
    async fn households(&mut self, numbers: &[String]) -> StoreResult<Vec<(String, i64)>>;
    /// Rewrites a person's current row.
    async fn update_person(&mut self, row: &PersonRow, now: DateTime<Utc>) -> StoreResult<()>;
    /// Points a source record at a person with a new hash.
    async fn upsert_source_link(&mut self, link: &SourceLink) -> StoreResult<()>;
    /// Records an import run and returns its id.
    async fn insert_import(&mut self, row: &ImportRow) -> StoreResult<i64>;
    /// Keeps rejected rows, except those already kept.
    async fn insert_pending(&mut self, rows: &[PendingRow]) -> StoreResult<()>;
    /// Moves every person living (or registered) in `old` to `new`, with a
    /// re-zoning event each; returns how many persons moved.
    async fn rezone_persons(
        &mut self,
        old: &str,
        new: &str,
        event: &NewEventRow,
    ) -> StoreResult<u64>;
    /// A person's events, in the order they were recorded.
    async fn events_of_person(
        &mut self,
        id: i64,
    ) -> StoreResult<Vec<crate::database::rows::EventRow>>;
    /// Which persons living or registered in a village have events dated after `date`.
    async fn persons_with_events_after(
        &mut self,
        village: &str,
        date: chrono::NaiveDate,
    ) -> StoreResult<Vec<i64>>;
    /// Every person living or registered in a village, whatever their status.
    async fn persons_touching(&mut self, village: &str) -> StoreResult<Vec<PersonRow>>;
    /// How many households a region holds.
    async fn household_count(&mut self, region: &str) -> StoreResult<i64>;
    /// Retires a region in favour of another.
    async fn retire_region(
        &mut self,
        code: &str,
        replaced_by: &str,
        on: chrono::NaiveDate,
    ) -> StoreResult<()>;

    /// Allocates `n` fresh ids.
    async fn allocate_ids(&mut self, table: Table, n: usize) -> StoreResult<Vec<i64>>;
    /// Inserts persons (ids already allocated).
    async fn insert_persons(&mut self, rows: &[PersonRow], now: DateTime<Utc>) -> StoreResult<()>;
    /// Inserts households (ids already allocated).
    async fn insert_households(&mut self, rows: &[HouseholdRow]) -> StoreResult<()>;
    /// Inserts source links.
    async fn insert_source_links(&mut self, rows: &[SourceLink]) -> StoreResult<()>;
    /// Appends events.
    async fn insert_events(&mut self, rows: &[NewEventRow]) -> StoreResult<()>;
    /// Adds to the statistics counters (see [`Tx::write_counts`]).
    async fn add_counts(
        &mut self,
        delta: &crate::statistics::counters::CounterDelta,
    ) -> StoreResult<()>;
    /// Adds `delta` to the counters inside this transaction, unless counting
    /// is switched off (for a benchmark) or there is nothing to add.
    async fn write_counts(
        &mut self,
        delta: &crate::statistics::counters::CounterDelta,
    ) -> StoreResult<()> {
        if crate::statistics::counters::counters_enabled() && !delta.is_empty() {
            self.add_counts(delta).await?;
        }
        Ok(())
    }
    /// The record `merged` was merged into, while the merge stands.
    async fn merge_survivor(&mut self, merged: i64) -> StoreResult<Option<i64>>;
    /// Notes a merge.
    async fn insert_merge(
        &mut self,
        merged: i64,
        survivor: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Forgets an undone merge.
    async fn delete_merge(&mut self, merged: i64) -> StoreResult<()>;
    /// The birth dates of a mother's children in the register (not merged
    /// records): her live births, for a newborn's birth order.
    async fn children_birth_dates(&mut self, mother: i64) -> StoreResult<Vec<chrono::NaiveDate>>;
    /// A mother's children in the register (merged records left out).
    async fn children(&mut self, mother: i64) -> StoreResult<Vec<PersonRow>>;
    /// The children of many mothers (merged records left out), unlocked.
    async fn children_of(&mut self, mothers: &[i64]) -> StoreResult<Vec<PersonRow>>;
    /// Persons by id, unlocked (for reading, not changing).
    async fn persons_unlocked(&mut self, ids: &[i64]) -> StoreResult<Vec<PersonRow>>;
    /// The events of one kind of many persons, in id order.
    async fn events_of_kind(
        &mut self,
        persons: &[i64],
        kind: &str,
    ) -> StoreResult<Vec<crate::database::rows::EventRow>>;
    /// The open findings about a person: task id and the finding.
    async fn open_findings_of(
        &mut self,
        person: i64,
    ) -> StoreResult<Vec<(i64, renkou_domain::verification::OpenFinding)>>;
    /// Marks an open task resolved; false when it was not open.
    async fn resolve_task(
        &mut self,
        id: i64,
        resolution: &str,
        reason: &str,
        by: &str,
    ) -> StoreResult<bool>;
    /// Puts the person's latest event (the entry just recorded) up for review.
    async fn insert_review_of_last_event(&mut self, person: i64) -> StoreResult<()>;
    /// Writes audit entries that commit (or vanish) with this transaction;
    /// the audit writer chains them later.
    async fn insert_audit_pending(&mut self, entries: &[crate::AuditEntry]) -> StoreResult<()>;
    /// The stored answer to an earlier write with this caller's key:
    /// (hash of that request, the answer as JSON).
    async fn idempotent_answer(
        &mut self,
        actor: &str,
        key: &str,
    ) -> StoreResult<Option<(String, String)>>;
    /// Keeps the answer to a write made with a key; false when another
    /// transaction stored one for the key first.
    async fn keep_idempotent_answer(
        &mut self,
        actor: &str,
        key: &str,
        request_hash: &str,
        answer: &str,
    ) -> StoreResult<bool>;
    /// The households with these ids: (id, region code).
    async fn household_regions(&mut self, ids: &[i64]) -> StoreResult<Vec<(i64, String)>>;
    /// Opens a case in state `state`; `None` when the sender's message id
    /// was opened before.
    async fn insert_case(
        &mut self,
        case: &crate::cases::open::NewCase,
        state: renkou_domain::cases::Step,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;
    /// Moves a case from the state and office it was read in (`false`: it
    /// had moved on meanwhile).
    async fn update_case(
        &mut self,
        case: &crate::cases::Case,
        to: &crate::cases::steps::Move,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Appends steps to a case.
    async fn insert_case_steps(
        &mut self,
        case: i64,
        steps: &[crate::cases::open::NewStep],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Stores a yearly support roll's heading (a roll made again for the
    /// same program, year and region replaces it); its id.
    async fn upsert_roll(&mut self, roll: &crate::support::rolls::NewRoll) -> StoreResult<i64>;
    /// Replaces a roll's entries.
    async fn replace_roll_entries(
        &mut self,
        roll: i64,
        entries: &[crate::support::roll::RollEntry],
    ) -> StoreResult<()>;
    /// Names the case that carries a roll's review.
    async fn set_roll_case(&mut self, roll: i64, case: i64) -> StoreResult<()>;
    /// Holds a lock named `key` until the transaction ends (a counter
    /// that two transactions must not number alike).
    async fn lock_counter(&mut self, key: &str) -> StoreResult<()>;
    /// Names the persons a case is about, with their part in it.
    async fn insert_case_subjects(
        &mut self,
        case: i64,
        subjects: &[(i64, &str)],
    ) -> StoreResult<()>;
    /// Issues the certificate an approved application asks for: the next
    /// number of its county and year.
    async fn issue_certificate(
        &mut self,
        c: &crate::certificates::NewCertificate,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Revokes a certificate (once).
    async fn revoke_certificate(
        &mut self,
        certificate: i64,
        case: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The certificates not revoked that these persons hold: (id, holder, spouse, child).
    async fn live_certificates_of(
        &mut self,
        persons: &[i64],
    ) -> StoreResult<Vec<(i64, i64, Option<i64>, i64)>>;
    /// Commits.
    async fn commit(self) -> StoreResult<()>;
}

/// Runs a look-up whose `$1` is a JSON array of values, at most
/// `LOOKUP_CHUNK` values a statement, and collects the rows of every chunk.
macro_rules! fetch_in_chunks {
    ($conn:expr, $row:ty, $sql:expr, $values:expr $(, $bind:expr)*) => {{
        let mut out = Vec::new();
        for chunk in $values.chunks($crate::database::tx::LOOKUP_CHUNK) {
            out.extend(
                sqlx::query_as::<_, $row>($sql)
                    .bind(serde_json::to_string(chunk).unwrap_or_default())
                    $(.bind($bind))*
                    .fetch_all(&mut *$conn)
                    .await?,
            );
        }
        out
    }};
}
pub(crate) use fetch_in_chunks;

/// The statements both engines share. `$in_text` / `$in_int` turn the JSON
/// array bound as `$1` into a list of text / integer values; `$lock` is the
/// row-lock clause (empty where the engine locks the whole database);
/// `$regions_from_json` selects region rows from a JSON array bound as `$1`.
macro_rules! shared_statements {
    ($in_text:literal, $in_int:literal, $lock:literal, $regions_from_json:literal) => {
        async fn regions(&mut self, codes: &[String]) -> StoreResult<Vec<RegionRow>> {
            Ok($crate::database::tx::fetch_in_chunks!(self.0, RegionRow, concat!(
                "SELECT ", $crate::database::rows::region_columns!(), " FROM regions WHERE code IN (", $in_text, ")"
            ), codes))
        }

        async fn regions_in_range(&mut self, low: &str, high: &str) -> StoreResult<Vec<RegionRow>> {
            Ok(sqlx::query_as::<_, RegionRow>(concat!(
                "SELECT ", $crate::database::rows::region_columns!(), " FROM regions \
                 WHERE code >= $1 AND code < $2 AND valid_to IS NULL ORDER BY code"
            ))
            .bind(low)
            .bind(high)
            .fetch_all(&mut *self.0)
            .await?)
        }

        async fn upsert_regions(&mut self, rows: &[RegionRow]) -> StoreResult<()> {
            for chunk in rows.chunks(2000) {
                let json = serde_json::to_string(chunk).unwrap_or_default();
                sqlx::query(concat!(
                    "INSERT INTO regions (", $crate::database::rows::region_columns!(), ") ",
                    $regions_from_json,
                    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
                     parent = excluded.parent, valid_from = excluded.valid_from, \
                     valid_to = excluded.valid_to, replaced_by = excluded.replaced_by"
                ))
                .bind(json)
                .execute(&mut *self.0)
                .await?;
            }
            Ok(())
        }

        async fn persons(&mut self, ids: &[i64]) -> StoreResult<Vec<PersonRow>> {
            Ok($crate::database::tx::fetch_in_chunks!(self.0, PersonRow, concat!(
                "SELECT ", $crate::database::rows::person_columns!(), " FROM persons WHERE id IN (",
                $in_int, ")", $lock
            ), ids))
        }

        async fn persons_by_id_numbers(&mut self, numbers: &[String]) -> StoreResult<Vec<(String, i64, String)>> {
            // Two statements so that each uses its partial index.
            let mut out = $crate::database::tx::fetch_in_chunks!(self.0, (String, i64, String), concat!(
                "SELECT id_number, id, status FROM persons WHERE status NOT IN ('dead', 'merged') AND id_number IN (", $in_text, ")"
            ), numbers);
            out.extend($crate::database::tx::fetch_in_chunks!(self.0, (String, i64, String), concat!(
                "SELECT id_number, id, status FROM persons WHERE status IN ('dead', 'merged') AND id_number IN (", $in_text, ")"
            ), numbers));
            Ok(out)
        }

        async fn source_links(&mut self, source: &str, record_ids: &[String]) -> StoreResult<Vec<(String, i64, String)>> {
            Ok($crate::database::tx::fetch_in_chunks!(self.0, (String, i64, String), concat!(
                "SELECT record_id, person_id, row_hash FROM source_records \
                 WHERE source = $2 AND record_id IN (", $in_text, ")"
            ), record_ids, source))
        }

        async fn is_empty(&mut self, table: $crate::database::tx::Table) -> StoreResult<bool> {
            let sql = match table {
                $crate::database::tx::Table::Persons => "SELECT CAST(1 AS BIGINT) FROM persons LIMIT 1",
                $crate::database::tx::Table::Households => "SELECT CAST(1 AS BIGINT) FROM households LIMIT 1",
            };
            let found: Option<i64> = sqlx::query_scalar(sql).fetch_optional(&mut *self.0).await?;
            Ok(found.is_none())
        }

        async fn source_is_new(&mut self, source: &str) -> StoreResult<bool> {
            let found: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM source_records WHERE source = $1 LIMIT 1")
                .bind(source)
                .fetch_optional(&mut *self.0)
                .await?;
            Ok(found.is_none())
        }

        async fn households(&mut self, numbers: &[String]) -> StoreResult<Vec<(String, i64)>> {
            Ok($crate::database::tx::fetch_in_chunks!(self.0, (String, i64), concat!(
                "SELECT household_no, id FROM households WHERE household_no IN (", $in_text, ")"
            ), numbers))
        }

        async fn update_person(&mut self, r: &PersonRow, now: chrono::DateTime<chrono::Utc>) -> StoreResult<()> {
            static UPDATE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
                format!("UPDATE persons SET {} WHERE id = $1", $crate::database::rows::person_assignments())
            });
            let mut query = sqlx::query(sqlx::AssertSqlSafe(UPDATE.as_str()));
            for v in r.values() {
                query = match v {
                    $crate::database::rows::ColumnValue::Int(n) => query.bind(n),
                    $crate::database::rows::ColumnValue::Text(t) => query.bind(t),
                    $crate::database::rows::ColumnValue::Date(d) => query.bind(d),
                };
            }
            query.bind(r.name_key()).bind(now).execute(&mut *self.0).await?;
            Ok(())
        }

        async fn upsert_source_link(&mut self, link: &SourceLink) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO source_records (source, record_id, person_id, row_hash, extra) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (source, record_id) DO UPDATE SET person_id = excluded.person_id, \
                 row_hash = excluded.row_hash, extra = excluded.extra",
            )
            .bind(&link.source)
            .bind(&link.record_id)
            .bind(link.person_id)
            .bind(&link.row_hash)
            .bind(link.extra.as_deref().map(|e| sqlx::types::Json(serde_json::from_str::<serde_json::Value>(e).unwrap_or_default())))
            .execute(&mut *self.0)
            .await?;
            Ok(())
        }

        async fn insert_import(&mut self, r: &$crate::database::tx::ImportRow) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(
                "INSERT INTO imports (source, file, file_sha256, recorder, started_at, finished_at, \
                 inserted, updated, unchanged, rejected) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(&r.source)
            .bind(&r.file)
            .bind(&r.file_sha256)
            .bind(&r.recorder)
            .bind(r.started_at)
            .bind(r.finished_at)
            .bind(r.inserted)
            .bind(r.updated)
            .bind(r.unchanged)
            .bind(r.rejected)
            .fetch_one(&mut *self.0)
            .await?)
        }

        async fn insert_pending(&mut self, rows: &[$crate::database::tx::PendingRow]) -> StoreResult<()> {
            // Many rows per statement: a bad file can have thousands.
            for chunk in rows.chunks(1000) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO pending_records (source, import_id, file, line, record_id, raw, errors, row_hash) ",
                );
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(r.source.clone())
                        .push_bind(r.import_id)
                        .push_bind(r.file.clone())
                        .push_bind(r.line)
                        .push_bind(r.record_id.clone())
                        .push_bind(sqlx::types::Json(r.raw.clone()))
                        .push_bind(sqlx::types::Json(r.errors.clone()))
                        .push_bind(r.row_hash.clone());
                });
                q.push(" ON CONFLICT (source, row_hash) DO NOTHING");
                q.build().execute(&mut *self.0).await?;
            }
            Ok(())
        }

        async fn rezone_persons(&mut self, old: &str, new: &str, e: &NewEventRow) -> StoreResult<u64> {
            let residence = serde_json::json!([{"field": "residence", "from": old, "to": new}]);
            let hukou = serde_json::json!([{"field": "hukou_region", "from": old, "to": new}]);
            // The events first, while the old code still finds the persons.
            sqlx::query(
                "INSERT INTO events (person_id, kind, effective_date, recorded_at, recorder, source, region_code, changes) \
                 SELECT id, $2, $3, $4, $5, $6, $7, $8 FROM persons WHERE residence = $1",
            )
            .bind(old)
            .bind(e.kind.as_str())
            .bind(e.effective_date)
            .bind(e.recorded_at)
            .bind(&e.recorder)
            .bind(&e.source)
            .bind(new)
            .bind(sqlx::types::Json(&residence))
            .execute(&mut *self.0)
            .await?;
            let moved = sqlx::query("UPDATE persons SET residence = $2, updated_at = $3 WHERE residence = $1")
                .bind(old)
                .bind(new)
                .bind(e.recorded_at)
                .execute(&mut *self.0)
                .await?
                .rows_affected();
            sqlx::query(
                "INSERT INTO events (person_id, kind, effective_date, recorded_at, recorder, source, region_code, changes) \
                 SELECT id, $2, $3, $4, $5, $6, residence, $7 FROM persons WHERE hukou_region = $1",
            )
            .bind(old)
            .bind(e.kind.as_str())
            .bind(e.effective_date)
            .bind(e.recorded_at)
            .bind(&e.recorder)
            .bind(&e.source)
            .bind(sqlx::types::Json(&hukou))
            .execute(&mut *self.0)
            .await?;
            sqlx::query("UPDATE persons SET hukou_region = $2, updated_at = $3 WHERE hukou_region = $1")
                .bind(old)
                .bind(new)
                .bind(e.recorded_at)
                .execute(&mut *self.0)
                .await?;
            sqlx::query("UPDATE households SET region_code = $2 WHERE region_code = $1")
                .bind(old)
                .bind(new)
                .execute(&mut *self.0)
                .await?;
            Ok(moved)
        }

        async fn events_of_person(&mut self, id: i64) -> StoreResult<Vec<$crate::database::rows::EventRow>> {
            Ok(sqlx::query_as::<_, $crate::database::rows::EventRow>(concat!(
                "SELECT ", $crate::database::rows::event_columns!(), " FROM events WHERE person_id = $1 ORDER BY id"
            ))
            .bind(id)
            .fetch_all(&mut *self.0)
            .await?)
        }

        async fn persons_with_events_after(&mut self, village: &str, date: chrono::NaiveDate) -> StoreResult<Vec<i64>> {
            Ok(sqlx::query_scalar(
                "SELECT DISTINCT e.person_id FROM events e JOIN persons p ON p.id = e.person_id \
                 WHERE (p.residence = $1 OR p.hukou_region = $1) AND e.effective_date > $2",
            )
            .bind(village)
            .bind(date)
            .fetch_all(&mut *self.0)
            .await?)
        }

        async fn persons_touching(&mut self, village: &str) -> StoreResult<Vec<PersonRow>> {
            Ok(sqlx::query_as::<_, PersonRow>(concat!(
                "SELECT ", $crate::database::rows::person_columns!(),
                " FROM persons WHERE residence = $1 OR hukou_region = $1 ORDER BY id"
            ))
            .bind(village)
            .fetch_all(&mut *self.0)
            .await?)
        }

        async fn household_count(&mut self, region: &str) -> StoreResult<i64> {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM households WHERE region_code = $1")
                .bind(region)
                .fetch_one(&mut *self.0)
                .await?)
        }

        async fn retire_region(&mut self, code: &str, replaced_by: &str, on: chrono::NaiveDate) -> StoreResult<()> {
            sqlx::query("UPDATE regions SET valid_to = $2, replaced_by = $3 WHERE code = $1")
                .bind(code)
                .bind(on)
                .bind(replaced_by)
                .execute(&mut *self.0)
                .await?;
            Ok(())
        }

        async fn merge_survivor(&mut self, merged: i64) -> StoreResult<Option<i64>> {
            Ok(sqlx::query_scalar("SELECT survivor_id FROM person_merges WHERE merged_id = $1")
                .bind(merged)
                .fetch_optional(&mut *self.0)
                .await?)
        }

        async fn insert_merge(&mut self, merged: i64, survivor: i64, now: DateTime<Utc>) -> StoreResult<()> {
            sqlx::query("INSERT INTO person_merges (merged_id, survivor_id, merged_at) VALUES ($1, $2, $3)")
                .bind(merged)
                .bind(survivor)
                .bind(now)
                .execute(&mut *self.0)
                .await?;
            Ok(())
        }

        async fn delete_merge(&mut self, merged: i64) -> StoreResult<()> {
            sqlx::query("DELETE FROM person_merges WHERE merged_id = $1")
                .bind(merged)
                .execute(&mut *self.0)
                .await?;
            Ok(())
        }

        async fn children_birth_dates(&mut self, mother: i64) -> StoreResult<Vec<chrono::NaiveDate>> {
            Ok(sqlx::query_scalar(
                "SELECT birth_date FROM persons WHERE mother_id = $1 AND status <> 'merged'",
            )
            .bind(mother)
            .fetch_all(&mut *self.0)
            .await?)
        }

        async fn children(&mut self, mother: i64) -> StoreResult<Vec<PersonRow>> {
            Ok(sqlx::query_as(concat!(
                "SELECT ", $crate::database::rows::person_columns!(),
                " FROM persons WHERE mother_id = $1 AND status <> 'merged'"
            ))
            .bind(mother)
            .fetch_all(&mut *self.0)
            .await?)
        }

        async fn children_of(&mut self, mothers: &[i64]) -> StoreResult<Vec<PersonRow>> {
            Ok($crate::database::tx::fetch_in_chunks!(self.0, PersonRow, concat!(
                "SELECT ", $crate::database::rows::person_columns!(),
                " FROM persons WHERE mother_id IN (", $in_int, ") AND status <> 'merged'"
            ), mothers))
        }

        async fn persons_unlocked(&mut self, ids: &[i64]) -> StoreResult<Vec<PersonRow>> {
            Ok($crate::database::tx::fetch_in_chunks!(self.0, PersonRow, concat!(
                "SELECT ", $crate::database::rows::person_columns!(), " FROM persons WHERE id IN (",
                $in_int, ")"
            ), ids))
        }

        async fn events_of_kind(
            &mut self,
            persons: &[i64],
            kind: &str,
        ) -> StoreResult<Vec<$crate::database::rows::EventRow>> {
            let mut out = $crate::database::tx::fetch_in_chunks!(self.0, $crate::database::rows::EventRow, concat!(
                "SELECT ", $crate::database::rows::event_columns!(), " FROM events WHERE person_id IN (",
                $in_int, ") AND kind = $2"
            ), persons, kind);
            out.sort_by_key(|e| e.id);
            Ok(out)
        }

        async fn open_findings_of(
            &mut self,
            person: i64,
        ) -> StoreResult<Vec<(i64, renkou_domain::verification::OpenFinding)>> {
            let rows: Vec<(i64, String, String, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT id, kind, field, source_value, registry_value FROM verification_tasks \
                 WHERE person_id = $1 AND status = 'open'",
            )
            .bind(person)
            .fetch_all(&mut *self.0)
            .await?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, kind, field, source_value, registry_value)| {
                    let kind = kind.parse().ok()?;
                    Some((id, renkou_domain::verification::OpenFinding { kind, field, source_value, registry_value }))
                })
                .collect())
        }

        async fn resolve_task(&mut self, id: i64, resolution: &str, reason: &str, by: &str) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE verification_tasks SET status = 'resolved', resolution = $2, reason = $3, \
                 resolved_by = $4, resolved_at = CURRENT_TIMESTAMP WHERE id = $1 AND status = 'open'",
            )
            .bind(id)
            .bind(resolution)
            .bind(reason)
            .bind(by)
            .execute(&mut *self.0)
            .await?
            .rows_affected();
            Ok(done == 1)
        }

        async fn insert_review_of_last_event(&mut self, person: i64) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO entry_reviews (event_id, person_id, region_code, kind, recorder, recorded_at) \
                 SELECT id, person_id, region_code, kind, recorder, recorded_at FROM events \
                 WHERE person_id = $1 ORDER BY id DESC LIMIT 1",
            )
            .bind(person)
            .execute(&mut *self.0)
            .await?;
            Ok(())
        }

        async fn insert_audit_pending(&mut self, entries: &[$crate::AuditEntry]) -> StoreResult<()> {
            // Microseconds: what both engines store exactly, so the chain can be recomputed.
            let at = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
            for chunk in entries.chunks(1000) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_pending (at, actor, action, person_id, detail, address) ",
                );
                insert.push_values(chunk, |mut row, e| {
                    row.push_bind(at)
                        .push_bind(e.actor.clone())
                        .push_bind(e.action.clone())
                        .push_bind(e.person_id)
                        .push_bind(e.detail.clone())
                        .push_bind(e.address.clone());
                });
                insert.build().execute(&mut *self.0).await?;
            }
            Ok(())
        }

        async fn idempotent_answer(&mut self, actor: &str, key: &str) -> StoreResult<Option<(String, String)>> {
            Ok(sqlx::query_as::<_, (String, String)>(
                "SELECT request_hash, response FROM idempotency_keys WHERE actor = $1 AND key = $2",
            )
            .bind(actor)
            .bind(key)
            .fetch_optional(&mut *self.0)
            .await?)
        }

        async fn keep_idempotent_answer(&mut self, actor: &str, key: &str, request_hash: &str, answer: &str) -> StoreResult<bool> {
            let kept = sqlx::query(
                "INSERT INTO idempotency_keys (actor, key, request_hash, response, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (actor, key) DO NOTHING",
            )
            .bind(actor)
            .bind(key)
            .bind(request_hash)
            .bind(answer)
            .bind(chrono::Utc::now())
            .execute(&mut *self.0)
            .await?
            .rows_affected();
            Ok(kept == 1)
        }

        async fn household_regions(&mut self, ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
            Ok($crate::database::tx::fetch_in_chunks!(self.0, (i64, String), concat!(
                "SELECT id, region_code FROM households WHERE id IN (", $in_int, ")"
            ), ids))
        }

        async fn insert_case(
            &mut self,
            c: &$crate::cases::open::NewCase,
            state: renkou_domain::cases::Step,
            now: chrono::DateTime<chrono::Utc>,
        ) -> StoreResult<Option<i64>> {
            Ok(sqlx::query_scalar(
                "INSERT INTO cases (kind, source, external_id, person_id, sender_region, recipient_region, \
                 owner_region, state, confidence, inside_province, opened_at, due_at, facts) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (source, external_id) DO NOTHING RETURNING id",
            )
            .bind(c.kind.as_str())
            .bind(&c.source)
            .bind(&c.external_id)
            .bind(c.person_id)
            .bind(&c.sender_region)
            .bind(&c.recipient_region)
            .bind(&c.owner_region)
            .bind(state.as_str())
            .bind(c.confidence)
            .bind(c.inside_province)
            .bind(now)
            .bind(c.due_at)
            .bind(sqlx::types::Json(&c.facts))
            .fetch_optional(&mut *self.0)
            .await?)
        }

        async fn update_case(
            &mut self,
            case: &$crate::cases::Case,
            to: &$crate::cases::steps::Move,
            now: chrono::DateTime<chrono::Utc>,
        ) -> StoreResult<bool> {
            let closed = (!to.state.is_open()).then_some(now);
            let moved = sqlx::query(
                "UPDATE cases SET state = $1, owner_region = $2, due_at = $3, \
                 closed_at = CASE WHEN $4 IS NULL THEN NULL ELSE COALESCE(closed_at, $4) END, \
                 reply = COALESCE($5, reply), escalations = escalations + $6, \
                 person_id = COALESCE($10, person_id), confidence = COALESCE($11, confidence) \
                 WHERE id = $7 AND state = $8 AND owner_region = $9",
            )
            .bind(to.state.as_str())
            .bind(&to.owner)
            .bind(to.due_at)
            .bind(closed)
            .bind(to.reply.as_ref().map(sqlx::types::Json))
            .bind(i32::from(to.escalated))
            .bind(case.id)
            .bind(&case.state)
            .bind(&case.owner_region)
            .bind(to.matched.map(|(person, _)| person))
            .bind(to.matched.map(|(_, sure)| sure))
            .execute(&mut *self.0)
            .await?
            .rows_affected();
            Ok(moved == 1)
        }

        async fn insert_case_steps(
            &mut self,
            case: i64,
            steps: &[$crate::cases::open::NewStep],
            now: chrono::DateTime<chrono::Utc>,
        ) -> StoreResult<()> {
            if steps.is_empty() {
                return Ok(());
            }
            // One statement for all of a case's steps.
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO case_steps (case_id, step, region_code, actor, at, note) ",
            );
            insert.push_values(steps, |mut row, s| {
                row.push_bind(case)
                    .push_bind(s.step.as_str())
                    .push_bind(&s.region)
                    .push_bind(&s.actor)
                    .push_bind(now)
                    .push_bind(&s.note);
            });
            insert.build().execute(&mut *self.0).await?;
            Ok(())
        }

        async fn upsert_roll(
            &mut self,
            r: &$crate::support::rolls::NewRoll,
        ) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(
                "INSERT INTO support_rolls (program, year, region_code, made_at, made_by, considered, \
                 eligible, total_amount, reasons) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (program, year, region_code) DO UPDATE SET made_at = excluded.made_at, \
                 made_by = excluded.made_by, considered = excluded.considered, \
                 eligible = excluded.eligible, total_amount = excluded.total_amount, \
                 reasons = excluded.reasons RETURNING id",
            )
            .bind(&r.program)
            .bind(r.year)
            .bind(&r.region_code)
            .bind(r.made_at)
            .bind(&r.made_by)
            .bind(r.considered)
            .bind(r.eligible)
            .bind(r.total_amount)
            .bind(sqlx::types::Json(&r.reasons))
            .fetch_one(&mut *self.0)
            .await?)
        }

        async fn replace_roll_entries(
            &mut self,
            roll: i64,
            entries: &[$crate::support::roll::RollEntry],
        ) -> StoreResult<()> {
            sqlx::query("DELETE FROM support_roll_entries WHERE roll_id = $1")
                .bind(roll)
                .execute(&mut *self.0)
                .await?;
            for chunk in entries.chunks(1_000) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO support_roll_entries (roll_id, person_id, eligible, reason, amount) ",
                );
                insert.push_values(chunk, |mut row, e| {
                    row.push_bind(roll)
                        .push_bind(e.person_id)
                        .push_bind(e.eligible)
                        .push_bind(&e.reason)
                        .push_bind(e.amount);
                });
                insert.build().execute(&mut *self.0).await?;
            }
            Ok(())
        }

        async fn set_roll_case(&mut self, roll: i64, case: i64) -> StoreResult<()> {
            sqlx::query("UPDATE support_rolls SET case_id = $1 WHERE id = $2")
                .bind(case)
                .bind(roll)
                .execute(&mut *self.0)
                .await?;
            Ok(())
        }

        async fn insert_case_subjects(&mut self, case: i64, subjects: &[(i64, &str)]) -> StoreResult<()> {
            for (person, role) in subjects {
                sqlx::query(
                    "INSERT INTO case_subjects (case_id, person_id, role) VALUES ($1, $2, $3) \
                     ON CONFLICT (case_id, person_id) DO NOTHING",
                )
                .bind(case)
                .bind(person)
                .bind(role)
                .execute(&mut *self.0)
                .await?;
            }
            Ok(())
        }

        async fn issue_certificate(
            &mut self,
            c: &$crate::certificates::NewCertificate,
            now: chrono::DateTime<chrono::Utc>,
        ) -> StoreResult<()> {
            let county = c.county.to_string();
            self.lock_counter(&format!("certificates:{county}:{}", c.year)).await?;
            let sequence: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(sequence), 0) + 1 AS BIGINT) FROM certificates \
                 WHERE county_code = $1 AND year = $2",
            )
            .bind(&county)
            .bind(c.year)
            .fetch_one(&mut *self.0)
            .await?;
            sqlx::query(
                "INSERT INTO certificates (number, county_code, year, sequence, case_id, holder_id, \
                 spouse_id, child_id, issued_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(renkou_domain::certificates::number(&c.county, c.year, sequence))
            .bind(&county)
            .bind(c.year)
            .bind(sequence)
            .bind(c.case_id)
            .bind(c.holder)
            .bind(c.spouse)
            .bind(c.child)
            .bind(now)
            .bind(&c.issued_by)
            .execute(&mut *self.0)
            .await?;
            Ok(())
        }

        async fn revoke_certificate(
            &mut self,
            certificate: i64,
            case: i64,
            reason: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> StoreResult<()> {
            sqlx::query(
                "UPDATE certificates SET revoked_at = $1, revoked_reason = $2, revocation_case_id = $3 \
                 WHERE id = $4 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(reason)
            .bind(case)
            .bind(certificate)
            .execute(&mut *self.0)
            .await?;
            Ok(())
        }

        async fn live_certificates_of(
            &mut self,
            persons: &[i64],
        ) -> StoreResult<Vec<(i64, i64, Option<i64>, i64)>> {
            let mut out = Vec::new();
            for person in persons {
                let mut rows: Vec<(i64, i64, Option<i64>, i64)> = sqlx::query_as(
                    "SELECT id, holder_id, spouse_id, child_id FROM certificates \
                     WHERE revoked_at IS NULL AND (holder_id = $1 OR spouse_id = $1)",
                )
                .bind(person)
                .fetch_all(&mut *self.0)
                .await?;
                out.append(&mut rows);
            }
            out.sort_unstable();
            out.dedup();
            Ok(out)
        }

        async fn commit(self) -> StoreResult<()> {
            self.0.commit().await?;
            Ok(())
        }
    };
}
pub(crate) use shared_statements;
