//! Verification tasks (核查任务): each finding of a reconciliation becomes a
//! task for the village it concerns, to be verified and resolved there.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a reconciliation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A record of the source that matches nobody in the registry.
    MissingInRegistry,
    /// A person of the registry the source does not list.
    MissingInSource,
    /// A field on which the registry and the source disagree.
    Conflict,
    /// One side records a death, the other does not.
    Deceased,
    /// Two records of one side that are one person.
    Duplicate,
}

impl TaskKind {
    /// Every kind, in display order.
    pub const ALL: [TaskKind; 5] = [
        TaskKind::MissingInRegistry,
        TaskKind::MissingInSource,
        TaskKind::Conflict,
        TaskKind::Deceased,
        TaskKind::Duplicate,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::MissingInRegistry => "missing_in_registry",
            TaskKind::MissingInSource => "missing_in_source",
            TaskKind::Conflict => "conflict",
            TaskKind::Deceased => "deceased",
            TaskKind::Duplicate => "duplicate",
        }
    }

    /// The name a village collector reads.
    pub fn label(self) -> &'static str {
        match self {
            TaskKind::MissingInRegistry => "库中未登记",
            TaskKind::MissingInSource => "来源中缺失",
            TaskKind::Conflict => "信息不一致",
            TaskKind::Deceased => "死亡未注销",
            TaskKind::Duplicate => "疑似重复",
        }
    }
}

impl fmt::Display for TaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no task kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "“{0}”不是核查任务类别（missing_in_registry、missing_in_source、conflict、deceased、duplicate）"
)]
pub struct UnknownTaskKind(pub String);

impl FromStr for TaskKind {
    type Err = UnknownTaskKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownTaskKind(s.to_string()))
    }
}

/// How a verifier settles a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The registry is right: nothing changes in it (a verification event
    /// on the person says who checked it, and why).
    KeepRegistry,
    /// The source is right about the field: the registry is corrected (an event).
    Correct,
    /// The person died: the death is recorded (an event).
    RecordDeath,
    /// The source is right that the person lives here: they are entered in
    /// the registry from the source's record (a registration event).
    Register,
    /// Two records of the registry are one person: they are merged (a merge
    /// event on each), keeping the values the verifier picks.
    Merge,
}

impl Resolution {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::KeepRegistry => "keep_registry",
            Resolution::Correct => "correct",
            Resolution::RecordDeath => "record_death",
            Resolution::Register => "register",
            Resolution::Merge => "merge",
        }
    }

    /// The name a village collector reads.
    pub fn label(self) -> &'static str {
        match self {
            Resolution::KeepRegistry => "库中信息正确",
            Resolution::Correct => "按来源更正",
            Resolution::RecordDeath => "登记死亡",
            Resolution::Register => "补录入库",
            Resolution::Merge => "合并为一人",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Resolution> {
        [
            Resolution::KeepRegistry,
            Resolution::Correct,
            Resolution::RecordDeath,
            Resolution::Register,
            Resolution::Merge,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// The resolutions a task allows: `kind` and `field` as raised,
/// `source_says_dead` when the source holds the death, `of_registry` when a
/// duplicate is two records of the registry (not of the source). Residence
/// and status are never corrected from a source: they change by their own
/// events (moves, deaths).
pub fn resolutions(
    kind: TaskKind,
    field: &str,
    source_says_dead: bool,
    of_registry: bool,
) -> Vec<Resolution> {
    let mut out = vec![Resolution::KeepRegistry];
    let correctable = crate::rules::TAKEN_FROM_ANOTHER_RECORD
        .iter()
        .any(|f| f.as_str() == field);
    match kind {
        TaskKind::Conflict if correctable => out.push(Resolution::Correct),
        TaskKind::Deceased if source_says_dead => out.push(Resolution::RecordDeath),
        TaskKind::MissingInRegistry => out.push(Resolution::Register),
        TaskKind::Duplicate if of_registry => out.push(Resolution::Merge),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for k in TaskKind::ALL {
            assert_eq!(k.as_str().parse::<TaskKind>(), Ok(k));
        }
        assert!("merge".parse::<TaskKind>().is_err());
    }

    #[test]
    fn only_what_a_source_can_prove_is_taken_from_it() {
        let allows =
            |kind, field, dead, registry, r| resolutions(kind, field, dead, registry).contains(&r);
        assert!(allows(
            TaskKind::Conflict,
            "name",
            false,
            true,
            Resolution::Correct
        ));
        assert!(!allows(
            TaskKind::Conflict,
            "region_code",
            false,
            true,
            Resolution::Correct
        ));
        assert!(allows(
            TaskKind::Deceased,
            "",
            true,
            true,
            Resolution::RecordDeath
        ));
        assert!(!allows(
            TaskKind::Deceased,
            "",
            false,
            true,
            Resolution::RecordDeath
        ));
        assert!(allows(
            TaskKind::MissingInRegistry,
            "",
            false,
            false,
            Resolution::Register
        ));
        assert!(allows(
            TaskKind::Duplicate,
            "",
            false,
            true,
            Resolution::Merge
        ));
        assert!(!allows(
            TaskKind::Duplicate,
            "",
            false,
            false,
            Resolution::Merge
        ));
        assert_eq!(
            resolutions(TaskKind::MissingInSource, "", false, true),
            vec![Resolution::KeepRegistry]
        );
    }
}
