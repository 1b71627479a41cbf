//! Random draws: a village by size, an age from the census pyramid, a date.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand::distr::Distribution;

use crate::{Builder, Village};

impl Builder<'_> {
    pub(crate) fn pick_village(&mut self) -> Village {
        let index = match &self.village_weights {
            Some(w) => w.sample(&mut self.rng),
            None => self.rng.random_range(0..self.villages.len()),
        };
        self.villages[index].clone()
    }

    /// An age drawn from a census-like pyramid restricted to [low, high].
    pub(crate) fn age_between(&mut self, low: i32, high: i32) -> i32 {
        loop {
            let age = self.rng.random_range(low..=high);
            // Fewer people at the oldest ages; a dip for the small 1960s and 1980s cohorts is ignored.
            let keep = if age < 60 {
                1.0
            } else {
                (1.0 - f64::from(age - 60) / 40.0).max(0.05)
            };
            if self.rng.random_bool(keep) {
                return age;
            }
        }
    }

    pub(crate) fn birth_for_age(&mut self, age: i32) -> NaiveDate {
        let start = self.today - Duration::days(i64::from(age + 1) * 365 + i64::from(age / 4))
            + Duration::days(1);
        let birth = start + Duration::days(self.rng.random_range(0..365));
        birth.min(self.today)
    }

    pub(crate) fn date_between(&mut self, low: NaiveDate, high: NaiveDate) -> NaiveDate {
        if high <= low {
            return low;
        }
        low + Duration::days(self.rng.random_range(0..=(high - low).num_days()))
    }
}

pub(crate) fn years_after(date: NaiveDate, years: i32) -> NaiveDate {
    date.with_year(date.year() + years)
        .unwrap_or_else(|| date + Duration::days(i64::from(years) * 365 + 1))
}
