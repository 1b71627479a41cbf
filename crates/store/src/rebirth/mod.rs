//! Re-birth approvals (再生育审批): a couple's application handed in at the
//! township where the applicant lives, with the register's verdict by the
//! province's rules kept as advice to the reviewers, the documents added
//! and checked (`cases/documents.rs`), passed by the township and decided
//! by the county — approved only with every document checked, or refused
//! with the reason — each step a step of the case.

use chrono::Datelike;
use renkou_domain::cases::{CaseKind, DeadlineRule, Step};
use renkou_domain::support::{Judge, SupportProgram};
use renkou_domain::{PersonId, RegionLevel};

use crate::access::scope::Scope;
use crate::cases::Case;
use crate::cases::open::{NewCase, NewStep, open_case};
use crate::cases::steps::{days, now};
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::{Store, with_tx};

impl Store {
    /// Hands in a couple's application, `reason` in their words.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn apply_rebirth(
        &self,
        applicant: PersonId,
        reason: &str,
        actor: &str,
        scope: &Scope,
        rules: &SupportProgram,
        deadline: &DeadlineRule,
    ) -> StoreResult<Case> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(StoreError::Invalid("申请理由应为 1 至 1000 字".into()));
        }
        let person = self
            .person(applicant)
            .await?
            .filter(|p| scope.contains(&p.residence))
            .ok_or_else(|| StoreError::NotFound(format!("person {}", applicant.0)))?;
        let now = now();
        let (facts, children) = self
            .family_facts(applicant, now.year())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("person {}", applicant.0)))?;
        let judge = Judge::new(rules).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let verdict = judge
            .judge(&facts)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let spouse = person.spouse_id.map(|s| s.0);
        let office = person.residence.ancestor(RegionLevel::Township);
        let due = days(
            deadline,
            &Case::unopened(CaseKind::Rebirth, office.as_str()),
            RegionLevel::Township,
        )?;
        let case = NewCase {
            kind: CaseKind::Rebirth,
            source: "rebirth".into(),
            external_id: None,
            person_id: applicant.0,
            sender_region: office.to_string(),
            recipient_region: office.to_string(),
            owner_region: office.to_string(),
            confidence: None,
            inside_province: true,
            due_at: Some(now + chrono::Duration::days(i64::from(due))),
            facts: serde_json::json!({
                "spouse": spouse,
                "reason": reason,
                "children": facts.children,
                "children_born": facts.children_born,
                "check": verdict.reason,
                "eligible_by_register": verdict.eligible,
            }),
            // Handed in where the applicant lives: that village reads
            // the case by its step.
            steps: vec![NewStep {
                step: Step::Applied,
                region: person.residence.to_string(),
                actor: actor.into(),
                note: Some(format!("人口库核查：{}", verdict.reason)),
            }],
        };
        let mut subjects: Vec<(i64, &str)> = vec![(applicant.0, "applicant")];
        subjects.extend(spouse.map(|s| (s, "spouse")));
        subjects.extend(children.iter().map(|c| (*c, "child")));
        let id = with_tx!(self, tx => {
            let mut tx = tx;
            let id = open_case(&mut tx, &case, now).await?;
            if let Some(id) = id {
                tx.insert_case_subjects(id, &subjects).await?;
            }
            tx.commit().await?;
            id
        })
        .ok_or_else(|| StoreError::Invalid("申请未能受理".into()))?;
        self.case_row(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))
    }
}
