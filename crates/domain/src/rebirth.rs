//! Re-birth approvals (再生育审批): which couples may have another child
//! with the county's approval is a rule set in CEL like the support
//! programs' (configuration, `[rebirth.rules]`), read with the couple's
//! family as the register holds it. The register's verdict is advice to the
//! reviewers, not a refusal: documents may show what the register lacks
//! (a disability certificate from another province, a remarriage abroad).

use crate::support::{Condition, SupportProgram};

fn condition(reason: &str, when: &str) -> Condition {
    Condition {
        reason: reason.into(),
        when: when.into(),
    }
}

/// The rules a province starts with (the three-child policy of 2021: a
/// couple needs approval only for a fourth child).
pub fn default_rules() -> SupportProgram {
    SupportProgram {
        key: "rebirth".into(),
        title: "再生育审批".into(),
        exclude: vec![
            condition("申请人已死亡或已迁出", "!alive"),
            condition("人口库中未登记配偶", "!has_spouse"),
            condition(
                "现有子女不足三个，可直接办理生育登记，无需审批",
                "children < 3",
            ),
        ],
        include: vec![
            condition("子女中有三级以上残疾", "children_disabled > 0"),
            condition("再婚夫妻", "remarried"),
            condition("子女死亡", "children_dead > 0"),
        ],
        otherwise: "人口库所载情况不符合再生育条件，须以材料证明".into(),
        amount: "0".into(),
    }
}

/// Documents a re-birth application usually carries (the form offers them).
pub const DOCUMENTS: [&str; 5] = [
    "结婚证",
    "户口簿",
    "居民身份证",
    "残疾人证或病残儿医学鉴定",
    "其他证明材料",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::{FamilyFacts, Judge};

    #[test]
    fn a_remarried_couple_with_three_children_may_have_another_and_one_with_two_needs_no_approval()
    {
        let judge = Judge::new(&default_rules()).unwrap();
        let three = FamilyFacts {
            alive: true,
            has_spouse: true,
            children: 3,
            children_born: 3,
            remarried: true,
            ..FamilyFacts::default()
        };
        assert_eq!(judge.judge(&three).unwrap().reason, "再婚夫妻");
        let two = FamilyFacts {
            children: 2,
            ..three
        };
        assert!(judge.judge(&two).unwrap().reason.contains("无需审批"));
    }
}
