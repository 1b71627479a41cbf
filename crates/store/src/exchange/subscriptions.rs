//! Push subscriptions (推送订阅): the feed delivered to a department's own
//! address. The deliverer (in the server) claims a due subscription for a
//! while, sends the next page after its cursor, and records how it went:
//! the cursor moves only on success; a failure waits longer each time
//! (exponential backoff) and after too many in a row the subscription is
//! paused until an administrator resumes it. Several servers may deliver:
//! a claim is taken by one.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Subscription {
    pub id: i64,
    /// The API token whose scope and fields the deliveries have.
    pub token_name: String,
    /// Where deliveries are posted.
    pub url: String,
    /// The HMAC key of the signatures (never shown after creation).
    #[serde(skip)]
    pub secret: String,
    /// Where in the feed it stands (the `next` of the last page delivered).
    pub cursor: String,
    /// `active` or `paused`.
    pub state: String,
    /// Failures in a row.
    pub failures: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Events delivered so far.
    pub delivered: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// The columns of [`Subscription`].
const COLUMNS: &str = "id, token_name, url, secret, cursor, state, CAST(failures AS BIGINT) AS failures, \
     next_attempt_at, last_error, last_success_at, CAST(delivered AS BIGINT) AS delivered, created_by, created_at";

/// How long a claimed delivery may take before another server may try.
const CLAIM: i64 = 120;

impl Store {
    /// Subscribes a token's system at `url`; returns the new subscription
    /// (its secret is to be handed over once).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_subscription(
        &self,
        token_name: &str,
        url: &str,
        secret: &str,
        created_by: &str,
    ) -> StoreResult<Subscription> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(StoreError::Invalid(
                "推送地址应以 https:// 或 http:// 开头".into(),
            ));
        }
        if self.api_token_named(token_name).await?.is_none() {
            return Err(StoreError::NotFound(format!("api token {token_name}")));
        }
        let now = Utc::now();
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO push_subscriptions (token_name, url, secret, next_attempt_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $4) RETURNING id",
        )
        .bind(token_name)
        .bind(url)
        .bind(secret)
        .bind(now)
        .bind(created_by)
        .fetch_one(pool)
        .await?);
        self.subscription(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("subscription {id}")))
    }

    /// One subscription.
    pub async fn subscription(&self, id: i64) -> StoreResult<Option<Subscription>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Subscription>(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM push_subscriptions WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?),
        )
    }

    /// Every subscription, by token and address.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn subscriptions(&self) -> StoreResult<Vec<Subscription>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, Subscription>(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM push_subscriptions ORDER BY token_name, url"
        )))
        .fetch_all(pool)
        .await?),
        )
    }

    /// Claims the active subscriptions due at `now` (each for a while, so
    /// that another server leaves it alone) and returns them.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn claim_due_subscriptions(
        &self,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Subscription>> {
        let due = on_pool!(self, pool => sqlx::query_as::<_, Subscription>(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM push_subscriptions WHERE state = 'active' AND next_attempt_at <= $1 ORDER BY id"
        )))
        .bind(now)
        .fetch_all(pool)
        .await?);
        let mut claimed = Vec::with_capacity(due.len());
        for s in due {
            let taken = on_pool!(self, pool => sqlx::query(
                "UPDATE push_subscriptions SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at = $3 AND state = 'active'",
            )
            .bind(now + Duration::seconds(CLAIM))
            .bind(s.id)
            .bind(s.next_attempt_at)
            .execute(pool)
            .await?
            .rows_affected());
            if taken == 1 {
                claimed.push(s);
            }
        }
        Ok(claimed)
    }

    /// A page delivered (or nothing to deliver): the cursor moves on, the
    /// failures are forgiven, the next attempt is at `next`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn subscription_delivered(
        &self,
        id: i64,
        cursor: &str,
        events: i64,
        now: DateTime<Utc>,
        next: DateTime<Utc>,
    ) -> StoreResult<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE push_subscriptions SET cursor = $1, failures = 0, last_error = NULL, \
             last_success_at = CASE WHEN $2 > 0 THEN $3 ELSE last_success_at END, \
             delivered = delivered + $2, next_attempt_at = $4 WHERE id = $5",
        )
        .bind(cursor)
        .bind(events)
        .bind(now)
        .bind(next)
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())?);
        Ok(())
    }

    /// A delivery failed: tried again after `base × 2^(failures-1)` (at most
    /// a day); paused after `max_failures` in a row. Returns whether it is paused.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn subscription_failed(
        &self,
        id: i64,
        error: &str,
        now: DateTime<Utc>,
        base: Duration,
        max_failures: i64,
    ) -> StoreResult<bool> {
        let Some(s) = self.subscription(id).await? else {
            return Ok(false);
        };
        let failures = s.failures + 1;
        let wait = base
            .checked_mul(1 << (failures - 1).clamp(0, 20))
            .unwrap_or(Duration::days(1))
            .min(Duration::days(1));
        let paused = failures >= max_failures;
        let error: String = error.chars().take(500).collect();
        on_pool!(self, pool => sqlx::query(
            "UPDATE push_subscriptions SET failures = $1, last_error = $2, next_attempt_at = $3, state = $4 WHERE id = $5",
        )
        .bind(failures)
        .bind(error)
        .bind(now + wait)
        .bind(if paused { "paused" } else { "active" })
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())?);
        Ok(paused)
    }

    /// Resumes a paused subscription (an administrator, once the receiver
    /// is fixed): tried at once, from where it stood.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn resume_subscription(&self, id: i64) -> StoreResult<bool> {
        let done = on_pool!(self, pool => sqlx::query(
            "UPDATE push_subscriptions SET state = 'active', failures = 0, next_attempt_at = $1 WHERE id = $2",
        )
        .bind(Utc::now())
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(done == 1)
    }
}
