//! A citizen's appeal against an exclusion from a kept roll (奖励扶助申诉):
//! handed in where the citizen lives, with the roll's verdict on them and
//! the amount the program would pay; reviewed by the township and decided
//! by the county. An appeal upheld adds the person to the roll's payment
//! list (the roll itself stays as the register made it, its reasons adding
//! up); the register's facts that excluded them are for the village to
//! correct with the usual forms.

use renkou_domain::cases::{CaseKind, DeadlineRule, Step};
use renkou_domain::support::{Judge, SupportProgram};
use renkou_domain::{PersonId, RegionCode, RegionLevel};

use super::roll::RollEntry;
use crate::access::scope::Scope;
use crate::cases::open::{NewCase, NewStep, open_case};
use crate::cases::steps::{days, now};
use crate::cases::{CASE_COLUMNS, Case};
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool, with_tx};

/// The source of a roll's appeals (`roll:ID`).
fn source(roll: i64) -> String {
    format!("roll:{roll}")
}

impl Store {
    /// Hands in `person`'s appeal against their exclusion from roll `roll`.
    #[tracing::instrument(level = "debug", skip_all)]
    #[allow(clippy::too_many_arguments)] // one appeal's parts, each named
    pub async fn appeal_exclusion(
        &self,
        roll: i64,
        person: PersonId,
        statement: &str,
        actor: &str,
        scope: &Scope,
        program: &SupportProgram,
        deadline: &DeadlineRule,
    ) -> StoreResult<Case> {
        let statement = statement.trim();
        if statement.is_empty() || statement.chars().count() > 1000 {
            return Err(StoreError::Invalid("申诉理由应为 1 至 1000 字".into()));
        }
        let kept = self
            .saved_roll(roll)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("roll {roll}")))?;
        let region =
            RegionCode::parse(&kept.region_code).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let found = self
            .person(person)
            .await?
            .filter(|p| scope.contains(&p.residence))
            .filter(|p| region.contains(&p.hukou_region.unwrap_or(p.residence)))
            .ok_or_else(|| StoreError::NotFound(format!("person {}", person.0)))?;
        if self
            .roll_entries(roll)
            .await?
            .iter()
            .any(|e| e.person_id == person.0)
        {
            return Err(StoreError::Invalid("此人已在名册中，无须申诉".into()));
        }
        let (facts, _) = self
            .family_facts(person, kept.year as i32)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("person {}", person.0)))?;
        let judge = Judge::new(program).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let verdict = judge
            .judge(&facts)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let amount = judge
            .amount(&facts)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let office = found.residence.ancestor(RegionLevel::Township);
        let now = now();
        let due = days(
            deadline,
            &Case::unopened(CaseKind::SupportAppeal, office.as_str()),
            RegionLevel::Township,
        )?;
        let case = NewCase {
            kind: CaseKind::SupportAppeal,
            source: source(roll),
            external_id: None,
            person_id: person.0,
            sender_region: office.to_string(),
            recipient_region: office.to_string(),
            owner_region: office.to_string(),
            confidence: None,
            inside_province: true,
            due_at: Some(now + chrono::Duration::days(i64::from(due))),
            facts: serde_json::json!({
                "roll_id": roll, "program": kept.program, "year": kept.year,
                "exclusion": verdict.reason, "statement": statement, "amount": amount,
            }),
            steps: vec![NewStep {
                step: Step::Applied,
                region: found.residence.to_string(),
                actor: actor.into(),
                note: Some(format!("名册核查结果：{}", verdict.reason)),
            }],
        };
        let id = with_tx!(self, tx => {
            let mut tx = tx;
            let id = open_case(&mut tx, &case, now).await?;
            if let Some(id) = id {
                tx.insert_case_subjects(id, &[(person.0, "applicant")]).await?;
            }
            tx.commit().await?;
            id
        })
        .ok_or_else(|| StoreError::Invalid("申诉未能受理".into()))?;
        self.case_row(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))
    }

    /// The appeals against a roll, oldest first.
    pub async fn appeals_of_roll(&self, roll: i64) -> StoreResult<Vec<Case>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE source = $1 AND kind = $2 ORDER BY id"
        )))
        .bind(source(roll))
        .bind(CaseKind::SupportAppeal.as_str())
        .fetch_all(pool)
        .await?),
        )
    }

    /// The persons the county added to a roll by upholding their appeal.
    pub async fn upheld_appeals(&self, roll: i64) -> StoreResult<Vec<RollEntry>> {
        Ok(self
            .appeals_of_roll(roll)
            .await?
            .into_iter()
            .filter(|c| c.state == Step::Approved.as_str())
            .map(|c| {
                let facts = c.facts.map(|f| f.0).unwrap_or_default();
                RollEntry {
                    person_id: c.person_id,
                    eligible: true,
                    reason: format!(
                        "申诉成立（原：{}）",
                        facts
                            .get("exclusion")
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                    ),
                    amount: facts.get("amount").and_then(|v| v.as_i64()).unwrap_or(0),
                }
            })
            .collect())
    }
}
