//! Only-child parents' certificates (独生子女父母光荣证): who may hold one is
//! a rule set in CEL like the support programs' (configuration,
//! `[certificates.rules]`), read with the applicant's family as the
//! register holds it; each county numbers its certificates by year.

use crate::region::{RegionCode, RegionLevel};
use crate::support::{Condition, SupportProgram};

fn condition(reason: &str, when: &str) -> Condition {
    Condition {
        reason: reason.into(),
        when: when.into(),
    }
}

/// The rules a province starts with: a living couple who had one child.
pub fn default_rules() -> SupportProgram {
    SupportProgram {
        key: "certificate".into(),
        title: "独生子女父母光荣证".into(),
        exclude: vec![
            condition("申请人已死亡或已迁出", "!alive"),
            condition(
                "人口库中未登记配偶（由夫妻一方申领，配偶须已登记）",
                "!has_spouse",
            ),
            condition("尚未生育子女", "children_born == 0"),
            condition("已生育两个及以上子女", "children_born > 1"),
        ],
        include: vec![condition("夫妻只生育一个子女", "children_born == 1")],
        otherwise: "不符合领证条件".into(),
        amount: "0".into(),
    }
}

/// A certificate's number: the county's code, the year, and its sequence
/// in the county that year (`510104-2026-00001`).
pub fn number(county: &RegionCode, year: i32, sequence: i64) -> String {
    let county = county.ancestor(RegionLevel::County);
    let prefix = &county.as_str()[..6];
    format!("{prefix}-{year}-{sequence:05}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::{FamilyFacts, Judge};

    #[test]
    fn a_couple_with_one_child_may_hold_a_certificate_and_one_with_two_may_not() {
        let judge = Judge::new(&default_rules()).unwrap();
        let one = FamilyFacts {
            alive: true,
            has_spouse: true,
            children_born: 1,
            children: 1,
            ..FamilyFacts::default()
        };
        assert!(judge.judge(&one).unwrap().eligible);
        let two = FamilyFacts {
            children_born: 2,
            ..one.clone()
        };
        assert_eq!(judge.judge(&two).unwrap().reason, "已生育两个及以上子女");
        let single = FamilyFacts {
            has_spouse: false,
            ..one
        };
        assert!(!judge.judge(&single).unwrap().eligible);
    }

    #[test]
    fn numbers_are_per_county_and_year() {
        let township = RegionCode::parse("510104017000").unwrap();
        assert_eq!(number(&township, 2026, 7), "510104-2026-00007");
    }
}
