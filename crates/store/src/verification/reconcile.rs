//! Reconciling a source register with the registry (比对筛查): the source's
//! records are linked to the persons of a region, and every finding becomes
//! a verification task for its village.

use std::collections::HashMap;

use rayon::prelude::*;
use renkou_domain::verification::TaskKind;
use renkou_domain::{PersonId, RegionCode};
use renkou_link::{Earlier, Linkage, Model, RawFields, Record};
use serde::Serialize;

use crate::Store;
use crate::error::{StoreError, StoreResult};
use crate::verification::reconcile_state::Settled;
use crate::verification::tasks::{NewTask, Raised};

/// What reconciling a source with the registry found and raised.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceReconciliation {
    /// Persons of the registry compared (those living in the region).
    pub registry: usize,
    /// Records of the source.
    pub source: usize,
    pub matched: usize,
    /// Pairs an earlier run matched, unchanged on both sides since: kept
    /// without comparing.
    pub kept: usize,
    /// Records compared on each side (all on a first run; the changed and
    /// unmatched ones on a newer extract).
    pub compared_registry: usize,
    pub compared_source: usize,
    /// Findings per kind, in [`TaskKind::ALL`] order.
    pub findings: Vec<(TaskKind, usize)>,
    /// Tasks raised, and findings already on record.
    pub tasks: Raised,
    /// Source records whose village lies outside the region compared: their
    /// line, id and region code. They raise nothing (the region is not the
    /// uploader's to verify) and are reported instead.
    pub outside: Vec<(u64, String, String)>,
}

/// A field not understood: its line, the record's id and what is wrong.
pub type Problem = (u64, String, renkou_link::FieldProblem);

/// Reads a register CSV leniently, for linkage: every row becomes a record;
/// what could not be understood is listed with its line. A file that is not
/// CSV, or lacks a required column, is refused whole.
pub fn source_records<R: std::io::Read>(
    reader: renkou_formats::RegisterReader<R>,
) -> Result<(Vec<Record>, Vec<Problem>), renkou_formats::FileError> {
    use renkou_formats::register_csv::Column;
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

impl Store {
    /// Links `source` (records of the register called `name`) with the
    /// persons living in `region` and raises a task for every finding:
    /// a source record nobody matches, a person the source lacks, each
    /// conflicting field, a death on one side only, a duplicate on either.
    ///
    /// A newer extract of a source already reconciled with this region is
    /// compared incrementally: a record unchanged since, whose registry
    /// person is unchanged too, stays matched without being compared again;
    /// only pairs with one of the rest (new and changed records on either
    /// side, and those nobody matched) are scored, with the weights the
    /// first run learned.
    /// Tasks are raised before the run is remembered, so a run that stops
    /// half-way is simply done again in full.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reconcile_source(
        &self,
        name: &str,
        region: &RegionCode,
        source: Vec<Record>,
    ) -> StoreResult<SourceReconciliation> {
        let started = std::time::Instant::now();
        let seconds = || started.elapsed().as_secs_f64();
        let scope = region.as_str().to_string();
        let (source, outside) = split_outside(source, region);
        let (before, known_model) = self.reconciled(name, &scope).await?;
        tracing::info!(
            seconds = seconds(),
            records = before.len(),
            "last run's matches read"
        );
        let registry = self.linkage_records(region).await?;
        tracing::info!(
            seconds = seconds(),
            persons = registry.len(),
            "registry read"
        );
        let fallback = *region;
        let run = tokio::task::spawn_blocking(move || {
            link_changes(&registry, &source, &before, known_model.as_ref(), &fallback)
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("reconciliation stopped: {e}")))?;
        tracing::info!(seconds = seconds(), "linked");
        let mut findings: Vec<(TaskKind, usize)> = TaskKind::ALL.iter().map(|k| (*k, 0)).collect();
        for t in &run.tasks {
            if let Some(f) = findings.iter_mut().find(|(k, _)| *k == t.kind) {
                f.1 += 1;
            }
        }
        let raised = self.raise_tasks(name, &run.tasks).await?;
        tracing::info!(seconds = seconds(), tasks = run.tasks.len(), "tasks raised");
        self.keep_reconciled(name, &scope, run.settled, run.learned.as_ref())
            .await?;
        tracing::info!(seconds = seconds(), "matches kept for the next run");
        Ok(SourceReconciliation {
            registry: run.registry,
            source: run.source,
            matched: run.matched,
            kept: run.kept,
            compared_registry: run.compared_registry,
            compared_source: run.compared_source,
            findings,
            tasks: raised,
            outside,
        })
    }
}

/// Separates the records whose region is outside `region`; a record without
/// a readable region stays (its tasks go to `region` itself).
fn split_outside(
    source: Vec<Record>,
    region: &RegionCode,
) -> (Vec<Record>, Vec<(u64, String, String)>) {
    let prefix = region.prefix();
    let mut outside = Vec::new();
    let inside = source
        .into_iter()
        .filter_map(|r| match r.region {
            Some(code) => {
                let code = format!("{code:012}");
                if code.starts_with(prefix) {
                    Some(r)
                } else {
                    outside.push((r.line, r.record_id, code));
                    None
                }
            }
            None => Some(r),
        })
        .collect();
    (inside, outside)
}

/// What linking the changes found.
struct ChangeRun {
    registry: usize,
    source: usize,
    matched: usize,
    kept: usize,
    compared_registry: usize,
    compared_source: usize,
    tasks: Vec<NewTask>,
    /// Every source record as this run leaves it.
    settled: HashMap<String, Settled>,
    /// The model learned, on a full run.
    learned: Option<Model>,
}

/// Keeps the pairs `before` settled whose both sides are unchanged, links
/// the rest with the earlier run's weights (everything, learning them, on a
/// first run), and turns what is found into tasks.
fn link_changes(
    registry: &[Record],
    source: &[Record],
    before: &HashMap<String, Settled>,
    known: Option<&Model>,
    fallback: &RegionCode,
) -> ChangeRun {
    let fingerprint = |r: &Record| r.fingerprint() as i64;
    let registry_fp: Vec<i64> = registry.par_iter().map(fingerprint).collect();
    let source_fp: Vec<i64> = source.par_iter().map(fingerprint).collect();
    let mut settled: HashMap<String, Settled> = HashMap::with_capacity(source.len());
    let mut changed_registry = vec![true; registry.len()];
    let mut changed_source = vec![true; source.len()];
    let mut kept: Vec<(u32, u32)> = Vec::new();
    // Only a source reconciled before has pairs to keep.
    if known.is_some() && !before.is_empty() {
        let by_person: HashMap<i64, usize> = registry
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.record_id.parse().ok().map(|id| (id, i)))
            .collect();
        for (j, r) in source.iter().enumerate() {
            let Some(s) = before.get(&r.record_id) else {
                continue;
            };
            let partner = by_person.get(&s.person).copied();
            if let Some(i) = partner.filter(|&i| {
                s.person != 0
                    && s.fingerprint == source_fp[j]
                    && s.person_fingerprint == registry_fp[i]
                    && changed_registry[i]
            }) {
                changed_registry[i] = false;
                changed_source[j] = false;
                kept.push((i as u32, j as u32));
                settled.insert(r.record_id.clone(), *s);
            }
        }
    }
    let earlier = known.filter(|_| !kept.is_empty()).map(|model| Earlier {
        model,
        kept: &kept,
        changed_left: &changed_registry,
        changed_right: &changed_source,
    });
    let linkage = renkou_link::reconcile_with(registry, source, earlier, &|_| {});
    let tasks = tasks_of(registry, source, &linkage, fallback);
    for m in &linkage.matches {
        let (i, j) = (m.a as usize, m.b as usize);
        settled.insert(
            source[j].record_id.clone(),
            Settled {
                fingerprint: source_fp[j],
                person: registry[i].record_id.parse().unwrap_or(0),
                person_fingerprint: registry_fp[i],
            },
        );
    }
    for (j, r) in source.iter().enumerate() {
        settled.entry(r.record_id.clone()).or_insert(Settled {
            fingerprint: source_fp[j],
            person: 0,
            person_fingerprint: 0,
        });
    }
    let count = |changed: &[bool]| changed.iter().filter(|c| **c).count();
    ChangeRun {
        registry: registry.len(),
        source: source.len(),
        matched: kept.len() + linkage.matches.len(),
        kept: kept.len(),
        compared_registry: count(&changed_registry),
        compared_source: count(&changed_source),
        tasks,
        settled,
        learned: earlier.is_none().then(|| linkage.model.clone()),
    }
}

/// The columns of a person linkage reads, as stored (as text).
const LINKAGE_COLUMNS: &str = "SELECT id, id_number, name, sex, birth_date, ethnicity, residence, \
     status, death_date FROM persons WHERE residence >= $1 AND residence < $2 AND status <> 'merged'";

/// One person's row as [`LINKAGE_COLUMNS`] reads it.
type LinkageRow = [Option<String>; 9];

fn linkage_record(row: &LinkageRow) -> Record {
    let text = |i: usize| row[i].as_deref().unwrap_or("");
    // PostgreSQL's dates come as text too (cast in the query).
    let raw = RawFields {
        record_id: text(0),
        id_number: text(1),
        name: text(2),
        sex: text(3),
        birth_date: text(4),
        ethnicity: text(5),
        region_code: text(6),
        status: text(7),
        death_date: text(8),
    };
    Record::normalize(0, &raw).0
}

impl Store {
    /// The persons living in `region` (merged records left out) as the
    /// linkage engine reads them: only the columns it compares, streamed,
    /// and normalised a chunk at a time on every core (the pinyin is the
    /// slow part), so memory holds one chunk of rows beside the records.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn linkage_records(&self, region: &RegionCode) -> StoreResult<Vec<Record>> {
        self.linkage_records_by(region, false).await
    }

    /// The same persons, each placed where they are registered (their hukou
    /// region, else where they live): what a migrant record names.
    pub async fn linkage_records_registered(
        &self,
        region: &RegionCode,
    ) -> StoreResult<Vec<Record>> {
        self.linkage_records_by(region, true).await
    }

    async fn linkage_records_by(
        &self,
        region: &RegionCode,
        registered: bool,
    ) -> StoreResult<Vec<Record>> {
        use futures::TryStreamExt;
        let columns = if registered {
            LINKAGE_COLUMNS.replacen(
                "ethnicity, residence,",
                "ethnicity, COALESCE(hukou_region, residence),",
                1,
            )
        } else {
            LINKAGE_COLUMNS.to_string()
        };
        const CHUNK: usize = 20_000;
        let (low, high) = region.descendant_range();
        let mut records: Vec<Record> = Vec::new();
        let mut rows: Vec<LinkageRow> = Vec::with_capacity(CHUNK);
        let mut take = |row: LinkageRow, records: &mut Vec<Record>| {
            rows.push(row);
            if rows.len() == CHUNK {
                records.par_extend(rows.par_drain(..).map(|r| linkage_record(&r)));
            }
        };
        match self {
            Store::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                crate::database::sqlite_bulk::for_each_row::<9>(
                    &mut conn,
                    &columns,
                    &[&low, &high],
                    |row| take(row.map(|c| c.map(str::to_string)), &mut records),
                )
                .await?;
            }
            Store::Postgres(pool) => {
                let sql = columns
                    .replacen("id, ", "id::text, ", 1)
                    .replace("birth_date,", "birth_date::text,")
                    .replace("death_date FROM", "death_date::text FROM");
                let mut stream = sqlx::query_as::<
                    _,
                    (
                        Option<String>,
                        Option<String>,
                        Option<String>,
                        Option<String>,
                        Option<String>,
                        Option<String>,
                        Option<String>,
                        Option<String>,
                        Option<String>,
                    ),
                >(sqlx::AssertSqlSafe(sql))
                .bind(&low)
                .bind(&high)
                .fetch(pool);
                while let Some((a, b, c, d, e, f, g, h, i)) = stream.try_next().await? {
                    take([a, b, c, d, e, f, g, h, i], &mut records);
                }
            }
        }
        records.par_extend(rows.par_drain(..).map(|r| linkage_record(&r)));
        Ok(records)
    }
}

/// The village of a record (a task needs one; a record without a readable
/// region cannot be placed and is left to the county's list).
fn village(r: &Record, fallback: &RegionCode) -> RegionCode {
    r.region
        .and_then(|c| RegionCode::parse(&format!("{c:012}")).ok())
        .unwrap_or(*fallback)
}

/// A source record's fields in the register's canonical texts (what could
/// not be read is left out), kept on its task.
fn source_record_json(r: &Record) -> String {
    let mut fields = serde_json::Map::new();
    let mut put = |key: &str, value: Option<String>| {
        if let Some(v) = value {
            fields.insert(key.to_string(), serde_json::Value::String(v));
        }
    };
    put("record_id", Some(r.record_id.clone()));
    put(
        "id_number",
        r.id_text().filter(|_| r.id_valid).map(str::to_string),
    );
    put("name", Some(r.name.clone()).filter(|n| !n.is_empty()));
    put("sex", r.sex.map(|s| s.to_string()));
    put("birth_date", r.birth_date.map(|d| d.to_string()));
    put("ethnicity", r.ethnicity.map(|e| format!("{e:02}")));
    put("region_code", r.region.map(|c| format!("{c:012}")));
    put("status", Some(r.status.as_str().to_string()));
    put("death_date", r.death_date.map(|d| d.to_string()));
    serde_json::Value::Object(fields).to_string()
}

fn person(r: &Record) -> Option<PersonId> {
    r.record_id.parse().ok().map(PersonId)
}

/// One task per finding. `registry` is the left side of the linkage.
fn tasks_of(
    registry: &[Record],
    source: &[Record],
    l: &Linkage,
    fallback: &RegionCode,
) -> Vec<NewTask> {
    let fallback = *fallback;
    let task = |kind, reg: Option<&Record>, src: Option<&Record>| NewTask {
        kind,
        region: reg.or(src).map_or(fallback, |r| village(r, &fallback)),
        person: reg.and_then(person),
        record_id: src.map(|r| r.record_id.clone()),
        field: None,
        registry_value: None,
        source_value: None,
        source_record: src.map(source_record_json),
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
