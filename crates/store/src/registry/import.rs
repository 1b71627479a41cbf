//! Importing a register CSV: every row is inserted, updated, found unchanged or
//! rejected (and kept), in one transaction, so an interrupted import leaves
//! the database as it was and a repeated one changes nothing.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use chrono::{NaiveDate, Utc};
use renkou_domain::event::{EventKind, Field, FieldChange};
use renkou_domain::{IdNumber, LifeStatus, Person, RegionCode};
use renkou_formats::{RegisterRecord, RejectedRow, RowError};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::database::rows::{HouseholdRow, NewEventRow, PersonRow, RegionRow, SourceLink};
use crate::database::tx::{ImportRow, PendingRow, Table, Tx};
use crate::error::StoreResult;
use crate::registry::record::EventMeta;
use crate::statistics::counters::{CounterDelta, ReplayEvent};

/// Seconds since a moment, for progress logs.
trait ElapsedSeconds {
    fn elapsed_seconds(&self) -> f64;
}

impl ElapsedSeconds for chrono::DateTime<Utc> {
    fn elapsed_seconds(&self) -> f64 {
        (Utc::now() - *self).num_milliseconds() as f64 / 1000.0
    }
}

/// Longest chain of re-zonings followed from an old code to today's.
const MAX_REZONING_CHAIN: usize = 16;

/// A parsed file, ready to import.
#[derive(Debug, Clone)]
pub struct ImportInput {
    /// The source register's name (`police`, `wis`, ...): records are matched
    /// to earlier imports of the same source by their record id.
    pub source: String,
    /// The file's name, for reports and the kept rows.
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub file_sha256: String,
    /// Who runs the import.
    pub recorder: String,
    /// Rows the reader normalised.
    pub records: Vec<RegisterRecord>,
    /// Rows the reader refused.
    pub rejected: Vec<RejectedRow>,
}

impl ImportInput {
    /// Reads a whole register CSV. A file that cannot be read as a whole (not
    /// UTF-8, not CSV, a required column missing) is an error and nothing of it
    /// is imported; bad rows are kept in `rejected`.
    pub fn read(
        input: impl std::io::Read,
        file: &str,
        source: &str,
        recorder: &str,
    ) -> Result<ImportInput, renkou_formats::FileError> {
        let mut hashing = HashingReader {
            inner: input,
            hasher: Sha256::new(),
        };
        let (records, rejected) =
            renkou_formats::RegisterReader::new(&mut hashing, file)?.read_all()?;
        let file_sha256 = hashing
            .hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(ImportInput {
            source: source.to_string(),
            file: file.to_string(),
            file_sha256,
            recorder: recorder.to_string(),
            records,
            rejected,
        })
    }
}

/// Hashes the bytes as they are read.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

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

/// A record matched to a person already in the register.
struct Update {
    record: RegisterRecord,
    person_id: i64,
    hash: String,
    /// The record was linked to this person before (else the link is new).
    linked: bool,
}

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

    // 1. Region codes: known, and mapped from retired codes to today's.
    // 2. Two living records with one identity number cannot both be right.
    // One pass, filtering in place: a million records are not copied.
    let resolved = resolve_regions(&mut tx, &records).await?;
    let mut recoded_regions = 0;
    let mut first_line: HashMap<IdNumber, u64> = HashMap::default();
    first_line.reserve(records.len());
    let mut records = records;
    records.retain_mut(|record| {
        match resolved.get(&record.region_code) {
            Some(Ok(code)) => {
                if *code != record.region_code {
                    recoded_regions += 1;
                    record.region_code = *code;
                }
            }
            other => {
                let reason = match other {
                    Some(Err(reason)) => reason.clone(),
                    _ => "not in the region table".to_string(),
                };
                let value = record.region_code.to_string();
                rejected.push(reject(record, "region_code", &value, reason));
                return false;
            }
        }
        let Some(n) = record
            .id_number
            .filter(|_| record.status != LifeStatus::Dead)
        else {
            return true;
        };
        match first_line.get(&n) {
            Some(line) => {
                let reason = format!("identity number repeats the living person on line {line}");
                rejected.push(reject(record, "id_number", n.as_str(), reason));
                false
            }
            None => {
                first_line.insert(n, record.line);
                true
            }
        }
    });
    tracing::info!(
        seconds = started_at.elapsed_seconds(),
        "regions resolved, in-file duplicates removed"
    );

    // 3. What the register already knows of these records.
    let links: HashMap<String, (i64, String)> = if tx.source_is_new(&source).await? {
        HashMap::default()
    } else {
        let ids: Vec<String> = records.iter().map(|r| r.record_id.clone()).collect();
        tx.source_links(&source, &ids)
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
                let living = LifeStatus::parse(&status).is_some_and(LifeStatus::holds_id_number);
                holders.entry(n).or_default().push((id, living));
            }
        }
    }

    tracing::info!(
        seconds = started_at.elapsed_seconds(),
        "known records looked up"
    );
    // 4. Classify.
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    let mut unchanged = 0u64;
    let hashes: Vec<String> = {
        use rayon::prelude::*;
        records.par_iter().map(record_hash).collect()
    };
    for (record, hash) in records.into_iter().zip(hashes) {
        let living_holder = record
            .id_number
            .and_then(|n| holders.get(&n))
            .and_then(|h| h.iter().find(|(_, living)| *living).map(|(id, _)| *id));
        match links.get(&record.record_id) {
            Some((_, old_hash)) if *old_hash == hash => unchanged += 1,
            Some((person_id, _)) => {
                if let Some(holder) =
                    living_holder.filter(|h| h != person_id && record.status != LifeStatus::Dead)
                {
                    let value = record.id_number.map(|n| n.to_string()).unwrap_or_default();
                    let reason =
                        format!("identity number belongs to another living person ({holder})");
                    rejected.push(reject(&record, "id_number", &value, reason));
                } else {
                    updates.push(Update {
                        person_id: *person_id,
                        record,
                        hash,
                        linked: true,
                    });
                }
            }
            None => {
                // Same number: the same person, known from elsewhere. A dead
                // record matches a dead person only if no living one has it.
                let holder = living_holder.or_else(|| {
                    let dead = record.status == LifeStatus::Dead;
                    record
                        .id_number
                        .and_then(|n| holders.get(&n))
                        .and_then(|h| h.iter().find(|_| dead).map(|(id, _)| *id))
                });
                match holder {
                    Some(person_id) => updates.push(Update {
                        person_id,
                        record,
                        hash,
                        linked: false,
                    }),
                    None => inserts.push((record, hash)),
                }
            }
        }
    }

    // 5. Households named by the records.
    let household_numbers: Vec<String> = inserts
        .iter()
        .map(|(r, _)| r)
        .chain(updates.iter().map(|u| &u.record))
        .filter_map(|r| r.household_no.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut households: HashMap<String, i64> = tx
        .households(&household_numbers)
        .await?
        .into_iter()
        .collect();
    let mut new_households: Vec<HouseholdRow> = Vec::new();
    let missing: Vec<&String> = household_numbers
        .iter()
        .filter(|n| !households.contains_key(*n))
        .collect();
    let household_ids = tx.allocate_ids(Table::Households, missing.len()).await?;
    for (number, id) in missing.into_iter().zip(household_ids) {
        households.insert(number.clone(), id);
        new_households.push(HouseholdRow {
            id,
            household_no: number.clone(),
            region_code: String::new(),
            address: None,
            kind: "family".into(),
            head_id: None,
        });
    }

    // 6. Updates: the field changes each record brings.
    let meta = EventMeta {
        recorder: recorder.clone(),
        source: source.clone(),
    };
    let update_ids: Vec<i64> = updates.iter().map(|u| u.person_id).collect();
    let mut current: HashMap<i64, Person> = HashMap::default();
    for row in tx.persons(&update_ids).await? {
        let person = Person::try_from(row)?;
        current.insert(person.id.0, person);
    }
    let mut counts = CounterDelta::default();
    let mut changed_rows = Vec::new();
    let mut events = Vec::new();
    let mut link_updates = Vec::new();
    let mut new_links = Vec::new();
    let today = renkou_domain::date::today_in_china();
    for u in &updates {
        let Some(before) = current.get(&u.person_id) else {
            continue;
        };
        let after = apply_record(before, &u.record, &households);
        let changes: Vec<FieldChange> = IMPORTED_FIELDS
            .into_iter()
            .filter_map(|f| before.change_to(f, f.get(&after)))
            .collect();
        let link = SourceLink {
            source: source.clone(),
            record_id: u.record.record_id.clone(),
            person_id: u.person_id,
            row_hash: u.hash.clone(),
            extra: extra_json(&u.record.extra),
        };
        if u.linked {
            link_updates.push(link)
        } else {
            new_links.push(link)
        }
        if changes.is_empty() {
            unchanged += 1;
            continue;
        }
        let (kind, date) = import_event_kind(before, &after, today);
        let history = if date < today {
            tx.events_of_person(u.person_id).await?
        } else {
            Vec::new()
        };
        let recorded = ReplayEvent::from_rows(&history)?;
        if recorded.iter().any(|e| e.effective_date > date) {
            // Dated before changes already recorded: the person's flows are replayed.
            let added = ReplayEvent {
                kind,
                effective_date: date,
                recorded_at: started_at,
                changes: &changes,
            };
            counts.event_entered_late(before, &after, &recorded, added);
        } else {
            counts.event(kind, date, started_at, Some(before), &after);
        }
        events.push(NewEventRow {
            person_id: u.person_id,
            kind,
            effective_date: date,
            recorded_at: started_at,
            recorder: meta.recorder.clone(),
            source: meta.source.clone(),
            region_code: after.residence.to_string(),
            related_id: None,
            changes,
            note: Some(format!("{file} line {}", u.record.line)),
        });
        changed_rows.push(PersonRow::from(&after));
    }
    let updated = changed_rows.len() as u64;

    // 7. Inserts.
    let person_ids = tx.allocate_ids(Table::Persons, inserts.len()).await?;
    let mut new_rows = Vec::with_capacity(inserts.len());
    for ((record, hash), id) in inserts.into_iter().zip(person_ids) {
        let household_id = record
            .household_no
            .as_ref()
            .and_then(|n| households.get(n))
            .copied();
        new_rows.push(PersonRow {
            id,
            id_number: record.id_number.map(|n| n.to_string()),
            name: record.name.as_str().to_owned(),
            sex: record.sex.code().to_string(),
            birth_date: record.birth_date,
            ethnicity: record.ethnicity.map(|e| e.code().to_string()),
            residence: record.region_code.to_string(),
            hukou_region: None,
            hukou_type: record.hukou_type.map(|h| h.code().to_string()),
            household_id,
            relation: record.relation.map(|r| r.code().to_string()),
            marital_status: None,
            education: None,
            status: record.status.as_str().to_string(),
            death_date: record.death_date,
            mother_id: None,
            father_id: None,
            spouse_id: None,
        });
        new_links.push(SourceLink {
            source: source.clone(),
            extra: extra_json(&record.extra),
            record_id: record.record_id,
            person_id: id,
            row_hash: hash,
        });
    }
    // A new household lives where its head (else its first member) lives.
    let new_household_index: HashMap<i64, usize> = new_households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.id, i))
        .collect();
    for member in new_rows.iter().chain(&changed_rows) {
        let Some(h) = member
            .household_id
            .and_then(|id| new_household_index.get(&id))
        else {
            continue;
        };
        let household = &mut new_households[*h];
        let is_head = member.relation.as_deref() == Some("02");
        if household.region_code.is_empty() || is_head {
            household.region_code = member.residence.clone();
        }
        if is_head {
            household.head_id = Some(member.id);
        }
    }
    let inserted = new_rows.len() as u64;
    {
        // New persons counted in parallel chunks, then merged.
        use rayon::prelude::*;
        let added = new_rows
            .par_chunks(20_000)
            .map(|chunk| -> StoreResult<CounterDelta> {
                let mut part = CounterDelta::default();
                for row in chunk {
                    part.person_added(&Person::try_from(row.clone())?);
                }
                Ok(part)
            })
            .try_reduce(CounterDelta::default, |a, b| Ok(a.merge(b)))?;
        counts = std::mem::take(&mut counts).merge(added);
    }
    for household in &new_households {
        if let Ok(region) = RegionCode::parse(&household.region_code) {
            counts.households(region, 1);
        }
    }

    tracing::info!(seconds = started_at.elapsed_seconds(), "classified");
    // 8. Write it all.
    let report_rejected = rejected.len() as u64;
    let import_id = tx
        .insert_import(&ImportRow {
            source: source.clone(),
            file: file.clone(),
            file_sha256,
            recorder,
            started_at,
            finished_at: Utc::now(),
            inserted: inserted as i64,
            updated: updated as i64,
            unchanged: unchanged as i64,
            rejected: report_rejected as i64,
        })
        .await?;
    tx.insert_households(&new_households).await?;
    tx.insert_persons(&new_rows, started_at).await?;
    tracing::info!(seconds = started_at.elapsed_seconds(), "persons inserted");
    for row in &changed_rows {
        tx.update_person(row, started_at).await?;
    }
    tx.insert_source_links(&new_links).await?;
    for link in &link_updates {
        tx.upsert_source_link(link).await?;
    }
    tx.insert_events(&events).await?;
    tracing::info!(seconds = started_at.elapsed_seconds(), "events written");
    tx.write_counts(&counts).await?;
    tracing::info!(seconds = started_at.elapsed_seconds(), "counters written");
    rejected.sort_by_key(|r| r.line);
    let pending: Vec<PendingRow> = rejected
        .iter()
        .map(|row| pending_row(&source, import_id, &file, row))
        .collect();
    tx.insert_pending(&pending).await?;
    tracing::info!(seconds = started_at.elapsed_seconds(), "all written");
    tx.commit().await?;
    Ok(ImportReport {
        import_id,
        inserted,
        updated,
        unchanged,
        rejected: report_rejected,
        recoded_regions,
        rejected_rows: rejected,
    })
}

/// The person fields a register CSV carries (the others it leaves alone).
const IMPORTED_FIELDS: [Field; 11] = [
    Field::IdNumber,
    Field::Name,
    Field::Sex,
    Field::BirthDate,
    Field::Ethnicity,
    Field::Residence,
    Field::Household,
    Field::Relation,
    Field::HukouType,
    Field::Status,
    Field::DeathDate,
];

/// The person as the record says they are; fields the record leaves empty
/// and the register knows are kept.
fn apply_record(before: &Person, r: &RegisterRecord, households: &HashMap<String, i64>) -> Person {
    let mut p = before.clone();
    p.id_number = r.id_number.or(before.id_number);
    p.name = r.name.clone();
    p.sex = r.sex;
    p.birth_date = r.birth_date;
    p.ethnicity = r.ethnicity.or(before.ethnicity);
    p.residence = r.region_code;
    p.household_id = r
        .household_no
        .as_ref()
        .and_then(|n| households.get(n))
        .copied()
        .or(before.household_id);
    p.relation = r.relation.or(before.relation);
    p.hukou_type = r.hukou_type.or(before.hukou_type);
    p.status = r.status;
    p.death_date = if r.status == LifeStatus::Dead {
        r.death_date.or(before.death_date)
    } else {
        None
    };
    p
}

/// What an imported change is, and the day it took effect.
fn import_event_kind(before: &Person, after: &Person, today: NaiveDate) -> (EventKind, NaiveDate) {
    match (before.status, after.status) {
        (s, LifeStatus::Dead) if s != LifeStatus::Dead => {
            (EventKind::Death, after.death_date.unwrap_or(today))
        }
        (LifeStatus::Active, LifeStatus::MovedOut) => (EventKind::MoveOut, today),
        _ if before.residence != after.residence && before.status == after.status => {
            (EventKind::MoveWithin, today)
        }
        _ => (EventKind::Correction, today),
    }
}

/// Resolves every distinct region code of the records to today's code, or a
/// reason it cannot be used.
async fn resolve_regions<T: Tx>(
    tx: &mut T,
    records: &[RegisterRecord],
) -> StoreResult<HashMap<RegionCode, Result<RegionCode, String>>> {
    let distinct: HashSet<RegionCode> = records.iter().map(|r| r.region_code).collect();
    let mut known: HashMap<String, RegionRow> = HashMap::default();
    let mut wanted: Vec<String> = distinct.iter().map(|c| c.to_string()).collect();
    for _ in 0..MAX_REZONING_CHAIN {
        if wanted.is_empty() {
            break;
        }
        let found = tx.regions(&wanted).await?;
        wanted = found
            .iter()
            .filter_map(|r| r.replaced_by.clone())
            .filter(|c| !known.contains_key(c))
            .collect();
        known.extend(found.into_iter().map(|r| (r.code.clone(), r)));
    }
    let mut out = HashMap::default();
    for code in distinct {
        let mut current = code.to_string();
        let mut result = Err("not in the region table".to_string());
        for _ in 0..MAX_REZONING_CHAIN {
            match known.get(&current) {
                None => break,
                Some(row) => match &row.replaced_by {
                    Some(next) if row.valid_to.is_some() => current = next.clone(),
                    _ if row.level != "village" => {
                        result = Err(format!(
                            "{} ({}) is a {}, not a village",
                            row.name, row.code, row.level
                        ));
                        break;
                    }
                    _ => {
                        result = RegionCode::parse(&row.code).map_err(|e| e.to_string());
                        break;
                    }
                },
            }
        }
        out.insert(code, result);
    }
    Ok(out)
}

/// Unknown columns as a JSON object, `None` when there are none.
fn extra_json(extra: &[(String, String)]) -> Option<String> {
    (!extra.is_empty()).then(|| {
        let map: serde_json::Map<String, serde_json::Value> = extra
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::Value::Object(map).to_string()
    })
}

fn reject(record: &RegisterRecord, column: &str, value: &str, reason: String) -> RejectedRow {
    let mut raw = vec![
        ("record_id".to_string(), record.record_id.clone()),
        (
            "id_number".to_string(),
            record.id_number.map(|n| n.to_string()).unwrap_or_default(),
        ),
        ("name".to_string(), record.name.to_string()),
        ("sex".to_string(), record.sex.code().to_string()),
        ("birth_date".to_string(), record.birth_date.to_string()),
        ("region_code".to_string(), record.region_code.to_string()),
        (
            "household_no".to_string(),
            record.household_no.clone().unwrap_or_default(),
        ),
        ("status".to_string(), record.status.as_str().to_string()),
    ];
    raw.extend(record.extra.iter().cloned());
    RejectedRow {
        line: record.line,
        record_id: Some(record.record_id.clone()),
        raw,
        errors: vec![RowError {
            line: record.line,
            column: column.into(),
            value: value.into(),
            reason,
        }],
    }
}

fn pending_row(source: &str, import_id: i64, file: &str, row: &RejectedRow) -> PendingRow {
    let raw: serde_json::Map<String, serde_json::Value> = row
        .raw
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let errors: Vec<serde_json::Value> = row
        .errors
        .iter()
        .map(|e| serde_json::json!({"line": e.line, "column": e.column, "value": e.value, "reason": e.reason}))
        .collect();
    let raw = serde_json::Value::Object(raw);
    PendingRow {
        source: source.to_string(),
        import_id,
        file: file.to_string(),
        line: row.line as i64,
        record_id: row.record_id.clone(),
        row_hash: hex_digest(raw.to_string().as_bytes()),
        raw,
        errors: serde_json::Value::Array(errors),
    }
}

/// A fingerprint of a record's canonical fields: equal iff nothing changed.
fn record_hash(r: &RegisterRecord) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update(bytes);
        h.update([0x1f]);
    };
    field(
        r.id_number
            .as_ref()
            .map_or(&b""[..], |n| n.as_str().as_bytes()),
    );
    field(r.name.as_str().as_bytes());
    field(r.sex.code().as_bytes());
    field(r.birth_date.to_string().as_bytes());
    field(r.ethnicity.map_or("", |e| e.code()).as_bytes());
    field(r.region_code.as_str().as_bytes());
    field(r.household_no.as_deref().unwrap_or_default().as_bytes());
    field(r.relation.map_or("", |e| e.code()).as_bytes());
    field(r.hukou_type.map_or("", |e| e.code()).as_bytes());
    field(r.status.as_str().as_bytes());
    field(
        r.death_date
            .map(|d| d.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    for (k, v) in &r.extra {
        field(k.as_bytes());
        field(v.as_bytes());
    }
    short_hex(&h.finalize())
}

/// The first 16 bytes of a digest in hex: enough to tell records apart.
fn short_hex(digest: &[u8]) -> String {
    hex::encode(&digest[..16])
}

fn hex_digest(bytes: &[u8]) -> String {
    short_hex(&Sha256::digest(bytes))
}
