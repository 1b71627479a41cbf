//! Birth order (孩次): a child's place among its mother's live births.
//!
//! Every live birth of the mother counts, whoever the father (children of a
//! former marriage are hers) and whether or not the child is alive now;
//! twins are each counted (the second born of a pair is the next order).
//! Stillbirths and adopted children are not her live births: a stillbirth
//! is an outcome on her card, an adopted child counts among her present
//! children (现有子女) but has no birth order of hers.

use chrono::NaiveDate;

/// The order of a child born on `born` to a mother whose live births already
/// registered fell on `earlier` (any order; those on the same day — a twin
/// registered first — come before).
pub fn birth_order(earlier: &[NaiveDate], born: NaiveDate) -> u8 {
    let before = earlier.iter().filter(|d| **d <= born).count();
    u8::try_from(before + 1).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_first_child_is_first_and_twins_are_each_counted() {
        assert_eq!(birth_order(&[], day(2015, 1, 1)), 1);
        let first = day(2015, 1, 1);
        assert_eq!(birth_order(&[first], day(2018, 5, 5)), 2);
        // Twins: the second registered of a pair on one day is the next order.
        assert_eq!(birth_order(&[first, day(2018, 5, 5)], day(2018, 5, 5)), 3);
    }

    #[test]
    fn an_older_child_registered_late_counts_before_younger_ones_only() {
        let younger = day(2020, 1, 1);
        assert_eq!(birth_order(&[younger], day(2016, 1, 1)), 1);
    }

    proptest::proptest! {
        #[test]
        fn children_registered_in_birth_order_are_numbered_one_to_n(
            mut days in proptest::collection::vec(0i64..6000, 1..12)
        ) {
            days.sort_unstable();
            let dates: Vec<NaiveDate> = days
                .iter()
                .map(|d| day(2000, 1, 1) + chrono::Duration::days(*d))
                .collect();
            for (i, born) in dates.iter().enumerate() {
                proptest::prop_assert_eq!(birth_order(&dates[..i], *born) as usize, i + 1);
            }
        }
    }
}
