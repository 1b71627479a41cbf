//! Report periods: a month (`2026-03`), a quarter (`2026-Q1`) or a year (`2026`).

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};

/// A calendar month, quarter or year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// Its first day.
    pub first: NaiveDate,
    /// Its last day.
    pub last: NaiveDate,
    kind: PeriodKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PeriodKind {
    Month,
    Quarter,
    Year,
}

/// A period that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("统计期“{0}”有误：请写月份 2026-03、季度 2026-Q1 或年份 2026")]
pub struct PeriodError(pub String);

impl Period {
    /// Parses `YYYY-MM`, `YYYY-Qn` or `YYYY`.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let bad = || PeriodError(text.to_string());
        let t = text.trim();
        let year = |y: &str| -> Result<i32, PeriodError> {
            let y: i32 = y.parse().map_err(|_| bad())?;
            (1900..=2200).contains(&y).then_some(y).ok_or_else(bad)
        };
        let (first, kind) = match t.split_once('-') {
            None => (NaiveDate::from_ymd_opt(year(t)?, 1, 1), PeriodKind::Year),
            Some((y, q)) if q.starts_with(['Q', 'q']) => {
                let q: u32 = q[1..].parse().map_err(|_| bad())?;
                if !(1..=4).contains(&q) {
                    return Err(bad());
                }
                (
                    NaiveDate::from_ymd_opt(year(y)?, 3 * q - 2, 1),
                    PeriodKind::Quarter,
                )
            }
            Some((y, m)) => {
                let m: u32 = m.parse().map_err(|_| bad())?;
                (NaiveDate::from_ymd_opt(year(y)?, m, 1), PeriodKind::Month)
            }
        };
        let first = first.ok_or_else(bad)?;
        Ok(Period::starting(first, kind))
    }

    fn starting(first: NaiveDate, kind: PeriodKind) -> Period {
        let months = match kind {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        };
        let next = first + Months::new(months);
        Period {
            first,
            last: next.pred_opt().unwrap_or(next),
            kind,
        }
    }

    /// The month holding a day.
    pub fn month_of(day: NaiveDate) -> Period {
        let first = day.with_day(1).unwrap_or(day);
        Period::starting(first, PeriodKind::Month)
    }

    /// The last month that has ended by `today`: the default of a monthly
    /// report (the month under way has only its first days).
    pub fn last_full_month(today: NaiveDate) -> Period {
        let first = today.with_day(1).unwrap_or(today);
        Period::month_of(first.pred_opt().unwrap_or(first))
    }

    /// The months of the period, in order.
    pub fn months(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut m = Period::month_of(self.first);
        while m.first <= self.last {
            out.push(m);
            m = Period::month_of(m.last.succ_opt().unwrap_or(m.last));
            if out.len() > 12 {
                break;
            }
        }
        out
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Month => write!(f, "{}-{:02}", self.first.year(), self.first.month()),
            PeriodKind::Quarter => write!(
                f,
                "{}-Q{}",
                self.first.year(),
                self.first.month().div_ceil(3)
            ),
            PeriodKind::Year => write!(f, "{}", self.first.year()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn months_quarters_and_years_have_their_first_and_last_days() {
        let feb = Period::parse("2024-02").unwrap();
        assert_eq!(
            (feb.first, feb.last),
            (day("2024-02-01"), day("2024-02-29"))
        );
        let q4 = Period::parse("2026-Q4").unwrap();
        assert_eq!((q4.first, q4.last), (day("2026-10-01"), day("2026-12-31")));
        let y = Period::parse("2026").unwrap();
        assert_eq!((y.first, y.last), (day("2026-01-01"), day("2026-12-31")));
        assert_eq!(y.months().len(), 12);
        assert_eq!(q4.to_string(), "2026-Q4");
    }

    #[test]
    fn nonsense_is_refused_with_the_forms_that_work() {
        for bad in ["2026-13", "2026-Q5", "26", "abc", "2026-03-01"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_month_round_trips(y in 1900i32..2200, m in 1u32..=12) {
            let text = format!("{y}-{m:02}");
            let p = Period::parse(&text).unwrap();
            prop_assert_eq!(p.to_string(), text);
            prop_assert_eq!(Period::month_of(p.last), p);
        }
    }
}
