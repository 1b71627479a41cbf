//! The work lists (工作清单) of a village or township: which women need
//! what this month. Each woman's facts come from the register; which list
//! she is on, and why, is decided here.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::codes::Method;
use super::schedule::{Due, Schedule, month_of};
use crate::person::{Person, PersonId};

/// One list of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Expected to deliver this month, or past the delivery without an outcome.
    Delivery,
    /// An IUD check due this month or overdue.
    IudCheck,
    /// A visit of a short-acting method due this month or overdue.
    Visit,
    /// Married in the last months and without a method (nor pregnant).
    NewlyMarried,
    /// 42 days or more after a delivery and without a method.
    Postpartum,
    /// Turning 15 this month: her card begins.
    Entering,
    /// Turning 50 this month: her card ends.
    Leaving,
}

impl ListKind {
    /// Every list, in the order the offices read them.
    pub const ALL: [ListKind; 7] = [
        ListKind::Delivery,
        ListKind::IudCheck,
        ListKind::Visit,
        ListKind::NewlyMarried,
        ListKind::Postpartum,
        ListKind::Entering,
        ListKind::Leaving,
    ];

    /// The name in addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Delivery => "delivery",
            ListKind::IudCheck => "iud_check",
            ListKind::Visit => "visit",
            ListKind::NewlyMarried => "newly_married",
            ListKind::Postpartum => "postpartum",
            ListKind::Entering => "entering",
            ListKind::Leaving => "leaving",
        }
    }

    /// Reads the name back.
    pub fn parse(text: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The list's title.
    pub fn title(self) -> &'static str {
        match self {
            ListKind::Delivery => "本月预产及逾期未报妊娠结局",
            ListKind::IudCheck => "节育器检查到期",
            ListKind::Visit => "避孕随访到期",
            ListKind::NewlyMarried => "新婚未落实避孕措施",
            ListKind::Postpartum => "产后42天未落实避孕措施",
            ListKind::Entering => "本月满15周岁（纳入管理）",
            ListKind::Leaving => "本月满50周岁（退出管理）",
        }
    }
}

/// What the register knows of a woman that the lists read: a few fields of
/// her record and the dates of a few events (read for every woman of a
/// township, so no more than that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WomanFacts {
    pub id: PersonId,
    pub birth_date: NaiveDate,
    /// Married (by status or a spouse on record).
    pub married: bool,
    /// Her method now, and since when.
    pub contraception: Option<Method>,
    pub contraception_since: Option<NaiveDate>,
    /// An open pregnancy and its expected delivery.
    pub pregnant_since: Option<NaiveDate>,
    pub expected_delivery: Option<NaiveDate>,
    /// Her latest IUD check.
    pub last_iud_check: Option<NaiveDate>,
    /// Her latest visit.
    pub last_visit: Option<NaiveDate>,
    /// Her latest marriage.
    pub married_on: Option<NaiveDate>,
    /// Her latest delivery (a child's birth in the register).
    pub last_birth: Option<NaiveDate>,
}

impl WomanFacts {
    /// The facts of her record, without the event dates.
    pub fn of(w: &Person) -> WomanFacts {
        WomanFacts {
            id: w.id,
            birth_date: w.birth_date,
            married: w.spouse_id.is_some() || w.marital_status.is_some_and(|m| m.is_married()),
            contraception: w.contraception,
            contraception_since: w.contraception_since,
            pregnant_since: w.pregnant_since,
            expected_delivery: w.expected_delivery,
            last_iud_check: None,
            last_visit: None,
            married_on: None,
            last_birth: None,
        }
    }
}

/// A woman on a list, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub kind: ListKind,
    /// The date the entry is about (the due date, the delivery, the birthday).
    pub date: NaiveDate,
    /// Past its date (overdue) rather than due this month.
    pub overdue: bool,
}

/// Whether she has a method in use.
fn protected(w: &WomanFacts) -> bool {
    w.contraception.is_some_and(|m| m.contracepts())
}

/// The lists a woman is on this month (the month holding `today`).
pub fn lists_of(facts: &WomanFacts, schedule: &Schedule, today: NaiveDate) -> Vec<Listed> {
    let w = facts;
    let mut out = Vec::new();
    let (first, last) = month_of(today);
    let age = today.year() - w.birth_date.year();
    let birthday_this_month = w.birth_date.month() == today.month();
    if birthday_this_month && (age == 15 || age == 50) {
        let kind = if age == 15 {
            ListKind::Entering
        } else {
            ListKind::Leaving
        };
        let date = w.birth_date.with_year(today.year()).unwrap_or(first);
        out.push(Listed {
            kind,
            date,
            overdue: false,
        });
    }
    if !super::CARD_AGES.contains(&age) {
        return out;
    }
    if let Some(expected) = w.expected_delivery.filter(|_| w.pregnant_since.is_some()) {
        if (first..=last).contains(&expected) {
            out.push(Listed {
                kind: ListKind::Delivery,
                date: expected,
                overdue: false,
            });
        } else if schedule.outcome_overdue(expected, today) {
            out.push(Listed {
                kind: ListKind::Delivery,
                date: expected,
                overdue: true,
            });
        }
    }
    match (
        w.contraception.filter(|m| m.contracepts()),
        w.contraception_since,
    ) {
        (Some(m), Some(since)) if m.is_iud() => {
            let due = schedule.next_iud_check(since, facts.last_iud_check);
            push_due(&mut out, ListKind::IudCheck, due, schedule, today);
        }
        (Some(m), Some(since)) if !m.long_acting() => {
            let due = schedule.next_visit(since, facts.last_visit);
            push_due(&mut out, ListKind::Visit, due, schedule, today);
        }
        _ => {}
    }
    if !protected(w) && w.pregnant_since.is_none() {
        if let Some(on) = facts.married_on.filter(|_| w.married)
            && schedule.newly_married(on, today)
        {
            out.push(Listed {
                kind: ListKind::NewlyMarried,
                date: on,
                overdue: false,
            });
        }
        if let Some(born) = facts.last_birth
            && schedule.postpartum_without_method(born, today)
        {
            out.push(Listed {
                kind: ListKind::Postpartum,
                date: born,
                overdue: false,
            });
        }
    }
    out
}

fn push_due(
    out: &mut Vec<Listed>,
    kind: ListKind,
    due: NaiveDate,
    schedule: &Schedule,
    today: NaiveDate,
) {
    match schedule.due(due, today) {
        Due::ThisMonth => out.push(Listed {
            kind,
            date: due,
            overdue: false,
        }),
        Due::Overdue => out.push(Listed {
            kind,
            date: due,
            overdue: true,
        }),
        Due::NotYet => {}
    }
}

/// The first and last birth dates of the women the lists of the month
/// holding `today` can name (from those turning 50 to those turning 15).
pub fn birth_dates_listed(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let (first, last) = month_of(today);
    let years_back = |d: NaiveDate, years: i32| d.with_year(d.year() - years).unwrap_or(d);
    // Born in the month 50 years ago at the earliest; 15 years ago at the latest.
    let earliest = years_back(first, 50);
    let latest = month_of(years_back(last.with_day(1).unwrap_or(last), 15)).1;
    (earliest, latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{MaritalStatus, Sex};
    use crate::person::PersonId;
    use crate::region::RegionCode;
    use crate::rules::NewPerson;
    use crate::wis::Method;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn woman(born: NaiveDate) -> Person {
        NewPerson::new(
            crate::name::PersonName::parse("王芳").unwrap(),
            Sex::Female,
            born,
            RegionCode::parse("510104017001").unwrap(),
        )
        .into_person(PersonId(1))
    }

    fn facts(w: Person) -> WomanFacts {
        WomanFacts::of(&w)
    }

    fn kinds(f: &WomanFacts) -> Vec<(ListKind, bool)> {
        lists_of(f, &Schedule::default(), day(2026, 12, 7))
            .into_iter()
            .map(|l| (l.kind, l.overdue))
            .collect()
    }

    #[test]
    fn a_pregnant_woman_is_due_this_month_or_overdue_after_the_grace() {
        let mut w = woman(day(1990, 1, 1));
        w.pregnant_since = Some(day(2026, 3, 1));
        w.expected_delivery = Some(day(2026, 12, 20));
        assert_eq!(kinds(&facts(w.clone())), [(ListKind::Delivery, false)]);
        w.expected_delivery = Some(day(2026, 11, 1));
        assert_eq!(kinds(&facts(w.clone())), [(ListKind::Delivery, true)]);
        w.expected_delivery = Some(day(2026, 11, 30));
        assert!(kinds(&facts(w)).is_empty(), "within the grace days");
    }

    #[test]
    fn an_iud_is_listed_when_its_check_falls_due() {
        let mut w = woman(day(1990, 1, 1));
        w.contraception = Method::parse("03").ok();
        w.contraception_since = Some(day(2026, 9, 3));
        assert_eq!(
            kinds(&facts(w.clone())),
            [(ListKind::IudCheck, false)],
            "3 months"
        );
        let mut checked = facts(w);
        checked.last_iud_check = Some(day(2026, 12, 1));
        assert!(
            kinds(&checked).is_empty(),
            "checked for December: next in March"
        );
    }

    #[test]
    fn a_wife_without_a_method_is_listed_when_newly_married_or_postpartum() {
        let mut w = woman(day(1995, 1, 1));
        w.marital_status = Some(MaritalStatus::first_marriage());
        let mut f = facts(w);
        f.married_on = Some(day(2026, 5, 1));
        f.last_birth = Some(day(2026, 10, 1));
        assert_eq!(
            kinds(&f),
            [
                (ListKind::NewlyMarried, false),
                (ListKind::Postpartum, false)
            ]
        );
        f.contraception = Method::parse("07").ok();
        f.contraception_since = Some(day(2026, 11, 20));
        assert!(
            kinds(&f).is_empty(),
            "a condom since November: a visit in February"
        );
    }

    #[test]
    fn girls_turning_fifteen_and_women_turning_fifty_enter_and_leave() {
        assert_eq!(
            kinds(&facts(woman(day(2011, 12, 25)))),
            [(ListKind::Entering, false)]
        );
        assert_eq!(
            kinds(&facts(woman(day(1976, 12, 2)))),
            [(ListKind::Leaving, false)]
        );
        assert!(kinds(&facts(woman(day(1976, 11, 2)))).is_empty());
        let (from, to) = birth_dates_listed(day(2026, 12, 7));
        assert_eq!((from, to), (day(1976, 12, 1), day(2011, 12, 31)));
    }
}
