//! What a correction may change. A correction fixes what the record says, so
//! every value it sets passes the rules of the event that normally sets it;
//! fields that only their own events change (status, spouse) are refused.

use chrono::NaiveDate;

use super::{RuleViolation, check_mother, not_future};
use crate::codes::Sex;
use crate::event::Field;
use crate::person::{LifeStatus, Person, PersonId};
use crate::region::{RegionCode, RegionLevel};

/// The person a correction of `field` to `value` names (mother or father),
/// which the store must load, within the writer's scope, like the subject.
pub fn named_person(field: Field, value: Option<&str>) -> Option<PersonId> {
    match field {
        Field::Mother | Field::Father => value.and_then(|v| v.trim().parse().ok()).map(PersonId),
        _ => None,
    }
}

/// Checks that correcting `field` of `p` to `value` is allowed: `named` is the
/// person the value names, when it names one (see [`named_person`]).
pub fn check_correction(
    p: &Person,
    field: Field,
    value: Option<&str>,
    named: Option<&Person>,
    today: NaiveDate,
) -> Result<(), RuleViolation> {
    match field {
        Field::Status | Field::Spouse | Field::Contraception => {
            Err(RuleViolation::NotCorrectable { field })
        }
        // The dates of an open pregnancy or of a method in use may be set
        // right; opening or closing one is its own event.
        Field::PregnantSince | Field::ExpectedDelivery
            if p.pregnant_since.is_none() || value.is_none() =>
        {
            Err(RuleViolation::NotCorrectable { field })
        }
        Field::ContraceptionSince if p.contraception.is_none() || value.is_none() => {
            Err(RuleViolation::NotCorrectable { field })
        }
        Field::DeathDate => {
            if p.status != LifeStatus::Dead {
                return Err(RuleViolation::NotDead(p.id));
            }
            let Some(date) = value.and_then(|v| crate::date::parse_date(v).ok()) else {
                return Err(RuleViolation::InvalidValue("死亡日期不能为空".into()));
            };
            not_future(date, today)?;
            before_birth(p, date)
        }
        Field::BirthDate => {
            if let Some(date) = value.and_then(|v| crate::date::parse_date(v).ok()) {
                not_future(date, today)?;
                if let Some(death) = p.death_date.filter(|d| *d < date) {
                    return Err(RuleViolation::AfterDeath {
                        person: p.id,
                        death_date: death,
                    });
                }
            }
            Ok(())
        }
        Field::Residence => match value.and_then(|v| RegionCode::parse(v).ok()) {
            Some(to) => same_province(&p.residence, &to),
            None => Ok(()),
        },
        Field::Mother | Field::Father => {
            let Some(parent) = named else {
                return match named_person(field, value) {
                    Some(id) => Err(RuleViolation::UnknownPerson(id)),
                    None => Ok(()),
                };
            };
            if parent.id == p.id {
                return Err(RuleViolation::OwnParent);
            }
            if field == Field::Mother {
                check_mother(parent, p.birth_date)
            } else if parent.sex == Sex::Female {
                Err(RuleViolation::FatherNotMale(parent.id))
            } else {
                Ok(())
            }
        }
        Field::MaritalStatus => {
            let married = value
                .and_then(|v| crate::codes::MaritalStatus::parse(v).ok())
                .is_some_and(|m| m.is_married());
            if p.spouse_id.is_some() && !married {
                Err(RuleViolation::SpouseRecorded(p.id))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// A move inside the province stays in the province the person lives in.
pub fn same_province(from: &RegionCode, to: &RegionCode) -> Result<(), RuleViolation> {
    if from.ancestor(RegionLevel::Province) == to.ancestor(RegionLevel::Province) {
        Ok(())
    } else {
        Err(RuleViolation::OtherProvince {
            from: *from,
            to: *to,
        })
    }
}

fn before_birth(p: &Person, date: NaiveDate) -> Result<(), RuleViolation> {
    if date < p.birth_date {
        Err(RuleViolation::BeforeBirth {
            person: p.id,
            date,
            birth_date: p.birth_date,
        })
    } else {
        Ok(())
    }
}
