//! Phase 5: the persons the register does not hold, as new rows, counted in
//! parallel.

use renkou_domain::Person;
use renkou_formats::RegisterRecord;

use super::households::NamedHouseholds;
use super::rows::extra_json;
use crate::database::rows::{PersonRow, SourceLink};
use crate::database::tx::{Table, Tx};
use crate::error::StoreResult;
use crate::statistics::counters::CounterDelta;

/// New persons and their links to the source's records.
pub(super) struct Inserts {
    pub rows: Vec<PersonRow>,
    pub links: Vec<SourceLink>,
}

/// Allocates ids for the new records and makes their rows.
pub(super) async fn new_persons<T: Tx>(
    tx: &mut T,
    records: Vec<(RegisterRecord, String)>,
    households: &NamedHouseholds,
    source: &str,
) -> StoreResult<Inserts> {
    let ids = tx.allocate_ids(Table::Persons, records.len()).await?;
    let mut rows = Vec::with_capacity(records.len());
    let mut links = Vec::with_capacity(records.len());
    for ((record, hash), id) in records.into_iter().zip(ids) {
        rows.push(PersonRow {
            id,
            id_number: record.id_number.map(|n| n.to_string()),
            name: record.name.as_str().to_owned(),
            sex: record.sex.code().to_string(),
            birth_date: record.birth_date,
            ethnicity: record.ethnicity.map(|e| e.code().to_string()),
            residence: record.region_code.to_string(),
            hukou_region: None,
            hukou_type: record.hukou_type.map(|h| h.code().to_string()),
            household_id: households.id_of(record.household_no.as_ref()),
            relation: record.relation.map(|r| r.code().to_string()),
            marital_status: None,
            education: None,
            status: record.status.as_str().to_string(),
            death_date: record.death_date,
            mother_id: None,
            father_id: None,
            spouse_id: None,
            contraception: None,
            contraception_since: None,
            pregnant_since: None,
            expected_delivery: None,
            birth_order: None,
            arrived_on: None,
        });
        links.push(SourceLink {
            source: source.to_string(),
            extra: extra_json(&record.extra),
            record_id: record.record_id,
            person_id: id,
            row_hash: hash,
        });
    }
    Ok(Inserts { rows, links })
}

/// The new persons counted, in parallel chunks merged at the end.
pub(super) fn counted(rows: &[PersonRow]) -> StoreResult<CounterDelta> {
    use rayon::prelude::*;
    rows.par_chunks(20_000)
        .map(|chunk| -> StoreResult<CounterDelta> {
            let mut part = CounterDelta::default();
            for row in chunk {
                part.person_added(&Person::try_from(row.clone())?);
            }
            Ok(part)
        })
        .try_reduce(CounterDelta::default, |a, b| Ok(a.merge(b)))
}
