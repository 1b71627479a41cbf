//! Verification tasks (核查任务): each finding of a reconciliation becomes a
//! task for the village it concerns, to be verified and resolved there.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::event::{EventKind, Field, FieldChange};
use crate::person::LifeStatus;

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
    /// A record of the source that may be a person of the registry: someone
    /// decides whether it is (migrant records matched without certainty).
    UnsureMatch,
}

impl TaskKind {
    /// Every kind, in display order.
    pub const ALL: [TaskKind; 6] = [
        TaskKind::MissingInRegistry,
        TaskKind::MissingInSource,
        TaskKind::Conflict,
        TaskKind::Deceased,
        TaskKind::Duplicate,
        TaskKind::UnsureMatch,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::MissingInRegistry => "missing_in_registry",
            TaskKind::MissingInSource => "missing_in_source",
            TaskKind::Conflict => "conflict",
            TaskKind::Deceased => "deceased",
            TaskKind::Duplicate => "duplicate",
            TaskKind::UnsureMatch => "unsure_match",
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
            TaskKind::UnsureMatch => "待确认是否同一人",
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
    "“{0}”不是核查任务类别（missing_in_registry、missing_in_source、conflict、deceased、duplicate、unsure_match）"
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
    /// The person the source lacks has left the province: the move out is
    /// recorded (an event).
    RecordMoveOut,
    /// An event recorded since (a death, a move, a correction to the
    /// source's value, a merge) answered the finding; never chosen by hand.
    AnsweredByEvent,
    /// The source's record is this person of the registry: what it reports
    /// is recorded on them (a migrant's arrival).
    SamePerson,
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
            Resolution::RecordMoveOut => "record_move_out",
            Resolution::AnsweredByEvent => "answered_by_event",
            Resolution::SamePerson => "same_person",
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
            Resolution::RecordMoveOut => "登记迁出本省",
            Resolution::AnsweredByEvent => "已由登记的事件处理",
            Resolution::SamePerson => "是同一人，登记流入",
        }
    }

    /// Whether settling this way records an event dated by the collector
    /// when the source gives no date (a death or a move out).
    pub fn needs_date(self) -> bool {
        matches!(self, Resolution::RecordDeath | Resolution::RecordMoveOut)
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Resolution> {
        [
            Resolution::KeepRegistry,
            Resolution::Correct,
            Resolution::RecordDeath,
            Resolution::Register,
            Resolution::Merge,
            Resolution::RecordMoveOut,
            Resolution::AnsweredByEvent,
            Resolution::SamePerson,
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
        // Not the same person: nothing changes, or the record is entered as new.
        TaskKind::UnsureMatch => out.extend([Resolution::SamePerson, Resolution::Register]),
        TaskKind::Duplicate if of_registry => out.push(Resolution::Merge),
        // A person the source no longer lists may have died or left.
        TaskKind::MissingInSource if of_registry => {
            out.extend([Resolution::RecordDeath, Resolution::RecordMoveOut])
        }
        _ => {}
    }
    out
}

/// An open finding about a person, as an event recorded on that person
/// reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFinding {
    pub kind: TaskKind,
    /// The conflicting field (`name`, `region_code`, `status` …), if any.
    pub field: String,
    /// The source's value of that field.
    pub source_value: Option<String>,
    /// For a duplicate: the other record of the registry (its person id).
    pub registry_value: Option<String>,
}

/// Whether an event recorded on a finding's person answers it, so that the
/// task settles with the event instead of waiting for a collector to say
/// so: a death answers "dead, not deregistered" and "missing from the
/// source"; a move out or a merge away answers "missing from the source";
/// a change of a conflicting field to the source's value (a move to the
/// source's village) answers the conflict, any change of status a status
/// conflict; a merge of the two records answers their duplicate finding.
pub fn answered_by(
    finding: &OpenFinding,
    kind: EventKind,
    changes: &[FieldChange],
    related: Option<i64>,
) -> bool {
    let status_to = changes
        .iter()
        .find(|c| c.field == Field::Status)
        .and_then(|c| c.to.as_deref())
        .and_then(LifeStatus::parse);
    match finding.kind {
        TaskKind::Deceased => status_to == Some(LifeStatus::Dead),
        TaskKind::MissingInSource => matches!(
            status_to,
            Some(LifeStatus::Dead | LifeStatus::MovedOut | LifeStatus::Merged)
        ),
        TaskKind::Duplicate => {
            kind == EventKind::Merge
                && related
                    .is_some_and(|r| finding.registry_value.as_deref() == Some(&r.to_string()))
        }
        TaskKind::Conflict if finding.field == "status" => status_to.is_some(),
        TaskKind::Conflict => {
            let field = match finding.field.as_str() {
                "region_code" => Some(Field::Residence),
                other => Field::parse(other),
            };
            changes.iter().any(|c| {
                Some(c.field) == field
                    && c.to.is_some()
                    && c.to.as_deref().map(str::trim)
                        == finding.source_value.as_deref().map(str::trim)
            })
        }
        TaskKind::MissingInRegistry => false,
        TaskKind::UnsureMatch => kind == EventKind::MigrantArrival,
    }
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
            vec![
                Resolution::KeepRegistry,
                Resolution::RecordDeath,
                Resolution::RecordMoveOut
            ]
        );
    }

    fn finding(kind: TaskKind, field: &str, source: Option<&str>) -> OpenFinding {
        OpenFinding {
            kind,
            field: field.into(),
            source_value: source.map(str::to_string),
            registry_value: Some("42".into()),
        }
    }

    fn change(field: Field, to: &str) -> FieldChange {
        FieldChange {
            field,
            from: None,
            to: Some(to.into()),
        }
    }

    #[test]
    fn a_death_settles_the_death_and_status_findings_but_not_a_name_conflict() {
        let died = [
            change(Field::Status, "dead"),
            change(Field::DeathDate, "2026-01-01"),
        ];
        let answers = |f: &OpenFinding| answered_by(f, EventKind::Death, &died, None);
        assert!(answers(&finding(
            TaskKind::Deceased,
            "",
            Some("2026-01-01")
        )));
        assert!(answers(&finding(TaskKind::MissingInSource, "", None)));
        assert!(answers(&finding(
            TaskKind::Conflict,
            "status",
            Some("dead")
        )));
        assert!(!answers(&finding(TaskKind::Conflict, "name", Some("张三"))));
    }

    #[test]
    fn a_correction_settles_a_conflict_only_when_it_takes_the_sources_value() {
        let to_source = [change(Field::Name, "张三")];
        let elsewhere = [change(Field::Name, "张山")];
        let conflict = finding(TaskKind::Conflict, "name", Some("张三"));
        assert!(answered_by(
            &conflict,
            EventKind::Correction,
            &to_source,
            None
        ));
        assert!(!answered_by(
            &conflict,
            EventKind::Correction,
            &elsewhere,
            None
        ));
        let moved = [change(Field::Residence, "510104017002")];
        let village = finding(TaskKind::Conflict, "region_code", Some("510104017002"));
        assert!(answered_by(&village, EventKind::MoveWithin, &moved, None));
    }

    #[test]
    fn a_merge_settles_the_duplicate_of_the_two_records_it_joins() {
        let duplicate = finding(TaskKind::Duplicate, "", None);
        assert!(answered_by(&duplicate, EventKind::Merge, &[], Some(42)));
        assert!(!answered_by(&duplicate, EventKind::Merge, &[], Some(43)));
    }
}
