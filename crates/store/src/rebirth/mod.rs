//! Re-birth approvals (再生育审批): a couple's application handed in at the
//! township where the applicant lives, with the register's verdict by the
//! province's rules kept as advice to the reviewers, the documents added
//! and checked (`cases/documents.rs`), passed by the township and decided
//! by the county — approved only with every document checked, or refused
//! with the reason — each step a step of the case.

use chrono::Datelike;
use renkou_domain::PersonId;
use renkou_domain::cases::{CaseKind, DeadlineRule};
use renkou_domain::support::SupportProgram;

use crate::Store;
use crate::access::scope::Scope;
use crate::cases::Case;
use crate::cases::open::Application;
use crate::cases::steps::now;
use crate::error::{StoreError, StoreResult};

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
        let person = self.applicant(applicant, scope).await?;
        let (verdict, _, children) = self.judged(applicant, now().year(), rules).await?;
        let spouse = person.spouse_id.map(|s| s.0);
        let mut subjects: Vec<(i64, &'static str)> = vec![(applicant.0, "applicant")];
        subjects.extend(spouse.map(|s| (s, "spouse")));
        subjects.extend(children.iter().map(|c| (*c, "child")));
        let application = Application {
            kind: CaseKind::Rebirth,
            source: "rebirth".into(),
            external_id: None,
            person_id: person.id.0,
            village: person.residence,
            facts: serde_json::json!({
                "spouse": spouse,
                "reason": reason,
                "children": children.len(),
                "check": verdict.reason,
                "eligible_by_register": verdict.eligible,
            }),
            note: format!("人口库核查：{}", verdict.reason),
            actor,
            subjects,
        };
        self.apply(&application, deadline).await
    }
}
