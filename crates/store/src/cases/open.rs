//! Opening a case inside the transaction of what causes it.

use chrono::{DateTime, Utc};
use renkou_domain::cases::{CaseKind, Step};

use crate::database::tx::Tx;
use crate::error::StoreResult;

/// A case to open, with the steps it has taken already.
#[derive(Debug, Clone)]
pub(crate) struct NewCase {
    pub kind: CaseKind,
    pub source: String,
    pub external_id: Option<String>,
    pub person_id: i64,
    pub sender_region: String,
    pub recipient_region: String,
    pub owner_region: String,
    pub confidence: Option<f64>,
    pub inside_province: bool,
    pub due_at: Option<DateTime<Utc>>,
    pub facts: serde_json::Value,
    /// The steps so far, oldest first; the last is the case's state.
    pub steps: Vec<NewStep>,
}

/// A step taken.
#[derive(Debug, Clone)]
pub(crate) struct NewStep {
    pub step: Step,
    pub region: String,
    pub actor: String,
    pub note: Option<String>,
}

/// Opens a case with its steps; a case from outside already opened (the
/// same sender's message id) is left as it is: `None`.
pub(crate) async fn open_case<T: Tx>(
    tx: &mut T,
    case: &NewCase,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let state = case
        .steps
        .iter()
        .rev()
        .map(|s| s.step)
        .find(|s| *s != Step::Escalated)
        .unwrap_or(Step::Sent);
    let Some(id) = tx.insert_case(case, state, now).await? else {
        return Ok(None);
    };
    tx.insert_case_steps(id, &case.steps, now).await?;
    Ok(Some(id))
}
