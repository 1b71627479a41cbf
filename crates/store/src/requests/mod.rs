//! Citizens' requests (群众需求): recorded at a village or township office,
//! answered there when it can, else sent up a level (by hand, or by the
//! escalation clock when its deadline passes) until an office answers; the
//! answer goes back to the office that recorded it, which tells the
//! citizen. A request that needs a service names the service's case it
//! turned into. One case of kind `citizen_request`, its steps the history.

use renkou_domain::cases::{CaseKind, DeadlineRule, Step};
use renkou_domain::{PersonId, RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::access::scope::Scope;
use crate::cases::open::{NewCase, NewStep, open_case};
use crate::cases::steps::{Move, days, now};
use crate::cases::{Case, PLATFORM};
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::with_tx;

/// What a citizen asked, as the office recorded it (the case's facts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestFacts {
    /// Who asked (姓名).
    pub citizen: String,
    /// How to reach them (a phone), if given.
    pub contact: Option<String>,
    /// What about (政策咨询, 证明办理, 奖励扶助 …).
    pub topic: String,
    /// The request in the citizen's words.
    pub content: String,
}

/// A request to record.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// The office that records it: a village or a township.
    pub office: RegionCode,
    /// The person of the register who asks, when known (checked like the
    /// office: inside the recorder's regions).
    pub person: Option<PersonId>,
    pub facts: RequestFacts,
    pub actor: String,
}

/// An office's answer.
#[derive(Debug, Clone)]
pub struct RequestAnswer {
    pub answer: String,
    /// The service case the request turned into, if it needs one.
    pub turned_into: Option<i64>,
    pub actor: String,
}

fn long(field: &str, text: &str, max: usize) -> StoreResult<()> {
    if text.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{field}不能为空")));
    }
    if text.chars().count() > max {
        return Err(StoreError::Invalid(format!("{field}不超过 {max} 字")));
    }
    Ok(())
}

impl Store {
    /// Records a request at an office of `scope`, due by the deadline rule.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record_request(
        &self,
        request: &NewRequest,
        scope: &Scope,
        deadline: &DeadlineRule,
    ) -> StoreResult<Case> {
        let office = request.office;
        if !scope.contains(&office) {
            return Err(StoreError::OutsideScope(office.to_string()));
        }
        if !matches!(office.level(), RegionLevel::Village | RegionLevel::Township) {
            return Err(StoreError::Invalid(
                "群众需求由村（居）或乡镇（街道）登记".into(),
            ));
        }
        let facts = &request.facts;
        long("姓名", &facts.citizen, 50)?;
        long("事项类别", &facts.topic, 50)?;
        long("需求内容", &facts.content, 2000)?;
        if let Some(person) = request.person {
            let found = self.person(person).await?;
            if !found.is_some_and(|p| scope.contains(&p.residence)) {
                return Err(StoreError::NotFound(format!("person {}", person.0)));
            }
        }
        let now = now();
        let mut case = NewCase {
            kind: CaseKind::CitizenRequest,
            source: "request".into(),
            external_id: None,
            person_id: request.person.map_or(0, |p| p.0),
            sender_region: office.to_string(),
            recipient_region: office.to_string(),
            owner_region: office.to_string(),
            confidence: None,
            inside_province: true,
            due_at: None,
            facts: serde_json::to_value(facts).unwrap_or_default(),
            steps: vec![NewStep {
                step: Step::Applied,
                region: office.to_string(),
                actor: request.actor.clone(),
                note: None,
            }],
        };
        let unopened = Case::unopened(CaseKind::CitizenRequest, office.as_str());
        let due = days(deadline, &unopened, office.level())?;
        case.due_at = Some(now + chrono::Duration::days(i64::from(due)));
        let id = with_tx!(self, tx => {
            let mut tx = tx;
            let id = open_case(&mut tx, &case, now).await?;
            tx.commit().await?;
            id
        })
        .ok_or_else(|| StoreError::Invalid("群众需求未能登记".into()))?;
        self.case_row(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))
    }

    /// A request an office of `scope` itself has now (not one inside it).
    async fn request_at(&self, id: i64, scope: &Scope) -> StoreResult<Case> {
        let case = self.owned_case(id, scope).await?;
        if case.kind != CaseKind::CitizenRequest.as_str() {
            return Err(StoreError::NotFound(format!("request {id}")));
        }
        let owner = RegionCode::parse(&case.owner_region)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        if !scope.regions().contains(&owner) {
            return Err(StoreError::OutsideScope(owner.to_string()));
        }
        Ok(case)
    }

    /// The office that has a request answers it; the answer goes back to
    /// the office that recorded it, to tell the citizen.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn answer_request(
        &self,
        id: i64,
        answer: &RequestAnswer,
        scope: &Scope,
    ) -> StoreResult<Case> {
        long("答复", &answer.answer, 2000)?;
        let case = self.request_at(id, scope).await?;
        if let Some(service) = answer.turned_into {
            // A case an office of the caller took part in (handed it in, had it).
            let seen = self.case(service, scope).await?.is_some();
            if !seen || service == id {
                return Err(StoreError::NotFound(format!("case {service}")));
            }
        }
        let mut steps = vec![NewStep {
            step: Step::Answered,
            region: case.owner_region.clone(),
            actor: answer.actor.clone(),
            note: Some(answer.answer.trim().to_string()),
        }];
        if case.owner_region != case.sender_region {
            steps.push(NewStep {
                step: Step::Answered,
                region: case.sender_region.clone(),
                actor: PLATFORM.into(),
                note: Some("答复已送回登记单位，待告知群众".into()),
            });
        }
        let to = Move {
            state: Step::Answered,
            owner: case.sender_region.clone(),
            due_at: None,
            reply: Some(serde_json::json!({
                "answer": answer.answer.trim(),
                "answered_by": case.owner_region,
                "turned_into": answer.turned_into,
            })),
            escalated: false,
            matched: None,
            steps,
        };
        self.step_request(&case, &to).await
    }

    /// The office that has a request sends it up a level (it cannot answer).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn forward_request(
        &self,
        id: i64,
        note: &str,
        actor: &str,
        scope: &Scope,
        deadline: &DeadlineRule,
    ) -> StoreResult<Case> {
        long("上报理由", note, 500)?;
        let case = self.request_at(id, scope).await?;
        let owner = RegionCode::parse(&case.owner_region)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let above = self.level_above(&owner).await?;
        if above == owner {
            return Err(StoreError::Invalid("已在省级，无法再上报".into()));
        }
        let now = now();
        let due = days(deadline, &case, above.level())?;
        let to = Move {
            state: Step::Forwarded,
            owner: above.to_string(),
            due_at: Some(now + chrono::Duration::days(i64::from(due))),
            reply: None,
            escalated: false,
            matched: None,
            steps: vec![NewStep {
                step: Step::Forwarded,
                region: owner.to_string(),
                actor: actor.into(),
                note: Some(note.trim().to_string()),
            }],
        };
        self.step_request(&case, &to).await
    }

    /// The office that recorded a request tells the citizen its answer.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn tell_request(
        &self,
        id: i64,
        note: Option<&str>,
        actor: &str,
        scope: &Scope,
    ) -> StoreResult<Case> {
        let case = self.request_at(id, scope).await?;
        let to = Move {
            state: Step::Told,
            owner: case.owner_region.clone(),
            due_at: None,
            reply: None,
            escalated: false,
            matched: None,
            steps: vec![NewStep {
                step: Step::Told,
                region: case.owner_region.clone(),
                actor: actor.into(),
                note: note
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string),
            }],
        };
        self.step_request(&case, &to).await
    }

    async fn step_request(&self, case: &Case, to: &Move) -> StoreResult<Case> {
        let state = Step::parse(&case.state).unwrap_or(Step::Sent);
        if !state.allows(to.state) {
            return Err(StoreError::CaseMoved {
                id: case.id,
                state: case.state.clone(),
            });
        }
        self.move_case(case, to, now()).await?;
        self.case_row(case.id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {}", case.id)))
    }
}
