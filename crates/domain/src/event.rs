//! Events: every change to a person is one, with the fields it changed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::field::{Field, FieldChange, FieldValueError};
use crate::person::PersonId;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Born (the person's first event).
    Birth,
    /// Entered the register other than by birth (first registration, import).
    Registration,
    /// Died; also recorded on the surviving spouse.
    Death,
    /// Married.
    Marriage,
    /// Divorced.
    Divorce,
    /// Moved to another village inside the province.
    MoveWithin,
    /// Moved out of the province.
    MoveOut,
    /// Moved (back) into the province.
    MoveIn,
    /// Household registration (hukou) region or category changed.
    RegistrationChange,
    /// A field was wrong and has been corrected.
    Correction,
    /// The person's region was recoded by an administrative re-zoning.
    Rezoning,
    /// Two records found to be one person were merged (on both records).
    Merge,
    /// A merge was undone (on both records).
    Unmerge,
    /// A finding of a reconciliation was checked and the record found right
    /// (it changes nothing; it says who checked what, and when).
    Verification,
    /// 孕情登记: a pregnancy registered (WIS).
    Pregnancy,
    /// 孕情检查.
    PregnancyCheck,
    /// 妊娠结局: live birth, stillbirth, abortion.
    PregnancyOutcome,
    /// 开始避孕.
    ContraceptionStart,
    /// 更换避孕方法.
    ContraceptionChange,
    /// 停止避孕.
    ContraceptionStop,
    /// 节育器检查.
    IudCheck,
    /// 随访.
    Visit,
    /// 生殖健康服务 (check-up, family-planning operation, …).
    HealthService,
    /// 流动人口登记: a migrant registered where they live.
    MigrantArrival,
}

impl EventKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [EventKind; 24] = [
        EventKind::Birth,
        EventKind::Registration,
        EventKind::Death,
        EventKind::Marriage,
        EventKind::Divorce,
        EventKind::MoveWithin,
        EventKind::MoveOut,
        EventKind::MoveIn,
        EventKind::RegistrationChange,
        EventKind::Correction,
        EventKind::Rezoning,
        EventKind::Merge,
        EventKind::Unmerge,
        EventKind::Verification,
        EventKind::Pregnancy,
        EventKind::PregnancyCheck,
        EventKind::PregnancyOutcome,
        EventKind::ContraceptionStart,
        EventKind::ContraceptionChange,
        EventKind::ContraceptionStop,
        EventKind::IudCheck,
        EventKind::Visit,
        EventKind::HealthService,
        EventKind::MigrantArrival,
    ];

    /// The snake_case name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Birth => "birth",
            EventKind::Registration => "registration",
            EventKind::Death => "death",
            EventKind::Marriage => "marriage",
            EventKind::Divorce => "divorce",
            EventKind::MoveWithin => "move_within",
            EventKind::MoveOut => "move_out",
            EventKind::MoveIn => "move_in",
            EventKind::RegistrationChange => "registration_change",
            EventKind::Correction => "correction",
            EventKind::Rezoning => "rezoning",
            EventKind::Merge => "merge",
            EventKind::Unmerge => "unmerge",
            EventKind::Verification => "verification",
            EventKind::Pregnancy => "pregnancy",
            EventKind::PregnancyCheck => "pregnancy_check",
            EventKind::PregnancyOutcome => "pregnancy_outcome",
            EventKind::ContraceptionStart => "contraception_start",
            EventKind::ContraceptionChange => "contraception_change",
            EventKind::ContraceptionStop => "contraception_stop",
            EventKind::IudCheck => "iud_check",
            EventKind::Visit => "visit",
            EventKind::HealthService => "health_service",
            EventKind::MigrantArrival => "migrant_arrival",
        }
    }

    /// The Chinese label shown to users.
    pub fn chinese(self) -> &'static str {
        match self {
            EventKind::Birth => "出生",
            EventKind::Registration => "登记",
            EventKind::Death => "死亡",
            EventKind::Marriage => "结婚",
            EventKind::Divorce => "离婚",
            EventKind::MoveWithin => "省内迁移",
            EventKind::MoveOut => "迁出",
            EventKind::MoveIn => "迁入",
            EventKind::RegistrationChange => "户籍变更",
            EventKind::Correction => "信息更正",
            EventKind::Rezoning => "区划调整",
            EventKind::Merge => "重复记录合并",
            EventKind::Unmerge => "撤销合并",
            EventKind::Verification => "核查确认",
            EventKind::Pregnancy => "孕情登记",
            EventKind::PregnancyCheck => "孕情检查",
            EventKind::PregnancyOutcome => "妊娠结局",
            EventKind::ContraceptionStart => "开始避孕",
            EventKind::ContraceptionChange => "更换避孕方法",
            EventKind::ContraceptionStop => "停止避孕",
            EventKind::IudCheck => "节育器检查",
            EventKind::Visit => "随访",
            EventKind::HealthService => "生殖健康服务",
            EventKind::MigrantArrival => "流动人口登记",
        }
    }

    /// Whether the event is a family-planning record (WIS): read only under
    /// a grant that opens the `wis` subsystem.
    pub fn is_wis(self) -> bool {
        matches!(
            self,
            EventKind::Pregnancy
                | EventKind::PregnancyCheck
                | EventKind::PregnancyOutcome
                | EventKind::ContraceptionStart
                | EventKind::ContraceptionChange
                | EventKind::ContraceptionStop
                | EventKind::IudCheck
                | EventKind::Visit
                | EventKind::HealthService
        )
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// An event before it is stored: who, what, when, and the fields it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedEvent {
    /// The person whose record changes (`None` for the newborn or newcomer
    /// the store is about to insert).
    pub person_id: Option<PersonId>,
    /// What happened.
    pub kind: EventKind,
    /// The day it happened.
    pub effective_date: NaiveDate,
    /// The other party (spouse, the deceased for a widow, ...).
    pub related_id: Option<PersonId>,
    /// Fields changed, in order.
    pub changes: Vec<FieldChange>,
    /// Free text, e.g. the destination of a move out of the province.
    pub note: Option<String>,
    /// What a subsystem's event records beyond the fields it changes.
    pub details: Option<EventDetails>,
}

/// The facts a subsystem's event keeps besides its field changes (stored
/// as JSON with the event, keyed by the subsystem: `{"wis": {…}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventDetails {
    /// Of a woman's card.
    Wis(Box<crate::wis::WisDetails>),
    /// Of a migrant's arrival.
    Migrant(Box<crate::migrants::MigrantDetails>),
    /// Of a birth: what the statistics count it by, as it was at the birth
    /// (a later correction of the mother's record does not move the birth
    /// to another age group).
    Birth {
        /// The mother's birth year.
        mother_born: i32,
        /// Each policy indicator's verdict (`key|title` → met), under the
        /// rules in force when the birth was registered.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        policy: std::collections::BTreeMap<String, bool>,
    },
}

impl EventDetails {
    /// The details as staff read them, one fact a line.
    pub fn lines(&self) -> Vec<String> {
        match self {
            EventDetails::Wis(d) => d.lines(),
            EventDetails::Migrant(d) => d.lines(),
            EventDetails::Birth { .. } => Vec::new(),
        }
    }
}
