//! How many days an office has for a case before it is overdue and goes to
//! the level above: a rule in CEL a province writes (configuration,
//! `[cases] deadline_days = "…"`), read with the facts of the case.

use cel::{Context, Program};
use serde::{Deserialize, Serialize};

/// The rule (CEL, giving a whole number of days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeadlineRule(pub String);

impl Default for DeadlineRule {
    /// 15 days inside the province, 30 to and from outside, 7 more at each
    /// level above the first.
    fn default() -> Self {
        DeadlineRule("(inside_province ? 15 : 30) + 7 * escalations".into())
    }
}

/// What a deadline rule reads of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineFacts {
    /// The case's kind (`migrant_notice`).
    pub kind: String,
    /// Whether both sides are offices of this province.
    pub inside_province: bool,
    /// The level of the office that has it (`village` … `province`).
    pub level: String,
    /// How many times it went up a level already.
    pub escalations: i64,
}

/// A rule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("办理时限的规则无法解析：{0}")]
    Parse(String),
    #[error("办理时限的规则无法求值：{0}")]
    Evaluate(String),
    #[error("办理时限的规则应得出 1 至 366 之间的天数，得出的是 {0}")]
    NotDays(String),
}

/// The variables a rule may read, for the configuration's documentation.
pub const VARIABLES: [&str; 4] = ["kind", "inside_province", "level", "escalations"];

impl DeadlineRule {
    /// Checks the rule gives a number of days for a sample case (at start,
    /// so that a wrong rule is refused before any case is opened by it).
    pub fn check(&self) -> Result<(), DeadlineError> {
        self.days(&DeadlineFacts {
            kind: "migrant_notice".into(),
            inside_province: true,
            level: "village".into(),
            escalations: 0,
        })
        .map(|_| ())
    }

    /// The days an office has for a case with these facts.
    pub fn days(&self, facts: &DeadlineFacts) -> Result<u32, DeadlineError> {
        let program = Program::compile(&self.0).map_err(|e| DeadlineError::Parse(e.to_string()))?;
        let mut context = Context::default();
        context.add_variable_from_value("kind", facts.kind.clone());
        context.add_variable_from_value("inside_province", facts.inside_province);
        context.add_variable_from_value("level", facts.level.clone());
        context.add_variable_from_value("escalations", facts.escalations);
        match program
            .execute(&context)
            .map_err(|e| DeadlineError::Evaluate(e.to_string()))?
        {
            cel::Value::Int(n) if (1..=366).contains(&n) => Ok(n as u32),
            cel::Value::UInt(n) if (1..=366).contains(&n) => Ok(n as u32),
            other => Err(DeadlineError::NotDays(format!("{other:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(inside: bool, escalations: i64) -> DeadlineFacts {
        DeadlineFacts {
            kind: "migrant_notice".into(),
            inside_province: inside,
            level: "village".into(),
            escalations,
        }
    }

    #[test]
    fn a_notice_inside_the_province_has_fifteen_days_and_one_from_outside_thirty() {
        let rule = DeadlineRule::default();
        rule.check().unwrap();
        assert_eq!(rule.days(&facts(true, 0)), Ok(15));
        assert_eq!(rule.days(&facts(false, 0)), Ok(30));
        assert_eq!(rule.days(&facts(true, 2)), Ok(29));
    }

    #[test]
    fn a_province_writes_its_own_deadline_by_level() {
        let rule = DeadlineRule("level == 'village' ? 10 : 5".into());
        assert_eq!(rule.days(&facts(true, 0)), Ok(10));
        let township = DeadlineFacts {
            level: "township".into(),
            ..facts(true, 1)
        };
        assert_eq!(rule.days(&township), Ok(5));
    }

    #[test]
    fn a_rule_that_gives_no_days_is_refused_in_chinese() {
        for bad in ["15 +", "true", "0", "days > 3"] {
            let e = DeadlineRule(bad.into()).check().unwrap_err();
            assert!(e.to_string().contains("办理时限"), "{bad}: {e}");
        }
    }
}
