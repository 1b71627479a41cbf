//! When a woman's follow-up falls due: IUD checks at fixed months after the
//! insertion and then yearly, visits of a short-acting method every few
//! months, a delivery overdue, a postpartum woman still without a method.
//! The intervals are a province's to set (configuration); the arithmetic is
//! here, tested once.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The intervals of follow-up (configuration, `[wis.schedule]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Schedule {
    /// Months after an IUD insertion at which it is checked.
    pub iud_check_months: Vec<u32>,
    /// After those, a check every this many months.
    pub iud_then_every_months: u32,
    /// Months between visits of a woman on a short-acting method.
    pub visit_every_months: u32,
    /// A check done up to this many days before its date counts for it.
    pub early_days: u32,
    /// Days past the expected delivery, without an outcome, before it is overdue.
    pub outcome_overdue_days: u32,
    /// Days after a delivery from which a woman without a method is listed.
    pub postpartum_days: u32,
    /// How long after a delivery she is still "postpartum" (days).
    pub postpartum_until_days: u32,
    /// Months after marriage during which a wife without a method is listed.
    pub newly_married_months: u32,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            iud_check_months: vec![3, 6, 12],
            iud_then_every_months: 12,
            visit_every_months: 3,
            early_days: 30,
            outcome_overdue_days: 14,
            postpartum_days: 42,
            postpartum_until_days: 365,
            newly_married_months: 12,
        }
    }
}

/// Where a due date stands in the month a list is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Falls in the month.
    ThisMonth,
    /// Fell before the month and was not done.
    Overdue,
    /// Later.
    NotYet,
}

/// The first and last day of the month holding `day`.
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    (first, last)
}

fn plus_months(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(months)).unwrap_or(day)
}

impl Schedule {
    /// The date of the next IUD check: the first scheduled check after the
    /// last one done (a check a little early counts for its date).
    pub fn next_iud_check(&self, inserted: NaiveDate, last_check: Option<NaiveDate>) -> NaiveDate {
        let done = last_check
            .filter(|d| *d >= inserted)
            .map(|d| d + chrono::Duration::days(i64::from(self.early_days)));
        let passed = |date: NaiveDate| done.is_some_and(|d| d >= date);
        for m in &self.iud_check_months {
            let date = plus_months(inserted, *m);
            if !passed(date) {
                return date;
            }
        }
        let every = self.iud_then_every_months.max(1);
        let mut months = self.iud_check_months.last().copied().unwrap_or(0) + every;
        loop {
            let date = plus_months(inserted, months);
            if !passed(date) {
                return date;
            }
            months += every;
        }
    }

    /// The date of the next visit of a short-acting method.
    pub fn next_visit(&self, since: NaiveDate, last_visit: Option<NaiveDate>) -> NaiveDate {
        let from = last_visit.filter(|d| *d >= since).unwrap_or(since);
        plus_months(from, self.visit_every_months.max(1))
    }

    /// Where a due date stands for a list of the month holding `today`.
    pub fn due(&self, date: NaiveDate, today: NaiveDate) -> Due {
        let (first, last) = month_of(today);
        if date < first {
            Due::Overdue
        } else if date <= last {
            Due::ThisMonth
        } else {
            Due::NotYet
        }
    }

    /// Whether a pregnancy expected on `expected` is past its delivery
    /// without an outcome registered.
    pub fn outcome_overdue(&self, expected: NaiveDate, today: NaiveDate) -> bool {
        expected + chrono::Duration::days(i64::from(self.outcome_overdue_days)) < today
    }

    /// Whether a woman who delivered on `delivered` and has no method since
    /// is to be listed today.
    pub fn postpartum_without_method(&self, delivered: NaiveDate, today: NaiveDate) -> bool {
        let days = (today - delivered).num_days();
        days >= i64::from(self.postpartum_days) && days <= i64::from(self.postpartum_until_days)
    }

    /// Whether a marriage on `married` is recent enough to list a wife
    /// without a method.
    pub fn newly_married(&self, married: NaiveDate, today: NaiveDate) -> bool {
        married <= today && plus_months(married, self.newly_married_months) >= today
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_iud_is_checked_at_three_six_and_twelve_months_then_yearly() {
        let s = Schedule::default();
        let inserted = day(2026, 1, 10);
        assert_eq!(s.next_iud_check(inserted, None), day(2026, 4, 10));
        assert_eq!(
            s.next_iud_check(inserted, Some(day(2026, 4, 2))),
            day(2026, 7, 10)
        );
        // A check three weeks early counts for its date.
        assert_eq!(
            s.next_iud_check(inserted, Some(day(2026, 6, 20))),
            day(2027, 1, 10)
        );
        assert_eq!(
            s.next_iud_check(inserted, Some(day(2027, 1, 10))),
            day(2028, 1, 10)
        );
        // A check months too early does not.
        assert_eq!(
            s.next_iud_check(inserted, Some(day(2026, 2, 1))),
            day(2026, 4, 10)
        );
    }

    #[test]
    fn a_due_date_is_this_months_overdue_or_later() {
        let s = Schedule::default();
        let today = day(2026, 12, 7);
        assert_eq!(s.due(day(2026, 12, 31), today), Due::ThisMonth);
        assert_eq!(s.due(day(2026, 11, 30), today), Due::Overdue);
        assert_eq!(s.due(day(2027, 1, 1), today), Due::NotYet);
    }

    #[test]
    fn postpartum_is_listed_from_the_forty_second_day() {
        let s = Schedule::default();
        let delivered = day(2026, 10, 1);
        assert!(!s.postpartum_without_method(delivered, day(2026, 11, 11)));
        assert!(s.postpartum_without_method(delivered, day(2026, 11, 12)));
        assert!(s.outcome_overdue(day(2026, 11, 1), day(2026, 11, 16)));
        assert!(!s.outcome_overdue(day(2026, 11, 1), day(2026, 11, 15)));
        assert!(s.newly_married(day(2026, 3, 1), day(2026, 12, 7)));
        assert!(!s.newly_married(day(2025, 3, 1), day(2026, 12, 7)));
    }
}
