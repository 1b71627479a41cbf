//! Who is a migrant at a date, on which side, and for how long: a person
//! living in a county other than the county of registration, for at least
//! [`MIN_MONTHS`] months (the definition the family-planning offices use).
//! Stays are counted in whole calendar months, as the counters key them.

use chrono::{Datelike, NaiveDate};

use crate::person::{LifeStatus, Person};
use crate::region::{RegionCode, RegionLevel};

/// A stay this long or longer makes a migrant.
pub const MIN_MONTHS: i32 = 3;

/// Calendar months from `from` to `to` (2026-01-31 → 2026-02-01 is one).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32
}

/// How long a stay has lasted, in the groups the reports break it down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DurationGroup {
    /// Under [`MIN_MONTHS`]: arrived, not yet a migrant.
    Recent,
    /// 3 months to under 6.
    UnderHalfYear,
    /// 6 months to under a year.
    UnderYear,
    /// 1 to under 3 years.
    UnderThreeYears,
    /// 3 years and more.
    ThreeYearsPlus,
    /// The register does not know since when.
    Unknown,
}

impl DurationGroup {
    /// Every group, in report order.
    pub const ALL: [DurationGroup; 6] = [
        DurationGroup::Recent,
        DurationGroup::UnderHalfYear,
        DurationGroup::UnderYear,
        DurationGroup::UnderThreeYears,
        DurationGroup::ThreeYearsPlus,
        DurationGroup::Unknown,
    ];

    /// The group of a stay that began in `since` (`None`: unknown), at `date`.
    pub fn of(since: Option<NaiveDate>, date: NaiveDate) -> DurationGroup {
        let Some(since) = since else {
            return DurationGroup::Unknown;
        };
        match months_between(since, date) {
            m if m < MIN_MONTHS => DurationGroup::Recent,
            m if m < 6 => DurationGroup::UnderHalfYear,
            m if m < 12 => DurationGroup::UnderYear,
            m if m < 36 => DurationGroup::UnderThreeYears,
            _ => DurationGroup::ThreeYearsPlus,
        }
    }

    /// Whether a stay this long makes a migrant (an unknown one is taken to:
    /// the register lists them where they live, away from registration).
    pub fn is_migrant(self) -> bool {
        self != DurationGroup::Recent
    }

    /// The key in report columns.
    pub fn key(self) -> &'static str {
        match self {
            DurationGroup::Recent => "under_3m",
            DurationGroup::UnderHalfYear => "3_6m",
            DurationGroup::UnderYear => "6_12m",
            DurationGroup::UnderThreeYears => "1_3y",
            DurationGroup::ThreeYearsPlus => "3y_plus",
            DurationGroup::Unknown => "unknown_duration",
        }
    }

    /// The heading staff read.
    pub fn chinese(self) -> &'static str {
        match self {
            DurationGroup::Recent => "不满3个月",
            DurationGroup::UnderHalfYear => "3-6个月",
            DurationGroup::UnderYear => "6-12个月",
            DurationGroup::UnderThreeYears => "1-3年",
            DurationGroup::ThreeYearsPlus => "3年以上",
            DurationGroup::Unknown => "时间不详",
        }
    }
}

/// A person's place in the migrant registers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Side {
    /// Where they are registered: the outflow is counted there (when it is
    /// in the province of the register).
    pub registered: RegionCode,
    /// Where they live: the inflow is counted there; `None` when they live
    /// outside the province (moved out).
    pub living: Option<RegionCode>,
}

/// Whether and where a person is a migrant: a living resident registered
/// in another county, or a person registered in the province who moved
/// out of it (the register keeps them, with where they went). Persons
/// without a recorded registration count as registered where they live.
pub fn side_of(p: &Person) -> Option<Side> {
    let county = |c: &RegionCode| c.ancestor(RegionLevel::County);
    let registered = p.hukou_region.unwrap_or(p.residence);
    match p.status {
        LifeStatus::Active if county(&registered) != county(&p.residence) => Some(Side {
            registered,
            living: Some(p.residence),
        }),
        LifeStatus::MovedOut
            if registered.ancestor(RegionLevel::Province)
                == p.residence.ancestor(RegionLevel::Province) =>
        {
            Some(Side {
                registered,
                living: None,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_stay_becomes_a_migrants_stay_after_three_months() {
        let date = d("2026-12-07");
        assert_eq!(
            DurationGroup::of(Some(d("2026-10-01")), date),
            DurationGroup::Recent
        );
        assert_eq!(
            DurationGroup::of(Some(d("2026-09-30")), date),
            DurationGroup::UnderHalfYear
        );
        assert_eq!(
            DurationGroup::of(Some(d("2025-12-07")), date),
            DurationGroup::UnderThreeYears
        );
        assert_eq!(DurationGroup::of(None, date), DurationGroup::Unknown);
        assert!(!DurationGroup::Recent.is_migrant());
        assert!(DurationGroup::Unknown.is_migrant());
    }
}
