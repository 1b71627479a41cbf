//! A run of a leniently read exchange file (legacy WIS cards, incoming
//! migrant records) written down: the run itself, and every row that could
//! not be used kept as a pending record with what was wrong with it — the
//! same place an import keeps its rejected rows, for correction.

use renkou_formats::{RejectedRow, RowError, UnreadableRow, ValueProblem};

use crate::database::tx::{ImportRow, PendingRow, Tx};
use crate::error::{StoreError, StoreResult};
use crate::registry::import::pending_row;
use crate::{Store, with_tx};

impl Store {
    /// Writes down the run and its unusable rows in one transaction.
    pub(crate) async fn keep_run(
        &self,
        run: &ImportRow,
        unreadable: &[UnreadableRow],
        problems: &[ValueProblem],
    ) -> StoreResult<()> {
        with_tx!(self, tx => {
            let mut tx = tx;
            let import_id = tx.insert_import(run).await?;
            let pending: Vec<PendingRow> = unreadable
                .iter()
                .map(|row| {
                    let rejected = RejectedRow {
                        line: row.line,
                        record_id: Some(row.card_id.clone()).filter(|c| !c.is_empty()),
                        raw: row.raw.clone(),
                        errors: problems
                            .iter()
                            .filter(|p| p.file == row.file && p.line == row.line)
                            .map(|p| RowError {
                                line: p.line,
                                column: p.column.clone(),
                                value: p.value.clone(),
                                reason: p.reason.clone(),
                            })
                            .collect(),
                    };
                    pending_row(&run.source, import_id, &row.file, &rejected)
                })
                .collect();
            tx.insert_pending(&pending).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }
}
