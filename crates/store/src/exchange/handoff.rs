//! The hand-off of a migrant between regions (流动人口信息交换): when a
//! migrant is registered where they live, a notice goes to where they are
//! registered, and comes back with that side's facts. Inside the province
//! the platform delivers it itself: received, matched (the register's own
//! person) and assigned to the village of registration at once; to another
//! province it waits in the sender's outbox for the answer from outside.

use chrono::{DateTime, Utc};
use renkou_domain::cases::{CaseKind, DeadlineFacts, DeadlineRule, Step};
use renkou_domain::migrants::MigrantDetails;
use renkou_domain::{Person, RegionLevel};

use crate::cases::PLATFORM;
use crate::cases::open::{NewCase, NewStep, open_case};
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::registry::record::EventMeta;

/// Opens the notice of a migrant's arrival for their place of registration.
pub(crate) async fn notify_registration<T: Tx>(
    tx: &mut T,
    person: &Person,
    details: &MigrantDetails,
    meta: &EventMeta,
    now: DateTime<Utc>,
    deadline: &DeadlineRule,
) -> StoreResult<()> {
    let Some(hukou) = person.hukou_region else {
        return Ok(());
    };
    let residence = person.residence.to_string();
    // The region table may hold other provinces' codes too (to check
    // them): inside is this province's own, current office.
    let same_province =
        hukou.ancestor(RegionLevel::Province) == person.residence.ancestor(RegionLevel::Province);
    let inside_province = same_province
        && tx
            .regions(&[hukou.to_string()])
            .await?
            .iter()
            .any(|r| r.valid_to.is_none());
    let mut steps = vec![NewStep {
        step: Step::Sent,
        region: residence.clone(),
        actor: meta.recorder.clone(),
        note: None,
    }];
    let by_platform = |step, note: &str| NewStep {
        step,
        region: hukou.to_string(),
        actor: PLATFORM.into(),
        note: Some(note.into()),
    };
    // Inside the province the registration side's office has it; outside,
    // the sender's own office follows it up until the answer comes.
    let owner = if inside_province {
        steps.push(by_platform(Step::Received, "省内由平台直接送达"));
        steps.push(by_platform(Step::Matched, "即人口库中此人"));
        if hukou.level() == RegionLevel::Village {
            steps.push(by_platform(Step::Assigned, "分派至户籍地村（居）"));
        }
        hukou
    } else {
        person.residence
    };
    let days = deadline
        .days(&DeadlineFacts {
            kind: CaseKind::MigrantNotice.as_str().into(),
            inside_province,
            level: owner.level().as_str().into(),
            escalations: 0,
        })
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let facts = serde_json::json!({
        "arrived_on": person.arrived_on,
        "residence": residence,
        "hukou_region": hukou.to_string(),
        "details": details,
    });
    open_case(
        tx,
        &NewCase {
            kind: CaseKind::MigrantNotice,
            source: meta.source.clone(),
            external_id: None,
            person_id: person.id.0,
            sender_region: residence,
            recipient_region: hukou.to_string(),
            owner_region: owner.to_string(),
            confidence: inside_province.then_some(1.0),
            inside_province,
            due_at: Some(now + chrono::Duration::days(i64::from(days))),
            facts,
            steps,
        },
        now,
    )
    .await?;
    Ok(())
}

/// What the village of registration answers a migrant's notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeAnswer {
    /// Whether the person is as the notice says (registered here, gone there).
    pub confirmed: bool,
    /// What the office says, in its own words.
    pub note: String,
    /// Who answers.
    pub actor: String,
}

impl crate::Store {
    /// Answers a migrant's notice with the registration side's facts as the
    /// register has them now: marital status and children, and for a woman
    /// her method and pregnancy (shown only to readers of family-planning
    /// records).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn answer_notice(
        &self,
        id: i64,
        answer: &NoticeAnswer,
        scope: &crate::Scope,
    ) -> StoreResult<crate::Case> {
        let case = self.owned_case(id, scope).await?;
        let person_id = case.person_id;
        let person = self.person(renkou_domain::PersonId(person_id)).await?;
        let children = crate::on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM persons WHERE (mother_id = $1 OR father_id = $1) AND status <> 'merged'",
        )
        .bind(person_id)
        .fetch_one(pool)
        .await?);
        let registration = person.as_ref().map(|p| {
            serde_json::json!({
                "hukou_region": p.hukou_region.map(|h| h.to_string()),
                "marital_status": p.marital_status.map(|m| m.code().to_string()),
                "children": children,
            })
        });
        let family_planning = person
            .as_ref()
            .filter(|p| p.sex == renkou_domain::Sex::Female)
            .map(|p| {
                serde_json::json!({
                    "method": p.contraception.map(|m| m.code().to_string()),
                    "pregnant": p.pregnant_since.is_some(),
                })
            });
        let handling = crate::Handling {
            reply: serde_json::json!({
                "confirmed": answer.confirmed,
                "note": answer.note,
                "registration": registration,
                "family_planning": family_planning,
            }),
            note: Some(answer.note.clone()).filter(|n| !n.is_empty()),
            actor: answer.actor.clone(),
        };
        self.handle_owned(case, &handling).await
    }
}
