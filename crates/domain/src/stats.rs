//! Statistics as sums of contributions. Each living person contributes a few
//! counts to the village they live in (the stock); each event contributes the
//! difference it made to those counts, dated by when it happened (the flows).
//! The store keeps these sums as counters, changed in the transaction that
//! changes the person; `renkou stats verify` recomputes them from persons and
//! events with the same functions, so both can only agree or be reported.
//!
//! Keys never age: a person is counted by birth year, and a report for a
//! date turns birth years into ages then.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::codes::Sex;
use crate::person::{LifeStatus, Person};
use crate::quality;
use crate::region::{RegionCode, RegionLevel};

/// What a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Indicator {
    /// Living residents, keyed `sex|birth_year`.
    Population,
    /// Living residents, one key: the total a home page shows, without
    /// summing every `sex|birth_year` of a region.
    Living,
    /// Living residents by household-registration (hukou) region, keyed by that
    /// region's code (the county's code in county roll-ups).
    Registration,
    /// Living women, keyed `birth_year|marital_status`.
    Women,
    /// Living residents who belong to a household, one key.
    Members,
    /// Households, by the household's region, one key.
    Households,
    /// Events recorded on persons, keyed by the person's sex (flows only).
    Events,
    /// Living residents failing a one-record quality check, keyed by the
    /// check's name (`incomplete`: any required field empty).
    Quality,
    /// Living married women, keyed `birth_year|method` (`00`: none) — WIS.
    Contraception,
    /// Living women with an open pregnancy, one key — WIS.
    Pregnant,
    /// Births (flows of birth events only), keyed
    /// `birth_order|sex|mother's age group` (empty where unknown) — WIS.
    Births,
    /// Pregnancy outcomes (flows of outcome events only), keyed by outcome — WIS.
    Outcomes,
    /// Births by a policy indicator's verdict (flows of births only), keyed
    /// `key|title|1` (met) or `…|0` — WIS.
    Policy,
    /// Residents registered in another county, where they live, keyed
    /// `origin county|sex|birth_year|arrival month` (`YYYY-MM`, empty when
    /// unknown) — migrants.
    Inflow,
    /// Persons registered here living in another county or outside the
    /// province, where they are registered, keyed `destination county (00:
    /// outside the province)|sex|birth_year|month they left` — migrants.
    Outflow,
}

impl Indicator {
    /// The name stored in the counter tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::Population => "pop",
            Indicator::Living => "living",
            Indicator::Registration => "hukou",
            Indicator::Women => "women",
            Indicator::Members => "members",
            Indicator::Households => "households",
            Indicator::Events => "events",
            Indicator::Quality => "quality",
            Indicator::Contraception => "contraception",
            Indicator::Pregnant => "pregnant",
            Indicator::Births => "births",
            Indicator::Outcomes => "outcomes",
            Indicator::Policy => "policy",
            Indicator::Inflow => "inflow",
            Indicator::Outflow => "outflow",
        }
    }

    /// Whether it is one of the women's cards' counters (issue 14).
    pub fn is_wis(self) -> bool {
        matches!(
            self,
            Indicator::Contraception
                | Indicator::Pregnant
                | Indicator::Births
                | Indicator::Outcomes
                | Indicator::Policy
        )
    }

    /// Whether events keep dated flows of it (for reports at an earlier date
    /// and over a period); the others are reported as of today.
    pub fn has_flows(self) -> bool {
        matches!(
            self,
            Indicator::Population
                | Indicator::Women
                | Indicator::Events
                | Indicator::Contraception
                | Indicator::Pregnant
                | Indicator::Births
                | Indicator::Outcomes
                | Indicator::Policy
                | Indicator::Inflow
                | Indicator::Outflow
        )
    }
}

/// One counter key inside a region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CounterKey {
    /// The village (or, in roll-ups, the county) counted in.
    pub region: RegionCode,
    /// What is counted.
    pub indicator: Indicator,
    /// The breakdown inside the indicator (see [`Indicator`]).
    pub key: String,
}

impl CounterKey {
    fn new(region: RegionCode, indicator: Indicator, key: String) -> CounterKey {
        CounterKey {
            region,
            indicator,
            key,
        }
    }

    /// The same count one roll-up level up: the county holding the village.
    /// A registration key is coarsened to its county too, so that a county
    /// roll-up stays small.
    pub fn county_rollup(&self) -> CounterKey {
        let key = match self.indicator {
            Indicator::Registration => RegionCode::parse(&self.key)
                .map(|c| c.ancestor(RegionLevel::County).to_string())
                .unwrap_or_else(|_| self.key.clone()),
            _ => self.key.clone(),
        };
        CounterKey::new(
            self.region.ancestor(RegionLevel::County),
            self.indicator,
            key,
        )
    }
}

/// `sex|birth_year`, the population key.
pub fn population_key(sex: Sex, birth_year: i32) -> String {
    format!("{}|{birth_year}", sex.code())
}

/// Splits a population key into sex code and birth year.
pub fn split_population_key(key: &str) -> Option<(&str, i32)> {
    let (sex, year) = key.split_once('|')?;
    Some((sex, year.parse().ok()?))
}

/// The migrant counters of a person (none unless a migrant, see
/// [`crate::migrants::side_of`]).
pub fn migrant_stock(p: &Person) -> Vec<CounterKey> {
    let Some(side) = crate::migrants::side_of(p) else {
        return Vec::new();
    };
    let county = |c: &RegionCode| c.as_str()[..6].to_string();
    let tail = format!(
        "{}|{}|{}",
        p.sex.code(),
        p.birth_date.year(),
        p.arrived_on
            .map(|d| d.format("%Y-%m").to_string())
            .unwrap_or_default()
    );
    let mut out = Vec::new();
    if let Some(living) = side.living {
        out.push(CounterKey::new(
            living,
            Indicator::Inflow,
            format!("{}|{tail}", county(&side.registered)),
        ));
    }
    // The outflow is kept where they are registered, when that is in the
    // province of the register (the residence's, or the last one's).
    if side.registered.ancestor(RegionLevel::Province)
        == p.residence.ancestor(RegionLevel::Province)
    {
        let destination = side.living.map_or_else(|| "00".to_string(), |l| county(&l));
        out.push(CounterKey::new(
            side.registered,
            Indicator::Outflow,
            format!("{destination}|{tail}"),
        ));
    }
    out
}

/// What one person counts for today: nothing unless living in the province
/// (or, moved out, registered in it: the outflow).
pub fn stock_of(p: &Person) -> Vec<CounterKey> {
    if p.status != LifeStatus::Active {
        return migrant_stock(p);
    }
    let year = p.birth_date.year();
    let mut out = migrant_stock(p);
    out.extend([
        CounterKey::new(
            p.residence,
            Indicator::Population,
            population_key(p.sex, year),
        ),
        CounterKey::new(p.residence, Indicator::Living, String::new()),
        // Without a recorded hukou region a person counts as registered where
        // they live: a register lists people at their registration.
        CounterKey::new(
            p.residence,
            Indicator::Registration,
            p.hukou_region.unwrap_or(p.residence).to_string(),
        ),
    ]);
    if p.sex == Sex::Female {
        let marital = p.marital_status.map_or("", |m| m.code());
        out.push(CounterKey::new(
            p.residence,
            Indicator::Women,
            format!("{year}|{marital}"),
        ));
        if p.marital_status.is_some_and(|m| m.is_married()) {
            let method = p.contraception.map_or("00", |m| m.code());
            out.push(CounterKey::new(
                p.residence,
                Indicator::Contraception,
                format!("{year}|{method}"),
            ));
        }
        if p.pregnant_since.is_some() {
            out.push(CounterKey::new(
                p.residence,
                Indicator::Pregnant,
                String::new(),
            ));
        }
    }
    if p.household_id.is_some() {
        out.push(CounterKey::new(
            p.residence,
            Indicator::Members,
            String::new(),
        ));
    }
    let problems = quality::problems_of(p);
    if problems
        .iter()
        .any(|c| matches!(c, quality::Check::Missing(_)))
    {
        out.push(CounterKey::new(
            p.residence,
            Indicator::Quality,
            INCOMPLETE.into(),
        ));
    }
    for check in problems {
        out.push(CounterKey::new(
            p.residence,
            Indicator::Quality,
            check.as_str(),
        ));
    }
    out
}

/// The quality key of a person with any required field empty.
pub const INCOMPLETE: &str = "incomplete";

/// What one household counts for.
pub fn household_stock(region: RegionCode) -> CounterKey {
    CounterKey::new(region, Indicator::Households, String::new())
}

/// One dated difference an event made.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// The counter that changed.
    pub counter: CounterKey,
    /// +1 (counted in) or -1 (counted out).
    pub sign: i8,
    /// For a change of residence, the village on the other side ("" when the
    /// other side is outside the province or nowhere).
    pub other: String,
}

/// What an event changed in the dated counters: the person's stock after it
/// minus their stock before it (`None` when the event brought them in), for
/// the indicators that keep flows, and one `Events` count for the person.
pub fn flows_of(before: Option<&Person>, after: &Person) -> Vec<FlowKey> {
    let mut diff: BTreeMap<CounterKey, i64> = BTreeMap::new();
    let dated = |k: &CounterKey| k.indicator.has_flows();
    for key in before
        .map(stock_of)
        .unwrap_or_default()
        .into_iter()
        .filter(dated)
    {
        *diff.entry(key).or_default() -= 1;
    }
    for key in stock_of(after).into_iter().filter(dated) {
        *diff.entry(key).or_default() += 1;
    }
    fn counted(p: Option<&Person>) -> Option<&Person> {
        p.filter(|p| p.status == LifeStatus::Active)
    }
    let moved = before.is_some_and(|b| b.residence != after.residence);
    let mut out: Vec<FlowKey> = diff
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|(counter, n)| {
            let (sign, other) = if n > 0 {
                (1, counted(before).filter(|_| moved).map(|b| b.residence))
            } else {
                (
                    -1,
                    counted(Some(after)).filter(|_| moved).map(|a| a.residence),
                )
            };
            FlowKey {
                counter,
                sign,
                other: other.map(|c| c.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    out.push(FlowKey {
        counter: CounterKey::new(after.residence, Indicator::Events, after.sex.code().into()),
        sign: 1,
        other: String::new(),
    });
    out
}

/// The mother's age groups births are reported by (age reached in the year
/// of the birth): under 20, five-year groups to 44, 45 and over.
pub const MOTHER_AGE_GROUPS: [&str; 7] =
    ["15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45+"];

/// The mother's age group of a birth in `birth_year` to a mother born in
/// `mother_year` (ages under 15 fall in the first group).
pub fn mother_age_group(birth_year: i32, mother_year: i32) -> &'static str {
    let age = birth_year - mother_year;
    let i = (age.max(15) - 15) / 5;
    MOTHER_AGE_GROUPS[(i as usize).min(MOTHER_AGE_GROUPS.len() - 1)]
}

/// The births counter of a child born alive: `birth_order|sex|mother's age
/// group`, each empty where unknown.
pub fn birth_key(child: &Person, mother_year: Option<i32>) -> CounterKey {
    let order = child.birth_order.map(|o| o.to_string()).unwrap_or_default();
    let group = mother_year
        .map(|y| mother_age_group(child.birth_date.year(), y))
        .unwrap_or_default();
    CounterKey::new(
        child.residence,
        Indicator::Births,
        format!("{order}|{}|{group}", child.sex.code()),
    )
}

/// The policy counters of a birth: one per indicator, by its verdict.
pub fn policy_keys<'a>(
    child: &'a Person,
    verdicts: &'a std::collections::BTreeMap<String, bool>,
) -> impl Iterator<Item = CounterKey> + 'a {
    verdicts.iter().map(|(indicator, met)| {
        CounterKey::new(
            child.residence,
            Indicator::Policy,
            format!("{indicator}|{}", u8::from(*met)),
        )
    })
}

/// The outcomes counter of a pregnancy that ended, keyed by how.
pub fn outcome_key(woman: &Person, outcome: &str) -> CounterKey {
    CounterKey::new(woman.residence, Indicator::Outcomes, outcome.to_string())
}

/// The five-year age groups of a population pyramid: 0–4, 5–9, …, 80–84, 85+.
pub const AGE_GROUPS: usize = 18;

/// The age group (index into [`AGE_GROUPS`]) of someone born in `birth_year`,
/// on `date`. Ages are counted by birth year (the age reached in the year of
/// the report), as the annual population reports do; `None` before birth.
pub fn age_group(birth_year: i32, date: NaiveDate) -> Option<usize> {
    let age = date.year() - birth_year;
    (age >= 0).then(|| (age as usize / 5).min(AGE_GROUPS - 1))
}

/// The label of an age group, as in `0-4` or `85+`.
pub fn age_group_label(group: usize) -> String {
    if group + 1 >= AGE_GROUPS {
        format!("{}+", group * 5)
    } else {
        format!("{}-{}", group * 5, group * 5 + 4)
    }
}

/// Women of childbearing age: 15 to 49 (by birth year) on `date`.
pub fn childbearing_age(birth_year: i32, date: NaiveDate) -> bool {
    (15..=49).contains(&(date.year() - birth_year))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::MaritalStatus;
    use crate::name::PersonName;
    use crate::person::PersonId;

    fn person(village: &str, sex: Sex, born: &str) -> Person {
        crate::rules::NewPerson::new(
            PersonName::parse("张三").unwrap(),
            sex,
            born.parse().unwrap(),
            RegionCode::parse(village).unwrap(),
        )
        .into_person(PersonId(1))
    }

    #[test]
    fn a_living_woman_counts_in_population_living_registration_and_women() {
        let mut p = person("510104001001", Sex::Female, "1990-05-01");
        p.marital_status = Some(MaritalStatus::first_marriage());
        let keys: Vec<(Indicator, String)> = stock_of(&p)
            .into_iter()
            .filter(|k| k.indicator != Indicator::Quality)
            .map(|k| (k.indicator, k.key))
            .collect();
        assert_eq!(
            keys,
            vec![
                (Indicator::Population, "2|1990".to_string()),
                (Indicator::Living, String::new()),
                (Indicator::Registration, "510104001001".to_string()),
                (Indicator::Women, "1990|21".to_string()),
                (Indicator::Contraception, "1990|00".to_string()),
            ]
        );
    }

    #[test]
    fn a_married_woman_counts_by_her_method_and_a_birth_by_order_and_mothers_age() {
        let mut p = person("510104001001", Sex::Female, "1990-05-01");
        p.marital_status = Some(MaritalStatus::first_marriage());
        p.contraception = crate::wis::Method::parse("03").ok();
        p.pregnant_since = "2026-01-01".parse().ok();
        let wis: Vec<(Indicator, String)> = stock_of(&p)
            .into_iter()
            .filter(|k| matches!(k.indicator, Indicator::Contraception | Indicator::Pregnant))
            .map(|k| (k.indicator, k.key))
            .collect();
        assert_eq!(
            wis,
            [
                (Indicator::Contraception, "1990|03".to_string()),
                (Indicator::Pregnant, String::new())
            ]
        );
        let mut child = person("510104001001", Sex::Male, "2026-03-01");
        child.birth_order = Some(2);
        assert_eq!(birth_key(&child, Some(1990)).key, "2|1|35-39");
        assert_eq!(birth_key(&child, None).key, "2|1|");
        assert_eq!(mother_age_group(2026, 2014), "15-19");
        assert_eq!(mother_age_group(2026, 1970), "45+");
    }

    #[test]
    fn the_dead_count_for_nothing_and_the_moved_out_only_where_registered() {
        let mut p = person("510104001001", Sex::Male, "1950-01-01");
        p.status = LifeStatus::Dead;
        assert!(stock_of(&p).is_empty());
        p.status = LifeStatus::MovedOut;
        p.arrived_on = NaiveDate::from_ymd_opt(2025, 4, 9);
        let stock = stock_of(&p);
        assert_eq!(stock.len(), 1);
        assert_eq!(stock[0].indicator, Indicator::Outflow);
        assert_eq!(stock[0].region.as_str(), "510104001001");
        assert_eq!(stock[0].key, "00|1|1950|2025-04");
    }

    #[test]
    fn a_worker_registered_in_another_county_is_inflow_here_and_outflow_there() {
        let mut p = person("510106002003", Sex::Female, "1995-06-01");
        p.hukou_region = Some(RegionCode::parse("510104001001").unwrap());
        let migrant: Vec<(Indicator, String, String)> = stock_of(&p)
            .into_iter()
            .filter(|k| matches!(k.indicator, Indicator::Inflow | Indicator::Outflow))
            .map(|k| (k.indicator, k.region.to_string(), k.key))
            .collect();
        assert_eq!(
            migrant,
            vec![
                (
                    Indicator::Inflow,
                    "510106002003".into(),
                    "510104|2|1995|".into()
                ),
                (
                    Indicator::Outflow,
                    "510104001001".into(),
                    "510106|2|1995|".into()
                ),
            ]
        );
        // Registered in another village of the same county: not a migrant.
        p.hukou_region = Some(RegionCode::parse("510106009001").unwrap());
        assert!(
            !stock_of(&p)
                .iter()
                .any(|k| k.indicator == Indicator::Inflow)
        );
    }

    #[test]
    fn a_move_between_villages_is_out_of_one_and_into_the_other() {
        let before = person("510104001001", Sex::Male, "1980-01-01");
        let mut after = before.clone();
        after.residence = RegionCode::parse("510104002003").unwrap();
        let flows = flows_of(Some(&before), &after);
        let pop: Vec<_> = flows
            .iter()
            .filter(|f| f.counter.indicator == Indicator::Population)
            .map(|f| (f.counter.region.to_string(), f.sign, f.other.clone()))
            .collect();
        assert_eq!(
            pop,
            vec![
                ("510104001001".into(), -1, "510104002003".into()),
                ("510104002003".into(), 1, "510104001001".into()),
            ]
        );
    }

    #[test]
    fn a_birth_counts_in_with_nobody_on_the_other_side() {
        let child = person("510104001001", Sex::Female, "2026-01-01");
        let flows = flows_of(None, &child);
        assert!(flows.iter().all(|f| f.sign == 1 && f.other.is_empty()));
        assert!(
            flows
                .iter()
                .any(|f| f.counter.indicator == Indicator::Events)
        );
    }

    #[test]
    fn a_marriage_changes_nothing_but_the_womans_marital_key() {
        let before = person("510104001001", Sex::Female, "1995-01-01");
        let mut after = before.clone();
        after.marital_status = Some(MaritalStatus::first_marriage());
        let changed: Vec<_> = flows_of(Some(&before), &after)
            .into_iter()
            .filter(|f| f.counter.indicator == Indicator::Women)
            .map(|f| (f.counter.key, f.sign))
            .collect();
        assert_eq!(changed, vec![("1995|".into(), -1), ("1995|21".into(), 1)]);
        let method: Vec<_> = flows_of(Some(&before), &after)
            .into_iter()
            .filter(|f| f.counter.indicator == Indicator::Contraception)
            .map(|f| (f.counter.key, f.sign))
            .collect();
        assert_eq!(
            method,
            vec![("1995|00".into(), 1)],
            "a wife is counted by her method"
        );
    }

    #[test]
    fn age_groups_are_counted_by_birth_year() {
        let day: NaiveDate = "2026-06-30".parse().unwrap();
        assert_eq!(age_group(2026, day), Some(0));
        assert_eq!(age_group(2021, day), Some(1));
        assert_eq!(age_group(1900, day), Some(AGE_GROUPS - 1));
        assert_eq!(age_group(2027, day), None);
        assert_eq!(age_group_label(0), "0-4");
        assert_eq!(age_group_label(17), "85+");
        assert!(childbearing_age(1977, day) && !childbearing_age(1976, day));
    }

    #[test]
    fn county_rollups_coarsen_the_registration_key() {
        let key = CounterKey::new(
            RegionCode::parse("510104001001").unwrap(),
            Indicator::Registration,
            "510106002003".into(),
        );
        let up = key.county_rollup();
        assert_eq!(up.region.as_str(), "510104000000");
        assert_eq!(up.key, "510106000000");
    }
}
