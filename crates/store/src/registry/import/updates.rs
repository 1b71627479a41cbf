//! Phase 4: the field changes each matched record brings, as events on the
//! person's history, counted the way a hand-recorded event is.

use chrono::{DateTime, NaiveDate, Utc};
use renkou_domain::event::{EventKind, Field, FieldChange};
use renkou_domain::{LifeStatus, Person};
use renkou_formats::RegisterRecord;
use rustc_hash::FxHashMap as HashMap;

use super::classify::Update;
use super::households::NamedHouseholds;
use super::rows::extra_json;
use crate::database::rows::{NewEventRow, PersonRow, SourceLink};
use crate::database::tx::Tx;
use crate::error::StoreResult;
use crate::registry::record::EventMeta;
use crate::statistics::counters::{CounterDelta, ReplayEvent};

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

/// What the matched records change.
#[derive(Default)]
pub(super) struct Changes {
    /// The persons as they are after the import.
    pub rows: Vec<PersonRow>,
    pub events: Vec<NewEventRow>,
    pub counts: CounterDelta,
    /// Links to records imported before, with their new hashes.
    pub relinked: Vec<SourceLink>,
    /// Links to persons matched by identity number for the first time.
    pub new_links: Vec<SourceLink>,
    /// Matched records that change no field.
    pub unchanged: u64,
}

/// Where the import comes from and when it runs.
pub(super) struct Origin<'a> {
    pub meta: &'a EventMeta,
    pub file: &'a str,
    pub started_at: DateTime<Utc>,
}

/// The changes the matched records bring to the persons they name.
pub(super) async fn changes<T: Tx>(
    tx: &mut T,
    updates: &[Update],
    households: &NamedHouseholds,
    origin: &Origin<'_>,
) -> StoreResult<Changes> {
    let ids: Vec<i64> = updates.iter().map(|u| u.person_id).collect();
    let mut current: HashMap<i64, Person> = HashMap::default();
    for row in tx.persons(&ids).await? {
        let person = Person::try_from(row)?;
        current.insert(person.id.0, person);
    }
    let mut out = Changes::default();
    let today = renkou_domain::date::today_in_china();
    for u in updates {
        let Some(before) = current.get(&u.person_id) else {
            continue;
        };
        let after = apply_record(before, &u.record, households);
        let changes: Vec<FieldChange> = IMPORTED_FIELDS
            .into_iter()
            .filter_map(|f| before.change_to(f, f.get(&after)))
            .collect();
        let link = SourceLink {
            source: origin.meta.source.clone(),
            record_id: u.record.record_id.clone(),
            person_id: u.person_id,
            row_hash: u.hash.clone(),
            extra: extra_json(&u.record.extra),
        };
        if u.linked {
            out.relinked.push(link)
        } else {
            out.new_links.push(link)
        }
        if changes.is_empty() {
            out.unchanged += 1;
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
                recorded_at: origin.started_at,
                changes: &changes,
                details: None,
            };
            out.counts
                .event_entered_late(before, &after, &recorded, added);
        } else {
            out.counts
                .event(kind, date, origin.started_at, Some(before), &after, None);
        }
        out.events.push(NewEventRow {
            person_id: u.person_id,
            kind,
            effective_date: date,
            recorded_at: origin.started_at,
            recorder: origin.meta.recorder.clone(),
            source: origin.meta.source.clone(),
            region_code: after.residence.to_string(),
            related_id: None,
            changes,
            note: Some(format!("{} line {}", origin.file, u.record.line)),
            details: None,
        });
        out.rows.push(PersonRow::from(&after));
    }
    Ok(out)
}

/// The person as the record says they are; fields the record leaves empty
/// and the register knows are kept.
fn apply_record(before: &Person, r: &RegisterRecord, households: &NamedHouseholds) -> Person {
    let mut p = before.clone();
    p.id_number = r.id_number.or(before.id_number);
    p.name = r.name.clone();
    p.sex = r.sex;
    p.birth_date = r.birth_date;
    p.ethnicity = r.ethnicity.or(before.ethnicity);
    p.residence = r.region_code;
    p.household_id = households
        .id_of(r.household_no.as_ref())
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
