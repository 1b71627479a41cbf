//! The township's review of collectors' entries (审核 / 退回), where the
//! province switches it on: each entry waits as `pending`; a reviewer
//! approves it or returns it with a reason; the collector corrects the
//! record and sends it again. The entry is in the register all along.

use chrono::{DateTime, Utc};
use renkou_domain::RegionCode;
use serde::Serialize;

use crate::access::scope::Scope;
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

/// Where an entry's review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Waiting for the township.
    Pending,
    /// Confirmed.
    Approved,
    /// Sent back to the collector with a reason.
    Returned,
}

impl ReviewState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Pending => "pending",
            ReviewState::Approved => "approved",
            ReviewState::Returned => "returned",
        }
    }

    /// The state as staff read it.
    pub fn chinese(self) -> &'static str {
        match self {
            ReviewState::Pending => "待审核",
            ReviewState::Approved => "已审核",
            ReviewState::Returned => "已退回",
        }
    }

    /// Reads the stored name.
    pub fn parse(text: &str) -> Option<ReviewState> {
        [
            ReviewState::Pending,
            ReviewState::Approved,
            ReviewState::Returned,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One entry under review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EntryReview {
    pub id: i64,
    pub event_id: i64,
    pub person_id: i64,
    pub region_code: String,
    pub kind: String,
    pub recorder: String,
    pub recorded_at: DateTime<Utc>,
    pub state: String,
    pub reviewer: Option<String>,
    pub reason: Option<String>,
}

const REVIEW_COLUMNS: &str = "id, event_id, person_id, region_code, kind, recorder, recorded_at, \
     state, reviewer, reason";

impl Store {
    /// The entries of `region` in one state, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reviews_in(
        &self,
        region: &RegionCode,
        state: ReviewState,
        limit: i64,
    ) -> StoreResult<Vec<EntryReview>> {
        let (low, high) = region.descendant_range();
        let sql = format!(
            "SELECT {REVIEW_COLUMNS} FROM entry_reviews WHERE region_code >= $1 AND region_code < $2 \
             AND state = $3 ORDER BY id LIMIT $4"
        );
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, EntryReview>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(&low)
            .bind(&high)
            .bind(state.as_str())
            .bind(limit)
            .fetch_all(pool)
            .await?),
        )
    }

    /// How many entries of `region` are in `state`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn review_count(&self, region: &RegionCode, state: ReviewState) -> StoreResult<i64> {
        let (low, high) = region.descendant_range();
        Ok(on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM entry_reviews WHERE region_code >= $1 AND region_code < $2 AND state = $3",
        )
        .bind(&low)
        .bind(&high)
        .bind(state.as_str())
        .fetch_one(pool)
        .await?))
    }

    /// Moves an entry of the scope from `from` to `to`, saying who and why;
    /// not found outside the scope, and refused when it is no longer in `from`
    /// (someone acted first).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn move_review(
        &self,
        id: i64,
        from: ReviewState,
        to: ReviewState,
        by: &str,
        reason: Option<&str>,
        scope: &Scope,
    ) -> StoreResult<EntryReview> {
        let sql = format!("SELECT {REVIEW_COLUMNS} FROM entry_reviews WHERE id = $1");
        let review = on_pool!(self, pool => sqlx::query_as::<_, EntryReview>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(pool)
            .await?)
        .filter(|r| RegionCode::parse(&r.region_code).is_ok_and(|c| scope.contains(&c)))
        .ok_or_else(|| StoreError::NotFound(format!("review {id}")))?;
        let now = Utc::now();
        let moved = on_pool!(self, pool => sqlx::query(
            "UPDATE entry_reviews SET state = $2, reviewer = $3, reason = $4, reviewed_at = $5 \
             WHERE id = $1 AND state = $6",
        )
        .bind(id)
        .bind(to.as_str())
        .bind(by)
        .bind(reason)
        .bind(now)
        .bind(from.as_str())
        .execute(pool)
        .await?
        .rows_affected());
        if moved != 1 {
            return Err(StoreError::AlreadyResolved(id));
        }
        Ok(EntryReview {
            state: to.as_str().to_string(),
            reviewer: Some(by.to_string()),
            reason: reason.map(str::to_string),
            ..review
        })
    }
}
