//! What the last reconciliation of a source with a region settled: each
//! source record's fingerprint and the registry person it matched, and the
//! weights learned. A newer extract of the same source is then compared
//! only where something changed.
//!
//! The records are kept packed in one value per source and region, not a
//! row each: a county's or a province's million records are read and
//! written in one statement (a row each took seconds both ways), and
//! nothing ever queries them one by one.

use std::collections::HashMap;
use std::io::{Read, Write};

use renkou_domain::RegionCode;
use renkou_link::Model;

use crate::error::{StoreError, StoreResult};
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

/// Packs the records: for each, the id's length (u32) and bytes, then the
/// three numbers; all little-endian, deflated.
fn pack(records: &HashMap<String, Settled>) -> StoreResult<Vec<u8>> {
    let mut raw = Vec::with_capacity(records.len() * 40);
    for (id, s) in records {
        raw.extend_from_slice(&(id.len() as u32).to_le_bytes());
        raw.extend_from_slice(id.as_bytes());
        for n in [s.fingerprint, s.person, s.person_fingerprint] {
            raw.extend_from_slice(&n.to_le_bytes());
        }
    }
    let mut out = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    out.write_all(&raw).map_err(corrupt)?;
    out.finish().map_err(corrupt)
}

/// Reads what [`pack`] wrote.
fn unpack(packed: &[u8]) -> StoreResult<HashMap<String, Settled>> {
    let mut raw = Vec::new();
    flate2::read::DeflateDecoder::new(packed)
        .read_to_end(&mut raw)
        .map_err(corrupt)?;
    let mut out = HashMap::new();
    let mut at = 0usize;
    let mut take = |n: usize| -> StoreResult<&[u8]> {
        let part = raw
            .get(at..at + n)
            .ok_or_else(|| corrupt("record list cut short"))?;
        at += n;
        Ok(part)
    };
    let number = |b: &[u8]| i64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    loop {
        let Ok(len) = take(4) else { break };
        let len = u32::from_le_bytes(len.try_into().unwrap_or([0; 4])) as usize;
        let id = String::from_utf8(take(len)?.to_vec()).map_err(corrupt)?;
        let fingerprint = number(take(8)?);
        let person = number(take(8)?);
        let person_fingerprint = number(take(8)?);
        out.insert(
            id,
            Settled {
                fingerprint,
                person,
                person_fingerprint,
            },
        );
    }
    Ok(out)
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: "reconciliation state".into(),
        reason: e.to_string(),
    }
}

impl Store {
    /// The records of `source` the last reconciliation with `scope` settled,
    /// by record id, and the weights it used (none before the first run).
    pub(crate) async fn reconciled(
        &self,
        source: &str,
        scope: &str,
    ) -> StoreResult<(HashMap<String, Settled>, Option<Model>)> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, (String, Vec<u8>)>(
            "SELECT model, records FROM reconciliation_state WHERE source = $1 AND scope = $2",
        )
        .bind(source)
        .bind(scope)
        .fetch_optional(pool)
        .await?);
        match row {
            None => Ok((HashMap::new(), None)),
            Some((model, records)) => {
                let records = tokio::task::spawn_blocking(move || unpack(&records))
                    .await
                    .map_err(corrupt)??;
                Ok((records, Model::from_json(&model)))
            }
        }
    }

    /// Forgets what the reconciliations of `source` with `scope` settled:
    /// the next one compares everything and learns its weights again.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn forget_reconciliation(&self, source: &str, scope: &RegionCode) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query(
            "DELETE FROM reconciliation_state WHERE source = $1 AND scope = $2",
        )
        .bind(source)
        .bind(scope.as_str())
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Keeps what this run settled, with the model of a full run (an
    /// incremental run keeps the full run's), replacing the last run's.
    pub(crate) async fn keep_reconciled(
        &self,
        source: &str,
        scope: &str,
        now: HashMap<String, Settled>,
        model: Option<&Model>,
    ) -> StoreResult<()> {
        let records = tokio::task::spawn_blocking(move || pack(&now))
            .await
            .map_err(corrupt)??;
        match model {
            Some(model) => on_pool!(self, pool => sqlx::query(
                "INSERT INTO reconciliation_state (source, scope, model, records) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (source, scope) DO UPDATE SET \
                 model = excluded.model, records = excluded.records",
            )
            .bind(source)
            .bind(scope)
            .bind(model.to_json())
            .bind(records)
            .execute(pool)
            .await?
            .rows_affected()),
            None => on_pool!(self, pool => sqlx::query(
                "UPDATE reconciliation_state SET records = $3 WHERE source = $1 AND scope = $2",
            )
            .bind(source)
            .bind(scope)
            .bind(records)
            .execute(pool)
            .await?
            .rows_affected()),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_records_read_back_as_written() {
        let mut records = HashMap::new();
        for (i, id) in ["P1", "", "记录-3", "x".repeat(300).as_str()]
            .iter()
            .enumerate()
        {
            let n = i as i64;
            records.insert(
                id.to_string(),
                Settled {
                    fingerprint: -n * 7,
                    person: n,
                    person_fingerprint: i64::MAX - n,
                },
            );
        }
        let packed = pack(&records).unwrap();
        assert_eq!(unpack(&packed).unwrap(), records);
        assert_ne!(
            unpack(&packed[..packed.len() / 2]).ok(),
            Some(records),
            "a value cut short does not read as the whole"
        );
    }
}
