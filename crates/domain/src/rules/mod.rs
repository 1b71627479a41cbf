//! The rules every event must pass, and the field changes it makes.
//!
//! A command names what a user wants recorded; [`plan`] checks it against the
//! people involved (as loaded by the store, inside its transaction) and returns
//! the events to append, one per person whose record changes.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::birth::BirthDetails;
use crate::codes::{Education, Ethnicity, HukouType, MaritalStatus, Relation, Sex};
use crate::date::age_on;
use crate::event::{EventKind, Field, FieldChange, PlannedEvent};
use crate::id_number::IdNumber;
use crate::name::PersonName;
use crate::person::{LifeStatus, Person, PersonId};
use crate::region::{RegionCode, RegionLevel};

pub(crate) mod correction;
mod merge;
mod violation;

use merge::{plan_merge, plan_unmerge};
pub use violation::RuleViolation;

/// Youngest and oldest age at which a woman is recorded as giving birth.
pub const MOTHER_AGE: std::ops::RangeInclusive<i32> = 12..=60;
/// Legal marriage age for men (婚姻法: 22).
pub const MARRIAGE_AGE_MEN: i32 = 22;
/// Legal marriage age for women (婚姻法: 20).
pub const MARRIAGE_AGE_WOMEN: i32 = 20;

/// Fields whose value may be taken from another record of the same person
/// (a duplicate being merged, or a register found right on verification).
/// Residence and status change only by their own events (moves, deaths).
pub const TAKEN_FROM_ANOTHER_RECORD: [Field; 5] = [
    Field::IdNumber,
    Field::Name,
    Field::Sex,
    Field::BirthDate,
    Field::Ethnicity,
];

/// What the store knows of the merge an unmerge undoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeFacts {
    /// The record the merged one was folded into.
    pub survivor: PersonId,
    /// The changes the merge made to the survivor (values taken over).
    pub on_survivor: Vec<FieldChange>,
    /// The merged record's status before the merge.
    pub status_before: LifeStatus,
}

/// A person entering the register (newborn or newcomer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPerson {
    pub id_number: Option<IdNumber>,
    pub name: PersonName,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub ethnicity: Option<Ethnicity>,
    pub residence: RegionCode,
    pub hukou_region: Option<RegionCode>,
    pub hukou_type: Option<HukouType>,
    pub household_id: Option<i64>,
    pub relation: Option<Relation>,
    pub marital_status: Option<MaritalStatus>,
    pub education: Option<Education>,
    /// Set by the register for a child of a mother in it (her live births
    /// counted); what a caller sends is not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_order: Option<u8>,
}

impl NewPerson {
    /// A newcomer known by what every register has: name, sex, birth date
    /// and village; the rest empty until entered.
    pub fn new(name: PersonName, sex: Sex, birth_date: NaiveDate, residence: RegionCode) -> Self {
        NewPerson {
            id_number: None,
            name,
            sex,
            birth_date,
            ethnicity: None,
            residence,
            hukou_region: None,
            hukou_type: None,
            household_id: None,
            relation: None,
            marital_status: None,
            education: None,
            birth_order: None,
        }
    }

    /// The person row this newcomer starts as (id assigned by the store).
    pub fn into_person(self, id: PersonId) -> Person {
        Person {
            id,
            id_number: self.id_number,
            name: self.name,
            sex: self.sex,
            birth_date: self.birth_date,
            ethnicity: self.ethnicity,
            residence: self.residence,
            hukou_region: self.hukou_region,
            hukou_type: self.hukou_type,
            household_id: self.household_id,
            relation: self.relation,
            marital_status: self.marital_status,
            education: self.education,
            status: LifeStatus::Active,
            death_date: None,
            mother_id: None,
            father_id: None,
            spouse_id: None,
            contraception: None,
            contraception_since: None,
            pregnant_since: None,
            expected_delivery: None,
            birth_order: self.birth_order,
            arrived_on: None,
        }
    }
}

/// Something a user asks to record. In JSON the kind is the one key
/// (`{"birth": {"child": …}}`), so that an error can name the exact field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// A child is born; mother and father when they are in the register.
    Birth {
        child: NewPerson,
        mother: Option<PersonId>,
        father: Option<PersonId>,
        /// Place of birth and certificate number, kept in the event's note.
        #[serde(default)]
        details: BirthDetails,
    },
    /// A person died.
    Death { person: PersonId, date: NaiveDate },
    /// Two persons married.
    Marriage {
        a: PersonId,
        b: PersonId,
        date: NaiveDate,
    },
    /// Two spouses divorced.
    Divorce {
        a: PersonId,
        b: PersonId,
        date: NaiveDate,
    },
    /// A person moved to another village of the province.
    MoveWithin {
        person: PersonId,
        to: RegionCode,
        date: NaiveDate,
    },
    /// A person left the province.
    MoveOut {
        person: PersonId,
        date: NaiveDate,
        destination: Option<String>,
    },
    /// A person who had moved out came back.
    MoveBack {
        person: PersonId,
        to: RegionCode,
        date: NaiveDate,
    },
    /// A person not yet in the register moved into the province.
    MoveIn {
        newcomer: NewPerson,
        date: NaiveDate,
        /// Where the person came from (迁出地), kept in the event's note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<String>,
    },
    /// The household registration region or category changed.
    RegistrationChange {
        person: PersonId,
        hukou_region: Option<RegionCode>,
        hukou_type: Option<HukouType>,
        date: NaiveDate,
    },
    /// A field was wrong; `value` is its right canonical text (`None` clears it).
    Correction {
        person: PersonId,
        field: Field,
        value: Option<String>,
        date: NaiveDate,
        reason: String,
    },
    /// A person living here but missing from the register is entered (补录),
    /// e.g. found by reconciling another register.
    Registration {
        newcomer: NewPerson,
        date: NaiveDate,
    },
    /// Two records are one person: `merged` is folded into `survivor`, whose
    /// id stays; `take` lists the fields whose value comes from `merged`.
    Merge {
        survivor: PersonId,
        merged: PersonId,
        #[serde(default)]
        take: Vec<Field>,
        date: NaiveDate,
        reason: String,
    },
    /// A record of a woman's card (WIS): pregnancy, outcome, contraception,
    /// reproductive-health services.
    Wis(crate::wis::rules::WisCommand),
    /// A migrant registered where they live (流动人口登记).
    MigrantArrival(crate::migrants::rules::Arrival),
    /// Undoes the merge of `merged`: both records are persons again.
    Unmerge {
        merged: PersonId,
        date: NaiveDate,
        reason: String,
    },
    /// A finding about the person was checked and the record is right: an
    /// event that changes nothing, so the history says who checked what.
    Verification {
        person: PersonId,
        date: NaiveDate,
        note: String,
    },
}

impl Command {
    /// The persons already in the register that the command involves.
    pub fn involved(&self) -> Vec<PersonId> {
        match self {
            Command::Birth { mother, father, .. } => mother.iter().chain(father).copied().collect(),
            Command::Death { person, .. }
            | Command::MoveWithin { person, .. }
            | Command::MoveOut { person, .. }
            | Command::MoveBack { person, .. }
            | Command::RegistrationChange { person, .. }
            | Command::Verification { person, .. } => vec![*person],
            Command::Correction {
                person,
                field,
                value,
                ..
            } => std::iter::once(*person)
                .chain(correction::named_person(*field, value.as_deref()))
                .collect(),
            Command::Marriage { a, b, .. } | Command::Divorce { a, b, .. } => vec![*a, *b],
            Command::MoveIn { .. } | Command::Registration { .. } => vec![],
            Command::MigrantArrival(a) => vec![a.person],
            Command::Merge {
                survivor, merged, ..
            } => vec![*survivor, *merged],
            // The survivor is found by the store, from the merge.
            Command::Unmerge { merged, .. } => vec![*merged],
            Command::Wis(w) => w.involved(),
        }
    }

    /// The persons the command brings into the register, in the order its
    /// planned events without a person come (a newborn, twins, a newcomer).
    pub fn newcomers(&self) -> Vec<&NewPerson> {
        match self {
            Command::Birth { child, .. } => vec![child],
            Command::MoveIn { newcomer, .. } | Command::Registration { newcomer, .. } => {
                vec![newcomer]
            }
            Command::Wis(w) => w.newcomers().iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The subsystem whose records the command writes (a writer needs a
    /// grant that opens it for the persons involved).
    pub fn subsystem(&self) -> crate::account::Subsystem {
        match self {
            Command::Wis(_) => crate::account::Subsystem::Wis,
            Command::MigrantArrival(_) => crate::account::Subsystem::Migrants,
            _ => crate::account::Subsystem::Registry,
        }
    }

    /// The (first) newcomer the command adds to the register, if any.
    pub fn newcomer(&self) -> Option<&NewPerson> {
        self.newcomers().into_iter().next()
    }

    /// The households a command names (a newcomer's, a corrected one), which
    /// the store checks exist within the writer's scope like the persons.
    pub fn households(&self) -> Vec<i64> {
        match self {
            Command::Correction {
                field: Field::Household,
                value,
                ..
            } => value
                .as_deref()
                .and_then(|v| v.trim().parse().ok())
                .into_iter()
                .collect(),
            _ => self
                .newcomers()
                .into_iter()
                .filter_map(|n| n.household_id)
                .collect(),
        }
    }

    /// The villages the command places people in, which the store must find
    /// in its region table (as villages).
    pub fn regions(&self) -> Vec<RegionCode> {
        match self {
            Command::Birth { .. }
            | Command::MoveIn { .. }
            | Command::Registration { .. }
            | Command::Wis(_) => self.newcomers().into_iter().map(|p| p.residence).collect(),
            Command::MoveWithin { to, .. } | Command::MoveBack { to, .. } => vec![*to],
            Command::MigrantArrival(a) => a.to.iter().copied().collect(),
            Command::Correction {
                field: Field::Residence,
                value,
                ..
            } => value
                .as_deref()
                .and_then(|v| RegionCode::parse(v).ok())
                .into_iter()
                .collect(),
            _ => vec![],
        }
    }

    /// The places of registration (hukou) the command names, which the
    /// store must find in its region table at any level: a person from
    /// another province may be known to be registered in a county only.
    pub fn hukou_regions(&self) -> Vec<RegionCode> {
        match self {
            Command::Birth { .. }
            | Command::MoveIn { .. }
            | Command::Registration { .. }
            | Command::Wis(_) => self
                .newcomers()
                .into_iter()
                .filter_map(|p| p.hukou_region)
                .collect(),
            Command::MigrantArrival(a) => a.hukou_region.iter().copied().collect(),
            Command::RegistrationChange { hukou_region, .. } => {
                hukou_region.iter().copied().collect()
            }
            Command::Correction {
                field: Field::HukouRegion,
                value,
                ..
            } => value
                .as_deref()
                .and_then(|v| RegionCode::parse(v).ok())
                .into_iter()
                .collect(),
            _ => vec![],
        }
    }
}

/// An event entered late must not contradict what is recorded after its
/// date: it cannot change a field that a later-dated event has changed since
/// (the two would not say which came first). The event that brought the
/// person into the register only set first values and is no contradiction.
/// `later` holds the person's events dated after `date`.
pub fn check_late_entry(
    person: PersonId,
    date: NaiveDate,
    changes: &[FieldChange],
    later: &[(NaiveDate, &[FieldChange])],
) -> Result<(), RuleViolation> {
    for (since, their) in later {
        if their
            .iter()
            .any(|c| c.field == Field::Name && c.from.is_none())
        {
            continue;
        }
        if let Some(c) = changes
            .iter()
            .find(|c| their.iter().any(|t| t.field == c.field))
        {
            return Err(RuleViolation::ConflictsWithLaterEvent {
                person,
                field: c.field,
                date,
                later: *since,
            });
        }
    }
    Ok(())
}

/// Checks a command against the persons it involves and returns the events
/// to record. `persons` holds every id of [`Command::involved`]; for an
/// unmerge, also the survivor, whose merge `merge` describes.
pub fn plan(
    command: &Command,
    persons: &HashMap<PersonId, Person>,
    merge: Option<&MergeFacts>,
    today: NaiveDate,
) -> Result<Vec<PlannedEvent>, RuleViolation> {
    let get = |id: &PersonId| persons.get(id).ok_or(RuleViolation::UnknownPerson(*id));
    // A merged record takes no events of its own but its unmerge.
    if !matches!(command, Command::Unmerge { .. })
        && let Some(p) = command
            .involved()
            .iter()
            .filter_map(|id| persons.get(id))
            .find(|p| p.status == LifeStatus::Merged)
    {
        return Err(RuleViolation::Merged(p.id));
    }
    match command {
        Command::Birth {
            child,
            mother,
            father,
            details,
        } => {
            not_future(child.birth_date, today)?;
            let mut changes = initial_changes(child);
            if let Some(mother) = mother.map(|id| get(&id)).transpose()? {
                check_mother(mother, child.birth_date)?;
                changes.push(set(Field::Mother, Some(mother.id.to_string())));
            }
            if let Some(father) = father.map(|id| get(&id)).transpose()? {
                if father.sex == Sex::Female {
                    return Err(RuleViolation::FatherNotMale(father.id));
                }
                changes.push(set(Field::Father, Some(father.id.to_string())));
            }
            let mut e = event(None, EventKind::Birth, child.birth_date, changes);
            e.note = details.note();
            Ok(vec![e])
        }
        Command::MoveIn { newcomer, date, .. } | Command::Registration { newcomer, date } => {
            not_future(*date, today)?;
            if *date < newcomer.birth_date {
                return Err(RuleViolation::InvalidValue(format!(
                    "date {date} is before the newcomer's birth ({})",
                    newcomer.birth_date
                )));
            }
            let kind = match command {
                Command::MoveIn { .. } => EventKind::MoveIn,
                _ => EventKind::Registration,
            };
            let mut changes = initial_changes(newcomer);
            // Someone who came from outside the province is counted from the day they came.
            if kind == EventKind::MoveIn {
                changes.push(set(Field::ArrivedOn, Some(date.to_string())));
            }
            let mut e = event(None, kind, *date, changes);
            if let Command::MoveIn {
                origin: Some(origin),
                ..
            } = command
            {
                e.note = Some(format!("迁出地：{origin}"));
            }
            Ok(vec![e])
        }
        Command::Merge {
            survivor,
            merged,
            take,
            date,
            reason,
        } => plan_merge(get(survivor)?, get(merged)?, take, *date, reason, today),
        Command::Verification { person, date, note } => {
            let p = get(person)?;
            not_future(*date, today)?;
            let mut e = event(Some(p.id), EventKind::Verification, *date, Vec::new());
            e.note = Some(note.clone());
            Ok(vec![e])
        }
        Command::Wis(w) => crate::wis::rules::plan(w, persons, today),
        Command::MigrantArrival(a) => crate::migrants::rules::plan(a, persons, today),
        Command::Unmerge {
            merged,
            date,
            reason,
        } => {
            // Unknown (or outside the scope) before anything is said about merges.
            get(merged)?;
            let facts = merge.ok_or(RuleViolation::NotMerged(*merged))?;
            plan_unmerge(
                get(&facts.survivor)?,
                get(merged)?,
                facts,
                *date,
                reason,
                today,
            )
        }
        Command::Death { person, date } => {
            let p = living(get(person)?, *date, today)?;
            let mut events = vec![changing(
                p,
                EventKind::Death,
                *date,
                [
                    (Field::Status, Some(LifeStatus::Dead.as_str().into())),
                    (Field::DeathDate, Some(date.to_string())),
                ],
            )?];
            // The surviving spouse becomes widowed, in the same transaction.
            if let Some(spouse) = p.spouse_id.and_then(|id| persons.get(&id))
                && spouse.status != LifeStatus::Dead
            {
                let mut widowed = changing(
                    spouse,
                    EventKind::Death,
                    *date,
                    [
                        (
                            Field::MaritalStatus,
                            Some(MaritalStatus::widowed().code().into()),
                        ),
                        (Field::Spouse, None),
                    ],
                )?;
                widowed.related_id = Some(p.id);
                events.push(widowed);
            }
            Ok(events)
        }
        Command::Marriage { a, b, date } => {
            if a == b {
                return Err(RuleViolation::SamePerson);
            }
            let (pa, pb) = (
                living(get(a)?, *date, today)?,
                living(get(b)?, *date, today)?,
            );
            let sexes = [pa.sex, pb.sex];
            if !(sexes.contains(&Sex::Male) && sexes.contains(&Sex::Female)) {
                return Err(RuleViolation::SameSex);
            }
            let mut events = Vec::new();
            for (me, other) in [(pa, pb), (pb, pa)] {
                let minimum = if me.sex == Sex::Male {
                    MARRIAGE_AGE_MEN
                } else {
                    MARRIAGE_AGE_WOMEN
                };
                let age = age_on(me.birth_date, *date);
                if age < minimum {
                    return Err(RuleViolation::UnderMarriageAge {
                        person: me.id,
                        age,
                        minimum,
                    });
                }
                if me.spouse_id.is_some() || me.marital_status.is_some_and(|m| m.is_married()) {
                    return Err(RuleViolation::AlreadyMarried(me.id));
                }
                let status = match me.marital_status {
                    Some(m) if m == MaritalStatus::divorced() || m == MaritalStatus::widowed() => {
                        MaritalStatus::remarried()
                    }
                    _ => MaritalStatus::first_marriage(),
                };
                let mut e = changing(
                    me,
                    EventKind::Marriage,
                    *date,
                    [
                        (Field::MaritalStatus, Some(status.code().into())),
                        (Field::Spouse, Some(other.id.to_string())),
                    ],
                )?;
                e.related_id = Some(other.id);
                events.push(e);
            }
            Ok(events)
        }
        Command::Divorce { a, b, date } => {
            if a == b {
                return Err(RuleViolation::SamePerson);
            }
            let (pa, pb) = (
                living(get(a)?, *date, today)?,
                living(get(b)?, *date, today)?,
            );
            if pa.spouse_id != Some(pb.id) || pb.spouse_id != Some(pa.id) {
                return Err(RuleViolation::NotSpouses { a: *a, b: *b });
            }
            let mut events = Vec::new();
            for (me, other) in [(pa, pb), (pb, pa)] {
                let mut e = changing(
                    me,
                    EventKind::Divorce,
                    *date,
                    [
                        (
                            Field::MaritalStatus,
                            Some(MaritalStatus::divorced().code().into()),
                        ),
                        (Field::Spouse, None),
                    ],
                )?;
                e.related_id = Some(other.id);
                events.push(e);
            }
            Ok(events)
        }
        Command::MoveWithin { person, to, date } => {
            let p = living(get(person)?, *date, today)?;
            correction::same_province(&p.residence, to)?;
            let mut wanted = vec![(Field::Residence, Some(to.to_string()))];
            // A stay is counted in the county: a move inside it does not restart it.
            if p.residence.ancestor(RegionLevel::County) != to.ancestor(RegionLevel::County) {
                wanted.push((Field::ArrivedOn, Some(date.to_string())));
            }
            Ok(vec![changing(p, EventKind::MoveWithin, *date, wanted)?])
        }
        Command::MoveOut {
            person,
            date,
            destination,
        } => {
            let p = living(get(person)?, *date, today)?;
            let mut e = changing(
                p,
                EventKind::MoveOut,
                *date,
                [
                    (Field::Status, Some(LifeStatus::MovedOut.as_str().into())),
                    (Field::ArrivedOn, Some(date.to_string())),
                ],
            )?;
            e.note = destination.clone();
            Ok(vec![e])
        }
        Command::MoveBack { person, to, date } => {
            let p = get(person)?;
            if p.status != LifeStatus::MovedOut {
                return Err(RuleViolation::InvalidValue(format!(
                    "person {person} has not moved out: use a move within the province"
                )));
            }
            dated(p, *date, today)?;
            correction::same_province(&p.residence, to)?;
            Ok(vec![changing(
                p,
                EventKind::MoveIn,
                *date,
                [
                    (Field::Status, Some(LifeStatus::Active.as_str().into())),
                    (Field::Residence, Some(to.to_string())),
                    (Field::ArrivedOn, Some(date.to_string())),
                ],
            )?])
        }
        Command::RegistrationChange {
            person,
            hukou_region,
            hukou_type,
            date,
        } => {
            let p = living(get(person)?, *date, today)?;
            let mut wanted = Vec::new();
            if let Some(region) = hukou_region {
                wanted.push((Field::HukouRegion, Some(region.to_string())));
            }
            if let Some(kind) = hukou_type {
                wanted.push((Field::HukouType, Some(kind.code().to_string())));
            }
            Ok(vec![changing(
                p,
                EventKind::RegistrationChange,
                *date,
                wanted,
            )?])
        }
        Command::Correction {
            person,
            field,
            value,
            date,
            reason,
        } => {
            // A correction fixes what the record says; it is allowed after death.
            let p = get(person)?;
            not_future(*date, today)?;
            let named =
                correction::named_person(*field, value.as_deref()).and_then(|id| persons.get(&id));
            correction::check_correction(p, *field, value.as_deref(), named, today)?;
            let mut e = changing(p, EventKind::Correction, *date, [(*field, value.clone())])?;
            e.note = Some(reason.clone());
            Ok(vec![e])
        }
    }
}

/// Applies a planned event's changes to a copy of the person, validating every value.
pub fn apply_all(person: &Person, changes: &[FieldChange]) -> Result<Person, RuleViolation> {
    let mut next = person.clone();
    for change in changes {
        next.apply(change)
            .map_err(|e| RuleViolation::InvalidValue(e.to_string()))?;
    }
    Ok(next)
}

fn check_mother(mother: &Person, birth: NaiveDate) -> Result<(), RuleViolation> {
    if mother.sex == Sex::Male {
        return Err(RuleViolation::MotherNotFemale(mother.id));
    }
    if let Some(death_date) = mother.death_date.filter(|d| *d < birth) {
        return Err(RuleViolation::AfterDeath {
            person: mother.id,
            death_date,
        });
    }
    let age = age_on(mother.birth_date, birth);
    if !MOTHER_AGE.contains(&age) {
        return Err(RuleViolation::MotherAge {
            mother: mother.id,
            age,
        });
    }
    Ok(())
}

/// The person must be alive and in the province, and the date plausible.
pub(crate) fn living(
    p: &Person,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<&Person, RuleViolation> {
    match p.status {
        LifeStatus::Dead => Err(RuleViolation::AfterDeath {
            person: p.id,
            death_date: p.death_date.unwrap_or(date),
        }),
        LifeStatus::MovedOut => Err(RuleViolation::MovedOut { person: p.id }),
        LifeStatus::Merged => Err(RuleViolation::Merged(p.id)),
        LifeStatus::Active => dated(p, date, today),
    }
}

fn dated(p: &Person, date: NaiveDate, today: NaiveDate) -> Result<&Person, RuleViolation> {
    not_future(date, today)?;
    if date < p.birth_date {
        return Err(RuleViolation::BeforeBirth {
            person: p.id,
            date,
            birth_date: p.birth_date,
        });
    }
    Ok(p)
}

fn not_future(date: NaiveDate, today: NaiveDate) -> Result<(), RuleViolation> {
    if date > today {
        Err(RuleViolation::FutureDate(date))
    } else {
        Ok(())
    }
}

fn set(field: Field, to: Option<String>) -> FieldChange {
    FieldChange {
        field,
        from: None,
        to,
    }
}

/// Every non-empty field of a newcomer, as changes from nothing.
fn initial_changes(p: &NewPerson) -> Vec<FieldChange> {
    let blank = p.clone().into_person(PersonId(0));
    Field::ALL
        .into_iter()
        .filter_map(|f| f.get(&blank).map(|v| set(f, Some(v))))
        .collect()
}

/// An event that sets the given fields of `p`, keeping only real changes and
/// checking every new value parses.
pub(crate) fn changing(
    p: &Person,
    kind: EventKind,
    date: NaiveDate,
    wanted: impl IntoIterator<Item = (Field, Option<String>)>,
) -> Result<PlannedEvent, RuleViolation> {
    let changes: Vec<FieldChange> = wanted
        .into_iter()
        .filter_map(|(field, to)| p.change_to(field, to))
        .collect();
    if changes.is_empty() {
        return Err(RuleViolation::NoChange);
    }
    apply_all(p, &changes)?;
    Ok(event(Some(p.id), kind, date, changes))
}

pub(crate) fn event(
    person_id: Option<PersonId>,
    kind: EventKind,
    effective_date: NaiveDate,
    changes: Vec<FieldChange>,
) -> PlannedEvent {
    PlannedEvent {
        person_id,
        kind,
        effective_date,
        related_id: None,
        changes,
        note: None,
        details: None,
    }
}
