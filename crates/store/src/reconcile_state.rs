//! What the last reconciliation of a source with a region settled: each
//! source record's fingerprint and the registry person it matched, and the
//! weights learned. A newer extract of the same source is then compared
//! only where something changed.

use std::collections::HashMap;

use renkou_link::Model;

use crate::error::StoreResult;
use crate::{Store, on_pool};

/// One source record as the last run left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settled {
    /// [`renkou_link::Record::fingerprint`] of the source record.
    pub fingerprint: i64,
    /// The registry person it matched; 0 for nobody.
    pub person: i64,
    /// That person's fingerprint as compared (0 for nobody).
    pub person_fingerprint: i64,
}

/// Rows a statement writes at most (4 parameters each, plus 2).
const ROWS_PER_STATEMENT: usize = 1000;

impl Store {
    /// The records of `source` the last reconciliation with `scope` settled,
    /// by record id, and the weights it used (none before the first run).
    pub(crate) async fn reconciled(
        &self,
        source: &str,
        scope: &str,
    ) -> StoreResult<(HashMap<String, Settled>, Option<Model>)> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, i64, i64, i64)>(
            "SELECT record_id, fingerprint, person_id, person_fingerprint \
             FROM reconciled_records WHERE source = $1 AND scope = $2",
        )
        .bind(source)
        .bind(scope)
        .fetch_all(pool)
        .await?);
        let model = on_pool!(self, pool => sqlx::query_scalar::<_, String>(
            "SELECT model FROM reconciliation_models WHERE source = $1 AND scope = $2",
        )
        .bind(source)
        .bind(scope)
        .fetch_optional(pool)
        .await?);
        let settled = rows
            .into_iter()
            .map(|(id, fingerprint, person, person_fingerprint)| {
                (
                    id,
                    Settled {
                        fingerprint,
                        person,
                        person_fingerprint,
                    },
                )
            })
            .collect();
        Ok((settled, model.as_deref().and_then(Model::from_json)))
    }

    /// Writes what this run settled, as the difference from `before`: rows
    /// that changed, rows of records gone from the extract; and the model
    /// of a full run (an incremental run keeps the full run's).
    pub(crate) async fn keep_reconciled(
        &self,
        source: &str,
        scope: &str,
        before: &HashMap<String, Settled>,
        now: &HashMap<String, Settled>,
        model: Option<&Model>,
    ) -> StoreResult<()> {
        let changed: Vec<(&String, &Settled)> = now
            .iter()
            .filter(|(id, s)| before.get(*id) != Some(s))
            .collect();
        let gone: Vec<&String> = before.keys().filter(|id| !now.contains_key(*id)).collect();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in changed.chunks(ROWS_PER_STATEMENT) {
                let mut upsert = sqlx::QueryBuilder::new(
                    "INSERT INTO reconciled_records \
                     (source, scope, record_id, fingerprint, person_id, person_fingerprint) ",
                );
                upsert.push_values(chunk, |mut row, (id, s)| {
                    row.push_bind(source)
                        .push_bind(scope)
                        .push_bind(id.as_str())
                        .push_bind(s.fingerprint)
                        .push_bind(s.person)
                        .push_bind(s.person_fingerprint);
                });
                upsert.push(
                    " ON CONFLICT (source, scope, record_id) DO UPDATE SET \
                     fingerprint = excluded.fingerprint, person_id = excluded.person_id, \
                     person_fingerprint = excluded.person_fingerprint",
                );
                upsert.build().execute(&mut *tx).await?;
            }
            for chunk in gone.chunks(ROWS_PER_STATEMENT) {
                let mut delete = sqlx::QueryBuilder::new(
                    "DELETE FROM reconciled_records WHERE source = ",
                );
                delete.push_bind(source).push(" AND scope = ").push_bind(scope);
                delete.push(" AND record_id IN (");
                let mut ids = delete.separated(", ");
                for id in chunk {
                    ids.push_bind(id.as_str());
                }
                delete.push(")");
                delete.build().execute(&mut *tx).await?;
            }
            if let Some(model) = model {
                sqlx::query(
                    "INSERT INTO reconciliation_models (source, scope, model) VALUES ($1, $2, $3) \
                     ON CONFLICT (source, scope) DO UPDATE SET model = excluded.model",
                )
                .bind(source)
                .bind(scope)
                .bind(model.to_json())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
