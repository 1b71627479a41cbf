//! Verification tasks: the findings of a reconciliation against the
//! registry, one per village that must verify it.

use renkou_domain::verification::{Resolution, TaskKind};
use renkou_domain::{PersonId, RegionCode, RegionLevel};
use serde::Serialize;

use renkou_domain::rules::Command;

use crate::access::scope::Scope;
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::registry::record::{self, EventMeta, Recorded};
use crate::{Store, on_pool, with_tx};

/// A finding to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub kind: TaskKind,
    /// The village that verifies it.
    pub region: RegionCode,
    /// The registry's person it concerns, if any.
    pub person: Option<PersonId>,
    /// The source's record it concerns, if any.
    pub record_id: Option<String>,
    /// The field, for a conflict.
    pub field: Option<String>,
    pub registry_value: Option<String>,
    pub source_value: Option<String>,
    /// The source's record as read (JSON), to enter a missing person from.
    pub source_record: Option<String>,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub source: String,
    pub kind: String,
    pub region_code: String,
    /// 0 when the task concerns no registry person.
    pub person_id: i64,
    pub record_id: String,
    pub field: String,
    pub registry_value: Option<String>,
    pub source_value: Option<String>,
    pub status: String,
    pub resolution: Option<String>,
    pub reason: Option<String>,
    pub resolved_by: Option<String>,
    pub source_record: Option<String>,
}

/// The columns of [`Task`].
const TASK_COLUMNS: &str = "id, source, kind, region_code, person_id, record_id, field, \
     registry_value, source_value, status, resolution, reason, resolved_by, source_record";

/// What raising a list of findings did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Raised {
    /// New tasks.
    pub raised: u64,
    /// Findings already on record (open or resolved), not raised again.
    pub known: u64,
}

/// Open and resolved tasks of one kind in one area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskCount {
    pub region_code: String,
    pub kind: String,
    pub open: i64,
    pub resolved: i64,
}

impl Store {
    /// Raises the findings of a reconciliation with `source`, in one
    /// transaction; a finding already on record is left as it is.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn raise_tasks(&self, source: &str, tasks: &[NewTask]) -> StoreResult<Raised> {
        // 9 parameters a row: well inside both engines' limits.
        const ROWS_PER_STATEMENT: usize = 500;
        if source.trim().is_empty() {
            return Err(StoreError::Invalid("a source needs a name".into()));
        }
        let mut inserted = 0u64;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in tasks.chunks(ROWS_PER_STATEMENT) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO verification_tasks (source, kind, region_code, person_id, \
                     record_id, field, registry_value, source_value, source_record) ",
                );
                insert.push_values(chunk, |mut row, t| {
                    row.push_bind(source)
                        .push_bind(t.kind.as_str())
                        .push_bind(t.region.as_str())
                        .push_bind(t.person.map_or(0, |p| p.0))
                        .push_bind(t.record_id.as_deref().unwrap_or(""))
                        .push_bind(t.field.as_deref().unwrap_or(""))
                        .push_bind(t.registry_value.as_deref())
                        .push_bind(t.source_value.as_deref())
                        .push_bind(t.source_record.as_deref());
                });
                insert.push(" ON CONFLICT (source, kind, person_id, record_id, field) DO NOTHING");
                inserted += insert.build().execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
        });
        Ok(Raised {
            raised: inserted,
            known: tasks.len() as u64 - inserted,
        })
    }

    /// The tasks of the villages inside `region`, open ones only unless
    /// `all`, village by village, at most `limit`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn tasks_in(
        &self,
        region: &RegionCode,
        all: bool,
        limit: i64,
    ) -> StoreResult<Vec<Task>> {
        self.tasks_of_kind(region, None, all, limit).await
    }

    /// [`Store::tasks_in`], of one kind only when `kind` is given.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn tasks_of_kind(
        &self,
        region: &RegionCode,
        kind: Option<TaskKind>,
        all: bool,
        limit: i64,
    ) -> StoreResult<Vec<Task>> {
        let (low, high) = region.descendant_range();
        let rows = on_pool!(self, pool => sqlx::query_as::<_, Task>(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLUMNS} FROM verification_tasks \
             WHERE region_code >= $1 AND region_code < $2 AND ($3 OR status = 'open') \
             AND ($5 = '' OR kind = $5) ORDER BY region_code, kind, id LIMIT $4"
        )))
        .bind(&low)
        .bind(&high)
        .bind(all)
        .bind(limit)
        .bind(kind.map_or("", TaskKind::as_str))
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// One task.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn task(&self, id: i64) -> StoreResult<Option<Task>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, Task>(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLUMNS} FROM verification_tasks WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?);
        Ok(row)
    }

    /// Settles an open task: records the event the resolution calls for
    /// (none to keep the registry's value) and marks the task resolved, in
    /// one transaction, so that neither stands without the other. Fails
    /// with [`StoreError::AlreadyResolved`] when someone settled it first.
    // The task, the resolution, the event and its audit entries all belong
    // to one transaction: one call.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn resolve_task(
        &self,
        id: i64,
        resolution: Resolution,
        reason: &str,
        meta: &EventMeta,
        command: Option<&Command>,
        scope: &Scope,
        audit: &[crate::AuditEntry],
        rules: &crate::Rules,
    ) -> StoreResult<Option<Recorded>> {
        let today = renkou_domain::date::today_in_china();
        with_tx!(self, tx => {
            let mut tx = tx;
            // The task first: the event would otherwise settle it as answered.
            if !tx
                .resolve_task(id, resolution.as_str(), reason, &meta.recorder)
                .await?
            {
                return Err(StoreError::AlreadyResolved(id));
            }
            let recorded = match command {
                Some(command) => {
                    Some(record::record_in_tx(&mut tx, command, meta, today, Some(scope), rules).await?)
                }
                None => None,
            };
            // The entries of the change commit with it; one without a person
            // is about the person the event was recorded for.
            let audit: Vec<crate::AuditEntry> = audit
                .iter()
                .map(|e| crate::AuditEntry {
                    person_id: e.person_id.or(recorded.as_ref().map(|r| r.person_id.0)),
                    ..e.clone()
                })
                .collect();
            tx.insert_audit_pending(&audit).await?;
            tx.commit().await?;
            Ok(recorded)
        })
    }

    /// Open and resolved tasks per area at `level` inside `region`, per kind:
    /// the progress of verification.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn task_counts(
        &self,
        region: &RegionCode,
        level: RegionLevel,
    ) -> StoreResult<Vec<TaskCount>> {
        let (low, high) = region.descendant_range();
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64, i64)>(
            "SELECT substr(region_code, 1, $3), kind, \
             CAST(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN status = 'open' THEN 0 ELSE 1 END) AS BIGINT) \
             FROM verification_tasks WHERE region_code >= $1 AND region_code < $2 \
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind(&low)
        .bind(&high)
        .bind(level.prefix_len() as i32)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(area, kind, open, resolved)| TaskCount {
                region_code: format!("{area:0<12}"),
                kind,
                open,
                resolved,
            })
            .collect())
    }
}
