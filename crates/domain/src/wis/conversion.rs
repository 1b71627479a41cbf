//! Converting a legacy WIS card (换): what a card found in the register
//! adds to the woman's record — her marriage, her children, her current
//! method, an open pregnancy — as the commands of the register, and where
//! card and register disagree (a task to verify, 核). Whatever the register
//! already says is not recorded again, so converting the same card twice
//! changes nothing.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::codes::{ChildHealth, Method, Outcome};
use super::rules::{ContraceptionAction, LONGEST_PREGNANCY_DAYS, PREGNANCY_DAYS, WisCommand};
use crate::birth::newborn_relation;
use crate::codes::{MaritalStatus, Sex};
use crate::event::Field;
use crate::id_number::IdNumber;
use crate::name::PersonName;
use crate::person::{LifeStatus, Person};
use crate::rules::{Command, NewPerson};

/// What a legacy card says of a woman, beyond who she is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyCard {
    pub marital_status: Option<MaritalStatus>,
    pub marriage_date: Option<NaiveDate>,
    pub spouse_id_number: Option<IdNumber>,
    pub method: Option<Method>,
    pub method_start: Option<NaiveDate>,
    pub pregnant_since: Option<NaiveDate>,
    pub children: Vec<LegacyChild>,
}

/// A child on a legacy card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyChild {
    pub name: Option<PersonName>,
    pub id_number: Option<IdNumber>,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub outcome: Outcome,
    pub health: Option<ChildHealth>,
    pub alive: Option<bool>,
}

/// What the register holds that a card is compared with.
#[derive(Debug, Clone)]
pub struct RegisterSide<'a> {
    pub woman: &'a Person,
    /// Her children in the register.
    pub children: &'a [Person],
    /// Days of the pregnancy outcomes on her history (not live births).
    pub outcomes: &'a [NaiveDate],
    /// The person the card's spouse number names, if the register has one.
    pub spouse: Option<&'a Person>,
    /// Children in the register the card's child numbers name (by number).
    pub numbered: &'a [Person],
}

/// A difference to verify: the field, the register's value, the card's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardConflict {
    pub field: &'static str,
    pub registry: String,
    pub card: String,
}

/// What converting a card does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CardPlan {
    /// Commands to record, in order.
    pub commands: Vec<Command>,
    /// Differences to verify.
    pub conflicts: Vec<CardConflict>,
}

/// Days apart a child's birth on the card and in the register may be and
/// still be the same child (a date written from memory).
const SAME_CHILD_DAYS: i64 = 3;

/// The commands and conflicts of a card found in the register, as of `today`.
pub fn plan_card(card: &LegacyCard, side: &RegisterSide<'_>, today: NaiveDate) -> CardPlan {
    let w = side.woman;
    let mut plan = CardPlan::default();
    if w.status != LifeStatus::Active {
        return plan;
    }
    marriage(card, side, &mut plan);
    for child in &card.children {
        if child.outcome.is_live_birth() {
            live_birth(child, side, &mut plan);
        } else if !side.outcomes.contains(&child.birth_date) {
            plan.commands.extend(past_outcome(w, child, today));
        }
    }
    match (
        card.method.filter(Method::contracepts),
        w.contraception.filter(Method::contracepts),
    ) {
        (Some(m), None) => plan.commands.push(Command::Wis(WisCommand::Contraception {
            woman: w.id,
            action: ContraceptionAction::Start,
            method: Some(m),
            facility: None,
            date: card.method_start.unwrap_or(today).min(today),
        })),
        (Some(m), Some(now)) if m != now => plan.conflicts.push(CardConflict {
            field: Field::Contraception.as_str(),
            registry: now.code().into(),
            card: m.code().into(),
        }),
        _ => {}
    }
    if let Some(lmp) = card.pregnant_since
        && w.pregnant_since.is_none()
        && (today - lmp).num_days() <= LONGEST_PREGNANCY_DAYS
        && lmp <= today
    {
        plan.commands.push(Command::Wis(WisCommand::Pregnancy {
            woman: w.id,
            last_period: lmp,
            expected: None,
            date: today,
        }));
    }
    plan
}

/// A marriage the card knows and the register does not.
fn marriage(card: &LegacyCard, side: &RegisterSide<'_>, plan: &mut CardPlan) {
    let w = side.woman;
    let card_married = card.marital_status.is_some_and(|m| m.is_married());
    let registry_married =
        w.marital_status.is_some_and(|m| m.is_married()) || w.spouse_id.is_some();
    if !card_married || registry_married {
        return;
    }
    match (side.spouse, card.marriage_date) {
        (Some(spouse), Some(date))
            if spouse.sex != w.sex
                && spouse.spouse_id.is_none()
                && spouse.status == LifeStatus::Active =>
        {
            plan.commands.push(Command::Marriage {
                a: w.id,
                b: spouse.id,
                date,
            });
        }
        _ => plan.conflicts.push(CardConflict {
            field: Field::MaritalStatus.as_str(),
            registry: w
                .marital_status
                .map(|m| m.code().to_string())
                .unwrap_or_default(),
            card: card
                .marital_status
                .map(|m| m.code().to_string())
                .unwrap_or_default(),
        }),
    }
}

/// A live birth: the child found in the register (linked to her if it is
/// not), or born in it.
fn live_birth(child: &LegacyChild, side: &RegisterSide<'_>, plan: &mut CardPlan) {
    let w = side.woman;
    let near = |p: &Person| (p.birth_date - child.birth_date).num_days().abs() <= SAME_CHILD_DAYS;
    if side.children.iter().any(|c| near(c) && c.sex == child.sex) {
        return;
    }
    if let Some(known) = child
        .id_number
        .and_then(|n| side.numbered.iter().find(|p| p.id_number == Some(n)))
    {
        if known.mother_id.is_none() {
            plan.commands.push(Command::Correction {
                person: known.id,
                field: Field::Mother,
                value: Some(w.id.to_string()),
                date: child.birth_date,
                reason: "育龄妇女信息卡转换：登记母亲".into(),
            });
        } else if known.mother_id != Some(w.id) {
            plan.conflicts.push(CardConflict {
                field: Field::Mother.as_str(),
                registry: known.mother_id.map(|m| m.to_string()).unwrap_or_default(),
                card: w.id.to_string(),
            });
        }
        return;
    }
    let name = child
        .name
        .clone()
        .or_else(|| PersonName::parse("未取名").ok());
    let Some(name) = name else { return };
    let mut newborn = NewPerson::new(name, child.sex, child.birth_date, w.residence);
    newborn.id_number = child.id_number;
    newborn.ethnicity = w.ethnicity;
    newborn.hukou_region = w.hukou_region.or(Some(w.residence));
    newborn.hukou_type = w.hukou_type;
    newborn.marital_status = Some(MaritalStatus::never_married());
    if w.household_id.is_some() {
        newborn.household_id = w.household_id;
        newborn.relation = newborn_relation(w.relation, child.sex);
    }
    plan.commands.push(Command::Birth {
        child: newborn,
        mother: Some(w.id),
        father: w.spouse_id,
        details: Default::default(),
    });
}

/// A past stillbirth or abortion: its pregnancy, then how it ended.
fn past_outcome(w: &Person, child: &LegacyChild, today: NaiveDate) -> Vec<Command> {
    if w.pregnant_since.is_some() || child.birth_date > today {
        return Vec::new();
    }
    let lmp = child.birth_date - Duration::days(PREGNANCY_DAYS);
    vec![
        Command::Wis(WisCommand::Pregnancy {
            woman: w.id,
            last_period: lmp,
            expected: Some(child.birth_date),
            date: lmp + Duration::days(60).min(child.birth_date - lmp),
        }),
        Command::Wis(WisCommand::PregnancyOutcome {
            woman: w.id,
            date: child.birth_date,
            outcome: child.outcome,
            children: Vec::new(),
            father: None,
            health: child.health,
            facility: None,
            details: Default::default(),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::PersonId;
    use crate::region::RegionCode;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn woman() -> Person {
        let mut w = NewPerson::new(
            PersonName::parse("王芳").unwrap(),
            Sex::Female,
            day(1990, 1, 1),
            RegionCode::parse("510104017001").unwrap(),
        )
        .into_person(PersonId(7));
        w.household_id = Some(3);
        w.relation = crate::codes::Relation::parse("10").ok();
        w
    }

    fn child(born: NaiveDate, outcome: &str) -> LegacyChild {
        LegacyChild {
            name: PersonName::parse("李一").ok(),
            id_number: None,
            sex: Sex::Male,
            birth_date: born,
            outcome: Outcome::parse(outcome).unwrap(),
            health: None,
            alive: Some(true),
        }
    }

    fn side<'a>(
        w: &'a Person,
        children: &'a [Person],
        outcomes: &'a [NaiveDate],
    ) -> RegisterSide<'a> {
        RegisterSide {
            woman: w,
            children,
            outcomes,
            spouse: None,
            numbered: &[],
        }
    }

    #[test]
    fn a_card_adds_what_the_register_lacks_and_nothing_twice() {
        let w = woman();
        let card = LegacyCard {
            method: Method::parse("03").ok(),
            method_start: Some(day(2020, 5, 1)),
            children: vec![child(day(2018, 3, 1), "1"), child(day(2016, 1, 1), "2")],
            ..LegacyCard::default()
        };
        let today = day(2026, 12, 7);
        let plan = plan_card(&card, &side(&w, &[], &[]), today);
        let kinds: Vec<&str> = plan
            .commands
            .iter()
            .map(|c| match c {
                Command::Birth { .. } => "birth",
                Command::Wis(WisCommand::Pregnancy { .. }) => "pregnancy",
                Command::Wis(WisCommand::PregnancyOutcome { .. }) => "outcome",
                Command::Wis(WisCommand::Contraception { .. }) => "method",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["birth", "pregnancy", "outcome", "method"]);
        let Command::Birth { child, .. } = &plan.commands[0] else {
            panic!()
        };
        assert_eq!(
            child.relation.map(|r| r.name()),
            Some("子"),
            "the head's spouse's son"
        );
        assert_eq!(child.household_id, Some(3));
        // Converted once, the register holds it all: nothing more to record.
        let mut born = NewPerson::new(
            PersonName::parse("李一").unwrap(),
            Sex::Male,
            day(2018, 3, 2),
            w.residence,
        )
        .into_person(PersonId(8));
        born.mother_id = Some(w.id);
        let mut now = w.clone();
        now.contraception = Method::parse("03").ok();
        let again = plan_card(&card, &side(&now, &[born], &[day(2016, 1, 1)]), today);
        assert_eq!(again, CardPlan::default());
    }

    #[test]
    fn a_method_the_register_disagrees_with_is_a_conflict_not_a_change() {
        let mut w = woman();
        w.contraception = Method::parse("02").ok();
        let card = LegacyCard {
            method: Method::parse("03").ok(),
            ..LegacyCard::default()
        };
        let plan = plan_card(&card, &side(&w, &[], &[]), day(2026, 12, 7));
        assert!(plan.commands.is_empty());
        assert_eq!(
            plan.conflicts,
            [CardConflict {
                field: "contraception",
                registry: "02".into(),
                card: "03".into()
            }]
        );
    }

    #[test]
    fn a_marriage_without_the_spouse_in_the_register_is_verified_not_invented() {
        let w = woman();
        let card = LegacyCard {
            marital_status: MaritalStatus::parse("21").ok(),
            marriage_date: Some(day(2015, 1, 1)),
            ..LegacyCard::default()
        };
        let plan = plan_card(&card, &side(&w, &[], &[]), day(2026, 12, 7));
        assert!(plan.commands.is_empty());
        assert_eq!(plan.conflicts[0].field, "marital_status");
    }
}
