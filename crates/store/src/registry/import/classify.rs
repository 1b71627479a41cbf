//! Phase 2: each record against what the register knows — the person an
//! earlier import of the source linked it to, or the living person holding
//! its identity number — into new persons, updates and unchanged rows.

use chrono::NaiveDate;
use renkou_domain::{IdNumber, LifeStatus};
use renkou_formats::{RegisterRecord, RejectedRow};
use rustc_hash::FxHashMap as HashMap;

use super::rows::{record_hash, reject};
use crate::database::tx::{Table, Tx};
use crate::error::StoreResult;

/// A record matched to a person already in the register.
pub(super) struct Update {
    pub record: RegisterRecord,
    pub person_id: i64,
    pub hash: String,
    /// The record was linked to this person before (else the link is new).
    pub linked: bool,
}

/// The records sorted by what the import does with them.
pub(super) struct Classified {
    /// Records of persons the register does not hold, with their hashes.
    pub inserts: Vec<(RegisterRecord, String)>,
    pub updates: Vec<Update>,
    /// Records that are exactly as last imported.
    pub unchanged: u64,
}

impl Classified {
    /// Every record that will be written, new or matched.
    pub fn records(&self) -> impl Iterator<Item = &RegisterRecord> {
        self.inserts
            .iter()
            .map(|(r, _)| r)
            .chain(self.updates.iter().map(|u| &u.record))
    }
}

/// What the register already knows of the records.
struct Known {
    /// The source's record id → (person, hash of the record last imported).
    links: HashMap<String, (i64, String)>,
    /// Identity number → the persons holding it, and whether each is living.
    holders: HashMap<IdNumber, Vec<(i64, bool)>>,
}

impl Known {
    async fn look_up<T: Tx>(
        tx: &mut T,
        source: &str,
        records: &[RegisterRecord],
    ) -> StoreResult<Known> {
        let links = if tx.source_is_new(source).await? {
            HashMap::default()
        } else {
            let ids: Vec<String> = records.iter().map(|r| r.record_id.clone()).collect();
            tx.source_links(source, &ids)
                .await?
                .into_iter()
                .map(|(r, p, h)| (r, (p, h)))
                .collect()
        };
        let mut holders: HashMap<IdNumber, Vec<(i64, bool)>> = HashMap::default();
        if !tx.is_empty(Table::Persons).await? {
            let numbers: Vec<String> = records
                .iter()
                .filter_map(|r| r.id_number.map(|n| n.to_string()))
                .collect();
            for (number, id, status) in tx.persons_by_id_numbers(&numbers).await? {
                // Stored numbers were valid when written.
                if let Ok(n) = IdNumber::parse_at(&number, NaiveDate::MAX) {
                    let living =
                        LifeStatus::parse(&status).is_some_and(LifeStatus::holds_id_number);
                    holders.entry(n).or_default().push((id, living));
                }
            }
        }
        Ok(Known { links, holders })
    }

    /// The living person holding the record's identity number.
    fn living_holder(&self, record: &RegisterRecord) -> Option<i64> {
        let holders = self.holders.get(&record.id_number?)?;
        holders
            .iter()
            .find(|(_, living)| *living)
            .map(|(id, _)| *id)
    }

    /// Same number: the same person, known from elsewhere. A dead record
    /// matches a dead person only if no living one has it.
    fn holder(&self, record: &RegisterRecord) -> Option<i64> {
        self.living_holder(record).or_else(|| {
            if record.status != LifeStatus::Dead {
                return None;
            }
            let holders = self.holders.get(&record.id_number?)?;
            holders.first().map(|(id, _)| *id)
        })
    }
}

/// Sorts the records; a record whose number another living person holds is
/// refused into `rejected`.
pub(super) async fn classify<T: Tx>(
    tx: &mut T,
    source: &str,
    records: Vec<RegisterRecord>,
    rejected: &mut Vec<RejectedRow>,
) -> StoreResult<Classified> {
    let known = Known::look_up(tx, source, &records).await?;
    let hashes: Vec<String> = {
        use rayon::prelude::*;
        records.par_iter().map(record_hash).collect()
    };
    let mut out = Classified {
        inserts: Vec::new(),
        updates: Vec::new(),
        unchanged: 0,
    };
    for (record, hash) in records.into_iter().zip(hashes) {
        match known.links.get(&record.record_id) {
            Some((_, old_hash)) if *old_hash == hash => out.unchanged += 1,
            Some((person_id, _)) => {
                let taken = known
                    .living_holder(&record)
                    .filter(|h| h != person_id && record.status != LifeStatus::Dead);
                if let Some(holder) = taken {
                    let value = record.id_number.map(|n| n.to_string()).unwrap_or_default();
                    let reason =
                        format!("公民身份号码已属于库中另一名现有人员（记录 {holder}），请核实");
                    rejected.push(reject(&record, "id_number", &value, reason));
                } else {
                    out.updates.push(Update {
                        person_id: *person_id,
                        record,
                        hash,
                        linked: true,
                    });
                }
            }
            None => match known.holder(&record) {
                Some(person_id) => out.updates.push(Update {
                    person_id,
                    record,
                    hash,
                    linked: false,
                }),
                None => out.inserts.push((record, hash)),
            },
        }
    }
    Ok(out)
}
