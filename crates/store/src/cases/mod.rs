//! Cases (办件): work handed from one office to another, step by step, each
//! step with who, where and when; a deadline from the province's rule; the
//! level above takes a case its office let pass the deadline
//! (`escalation.rs`). Opened inside the transaction of what causes them
//! (`open.rs`), listed as inboxes and outboxes (`listing.rs`), moved on by
//! the staff (`steps.rs`), timed per level (`response_times.rs`).

pub mod decisions;
pub mod documents;
pub mod escalation;
pub mod listing;
pub(crate) mod open;
pub mod response_times;
pub mod steps;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A stored case.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: i64,
    pub kind: String,
    /// Who sent it: the form or register the arrival came from, or a department.
    pub source: String,
    /// The sender's message id, for a case sent from outside.
    pub external_id: Option<String>,
    pub person_id: i64,
    /// The office that sent it.
    pub sender_region: String,
    /// The office it was sent to.
    pub recipient_region: String,
    /// The office that has it now.
    pub owner_region: String,
    /// Its last step but escalation (`sent` … `answered`).
    pub state: String,
    /// How sure the match to the person is (1: the register's own person).
    pub confidence: Option<f64>,
    /// Whether both offices are of this province.
    pub inside_province: bool,
    pub opened_at: DateTime<Utc>,
    /// When its office's time runs out (none once handled).
    pub due_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// How many levels it went up.
    pub escalations: i64,
    /// What the sender said.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub facts: Option<sqlx::types::Json<serde_json::Value>>,
    /// What the recipient answered.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub reply: Option<sqlx::types::Json<serde_json::Value>>,
}

impl Case {
    /// A case of `kind` about to be opened at `office`, as a deadline rule
    /// reads it before it has an id.
    pub(crate) fn unopened(kind: renkou_domain::cases::CaseKind, office: &str) -> Case {
        Case {
            id: 0,
            kind: kind.as_str().into(),
            source: String::new(),
            external_id: None,
            person_id: 0,
            sender_region: office.into(),
            recipient_region: office.into(),
            owner_region: office.into(),
            state: renkou_domain::cases::Step::Applied.as_str().into(),
            confidence: None,
            inside_province: true,
            opened_at: chrono::Utc::now(),
            due_at: None,
            closed_at: None,
            escalations: 0,
            facts: None,
            reply: None,
        }
    }
}

/// The columns of [`Case`].
pub(crate) const CASE_COLUMNS: &str = "id, kind, source, external_id, person_id, sender_region, \
     recipient_region, owner_region, state, confidence, inside_province, opened_at, due_at, closed_at, \
     CAST(escalations AS BIGINT) AS escalations, facts, reply";

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseStep {
    pub step: String,
    /// The office that took it.
    pub region_code: String,
    /// Who took it (an account, or 平台 for the platform itself).
    pub actor: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// Who takes the steps the platform takes by itself.
pub const PLATFORM: &str = "平台";
