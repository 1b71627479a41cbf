//! The steps staff take: assign a case to a village, handle it (which sends
//! the answer back). Each is one transaction that moves the case only from
//! the state it was read in: a step taken twice (a retry, two clerks) is
//! taken once, and the second hears that the case has moved on.

use chrono::{DateTime, Utc};
use renkou_domain::cases::{DeadlineFacts, DeadlineRule, Step};
use renkou_domain::{RegionCode, RegionLevel};

use super::open::NewStep;
use super::{Case, PLATFORM};
use crate::access::scope::Scope;
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::{Store, with_tx};

/// What handling a case answers.
#[derive(Debug, Clone)]
pub struct Handling {
    /// The answer sent back (JSON, the kind's own form).
    pub reply: serde_json::Value,
    /// The handler's words, kept with the step.
    pub note: Option<String>,
    /// Who handles.
    pub actor: String,
}

impl Store {
    /// The case if its office is in `scope` (only the office that has a
    /// case moves it on); else it is unknown.
    pub(crate) async fn owned_case(&self, id: i64, scope: &Scope) -> StoreResult<Case> {
        self.case_row(id)
            .await?
            .filter(|c| RegionCode::parse(&c.owner_region).is_ok_and(|r| scope.contains(&r)))
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))
    }

    /// Assigns a case its office has (a township, or a county it was
    /// escalated to) to a village inside it, with a new deadline.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn assign_case(
        &self,
        id: i64,
        village: &RegionCode,
        actor: &str,
        scope: &Scope,
        deadline: &DeadlineRule,
    ) -> StoreResult<Case> {
        let case = self.owned_case(id, scope).await?;
        let state = Step::parse(&case.state).unwrap_or(Step::Sent);
        if !state.allows(Step::Assigned) {
            return Err(StoreError::CaseMoved {
                id,
                state: case.state,
            });
        }
        let owner = RegionCode::parse(&case.owner_region)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let current = self
            .region(village)
            .await?
            .is_some_and(|r| r.valid_to.is_none());
        if village.level() != RegionLevel::Village || !owner.contains(village) || !current {
            return Err(StoreError::Region {
                code: village.to_string(),
                reason: format!("不是{}所辖的村（居）", self.region_name(&owner).await?),
            });
        }
        let now = now();
        let days = days(deadline, &case, RegionLevel::Village)?;
        let step = NewStep {
            step: Step::Assigned,
            region: village.to_string(),
            actor: actor.to_string(),
            note: None,
        };
        let to = Move {
            state: Step::Assigned,
            owner: village.to_string(),
            due_at: Some(now + chrono::Duration::days(i64::from(days))),
            reply: None,
            escalated: false,
            matched: None,
            steps: vec![step],
        };
        self.move_case(&case, &to, now).await?;
        self.case_row(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))
    }

    /// Handles a case its office has; the answer goes back to the sender
    /// (inside the province at once, by the platform; to outside through
    /// the exchange, where the sender collects it).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn handle_case(
        &self,
        id: i64,
        handling: &Handling,
        scope: &Scope,
    ) -> StoreResult<Case> {
        let case = self.owned_case(id, scope).await?;
        self.handle_owned(case, handling).await
    }

    /// Handles a case read by [`Store::owned_case`].
    pub(crate) async fn handle_owned(&self, case: Case, handling: &Handling) -> StoreResult<Case> {
        let state = Step::parse(&case.state).unwrap_or(Step::Sent);
        if !state.allows(Step::Handled) {
            return Err(StoreError::CaseMoved {
                id: case.id,
                state: case.state,
            });
        }
        let delivered = if case.inside_province {
            "反馈已由平台送达发送方"
        } else {
            "反馈已放入交换平台，待对方取回"
        };
        let now = now();
        let steps = vec![
            NewStep {
                step: Step::Handled,
                region: case.owner_region.clone(),
                actor: handling.actor.clone(),
                note: handling.note.clone(),
            },
            NewStep {
                step: Step::Answered,
                region: case.sender_region.clone(),
                actor: PLATFORM.into(),
                note: Some(delivered.into()),
            },
        ];
        let to = Move {
            state: Step::Answered,
            owner: case.owner_region.clone(),
            due_at: None,
            reply: Some(handling.reply.clone()),
            escalated: false,
            matched: None,
            steps,
        };
        self.move_case(&case, &to, now).await?;
        let mut done = case;
        done.state = Step::Answered.as_str().into();
        Ok(done)
    }

    /// Moves a case from the state (and office) it was read in, with its
    /// steps, in one transaction; `CaseMoved` if someone moved it first.
    pub(crate) async fn move_case(
        &self,
        case: &Case,
        to: &Move,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_tx!(self, tx => {
            let mut tx = tx;
            if !tx.update_case(case, to, now).await? {
                return Err(StoreError::CaseMoved { id: case.id, state: case.state.clone() });
            }
            tx.insert_case_steps(case.id, &to.steps, now).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// Where a step takes a case.
#[derive(Debug, Clone)]
pub(crate) struct Move {
    pub state: Step,
    pub owner: String,
    pub due_at: Option<DateTime<Utc>>,
    pub reply: Option<serde_json::Value>,
    /// It goes up a level.
    pub escalated: bool,
    /// The person it is found to be about, and how sure.
    pub matched: Option<(i64, f64)>,
    pub steps: Vec<NewStep>,
}

/// The time now, to the microsecond both engines keep.
pub(crate) fn now() -> DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(Utc::now(), 6)
}

/// The days an office at `level` has for a case.
pub(crate) fn days(rule: &DeadlineRule, case: &Case, level: RegionLevel) -> StoreResult<u32> {
    rule.days(&DeadlineFacts {
        kind: case.kind.clone(),
        inside_province: case.inside_province,
        level: level.as_str().into(),
        escalations: case.escalations,
    })
    .map_err(|e| StoreError::Invalid(e.to_string()))
}
