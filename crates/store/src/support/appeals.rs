//! A citizen's appeal against an exclusion from a kept roll (奖励扶助申诉):
//! handed in where the citizen lives, with the roll's verdict on them and
//! the amount the program would pay; reviewed by the township and decided
//! by the county. An appeal upheld adds the person to the roll's payment
//! list (the roll itself stays as the register made it, its reasons adding
//! up); the register's facts that excluded them are for the village to
//! correct with the usual forms.

use renkou_domain::cases::{CaseKind, DeadlineRule, Step};
use renkou_domain::support::SupportProgram;
use renkou_domain::{PersonId, RegionCode};

use super::roll::RollEntry;
use crate::access::scope::Scope;
use crate::cases::open::Application;
use crate::cases::{CASE_COLUMNS, Case};
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

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
        let found = self.applicant(person, scope).await?;
        if !region.contains(&found.hukou_region.unwrap_or(found.residence)) {
            return Err(StoreError::NotFound(format!("person {}", person.0)));
        }
        if self
            .roll_entries(roll)
            .await?
            .iter()
            .any(|e| e.person_id == person.0)
        {
            return Err(StoreError::Invalid("此人已在名册中，无须申诉".into()));
        }
        let (verdict, amount, _) = self.judged(person, kept.year as i32, program).await?;
        let application = Application {
            kind: CaseKind::SupportAppeal,
            source: source(roll),
            external_id: None,
            person_id: found.id.0,
            village: found.residence,
            facts: serde_json::json!({
                "roll_id": roll, "program": kept.program, "year": kept.year,
                "exclusion": verdict.reason, "statement": statement, "amount": amount,
            }),
            note: format!("名册核查结果：{}", verdict.reason),
            actor,
            subjects: vec![(person.0, "applicant")],
        };
        self.apply(&application, deadline).await
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
