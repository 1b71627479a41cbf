//! The region table: loading the national statistical codes, and re-zoning
//! (counties merge, split and are renamed every year).

use std::collections::{HashMap, HashSet};
use std::io::Read;

use chrono::{NaiveDate, Utc};
use renkou_domain::event::{EventKind, Field, FieldChange};
use renkou_domain::{Person, RegionCode, parse_date};
use serde::Serialize;

use crate::database::rows::{NewEventRow, RegionRow};
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::registry::record::EventMeta;
use crate::statistics::counters::{CounterDelta, ReplayEvent};

/// NBS 2023 statistical division codes for all of China, gzip-compressed.
static EMBEDDED_REGIONS: &[u8] = include_bytes!("../../../../standards/regions.csv.gz");

/// The national region table shipped with Renkou, optionally only the regions
/// whose code starts with `prefix` (plus their ancestors, so the tree is whole).
pub fn embedded_region_table(prefix: Option<&str>) -> StoreResult<Vec<RegionRow>> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(EMBEDDED_REGIONS)
        .read_to_string(&mut text)
        .map_err(|e| StoreError::Invalid(format!("embedded region table: {e}")))?;
    read_region_table(text.as_bytes(), prefix)
}

/// Reads a region table CSV with columns `code,name,level,parent`.
pub fn read_region_table(input: impl Read, prefix: Option<&str>) -> StoreResult<Vec<RegionRow>> {
    let mut reader = csv::Reader::from_reader(input);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| StoreError::Invalid(format!("region table: {e}")))?;
        let code = record.get(0).unwrap_or_default();
        let keep = match prefix {
            None => true,
            Some(p) => code.starts_with(p) || p.starts_with(code.trim_end_matches('0')),
        };
        if !keep {
            continue;
        }
        let level = record.get(2).unwrap_or_default();
        rows.push(RegionRow {
            code: code.to_string(),
            name: record.get(1).unwrap_or_default().to_string(),
            level: if level == "prefecture" {
                "city".into()
            } else {
                level.to_string()
            },
            parent: record.get(3).filter(|p| !p.is_empty()).map(str::to_string),
            valid_from: None,
            valid_to: None,
            replaced_by: None,
        });
    }
    Ok(rows)
}

/// One line of a re-zoning file: `old_code,new_code,effective_date[,new_name]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rezoning {
    pub old: RegionCode,
    pub new: RegionCode,
    pub effective: NaiveDate,
    pub new_name: Option<String>,
}

/// Reads a re-zoning file; any bad line refuses the whole file, naming the line.
pub fn read_rezoning_file(input: impl Read, file: &str) -> StoreResult<Vec<Rezoning>> {
    let mut reader = csv::Reader::from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| StoreError::Invalid(format!("{file}: {e}")))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
    };
    let (Some(old), Some(new), Some(date)) =
        (col("old_code"), col("new_code"), col("effective_date"))
    else {
        return Err(StoreError::Invalid(format!(
            "{file}: the header must name old_code, new_code and effective_date"
        )));
    };
    let name = col("new_name");
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| StoreError::Invalid(format!("{file}: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        let bad = |column: &str, reason: String| {
            StoreError::Invalid(format!("{file}, line {line}, {column}: {reason}"))
        };
        let field = |i: usize| record.get(i).unwrap_or_default();
        out.push(Rezoning {
            old: RegionCode::parse(field(old)).map_err(|e| bad("old_code", e.to_string()))?,
            new: RegionCode::parse(field(new)).map_err(|e| bad("new_code", e.to_string()))?,
            effective: parse_date(field(date)).map_err(|e| bad("effective_date", e.to_string()))?,
            new_name: name
                .map(field)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        });
    }
    Ok(out)
}

/// What a re-zoning did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RezoningReport {
    /// Regions retired (the listed ones and everything inside them).
    pub regions_retired: u64,
    /// Regions created to take their place.
    pub regions_created: u64,
    /// Persons whose residence moved to a new code (each with an event).
    pub persons_moved: u64,
}

pub(crate) async fn apply_rezoning<T: Tx>(
    mut tx: T,
    changes: &[Rezoning],
    meta: &EventMeta,
) -> StoreResult<RezoningReport> {
    let explicit: HashMap<String, &Rezoning> =
        changes.iter().map(|c| (c.old.to_string(), c)).collect();
    // old code -> (new code, effective date, the region row)
    let mut plan: Vec<(RegionRow, String, NaiveDate, Option<String>)> = Vec::new();
    for change in changes {
        if change.old.level() != change.new.level() {
            return Err(StoreError::Invalid(format!(
                "{} is a {} but {} is a {}: a re-zoning keeps the level",
                change.old,
                change.old.level().as_str(),
                change.new,
                change.new.level().as_str()
            )));
        }
        let Some(old_row) = tx.regions(&[change.old.to_string()]).await?.pop() else {
            return Err(StoreError::Region {
                code: change.old.to_string(),
                reason: "not in the region table".into(),
            });
        };
        if old_row.valid_to.is_some() {
            return Err(StoreError::Region {
                code: change.old.to_string(),
                reason: "already retired".into(),
            });
        }
        let (low, high) = change.old.descendant_range();
        for row in tx.regions_in_range(&low, &high).await? {
            let code = RegionCode::parse(&row.code).map_err(|e| StoreError::Corrupt {
                what: "region".into(),
                reason: e.to_string(),
            })?;
            if code != change.old && explicit.contains_key(&row.code) {
                continue; // listed on a line of its own
            }
            let target = if code == change.old {
                change.new
            } else {
                code.with_prefix_replaced(&change.old, &change.new)
            };
            let name = (code == change.old)
                .then(|| change.new_name.clone())
                .flatten();
            plan.push((row, target.to_string(), change.effective, name));
        }
    }
    let targets: Vec<String> = plan.iter().map(|(_, t, _, _)| t.clone()).collect();
    let existing: HashMap<String, RegionRow> = tx
        .regions(&targets)
        .await?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    let mapping: HashMap<String, String> = plan
        .iter()
        .map(|(r, t, _, _)| (r.code.clone(), t.clone()))
        .collect();
    let mut created = Vec::new();
    for (row, target, date, name) in &plan {
        match existing.get(target) {
            Some(t) if t.code == row.code => {}
            // Merging into an existing region is only done where a line says so.
            Some(t) if !explicit.contains_key(&row.code) => {
                return Err(StoreError::Invalid(format!(
                    "{} {} would become {}, which is already {} {}: add a line for it",
                    row.code, row.name, target, t.code, t.name
                )));
            }
            Some(t) if t.valid_to.is_some() => {
                return Err(StoreError::Region {
                    code: t.code.clone(),
                    reason: "is retired and cannot take over".into(),
                });
            }
            Some(_) => {}
            None => created.push(RegionRow {
                code: target.clone(),
                name: name.clone().unwrap_or_else(|| row.name.clone()),
                level: row.level.clone(),
                parent: row
                    .parent
                    .as_ref()
                    .map(|p| mapping.get(p).cloned().unwrap_or_else(|| p.clone())),
                valid_from: Some(*date),
                valid_to: None,
                replaced_by: None,
            }),
        }
    }
    tx.upsert_regions(&created).await?;
    let now = Utc::now();
    let mut report = RezoningReport {
        regions_created: created.len() as u64,
        ..Default::default()
    };
    let mut counts = CounterDelta::default();
    for (row, target, date, _) in &plan {
        if *target == row.code {
            continue;
        }
        tx.retire_region(&row.code, target, *date).await?;
        report.regions_retired += 1;
        let event = NewEventRow {
            person_id: 0,
            kind: EventKind::Rezoning,
            effective_date: *date,
            recorded_at: now,
            recorder: meta.recorder.clone(),
            source: meta.source.clone(),
            region_code: target.clone(),
            related_id: None,
            changes: Vec::new(),
            note: None,
            details: None,
        };
        rezoning_counts(&mut tx, &mut counts, &row.code, target, *date, now).await?;
        report.persons_moved += tx.rezone_persons(&row.code, target, &event).await?;
    }
    tx.write_counts(&counts).await?;
    tx.commit().await?;
    Ok(report)
}

/// What recoding `old` to `new` does to the counters: the same events
/// `rezone_persons` records (residence first, then hukou region), and the
/// households moving with the code.
async fn rezoning_counts<T: Tx>(
    tx: &mut T,
    counts: &mut CounterDelta,
    old: &str,
    new: &str,
    date: NaiveDate,
    now: chrono::DateTime<Utc>,
) -> StoreResult<()> {
    let (Ok(old_code), Ok(new_code)) = (RegionCode::parse(old), RegionCode::parse(new)) else {
        return Ok(());
    };
    let late: HashSet<i64> = tx
        .persons_with_events_after(old, date)
        .await?
        .into_iter()
        .collect();
    for row in tx.persons_touching(old).await? {
        let history = if late.contains(&row.id) {
            tx.events_of_person(row.id).await?
        } else {
            Vec::new()
        };
        let mut person = Person::try_from(row)?;
        let changes: Vec<FieldChange> = [
            (Field::Residence, person.residence == old_code),
            (Field::HukouRegion, person.hukou_region == Some(old_code)),
        ]
        .into_iter()
        .filter(|(_, applies)| *applies)
        .map(|(field, _)| FieldChange {
            field,
            from: Some(old.to_string()),
            to: Some(new.to_string()),
        })
        .collect();
        let mut recorded = ReplayEvent::from_rows(&history)?;
        for change in &changes {
            let mut after = person.clone();
            let _ = after.apply(change);
            if recorded.iter().any(|e| e.effective_date > date) {
                let added = ReplayEvent {
                    kind: EventKind::Rezoning,
                    effective_date: date,
                    recorded_at: now,
                    changes: std::slice::from_ref(change),
                    details: None,
                };
                counts.event_entered_late(&person, &after, &recorded, added.clone());
                // The recoded residence is history the hukou recoding replays.
                recorded.push(added);
            } else {
                counts.event(EventKind::Rezoning, date, now, Some(&person), &after, None);
            }
            person = after;
        }
    }
    let households = tx.household_count(old).await?;
    if households > 0 {
        counts.households(old_code, -households);
        counts.households(new_code, households);
    }
    Ok(())
}
