//! Review and approval level by level: the office that has an application
//! passes it (to the level above, or, at the level that decides, approves
//! it) or returns it, with the reason, to the office that handed it in.

use renkou_domain::RegionCode;
use renkou_domain::cases::{CaseKind, DeadlineRule, Step};

use super::Case;
use super::open::NewStep;
use super::steps::{Move, days, now};
use crate::access::scope::Scope;
use crate::certificates::NewCertificate;
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::{Store, with_tx};

/// An office's decision on an application it has.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Passed (审核通过 / 批准) or returned (退回).
    pub pass: bool,
    /// With `pass` false, at the level that decides: refused for good
    /// (不予批准) instead of returned.
    pub refuse: bool,
    /// Why: required to return or refuse, kept with the step either way.
    pub reason: Option<String>,
    /// Who decides.
    pub actor: String,
}

impl Store {
    /// Decides an application its office has (an office of `scope` itself,
    /// not one inside it): passed below the deciding
    /// level it goes up a level with a new deadline; passed at (or above)
    /// that level it is approved and closed; returned it goes back to the
    /// office that handed it in, which may hand it in again.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn decide_case(
        &self,
        id: i64,
        decision: &Decision,
        scope: &Scope,
        deadline: &DeadlineRule,
    ) -> StoreResult<Case> {
        let case = self.owned_case(id, scope).await?;
        let kind = CaseKind::parse(&case.kind);
        let deciding = kind
            .and_then(CaseKind::approved_at)
            .ok_or_else(|| StoreError::Invalid("此类办件不经审批".into()))?;
        let reason = decision
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if !decision.pass && reason.is_none() {
            return Err(StoreError::Invalid("退回或不予批准须写明理由".into()));
        }
        let owner = parse(&case.owner_region)?;
        // Each level decides for itself: a county does not pass up what its
        // township has not reviewed.
        if !scope.regions().contains(&owner) {
            return Err(StoreError::OutsideScope(owner.to_string()));
        }
        let now = now();
        let at_deciding_level = owner.level() <= deciding;
        let (state, to_office) = match (decision.pass, at_deciding_level, decision.refuse) {
            (true, true, _) => (Step::Approved, owner),
            (true, false, _) => (Step::Forwarded, self.level_above(&owner).await?),
            (false, true, true) => (Step::Refused, owner),
            (false, false, true) => {
                return Err(StoreError::Invalid(
                    "只有审批机关可以不予批准，本级可退回".into(),
                ));
            }
            (false, _, false) => (Step::Returned, parse(&case.sender_region)?),
        };
        let state_now = Step::parse(&case.state).unwrap_or(Step::Sent);
        if !state_now.allows(state) {
            return Err(StoreError::CaseMoved {
                id,
                state: case.state,
            });
        }
        // An application with documents is approved only once every one
        // was checked against the original.
        if state == Step::Approved && kind == Some(CaseKind::Rebirth) {
            let documents = self.documents(id).await?;
            if documents.is_empty() || documents.iter().any(|d| d.checked_at.is_none()) {
                return Err(StoreError::Invalid("申请材料尚未全部核验，不能批准".into()));
            }
        }
        let due_at = match state {
            Step::Approved | Step::Refused => None,
            _ => {
                let days = days(deadline, &case, to_office.level())?;
                Some(now + chrono::Duration::days(i64::from(days)))
            }
        };
        let to = Move {
            state,
            owner: to_office.to_string(),
            due_at,
            reply: None,
            escalated: false,
            matched: None,
            steps: vec![NewStep {
                step: state,
                region: owner.to_string(),
                actor: decision.actor.clone(),
                note: reason.map(str::to_string),
            }],
        };
        // What an approval does besides closing the case, in its transaction.
        let issue = match (kind, state) {
            (Some(CaseKind::OnlyChildCertificate), Step::Approved) => {
                Some(NewCertificate::of(&case, &owner, &decision.actor, now)?)
            }
            _ => None,
        };
        let revoke = match (kind, state) {
            (Some(CaseKind::CertificateRevocation), Step::Approved) => case
                .facts
                .as_ref()
                .and_then(|f| f.0.get("certificate"))
                .and_then(serde_json::Value::as_i64),
            _ => None,
        };
        with_tx!(self, tx => {
            let mut tx = tx;
            if !tx.update_case(&case, &to, now).await? {
                return Err(StoreError::CaseMoved { id, state: case.state.clone() });
            }
            tx.insert_case_steps(id, &to.steps, now).await?;
            if let Some(certificate) = &issue {
                tx.issue_certificate(certificate, now).await?;
            }
            if let Some(certificate) = revoke {
                let why = reason.unwrap_or("持证夫妻又生育子女");
                tx.revoke_certificate(certificate, id, why, now).await?;
            }
            tx.commit().await?;
        });
        self.case_row(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))
    }

    /// The office above `office` (its parent in the region table; a
    /// province stays where it is).
    pub(crate) async fn level_above(&self, office: &RegionCode) -> StoreResult<RegionCode> {
        Ok(match self.region(office).await?.and_then(|r| r.parent) {
            Some(parent) => RegionCode::parse(&parent).ok(),
            None => office.structural_parent(),
        }
        .unwrap_or(*office))
    }
}

fn parse(code: &str) -> StoreResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| StoreError::Invalid(e.to_string()))
}
