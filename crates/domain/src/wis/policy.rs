//! Policy indicators (e.g. 政策符合率): rules a province writes in CEL
//! (configuration, `[[wis.policy]]`), evaluated once per birth when it is
//! registered, with the facts of that birth. The result is kept with the
//! birth and counted; a rule changed later applies to the births after it.

use std::collections::BTreeMap;

use cel::{Context, Program};
use serde::{Deserialize, Serialize};

/// One policy indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// The indicator's key in reports (`compliant` → columns
    /// `policy_compliant` and `policy_compliant_rate`): ASCII.
    pub key: String,
    /// Its title as staff read it (政策符合).
    pub title: String,
    /// The rule, a CEL expression over the birth's facts that is true when
    /// the birth meets it, e.g. `order <= 3` or
    /// `order == 1 || months_since_previous >= 48`.
    pub rule: String,
}

impl PolicyRule {
    /// The rule a province starts with: the three-child policy (2021).
    pub fn defaults() -> Vec<PolicyRule> {
        vec![PolicyRule {
            key: "compliant".into(),
            title: "政策符合".into(),
            rule: "order >= 1 && order <= 3".into(),
        }]
    }
}

/// What a rule reads of a birth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BirthFacts {
    /// Birth order among the mother's live births (0: unknown).
    pub order: i64,
    /// The mother's age in the year of the birth (-1: unknown).
    pub mother_age: i64,
    /// Months since the mother's previous live birth (-1: none).
    pub months_since_previous: i64,
    /// Whether the mother was married.
    pub mother_married: bool,
    /// The child's sex code (`1`, `2`).
    pub sex: String,
}

/// A rule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("政策指标“{key}”的规则无法解析：{reason}")]
    Parse { key: String, reason: String },
    #[error("政策指标“{key}”的规则对本次出生无法求值：{reason}")]
    Evaluate { key: String, reason: String },
    #[error("政策指标“{key}”的规则应得出是或否，得出的是 {value}")]
    NotABoolean { key: String, value: String },
    #[error("政策指标的键“{0}”应为英文字母、数字或下划线")]
    Key(String),
}

/// The variables a rule may read, for the configuration's documentation.
pub const VARIABLES: [&str; 5] = [
    "order",
    "mother_age",
    "months_since_previous",
    "mother_married",
    "sex",
];

/// Checks every rule compiles (at start, so that a wrong rule is refused
/// before any birth is counted by it).
pub fn check(rules: &[PolicyRule]) -> Result<(), PolicyError> {
    for r in rules {
        if r.key.is_empty() || !r.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(PolicyError::Key(r.key.clone()));
        }
        Program::compile(&r.rule).map_err(|e| PolicyError::Parse {
            key: r.key.clone(),
            reason: e.to_string(),
        })?;
    }
    // A sample birth: a rule must give a yes or no for it.
    evaluate(
        rules,
        &BirthFacts {
            order: 1,
            mother_age: 28,
            months_since_previous: -1,
            mother_married: true,
            sex: "1".into(),
        },
    )
    .map(|_| ())
}

/// Each rule's verdict on a birth, by key.
pub fn evaluate(
    rules: &[PolicyRule],
    facts: &BirthFacts,
) -> Result<BTreeMap<String, bool>, PolicyError> {
    let mut context = Context::default();
    context.add_variable_from_value("order", facts.order);
    context.add_variable_from_value("mother_age", facts.mother_age);
    context.add_variable_from_value("months_since_previous", facts.months_since_previous);
    context.add_variable_from_value("mother_married", facts.mother_married);
    context.add_variable_from_value("sex", facts.sex.clone());
    let mut out = BTreeMap::new();
    for r in rules {
        let program = Program::compile(&r.rule).map_err(|e| PolicyError::Parse {
            key: r.key.clone(),
            reason: e.to_string(),
        })?;
        let value = program
            .execute(&context)
            .map_err(|e| PolicyError::Evaluate {
                key: r.key.clone(),
                reason: e.to_string(),
            })?;
        match value {
            cel::Value::Bool(b) => {
                out.insert(format!("{}|{}", r.key, r.title), b);
            }
            other => {
                return Err(PolicyError::NotABoolean {
                    key: r.key.clone(),
                    value: format!("{other:?}"),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(order: i64, gap: i64) -> BirthFacts {
        BirthFacts {
            order,
            mother_age: 30,
            months_since_previous: gap,
            mother_married: true,
            sex: "2".into(),
        }
    }

    #[test]
    fn a_province_writes_its_rule_and_each_birth_is_judged_by_it() {
        let rules = vec![
            PolicyRule::defaults().remove(0),
            PolicyRule {
                key: "spacing".into(),
                title: "生育间隔符合".into(),
                rule: "order == 1 || months_since_previous >= 48".into(),
            },
        ];
        check(&rules).unwrap();
        let third = evaluate(&rules, &facts(3, 30)).unwrap();
        assert_eq!(third.get("compliant|政策符合"), Some(&true));
        assert_eq!(third.get("spacing|生育间隔符合"), Some(&false));
        let fourth = evaluate(&rules, &facts(4, 60)).unwrap();
        assert_eq!(fourth.get("compliant|政策符合"), Some(&false));
        assert_eq!(fourth.get("spacing|生育间隔符合"), Some(&true));
    }

    #[test]
    fn a_wrong_rule_is_refused_in_chinese_before_it_counts_anything() {
        let bad = |rule: &str| PolicyRule {
            key: "x".into(),
            title: "x".into(),
            rule: rule.into(),
        };
        assert!(matches!(
            check(&[bad("order <=")]),
            Err(PolicyError::Parse { .. })
        ));
        assert!(matches!(
            check(&[bad("order + 1")]),
            Err(PolicyError::NotABoolean { .. })
        ));
        assert!(matches!(
            check(&[bad("children > 1")]),
            Err(PolicyError::Evaluate { .. })
        ));
        let e = check(&[PolicyRule {
            key: "合规".into(),
            ..bad("true")
        }])
        .unwrap_err();
        assert!(e.to_string().contains("英文字母"));
    }
}
