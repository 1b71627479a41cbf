//! Notices from and answers to other provinces (流动人口信息交换 with the
//! outside), sent by their systems with an exchanging API token:
//!
//! - a notice that one of the persons registered here lives there now is
//!   opened as a case once per message id, matched to the person (by the
//!   identity number; else by the reconciliation engine among those
//!   registered in the county, taken when it is sure, else left to the
//!   office of registration to confirm or find), and assigned to the
//!   village of registration, which answers it as any notice;
//! - an answer to a notice this province sent there closes it.

use chrono::Utc;
use renkou_domain::cases::{CaseKind, Step};
use renkou_domain::migrants::IncomingNotice;
use renkou_domain::{PersonId, RegionCode, RegionLevel};

use crate::access::scope::Scope;
use crate::cases::open::{NewCase, NewStep, open_case};
use crate::cases::steps::{Move, now};
use crate::cases::{CASE_COLUMNS, Case, PLATFORM};
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool, with_tx};

/// A match the engine is at least this sure of is taken; a less sure one
/// is for the office of registration to confirm (as for incoming records).
const SURE: f64 = 0.9;

impl Store {
    /// The case a sender's message opened, if any.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn case_of_message(
        &self,
        source: &str,
        message_id: &str,
    ) -> StoreResult<Option<Case>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE source = $1 AND external_id = $2"
        )))
        .bind(source)
        .bind(message_id)
        .fetch_optional(pool)
        .await?),
        )
    }

    /// Receives a notice from another province's system `source`, whose
    /// regions are `sender` (the notice's residence must be one of them);
    /// a message received before answers the case it opened.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn receive_notice(
        &self,
        source: &str,
        sender: &Scope,
        notice: &IncomingNotice,
        deadline: &renkou_domain::cases::DeadlineRule,
    ) -> StoreResult<Case> {
        if let Some(case) = self.case_of_message(source, &notice.message_id).await? {
            return Ok(case);
        }
        if !sender.contains(&notice.residence) {
            return Err(StoreError::OutsideScope(notice.residence.to_string()));
        }
        let hukou = notice.hukou_region;
        let ours = self
            .region(&hukou)
            .await?
            .is_some_and(|r| r.valid_to.is_none());
        if !ours
            || hukou.ancestor(RegionLevel::Province)
                == notice.residence.ancestor(RegionLevel::Province)
        {
            return Err(StoreError::Region {
                code: hukou.to_string(),
                reason: "户籍地应为本省现行区划，现居住地应在外省".into(),
            });
        }
        let found = self.find_registered(notice).await?;
        let at = notice.residence.to_string();
        let mut steps = vec![
            NewStep {
                step: Step::Sent,
                region: at.clone(),
                actor: source.to_string(),
                note: None,
            },
            NewStep {
                step: Step::Received,
                region: hukou.to_string(),
                actor: PLATFORM.into(),
                note: Some("外省经交换平台送达".into()),
            },
        ];
        // The village of registration has it once the person is known;
        // until then the office of the region named finds them.
        let (person, confidence, owner) = match found {
            // Not sure: the office of registration confirms (the match step).
            Some((candidate, sure, _)) if sure < SURE => {
                steps[1].note = Some(format!(
                    "外省经交换平台送达；可能是人口库中编号 {} 的人员（把握 {:.0}%），请核实后确认",
                    candidate.0,
                    sure * 100.0
                ));
                (0, Some(sure), hukou)
            }
            Some((person, sure, village)) => {
                steps.push(NewStep {
                    step: Step::Matched,
                    region: hukou.to_string(),
                    actor: PLATFORM.into(),
                    note: Some(if sure >= 1.0 {
                        "按公民身份号码匹配".into()
                    } else {
                        "按姓名、性别、出生日期匹配".into()
                    }),
                });
                let owner = village.filter(|v| hukou.contains(v)).unwrap_or(hukou);
                if owner.level() == RegionLevel::Village {
                    steps.push(NewStep {
                        step: Step::Assigned,
                        region: owner.to_string(),
                        actor: PLATFORM.into(),
                        note: Some("分派至户籍地村（居）".into()),
                    });
                }
                (person.0, Some(sure), owner)
            }
            None => (0, None, hukou),
        };
        let days = deadline
            .days(&renkou_domain::cases::DeadlineFacts {
                kind: CaseKind::MigrantNotice.as_str().into(),
                inside_province: false,
                level: owner.level().as_str().into(),
                escalations: 0,
            })
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let opened = now();
        let case = NewCase {
            kind: CaseKind::MigrantNotice,
            source: source.to_string(),
            external_id: Some(notice.message_id.clone()),
            person_id: person,
            sender_region: at,
            recipient_region: hukou.to_string(),
            owner_region: owner.to_string(),
            confidence,
            inside_province: false,
            due_at: Some(opened + chrono::Duration::days(i64::from(days))),
            facts: serde_json::json!({
                "arrived_on": notice.arrival_date,
                "residence": notice.residence.to_string(),
                "hukou_region": hukou.to_string(),
                "name": notice.name.as_str(),
                "sex": notice.sex.code(),
                "birth_date": notice.birth_date,
                "id_number": notice.id_number.map(|n| n.to_string()),
                "details": notice.details,
            }),
            steps,
        };
        with_tx!(self, tx => {
            let mut tx = tx;
            // Two deliveries at once: the second finds the first's.
            open_case(&mut tx, &case, opened).await?;
            crate::database::tx::Tx::commit(tx).await?;
        });
        self.case_of_message(source, &notice.message_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("message {}", notice.message_id)))
    }

    /// The living person registered in the notice's county it is about, how
    /// sure, and the village they are registered in: by the identity number,
    /// else by the reconciliation engine among those registered in the county.
    async fn find_registered(
        &self,
        notice: &IncomingNotice,
    ) -> StoreResult<Option<(PersonId, f64, Option<RegionCode>)>> {
        let county = notice.hukou_region.ancestor(RegionLevel::County);
        let registered_here = |p: &renkou_domain::Person| {
            p.hukou_region
                .unwrap_or(p.residence)
                .ancestor(RegionLevel::County)
                == county
        };
        if let Some(number) = &notice.id_number
            && let Some(p) = self.person_by_id_number(number).await?
            && p.status == renkou_domain::LifeStatus::Active
            && registered_here(&p)
        {
            return Ok(Some((p.id, 1.0, p.hukou_region.or(Some(p.residence)))));
        }
        let registry: Vec<renkou_link::Record> = self
            .linkage_records_registered(&county)
            .await?
            .into_iter()
            .filter(|r| r.status == renkou_link::Status::Active)
            .collect();
        let (birth, region) = (
            notice.birth_date.to_string(),
            notice.hukou_region.to_string(),
        );
        let number = notice.id_number.map(|n| n.to_string()).unwrap_or_default();
        let raw = renkou_link::RawFields {
            record_id: &notice.message_id,
            id_number: &number,
            name: notice.name.as_str(),
            sex: notice.sex.code(),
            birth_date: &birth,
            ethnicity: "",
            region_code: &region,
            status: "",
            death_date: "",
        };
        let record = renkou_link::Record::normalize(1, &raw).0;
        let linkage = renkou_link::reconcile(&registry, &[record], &|_| {});
        let best = linkage
            .matches
            .iter()
            .filter(|m| m.b == 0)
            .max_by(|x, y| x.probability.total_cmp(&y.probability));
        let Some(m) = best else { return Ok(None) };
        let Ok(id) = registry[m.a as usize].record_id.parse::<i64>() else {
            return Ok(None);
        };
        let p = self.person(PersonId(id)).await?;
        Ok(p.map(|p| (p.id, m.probability, p.hukou_region.or(Some(p.residence)))))
    }

    /// Matches a notice nobody could match to a person the office of
    /// registration found, and assigns it to their village.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn match_case(
        &self,
        id: i64,
        person: PersonId,
        actor: &str,
        scope: &Scope,
    ) -> StoreResult<Case> {
        let case = self.owned_case(id, scope).await?;
        if case.state != Step::Received.as_str() {
            return Err(StoreError::CaseMoved {
                id,
                state: case.state,
            });
        }
        // A person registered in the region the notice was sent to.
        let recipient = RegionCode::parse(&case.recipient_region)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let p = self
            .person(person)
            .await?
            .filter(|p| recipient.contains(&p.hukou_region.unwrap_or(p.residence)))
            .ok_or_else(|| StoreError::NotFound(format!("person {}", person.0)))?;
        let village = p.hukou_region.unwrap_or(p.residence);
        let assigned = village.level() == RegionLevel::Village;
        let mut steps = vec![NewStep {
            step: Step::Matched,
            region: case.owner_region.clone(),
            actor: actor.into(),
            note: Some("户籍地查找确认".into()),
        }];
        if assigned {
            steps.push(NewStep {
                step: Step::Assigned,
                region: village.to_string(),
                actor: actor.into(),
                note: None,
            });
        }
        let to = Move {
            state: if assigned {
                Step::Assigned
            } else {
                Step::Matched
            },
            owner: if assigned {
                village.to_string()
            } else {
                case.owner_region.clone()
            },
            due_at: case.due_at,
            reply: None,
            escalated: false,
            // Found by a person of the office: sure.
            matched: Some((p.id.0, 1.0)),
            steps,
        };
        self.move_case(&case, &to, now()).await?;
        Ok(self.case_row(id).await?.unwrap_or(case))
    }

    /// An answer from the other province to a notice this province sent
    /// there (`recipient` the answering system's regions).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn answer_from_outside(
        &self,
        id: i64,
        recipient: &Scope,
        source: &str,
        reply: serde_json::Value,
    ) -> StoreResult<Case> {
        let case = self
            .case_row(id)
            .await?
            .filter(|c| !c.inside_province)
            .filter(|c| {
                RegionCode::parse(&c.recipient_region).is_ok_and(|r| recipient.contains(&r))
            })
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
        let open = Step::parse(&case.state).is_some_and(|s| s.is_open());
        if !open {
            return Err(StoreError::CaseMoved {
                id,
                state: case.state,
            });
        }
        let to = Move {
            state: Step::Answered,
            owner: case.owner_region.clone(),
            due_at: None,
            reply: Some(reply),
            escalated: false,
            matched: None,
            steps: vec![
                NewStep {
                    step: Step::Handled,
                    region: case.recipient_region.clone(),
                    actor: source.into(),
                    note: None,
                },
                NewStep {
                    step: Step::Answered,
                    region: case.sender_region.clone(),
                    actor: PLATFORM.into(),
                    note: Some("外省反馈经交换平台送达".into()),
                },
            ],
        };
        self.move_case(&case, &to, Utc::now()).await?;
        let mut done = case;
        done.state = Step::Answered.as_str().into();
        Ok(done)
    }
}
