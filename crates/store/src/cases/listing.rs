//! Inboxes and outboxes: the cases an office has (or sent), by state, the
//! overdue ones, and one case with its steps.

use chrono::{DateTime, Utc};
use renkou_domain::cases::{CaseKind, Step};
use renkou_domain::{PersonId, RegionCode};
use serde::Serialize;

use super::{CASE_COLUMNS, Case, CaseStep};
use crate::access::scope::Scope;
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// Which side of the cases an office looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mailbox {
    /// The cases it has now (收件箱).
    Inbox,
    /// The cases it sent (发件箱).
    Outbox,
    /// The cases sent to it, wherever they are now (another province's
    /// system reads the notices addressed to it).
    Addressed,
}

impl Mailbox {
    /// The column that places a case in the box.
    fn column(self) -> &'static str {
        match self {
            Mailbox::Inbox => "owner_region",
            Mailbox::Outbox => "sender_region",
            Mailbox::Addressed => "recipient_region",
        }
    }
}

/// Which cases of a box to list.
#[derive(Debug, Clone)]
pub struct CaseFilter {
    pub mailbox: Mailbox,
    /// The office (and the offices inside it).
    pub region: RegionCode,
    /// Only cases of this kind.
    pub kind: Option<CaseKind>,
    /// Only cases in this state.
    pub state: Option<Step>,
    /// Only open cases past their deadline.
    pub overdue: bool,
    /// Cases with a larger id than this (the next page).
    pub after: i64,
    pub limit: i64,
}

/// How many cases of a box are in each state, and how many are overdue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseCounts {
    /// (state, count), in the order of the flow.
    pub states: Vec<(String, i64)>,
    /// Open and past their deadline.
    pub overdue: i64,
}

impl Store {
    /// A page of a box's cases, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn cases(&self, filter: &CaseFilter, now: DateTime<Utc>) -> StoreResult<Vec<Case>> {
        let (low, high) = filter.region.descendant_range();
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE {col} >= $1 AND {col} < $2 AND id > $3 \
             AND ($4 = '' OR state = $4) AND ($5 = 0 OR (due_at IS NOT NULL AND due_at < $6)) \
             AND ($8 = '' OR kind = $8) ORDER BY id LIMIT $7",
            col = filter.mailbox.column()
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(sql))
            .bind(low)
            .bind(high)
            .bind(filter.after)
            .bind(filter.state.map_or("", |s| s.as_str()))
            .bind(i64::from(filter.overdue))
            .bind(now)
            .bind(filter.limit)
            .bind(filter.kind.map_or("", CaseKind::as_str))
            .fetch_all(pool)
            .await?),
        )
    }

    /// The open cases an office (and the offices inside it) has, the one
    /// due first first: its list of work due, of every kind.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn cases_due(&self, region: &RegionCode, limit: i64) -> StoreResult<Vec<Case>> {
        let (low, high) = region.descendant_range();
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE owner_region >= $1 AND owner_region < $2 \
             AND due_at IS NOT NULL ORDER BY due_at, id LIMIT $3"
        )))
        .bind(low)
        .bind(high)
        .bind(limit)
        .fetch_all(pool)
        .await?),
        )
    }

    /// How many of a box's cases are in each state, and overdue.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn case_counts(
        &self,
        mailbox: Mailbox,
        region: &RegionCode,
        kind: Option<CaseKind>,
        now: DateTime<Utc>,
    ) -> StoreResult<CaseCounts> {
        let (low, high) = region.descendant_range();
        let sql = format!(
            "SELECT state, COUNT(*), CAST(SUM(CASE WHEN due_at IS NOT NULL AND due_at < $3 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM cases WHERE {col} >= $1 AND {col} < $2 AND ($4 = '' OR kind = $4) GROUP BY state",
            col = mailbox.column()
        );
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, i64, i64)>(sqlx::AssertSqlSafe(sql))
            .bind(low)
            .bind(high)
            .bind(now)
            .bind(kind.map_or("", CaseKind::as_str))
            .fetch_all(pool)
            .await?);
        let mut counts = CaseCounts::default();
        for step in Step::FLOW.into_iter().chain(Step::REVIEW) {
            if let Some((state, n, _)) = rows.iter().find(|r| r.0 == step.as_str()) {
                counts.states.push((state.clone(), *n));
            }
        }
        counts.overdue = rows.iter().map(|r| r.2).sum();
        Ok(counts)
    }

    /// A case with its steps, oldest first, if a region of `scope` took
    /// part in it (sent it, had it, or has it); else it is unknown.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn case(&self, id: i64, scope: &Scope) -> StoreResult<Option<(Case, Vec<CaseStep>)>> {
        self.case_of(id, &CaseKind::ALL, scope).await
    }

    /// [`Store::case`] for a case of one of `kinds` (each subsystem reads
    /// its own kinds; a case of another kind is unknown to it).
    pub async fn case_of(
        &self,
        id: i64,
        kinds: &[CaseKind],
        scope: &Scope,
    ) -> StoreResult<Option<(Case, Vec<CaseStep>)>> {
        let Some(case) = self
            .case_row(id)
            .await?
            .filter(|c| kinds.iter().any(|k| k.as_str() == c.kind))
        else {
            return Ok(None);
        };
        let steps = self.case_steps(id).await?;
        let in_scope = |code: &str| RegionCode::parse(code).is_ok_and(|c| scope.contains(&c));
        let took_part = in_scope(&case.owner_region)
            || in_scope(&case.sender_region)
            || steps.iter().any(|s| in_scope(&s.region_code));
        Ok(took_part.then_some((case, steps)))
    }

    /// Every case about a person (its main person, or one it names: a
    /// spouse, a child), newest first.
    pub async fn cases_about(&self, person: PersonId) -> StoreResult<Vec<Case>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE person_id = $1 \
             OR id IN (SELECT case_id FROM case_subjects WHERE person_id = $1) ORDER BY id DESC"
        )))
        .bind(person.0)
        .fetch_all(pool)
        .await?),
        )
    }

    /// The kind of a case (to know whose grants decide it); none for an
    /// unknown id or kind.
    pub async fn case_kind(&self, id: i64) -> StoreResult<Option<CaseKind>> {
        Ok(self
            .case_row(id)
            .await?
            .and_then(|c| CaseKind::parse(&c.kind)))
    }

    /// A case, whoever may see it (the callers check).
    pub(crate) async fn case_row(&self, id: i64) -> StoreResult<Option<Case>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?),
        )
    }

    /// The steps of a case, oldest first (unscoped: for its sender outside
    /// the province, found by its own message id).
    pub async fn case_steps(&self, id: i64) -> StoreResult<Vec<CaseStep>> {
        Ok(on_pool!(self, pool => sqlx::query_as::<_, CaseStep>(
            "SELECT step, region_code, actor, at, note FROM case_steps WHERE case_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?))
    }

    /// The cases about a person, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn cases_of_person(&self, person: PersonId) -> StoreResult<Vec<Case>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE person_id = $1 ORDER BY id DESC"
        )))
        .bind(person.0)
        .fetch_all(pool)
        .await?),
        )
    }
}

/// What became of the messages of one sender: for checking that each was
/// handled exactly once (the exchange's fault test and benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SenderTally {
    /// Arrival events recorded from the sender's records.
    pub arrivals: i64,
    /// Distinct persons those arrivals moved.
    pub persons: i64,
    /// Cases opened by them.
    pub cases: i64,
    /// Of those, answered.
    pub answered: i64,
    /// `handled` steps over all those cases.
    pub handled_steps: i64,
    /// Cases with more than one `handled` step.
    pub handled_twice: i64,
}

impl Store {
    /// The tally of one sender's messages (`source` as the events carry it).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sender_tally(&self, source: &str) -> StoreResult<SenderTally> {
        let (arrivals, persons, cases, answered, handled_steps, handled_twice) = on_pool!(self, pool => sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64)>(
            "SELECT \
               (SELECT COUNT(*) FROM events WHERE source = $1 AND kind = 'migrant_arrival'), \
               (SELECT COUNT(DISTINCT person_id) FROM events WHERE source = $1 AND kind = 'migrant_arrival'), \
               (SELECT COUNT(*) FROM cases WHERE source = $1), \
               (SELECT COUNT(*) FROM cases WHERE source = $1 AND state = 'answered'), \
               (SELECT COUNT(*) FROM case_steps s JOIN cases c ON c.id = s.case_id WHERE c.source = $1 AND s.step = 'handled'), \
               (SELECT COUNT(*) FROM (SELECT s.case_id FROM case_steps s JOIN cases c ON c.id = s.case_id \
                  WHERE c.source = $1 AND s.step = 'handled' GROUP BY s.case_id HAVING COUNT(*) > 1) twice)",
        )
        .bind(source)
        .fetch_one(pool)
        .await?);
        Ok(SenderTally {
            arrivals,
            persons,
            cases,
            answered,
            handled_steps,
            handled_twice,
        })
    }
}
