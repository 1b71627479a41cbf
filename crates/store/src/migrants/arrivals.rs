//! Incoming migrant records (`renkou migrants import`): each record is
//! looked for in the register with the reconciliation engine, every person
//! placed where they are registered, as the record places them; a sure
//! match becomes the person's arrival (流动人口登记: the village they live
//! in, since when, why), a record found nowhere a new person with their
//! arrival, an unsure match a task for the village to decide. Records go in
//! batches, each one transaction with their links, so a run cut short is
//! taken up where it stopped and the same file again changes nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use renkou_domain::migrants::rules::Arrival;
use renkou_domain::rules::{Command, NewPerson, RuleViolation};
use renkou_domain::verification::TaskKind;
use renkou_domain::{PersonId, RegionCode, RegionLevel};
use renkou_formats::{MigrantRecord, MigrantRecords, UnreadableRow, ValueProblem};
use renkou_link::{RawFields, Record};
use serde::Serialize;

use crate::access::scope::Scope;
use crate::database::rows::{RegionRow, SourceLink};
use crate::database::tx::{ImportRow, Tx};
use crate::error::{StoreError, StoreResult};
use crate::registry::record::{EventMeta, Rules, record_in_tx, region_refusal};
use crate::verification::tasks::NewTask;
use crate::{Store, on_pool, with_tx};

/// Records per transaction.
const BATCH: usize = 500;
/// A match at least this sure is recorded; a less sure one is for a person
/// to confirm.
const SURE: f64 = 0.9;
/// Above this many counties the whole province's register is read at once.
const COUNTIES_ONE_BY_ONE: usize = 12;

/// A file of migrant records to import, as read, with where it came from.
#[derive(Debug, Clone)]
pub struct MigrantImportInput {
    pub records: MigrantRecords,
    /// The reporting source (`police` → events and tasks from `migrants:police`).
    pub source: String,
    /// The file, as named in the report.
    pub file: String,
    /// SHA-256 of the file's bytes, kept with the run.
    pub file_sha256: String,
    /// Who runs the import.
    pub recorder: String,
    /// The regions the importer may change (`None`: the whole register).
    pub within: Option<Scope>,
    /// The province's rules (the deadline of the notices the arrivals send).
    pub rules: Rules,
}

impl MigrantImportInput {
    /// Reads a file (refused whole when it is not a migrant file) and fingerprints it.
    pub fn read(
        bytes: &[u8],
        file: &str,
        source: &str,
        recorder: &str,
    ) -> Result<Self, renkou_formats::FileError> {
        let records = renkou_formats::read_migrant_records(bytes, file)?;
        Ok(Self::of(records, bytes, file, source, recorder))
    }

    /// The same records sent as JSON Lines.
    pub fn read_json_lines(
        bytes: &[u8],
        file: &str,
        source: &str,
        recorder: &str,
    ) -> Result<Self, renkou_formats::FileError> {
        let records = renkou_formats::read_migrant_records_jsonl(bytes, file)?;
        Ok(Self::of(records, bytes, file, source, recorder))
    }

    fn of(records: MigrantRecords, bytes: &[u8], file: &str, source: &str, recorder: &str) -> Self {
        use sha2::{Digest, Sha256};
        MigrantImportInput {
            records,
            source: source.to_string(),
            file: file.to_string(),
            file_sha256: hex::encode(Sha256::digest(bytes)),
            recorder: recorder.to_string(),
            within: None,
            rules: Rules::default(),
        }
    }
}

/// What an import did, in all and per township of residence.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MigrantImportReport {
    /// Rows read, usable or not.
    pub rows: usize,
    /// Records found in the register (their arrival recorded, or already so).
    pub matched: usize,
    /// Records found nowhere: entered as new persons with their arrival.
    pub new: usize,
    /// Records that may be a person of the register: a task to decide.
    pub unsure: usize,
    /// Rows that could not be used, kept for correction with why.
    pub unreadable: usize,
    /// Of the matched and new, records linked by an earlier run, unchanged since.
    pub unchanged: usize,
    /// Records whose facts differ from the register's: tasks to verify.
    pub conflicting: usize,
    /// Events recorded.
    pub events: usize,
    /// Tasks raised (findings already on record are not raised again).
    pub tasks: u64,
    /// The same counts per township.
    pub townships: BTreeMap<String, MigrantTownshipCounts>,
    /// Every value not understood: file, line, column, value, reason.
    pub problems: Vec<ValueProblem>,
    /// Records of villages outside the importer's regions, left as they
    /// are: (line, record, village).
    pub outside: Vec<(u64, String, RegionCode)>,
}

/// A township's part of an import.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MigrantTownshipCounts {
    pub records: usize,
    pub matched: usize,
    pub new: usize,
    pub unsure: usize,
}

/// What became of a record.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Found {
    /// A person of the register, this sure.
    Person(PersonId, f64),
    /// The same person as an earlier record of the file.
    SameAs(usize),
    Nobody,
}

/// The record as the linkage engine reads it: the person where registered.
fn linkage_record(r: &MigrantRecord) -> Record {
    let birth = r.birth_date.to_string();
    let region = r.hukou_region.to_string();
    let ethnicity = r
        .ethnicity
        .map(|e| e.code().to_string())
        .unwrap_or_default();
    let raw = RawFields {
        record_id: &r.record_id,
        id_number: &r.id_text,
        name: r.name.as_str(),
        sex: r.sex.code(),
        birth_date: &birth,
        ethnicity: &ethnicity,
        region_code: &region,
        status: "",
        death_date: "",
    };
    Record::normalize(r.line, &raw).0
}

/// A record's fingerprint, so that an unchanged record is not looked at again.
fn fingerprint(r: &MigrantRecord) -> String {
    use sha2::{Digest, Sha256};
    let text = serde_json::json!([
        r.id_text,
        r.name.as_str(),
        r.sex.code(),
        r.birth_date,
        r.region,
        r.hukou_region,
        r.arrived_on,
        r.details,
    ])
    .to_string();
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}

/// What a task about the record carries: the fields to enter the person
/// from, or to record the arrival with once someone decides.
fn source_record(r: &MigrantRecord) -> String {
    serde_json::json!({
        "record_id": r.record_id,
        "id_number": r.id_number.map(|n| n.to_string()).unwrap_or_default(),
        "name": r.name.as_str(),
        "sex": r.sex.code(),
        "birth_date": r.birth_date.to_string(),
        "ethnicity": r.ethnicity.map(|e| e.code().to_string()).unwrap_or_default(),
        "region_code": r.region.to_string(),
        "hukou_region": r.hukou_region.to_string(),
        "arrival_date": r.arrived_on.to_string(),
        "reason": r.details.reason.map(|m| m.code().to_string()).unwrap_or_default(),
        "workplace": r.details.workplace.clone().unwrap_or_default(),
        "address": r.details.address.clone().unwrap_or_default(),
    })
    .to_string()
}

/// The arrival a record reports, of `person`.
fn arrival(r: &MigrantRecord, person: PersonId, source: &str) -> Command {
    let mut details = r.details.clone();
    details.reported_by = Some(source.to_string());
    Command::MigrantArrival(Arrival {
        person,
        to: Some(r.region),
        hukou_region: Some(r.hukou_region),
        date: r.arrived_on,
        details,
    })
}

/// The person a record found nowhere is entered as.
fn newcomer(r: &MigrantRecord) -> NewPerson {
    NewPerson {
        id_number: r.id_number,
        ethnicity: r.ethnicity,
        hukou_region: Some(r.hukou_region),
        hukou_type: r.hukou_type,
        ..NewPerson::new(r.name.clone(), r.sex, r.birth_date, r.region)
    }
}

fn task(kind: TaskKind, r: &MigrantRecord, person: Option<PersonId>) -> NewTask {
    NewTask {
        kind,
        region: r.region,
        person,
        record_id: Some(r.record_id.clone()),
        field: None,
        registry_value: None,
        source_value: Some(format!("{} {}", r.name.as_str(), r.birth_date)),
        source_record: Some(source_record(r)),
    }
}

impl Store {
    /// Imports incoming migrant records read by
    /// [`renkou_formats::read_migrant_records`] from `source` (the events'
    /// and tasks' source is `migrants:<source>`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn import_migrants(
        &self,
        input: MigrantImportInput,
        today: NaiveDate,
    ) -> StoreResult<MigrantImportReport> {
        let started_at = chrono::Utc::now();
        let MigrantImportInput {
            records,
            source,
            file,
            file_sha256,
            recorder,
            within,
            rules,
        } = input;
        let source = format!("migrants:{source}");
        let mut report = MigrantImportReport {
            rows: records.rows,
            ..MigrantImportReport::default()
        };
        let inside = |region: &RegionCode| within.as_ref().is_none_or(|s| s.contains(region));
        let (rows, outside): (Vec<MigrantRecord>, Vec<MigrantRecord>) =
            records.records.into_iter().partition(|r| inside(&r.region));
        // A record naming a place the region table does not have (or a
        // residence that is not a village) cannot be used: kept, with why.
        let mut unreadable = records.unreadable;
        let mut problems = records.problems;
        let misplaced = self.misplaced(&rows, &file).await?;
        let (rows, broken): (Vec<MigrantRecord>, Vec<MigrantRecord>) = rows
            .into_iter()
            .partition(|r| !misplaced.iter().any(|p| p.line == r.line));
        unreadable.extend(broken.into_iter().map(|r| UnreadableRow {
            file: file.clone(),
            is_card: true,
            line: r.line,
            card_id: r.record_id,
            raw: r.raw,
        }));
        problems.extend(misplaced);
        report.unreadable = unreadable.len();
        report.problems = problems;
        report.outside = outside
            .into_iter()
            .map(|r| (r.line, r.record_id, r.region))
            .collect();
        let mut found = self.find_migrants(&rows).await?;
        // A record left to a person to decide stays theirs until they have:
        // a later run does not decide it behind their back.
        let waiting: HashMap<String, i64> = self
            .open_task_records(&source, TaskKind::UnsureMatch)
            .await?
            .into_iter()
            .collect();
        for (j, r) in rows.iter().enumerate() {
            if let Some(candidate) = waiting.get(&r.record_id) {
                found[j] = Found::Person(PersonId(*candidate), 0.0);
            }
        }
        let meta = EventMeta {
            recorder: recorder.clone(),
            source: source.clone(),
        };
        let mut tasks: Vec<NewTask> = Vec::new();
        let mut linked: HashMap<usize, PersonId> = HashMap::new();
        let mut outcome: Vec<Option<Outcome>> = vec![None; rows.len()];
        let order: Vec<usize> = (0..rows.len()).collect();
        for batch in order.chunks(BATCH) {
            let done = with_tx!(self, tx => {
                let mut tx = tx;
                let done = import_batch(&mut tx, &rows, batch, &found, &mut linked, (&source, &meta, &rules), today).await?;
                tx.commit().await?;
                Ok::<_, StoreError>(done)
            })?;
            for (j, result) in done {
                report.events += result.events;
                tasks.extend(result.tasks);
                outcome[j] = Some(result.outcome);
            }
        }
        for (j, r) in rows.iter().enumerate() {
            let township = r.region.ancestor(RegionLevel::Township).to_string();
            let t = report.townships.entry(township).or_default();
            t.records += 1;
            match outcome[j] {
                Some(Outcome::Matched {
                    unchanged,
                    conflicting,
                }) => {
                    report.matched += 1;
                    t.matched += 1;
                    report.unchanged += usize::from(unchanged);
                    report.conflicting += usize::from(conflicting);
                }
                Some(Outcome::New {
                    unchanged,
                    conflicting,
                }) => {
                    report.new += 1;
                    t.new += 1;
                    report.unchanged += usize::from(unchanged);
                    report.conflicting += usize::from(conflicting);
                }
                Some(Outcome::Unsure) | None => {
                    report.unsure += 1;
                    t.unsure += 1;
                }
            }
        }
        report.tasks = self.raise_tasks(&source, &tasks).await?.raised;
        let run = ImportRow {
            source: source.clone(),
            file,
            file_sha256,
            recorder,
            started_at,
            finished_at: chrono::Utc::now(),
            inserted: report.new as i64,
            updated: (report.matched - report.unchanged.min(report.matched)) as i64,
            unchanged: report.unchanged as i64,
            rejected: report.unreadable as i64,
        };
        self.keep_run(&run, &unreadable, &report.problems).await?;
        Ok(report)
    }

    /// The records of `source` with an open task of `kind`, and its person.
    async fn open_task_records(
        &self,
        source: &str,
        kind: TaskKind,
    ) -> StoreResult<Vec<(String, i64)>> {
        Ok(on_pool!(self, pool => sqlx::query_as::<_, (String, i64)>(
            "SELECT record_id, person_id FROM verification_tasks \
             WHERE source = $1 AND kind = $2 AND status = 'open'",
        )
        .bind(source)
        .bind(kind.as_str())
        .fetch_all(pool)
        .await?))
    }

    /// The places of the records the region table does not have as they
    /// must be: where they live a current village, where registered any
    /// current region.
    async fn misplaced(
        &self,
        rows: &[MigrantRecord],
        file: &str,
    ) -> StoreResult<Vec<ValueProblem>> {
        let mut codes: Vec<String> = rows
            .iter()
            .flat_map(|r| [r.region.to_string(), r.hukou_region.to_string()])
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let known: HashMap<String, RegionRow> = with_tx!(self, tx => {
            let mut tx = tx;
            let rows = tx.regions(&codes).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(rows)
        })?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
        let mut out = Vec::new();
        for r in rows {
            let mut problem = |column: &str, code: &RegionCode, reason: String| {
                out.push(ValueProblem {
                    file: file.to_string(),
                    line: r.line,
                    column: column.to_string(),
                    value: code.to_string(),
                    reason,
                })
            };
            for (column, code, village) in [
                ("region_code", &r.region, true),
                ("hukou_region", &r.hukou_region, false),
            ] {
                if let Some(reason) = region_refusal(code, known.get(code.as_str()), village) {
                    problem(column, code, reason);
                }
            }
        }
        Ok(out)
    }

    /// Each record's person in the register (living, looked for among those
    /// living in the records' counties and where they are registered), and
    /// the records that are one person listed twice.
    async fn find_migrants(&self, rows: &[MigrantRecord]) -> StoreResult<Vec<Found>> {
        let mut counties: Vec<RegionCode> = rows
            .iter()
            .flat_map(|r| [r.region, r.hukou_region])
            .map(|c| c.ancestor(RegionLevel::County))
            .collect();
        counties.sort_unstable();
        counties.dedup();
        if counties.len() > COUNTIES_ONE_BY_ONE {
            let mut provinces: Vec<RegionCode> = counties
                .iter()
                .map(|c| c.ancestor(RegionLevel::Province))
                .collect();
            provinces.dedup();
            counties = provinces;
        }
        let mut registry = Vec::new();
        for region in &counties {
            registry.extend(
                self.linkage_records_registered(region)
                    .await?
                    .into_iter()
                    .filter(|r| r.status == renkou_link::Status::Active),
            );
        }
        let records: Vec<Record> = rows.iter().map(linkage_record).collect();
        let linkage = renkou_link::reconcile(&registry, &records, &|_| {});
        let mut found = vec![Found::Nobody; rows.len()];
        for m in &linkage.matches {
            if let Ok(id) = registry[m.a as usize].record_id.parse::<i64>() {
                found[m.b as usize] = Found::Person(PersonId(id), m.probability);
            }
        }
        // A person listed twice: the later record is the earlier one's person.
        for d in &linkage.duplicates_right {
            let (a, b) = (d.a.min(d.b) as usize, d.a.max(d.b) as usize);
            match (found[a], found[b]) {
                (Found::Person(..), Found::Nobody) => found[b] = found[a],
                (Found::Nobody, Found::Person(..)) => found[a] = found[b],
                (Found::Nobody, Found::Nobody) => found[b] = Found::SameAs(a),
                _ => {}
            }
        }
        // Records of newcomers that agree on the number, or on name, sex,
        // birth date and county of registration, are one newcomer too (the
        // engine's duplicates need evidence a small file may not give).
        let mut first: HashMap<String, usize> = HashMap::new();
        for (j, r) in rows.iter().enumerate() {
            if found[j] != Found::Nobody {
                continue;
            }
            let keys = [
                r.id_number.map(|n| n.to_string()),
                Some(format!(
                    "{}|{}|{}|{}",
                    r.name.as_str(),
                    r.sex.code(),
                    r.birth_date,
                    r.hukou_region.ancestor(RegionLevel::County)
                )),
            ];
            let earlier = keys.iter().flatten().find_map(|k| first.get(k).copied());
            match earlier {
                Some(i) => found[j] = Found::SameAs(i),
                None => {
                    for k in keys.into_iter().flatten() {
                        first.insert(k, j);
                    }
                }
            }
        }
        Ok(found)
    }
}

/// What became of a record in its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Matched { unchanged: bool, conflicting: bool },
    New { unchanged: bool, conflicting: bool },
    Unsure,
}

/// A record done.
struct Done {
    outcome: Outcome,
    person: Option<PersonId>,
    events: usize,
    tasks: Vec<NewTask>,
}

/// Imports the records of a batch in the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn import_batch<T: Tx>(
    tx: &mut T,
    rows: &[MigrantRecord],
    batch: &[usize],
    found: &[Found],
    linked: &mut HashMap<usize, PersonId>,
    (source, meta, rules): (&str, &EventMeta, &Rules),
    today: NaiveDate,
) -> StoreResult<Vec<(usize, Done)>> {
    let ids: Vec<String> = batch.iter().map(|j| rows[*j].record_id.clone()).collect();
    let known: HashMap<String, (i64, String)> = tx
        .source_links(source, &ids)
        .await?
        .into_iter()
        .map(|(record, person, hash)| (record, (person, hash)))
        .collect();
    // A record found nowhere whose number a person of the register holds is
    // that person's, or a conflict: not a new person.
    let numbers: Vec<String> = batch
        .iter()
        .filter(|j| found[**j] == Found::Nobody)
        .filter_map(|j| rows[*j].id_number.map(|n| n.to_string()))
        .collect();
    let numbered: HashMap<String, i64> = tx
        .persons_by_id_numbers(&numbers)
        .await?
        .into_iter()
        .map(|(number, id, _)| (number, id))
        .collect();
    // An unsure record's task goes to the village the candidate lives in:
    // its staff know the person, and may record the move away.
    let candidates: Vec<i64> = batch
        .iter()
        .filter_map(|j| match found[*j] {
            Found::Person(p, sure) if sure < SURE => Some(p.0),
            Found::Nobody => rows[*j]
                .id_number
                .and_then(|n| numbered.get(&n.to_string()).copied()),
            _ => None,
        })
        .collect();
    let lives: HashMap<i64, RegionCode> = tx
        .persons(&candidates)
        .await?
        .into_iter()
        .filter_map(|p| Some((p.id, RegionCode::parse(&p.residence).ok()?)))
        .collect();
    let unsure = |r: &MigrantRecord, person: PersonId| NewTask {
        region: lives.get(&person.0).copied().unwrap_or(r.region),
        ..task(TaskKind::UnsureMatch, r, Some(person))
    };
    let mut out = Vec::with_capacity(batch.len());
    for &j in batch {
        let r = &rows[j];
        let hash = fingerprint(r);
        let mut done = Done {
            outcome: Outcome::Unsure,
            person: None,
            events: 0,
            tasks: Vec::new(),
        };
        if let Some((person, stored)) = known.get(&r.record_id)
            && *stored == hash
        {
            done.person = Some(PersonId(*person));
            linked.insert(j, PersonId(*person));
            done.outcome = Outcome::Matched {
                unchanged: true,
                conflicting: false,
            };
            out.push((j, done));
            continue;
        }
        let target = match found[j] {
            Found::Person(person, p) if p >= SURE => Some(person),
            Found::Person(person, _) => {
                done.tasks.push(unsure(r, person));
                out.push((j, done));
                continue;
            }
            Found::SameAs(first) => linked.get(&first).copied(),
            Found::Nobody => match r.id_number.and_then(|n| numbered.get(&n.to_string())) {
                Some(id) => {
                    done.tasks.push(unsure(r, PersonId(*id)));
                    out.push((j, done));
                    continue;
                }
                None => None,
            },
        };
        let (person, is_new) = match target {
            Some(person) => (person, false),
            None => {
                let registered = Command::Registration {
                    newcomer: newcomer(r),
                    date: r.arrived_on,
                };
                match record_in_tx(tx, &registered, meta, today, None, rules).await {
                    Ok(recorded) => {
                        done.events += recorded.events;
                        (recorded.person_id, true)
                    }
                    Err(e @ (StoreError::Rule(_) | StoreError::DuplicateIdNumber { .. })) => {
                        let why = match e {
                            StoreError::Rule(rule) => rule.chinese(),
                            _ => "该公民身份号码已登记在册".into(),
                        };
                        done.tasks.push(NewTask {
                            field: Some("record".into()),
                            source_value: Some(why),
                            ..task(TaskKind::MissingInRegistry, r, None)
                        });
                        out.push((j, done));
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let mut conflicting = false;
        match record_in_tx(tx, &arrival(r, person, source), meta, today, None, rules).await {
            Ok(recorded) => done.events += recorded.events,
            // Already so (the same arrival from another source).
            Err(StoreError::Rule(RuleViolation::NoChange)) => {}
            // What the register's rules refuse is for a person to look at.
            Err(StoreError::Rule(rule)) => {
                conflicting = true;
                done.tasks.push(NewTask {
                    kind: TaskKind::Conflict,
                    field: Some("arrival".into()),
                    registry_value: None,
                    source_value: Some(rule.chinese()),
                    ..task(TaskKind::Conflict, r, Some(person))
                });
            }
            Err(e) => return Err(e),
        }
        tx.upsert_source_link(&SourceLink::of_record(
            source,
            &r.record_id,
            person.0,
            hash,
            &r.extra,
        ))
        .await?;
        done.person = Some(person);
        linked.insert(j, person);
        done.outcome = if is_new {
            Outcome::New {
                unchanged: false,
                conflicting,
            }
        } else {
            Outcome::Matched {
                unchanged: false,
                conflicting,
            }
        };
        out.push((j, done));
    }
    Ok(out)
}
