//! Importing a register CSV: every row is inserted, updated, found unchanged or
//! rejected (and kept), in one transaction, so an interrupted import leaves
//! the database as it was and a repeated one changes nothing.
//!
//! The phases, one file each: `screen` (unknown regions, numbers repeated in
//! the file), `classify` (new, matched, unchanged), `households`, `updates`
//! (the changes matched records bring, as events), `inserts` (new persons),
//! then everything written at once here.

mod classify;
mod households;
mod input;
mod inserts;
mod kept_rows;
mod rows;
mod screen;
mod updates;

use chrono::Utc;
use renkou_formats::RejectedRow;
use serde::Serialize;

use crate::database::tx::{ImportRow, PendingRow, Tx};
use crate::error::StoreResult;
use crate::registry::record::EventMeta;
pub use input::ImportInput;
pub(crate) use rows::pending_row;

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub import_id: i64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Rows whose retired region code was mapped to today's.
    pub recoded_regions: u64,
    /// Every refused row, with its reasons (the reader's and the register's).
    #[serde(skip)]
    pub rejected_rows: Vec<RejectedRow>,
}

/// Logs how far an import has come, in seconds since it started.
fn progress(started_at: chrono::DateTime<Utc>, phase: &str) {
    let seconds = (Utc::now() - started_at).num_milliseconds() as f64 / 1000.0;
    tracing::info!(seconds, "{phase}");
}

/// Imports the file in the transaction and commits it.
pub(crate) async fn import<T: Tx>(mut tx: T, input: ImportInput) -> StoreResult<ImportReport> {
    let started_at = Utc::now();
    let ImportInput {
        source,
        file,
        file_sha256,
        recorder,
        records,
        mut rejected,
    } = input;

    let screened = screen::screen(&mut tx, records, &mut rejected).await?;
    progress(started_at, "regions resolved, in-file duplicates removed");
    let classified = classify::classify(&mut tx, &source, screened.records, &mut rejected).await?;
    progress(started_at, "records classified");
    let mut households =
        households::NamedHouseholds::find_or_allocate(&mut tx, &classified).await?;
    let meta = EventMeta {
        recorder: recorder.clone(),
        source: source.clone(),
    };
    let origin = updates::Origin {
        meta: &meta,
        file: &file,
        started_at,
    };
    let changes = updates::changes(&mut tx, &classified.updates, &households, &origin).await?;
    let inserts = inserts::new_persons(&mut tx, classified.inserts, &households, &source).await?;
    households.place(inserts.rows.iter().chain(&changes.rows));
    let counts = changes
        .counts
        .merge(inserts::counted(&inserts.rows)?)
        .merge(households.counted());
    progress(started_at, "changes computed");

    let report = ImportReport {
        import_id: 0,
        inserted: inserts.rows.len() as u64,
        updated: changes.rows.len() as u64,
        unchanged: classified.unchanged + changes.unchanged,
        rejected: rejected.len() as u64,
        recoded_regions: screened.recoded_regions,
        rejected_rows: Vec::new(),
    };
    let import_id = tx
        .insert_import(&ImportRow {
            source: source.clone(),
            file: file.clone(),
            file_sha256,
            recorder,
            started_at,
            finished_at: Utc::now(),
            inserted: report.inserted as i64,
            updated: report.updated as i64,
            unchanged: report.unchanged as i64,
            rejected: report.rejected as i64,
        })
        .await?;
    tx.insert_households(&households.new).await?;
    tx.insert_persons(&inserts.rows, started_at).await?;
    progress(started_at, "persons inserted");
    for row in &changes.rows {
        tx.update_person(row, started_at).await?;
    }
    let mut new_links = changes.new_links;
    new_links.extend(inserts.links);
    tx.insert_source_links(&new_links).await?;
    for link in &changes.relinked {
        tx.upsert_source_link(link).await?;
    }
    tx.insert_events(&changes.events).await?;
    progress(started_at, "events written");
    tx.write_counts(&counts).await?;
    rejected.sort_by_key(|r| r.line);
    let pending: Vec<PendingRow> = rejected
        .iter()
        .map(|row| rows::pending_row(&source, import_id, &file, row))
        .collect();
    tx.insert_pending(&pending).await?;
    progress(started_at, "all written");
    tx.commit().await?;
    Ok(ImportReport {
        import_id,
        rejected_rows: rejected,
        ..report
    })
}
