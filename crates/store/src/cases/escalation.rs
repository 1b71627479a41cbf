//! Escalation (督办): a case whose office let its deadline pass goes to
//! the level above, which may handle it or assign it again, with a new
//! deadline; each time a step says so. Run by the server every minute and
//! by `renkou cases escalate`; several running at once escalate a case once.

use chrono::{DateTime, Utc};
use renkou_domain::RegionCode;
use renkou_domain::cases::{DeadlineRule, Step};

use super::open::NewStep;
use super::steps::{Move, days};
use super::{CASE_COLUMNS, Case, PLATFORM};
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

impl Store {
    /// Escalates every open case past its deadline at `now`; returns how many.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn escalate_overdue(
        &self,
        now: DateTime<Utc>,
        rule: &DeadlineRule,
    ) -> StoreResult<u64> {
        let mut escalated = 0;
        let mut after = 0i64;
        loop {
            let page = on_pool!(self, pool => sqlx::query_as::<_, Case>(sqlx::AssertSqlSafe(format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE due_at IS NOT NULL AND due_at < $1 AND id > $2 \
                 ORDER BY id LIMIT 500"
            )))
            .bind(now)
            .bind(after)
            .fetch_all(pool)
            .await?);
            let Some(last) = page.last() else { break };
            after = last.id;
            for case in page {
                match self.escalate(&case, now, rule).await {
                    Ok(()) => escalated += 1,
                    // Handled or escalated meanwhile (by a clerk, another server).
                    Err(StoreError::CaseMoved { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(escalated)
    }

    /// Sends one case to the level above its office (a province's case stays,
    /// with a new deadline and a step that says it is overdue).
    async fn escalate(
        &self,
        case: &Case,
        now: DateTime<Utc>,
        rule: &DeadlineRule,
    ) -> StoreResult<()> {
        let owner = RegionCode::parse(&case.owner_region)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let above = self.level_above(&owner).await?;
        let name = self.region_name(&above).await?;
        let state = Step::parse(&case.state).unwrap_or(Step::Sent);
        let mut next = case.clone();
        next.escalations += 1;
        let days = days(rule, &next, above.level())?;
        let to = Move {
            state,
            owner: above.to_string(),
            due_at: Some(now + chrono::Duration::days(i64::from(days))),
            reply: None,
            escalated: true,
            matched: None,
            steps: vec![NewStep {
                step: Step::Escalated,
                region: above.to_string(),
                actor: PLATFORM.into(),
                note: Some(format!("逾期未办，升级至{name}督办")),
            }],
        };
        self.move_case(case, &to, now).await
    }
}
