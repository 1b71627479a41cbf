//! Reconciling a source register with the registry (比对筛查): the source's
//! records are linked to the persons of a region, and every finding becomes
//! a verification task for its village.

use renkou_domain::verification::TaskKind;
use renkou_domain::{PersonId, RegionCode};
use renkou_exchange::RegisterRecord;
use renkou_link::{Linkage, RawFields, Record};
use serde::Serialize;

use crate::Store;
use crate::error::{StoreError, StoreResult};
use crate::verification::{NewTask, Raised};

/// What reconciling a source with the registry found and raised.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceReconciliation {
    /// Persons of the registry compared (those living in the region).
    pub registry: usize,
    /// Records of the source.
    pub source: usize,
    pub matched: usize,
    /// Findings per kind, in [`TaskKind::ALL`] order.
    pub findings: Vec<(TaskKind, usize)>,
    /// Tasks raised, and findings already on record.
    pub tasks: Raised,
}

/// A field not understood: its line, the record's id and what is wrong.
pub type Problem = (u64, String, renkou_link::FieldProblem);

/// Reads a register CSV leniently, for linkage: every row becomes a record;
/// what could not be understood is listed with its line. A file that is not
/// CSV, or lacks a required column, is refused whole.
pub fn source_records<R: std::io::Read>(
    reader: renkou_exchange::RegisterReader<R>,
) -> Result<(Vec<Record>, Vec<Problem>), renkou_exchange::FileError> {
    use renkou_exchange::register_csv::Column;
    let rows = reader.map_raw(|field, line| {
        let raw = RawFields {
            record_id: field(Column::RecordId),
            id_number: field(Column::IdNumber),
            name: field(Column::Name),
            sex: field(Column::Sex),
            birth_date: field(Column::BirthDate),
            ethnicity: field(Column::Ethnicity),
            region_code: field(Column::RegionCode),
            status: field(Column::Status),
            death_date: field(Column::DeathDate),
        };
        Record::normalize(line, &raw)
    })?;
    let mut records = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for (record, found) in rows {
        for p in found {
            problems.push((record.line, record.record_id.clone(), p));
        }
        records.push(record);
    }
    Ok((records, problems))
}

/// A registry person as the linkage engine reads a register row.
pub fn registry_record(r: &RegisterRecord) -> Record {
    let birth = r.birth_date.to_string();
    let death = r.death_date.map(|d| d.to_string()).unwrap_or_default();
    let raw = RawFields {
        record_id: &r.record_id,
        id_number: r.id_number.as_ref().map_or("", |i| i.as_str()),
        name: r.name.as_str(),
        sex: r.sex.code(),
        birth_date: &birth,
        ethnicity: r.ethnicity.as_ref().map_or("", |e| e.code()),
        region_code: r.region_code.as_str(),
        status: r.status.as_str(),
        death_date: &death,
    };
    Record::normalize(0, &raw).0
}

impl Store {
    /// Links `source` (records of the register called `name`) with the
    /// persons living in `region` and raises a task for every finding:
    /// a source record nobody matches, a person the source lacks, each
    /// conflicting field, a death on one side only, a duplicate on either.
    pub async fn reconcile_source(
        &self,
        name: &str,
        region: &RegionCode,
        source: Vec<Record>,
    ) -> StoreResult<SourceReconciliation> {
        let mut registry = Vec::new();
        self.export(Some(region), |r| {
            registry.push(registry_record(&r));
            Ok(())
        })
        .await?;
        let (registry, source, linkage) = tokio::task::spawn_blocking(move || {
            let linkage = renkou_link::reconcile(&registry, &source, &|_| {});
            (registry, source, linkage)
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("reconciliation stopped: {e}")))?;
        let tasks = tasks_of(&registry, &source, &linkage);
        let mut findings: Vec<(TaskKind, usize)> = TaskKind::ALL.iter().map(|k| (*k, 0)).collect();
        for t in &tasks {
            if let Some(f) = findings.iter_mut().find(|(k, _)| *k == t.kind) {
                f.1 += 1;
            }
        }
        let raised = self.raise_tasks(name, &tasks).await?;
        Ok(SourceReconciliation {
            registry: registry.len(),
            source: source.len(),
            matched: linkage.matches.len(),
            findings,
            tasks: raised,
        })
    }
}

/// The village of a record (a task needs one; a record without a readable
/// region cannot be placed and is left to the county's list).
fn village(r: &Record, fallback: &RegionCode) -> RegionCode {
    r.region
        .and_then(|c| RegionCode::parse(&format!("{c:012}")).ok())
        .unwrap_or(*fallback)
}

fn person(r: &Record) -> Option<PersonId> {
    r.record_id.parse().ok().map(PersonId)
}

/// One task per finding. `registry` is the left side of the linkage.
fn tasks_of(registry: &[Record], source: &[Record], l: &Linkage) -> Vec<NewTask> {
    let county = |r: &Record| {
        r.region
            .and_then(|c| RegionCode::parse(&format!("{:012}", c / 1_000_000 * 1_000_000)).ok())
    };
    let fallback = registry
        .first()
        .and_then(county)
        .or_else(|| RegionCode::parse("000000000000").ok());
    let Some(fallback) = fallback else {
        return Vec::new();
    };
    let task = |kind, reg: Option<&Record>, src: Option<&Record>| NewTask {
        kind,
        region: reg.or(src).map_or(fallback, |r| village(r, &fallback)),
        person: reg.and_then(person),
        record_id: src.map(|r| r.record_id.clone()),
        field: None,
        registry_value: None,
        source_value: None,
    };
    // Who a one-sided finding is about, for the collector who looks for them.
    let who = |r: &Record| {
        let mut text = r.name.clone();
        if let Some(d) = r.birth_date {
            text.push_str(&format!(" {d}"));
        }
        if let Some(id) = r.id_text() {
            text.push_str(&format!(" {id}"));
        }
        text
    };
    let mut out = Vec::new();
    for &i in &l.only_right {
        let r = &source[i as usize];
        out.push(NewTask {
            source_value: Some(who(r)),
            ..task(TaskKind::MissingInRegistry, None, Some(r))
        });
    }
    for &i in &l.only_left {
        let r = &registry[i as usize];
        out.push(NewTask {
            registry_value: Some(who(r)),
            ..task(TaskKind::MissingInSource, Some(r), None)
        });
    }
    for c in &l.conflicts {
        out.push(NewTask {
            field: Some(c.field.to_string()),
            registry_value: Some(c.left_value.clone()),
            source_value: Some(c.right_value.clone()),
            ..task(
                TaskKind::Conflict,
                Some(&registry[c.left as usize]),
                Some(&source[c.right as usize]),
            )
        });
    }
    for d in &l.deceased_active {
        // The dead side's value: the death date, or just "dead" when unwritten.
        let date = Some(d.death_date.map_or("死亡".to_string(), |x| x.to_string()));
        let (registry_value, source_value) = match d.dead_side {
            "left" => (date, None),
            _ => (None, date),
        };
        out.push(NewTask {
            registry_value,
            source_value,
            ..task(
                TaskKind::Deceased,
                Some(&registry[d.left as usize]),
                Some(&source[d.right as usize]),
            )
        });
    }
    for d in &l.duplicates_left {
        let (a, b) = (&registry[d.a as usize], &registry[d.b as usize]);
        out.push(NewTask {
            registry_value: Some(b.record_id.clone()),
            ..task(TaskKind::Duplicate, Some(a), None)
        });
    }
    for d in &l.duplicates_right {
        let (a, b) = (&source[d.a as usize], &source[d.b as usize]);
        out.push(NewTask {
            source_value: Some(b.record_id.clone()),
            ..task(TaskKind::Duplicate, None, Some(a))
        });
    }
    out
}
