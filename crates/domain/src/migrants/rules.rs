//! Registering a migrant where they live (流动人口登记): the village they
//! live in, the day they came, and why — refused in Chinese where it cannot
//! be so.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::details::MigrantDetails;
use crate::event::{EventDetails, EventKind, Field, PlannedEvent};
use crate::person::{Person, PersonId};
use crate::region::{RegionCode, RegionLevel};
use crate::rules::{RuleViolation, changing, correction, living};

/// A migrant registered at the place of residence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Arrival {
    /// Who.
    pub person: PersonId,
    /// The village they live in now; empty: where the register has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub to: Option<RegionCode>,
    /// Where they are registered (户籍地), taken only where the register
    /// does not know it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub hukou_region: Option<RegionCode>,
    /// The day they came (来本地日期).
    pub date: NaiveDate,
    /// Why, where they work and live.
    #[serde(default)]
    pub details: MigrantDetails,
}

/// Why an arrival cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrantRefusal {
    #[error("registered in the county they live in: not a migrant")]
    SameCounty,
    #[error("no place of registration is known")]
    NoRegistration,
}

impl MigrantRefusal {
    /// The refusal as staff read it.
    pub fn chinese(&self) -> String {
        match self {
            MigrantRefusal::SameCounty => {
                "此人户籍地与现住地在同一县（市、区），不属于流动人口".into()
            }
            MigrantRefusal::NoRegistration => "未登记户籍地，请填写户籍地".into(),
        }
    }

    /// The request field it is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            MigrantRefusal::SameCounty => Some("to"),
            MigrantRefusal::NoRegistration => Some("hukou_region"),
        }
    }
}

/// Plans an arrival: the move to the village (if another), the day the
/// stay began, the place of registration where the register lacks it.
pub fn plan(
    arrival: &Arrival,
    persons: &HashMap<PersonId, Person>,
    today: NaiveDate,
) -> Result<Vec<PlannedEvent>, RuleViolation> {
    let p = persons
        .get(&arrival.person)
        .ok_or(RuleViolation::UnknownPerson(arrival.person))?;
    let p = living(p, arrival.date, today)?;
    let to = arrival.to.unwrap_or(p.residence);
    correction::same_province(&p.residence, &to)?;
    let hukou = p
        .hukou_region
        .or(arrival.hukou_region)
        .ok_or(RuleViolation::Migrant(MigrantRefusal::NoRegistration))?;
    if hukou.ancestor(RegionLevel::County) == to.ancestor(RegionLevel::County) {
        return Err(RuleViolation::Migrant(MigrantRefusal::SameCounty));
    }
    let mut wanted = vec![
        (Field::Residence, Some(to.to_string())),
        (Field::ArrivedOn, Some(arrival.date.to_string())),
    ];
    if p.hukou_region.is_none() {
        wanted.push((Field::HukouRegion, Some(hukou.to_string())));
    }
    let mut e = changing(p, EventKind::MigrantArrival, arrival.date, wanted)?;
    e.details = Some(EventDetails::Migrant(Box::new(arrival.details.clone())));
    Ok(vec![e])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Sex;
    use crate::name::PersonName;
    use crate::rules::NewPerson;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn worker(hukou: &str, lives: &str) -> HashMap<PersonId, Person> {
        let mut p = NewPerson::new(
            PersonName::parse("王小二").unwrap(),
            Sex::Male,
            d("1990-03-01"),
            RegionCode::parse(lives).unwrap(),
        );
        p.hukou_region = Some(RegionCode::parse(hukou).unwrap());
        HashMap::from([(PersonId(1), p.into_person(PersonId(1)))])
    }

    fn arrival(to: &str, date: &str) -> Arrival {
        Arrival {
            person: PersonId(1),
            to: Some(RegionCode::parse(to).unwrap()),
            hukou_region: None,
            date: d(date),
            details: MigrantDetails::default(),
        }
    }

    #[test]
    fn a_worker_from_another_county_moves_in_and_his_stay_starts() {
        let persons = worker("510104001001", "510104001001");
        let events = plan(
            &arrival("510106002003", "2026-05-01"),
            &persons,
            d("2026-12-01"),
        )
        .unwrap();
        let fields: Vec<Field> = events[0].changes.iter().map(|c| c.field).collect();
        assert_eq!(fields, vec![Field::Residence, Field::ArrivedOn]);
        assert_eq!(events[0].kind, EventKind::MigrantArrival);
    }

    #[test]
    fn a_move_inside_the_county_of_registration_is_not_a_migrant() {
        let persons = worker("510104001001", "510104001001");
        let refused = plan(
            &arrival("510104002003", "2026-05-01"),
            &persons,
            d("2026-12-01"),
        );
        assert_eq!(
            refused.unwrap_err().chinese(),
            "此人户籍地与现住地在同一县（市、区），不属于流动人口"
        );
    }

    #[test]
    fn an_arrival_cannot_be_dated_in_the_future_or_outside_the_province() {
        let persons = worker("510104001001", "510104001001");
        assert!(
            plan(
                &arrival("510106002003", "2027-01-01"),
                &persons,
                d("2026-12-01")
            )
            .is_err()
        );
        assert!(
            plan(
                &arrival("500106002003", "2026-01-01"),
                &persons,
                d("2026-12-01")
            )
            .is_err()
        );
    }
}
