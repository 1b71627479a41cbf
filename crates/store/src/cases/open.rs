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

/// An application about a person: handed in at the township where they
/// live, its first step at their village (so that village reads the case),
/// due by the deadline rule at the township.
#[derive(Debug, Clone)]
pub(crate) struct Application<'a> {
    pub kind: CaseKind,
    pub source: String,
    pub external_id: Option<String>,
    /// The person it is for.
    pub person_id: i64,
    /// Where it is handed in: the village whose township has it.
    pub village: renkou_domain::RegionCode,
    /// What the case carries (the kind's own form).
    pub facts: serde_json::Value,
    /// The first step's words (the register's verdict).
    pub note: String,
    pub actor: &'a str,
    /// Every person it is about, with their part.
    pub subjects: Vec<(i64, &'static str)>,
}

/// Opens an application in the caller's transaction; `None` when its
/// sender's id was opened before.
pub(crate) async fn open_application<T: Tx>(
    tx: &mut T,
    app: &Application<'_>,
    now: DateTime<Utc>,
    deadline: &renkou_domain::cases::DeadlineRule,
) -> StoreResult<Option<i64>> {
    use renkou_domain::RegionLevel;
    let office = app.village.ancestor(RegionLevel::Township);
    let due = super::steps::days(
        deadline,
        &super::Case::unopened(app.kind, office.as_str()),
        RegionLevel::Township,
    )?;
    let case = NewCase {
        kind: app.kind,
        source: app.source.clone(),
        external_id: app.external_id.clone(),
        person_id: app.person_id,
        sender_region: office.to_string(),
        recipient_region: office.to_string(),
        owner_region: office.to_string(),
        confidence: None,
        inside_province: true,
        due_at: Some(now + chrono::Duration::days(i64::from(due))),
        facts: app.facts.clone(),
        steps: vec![NewStep {
            step: Step::Applied,
            region: app.village.to_string(),
            actor: app.actor.into(),
            note: Some(app.note.clone()),
        }],
    };
    let id = open_case(tx, &case, now).await?;
    if let Some(id) = id {
        tx.insert_case_subjects(id, &app.subjects).await?;
    }
    Ok(id)
}

impl crate::Store {
    /// Opens an application in a transaction of its own and reads it back.
    pub(crate) async fn apply(
        &self,
        app: &Application<'_>,
        deadline: &renkou_domain::cases::DeadlineRule,
    ) -> StoreResult<super::Case> {
        let now = super::steps::now();
        let id = crate::with_tx!(self, tx => {
            let mut tx = tx;
            let id = open_application(&mut tx, app, now, deadline).await?;
            tx.commit().await?;
            id
        })
        .ok_or_else(|| crate::error::StoreError::Invalid("申请未能受理".into()))?;
        self.case_row(id)
            .await?
            .ok_or_else(|| crate::error::StoreError::NotFound(format!("case {id}")))
    }

    /// The person of an application, living in `scope` (else unknown).
    pub(crate) async fn applicant(
        &self,
        person: renkou_domain::PersonId,
        scope: &crate::access::scope::Scope,
    ) -> StoreResult<renkou_domain::Person> {
        self.person(person)
            .await?
            .filter(|p| scope.contains(&p.residence))
            .ok_or_else(|| crate::error::StoreError::NotFound(format!("person {}", person.0)))
    }

    /// A person's family judged by a program's rules for `year`: the
    /// verdict, the program's amount for them, and the couple's children.
    pub(crate) async fn judged(
        &self,
        person: renkou_domain::PersonId,
        year: i32,
        rules: &renkou_domain::support::SupportProgram,
    ) -> StoreResult<(renkou_domain::support::Verdict, i64, Vec<i64>)> {
        let refused = |e: renkou_domain::support::ProgramError| {
            crate::error::StoreError::Invalid(e.to_string())
        };
        let (facts, children) = self
            .family_facts(person, year)
            .await?
            .ok_or_else(|| crate::error::StoreError::NotFound(format!("person {}", person.0)))?;
        let judge = renkou_domain::support::Judge::new(rules).map_err(refused)?;
        let verdict = judge.judge(&facts).map_err(refused)?;
        let amount = judge.amount(&facts).map_err(refused)?;
        Ok((verdict, amount, children))
    }
}
