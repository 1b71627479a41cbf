//! Login sessions and login throttling.

use chrono::{DateTime, Duration, Utc};

use crate::access::accounts::{Account, AccountRow, parse_grant};
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// A session's account joined with one of its grants.
#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    account: AccountRow,
    role: Option<String>,
    region_code: Option<String>,
    subsystems: Option<String>,
    expires_at: DateTime<Utc>,
}

/// Failed logins in a row before a user name is locked (whether or not an
/// account has that name, so that locking says nothing about existence).
pub const MAX_FAILED_LOGINS: i64 = 5;
/// Failed logins from one network address before it is locked.
pub const MAX_FAILED_LOGINS_PER_ADDRESS: i64 = 50;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;

impl Store {
    /// Starts a session for a user; `token_hash` identifies it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user_id)
                .bind(Utc::now())
                .bind(expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The account behind a live session, if any: one query, as every
    /// request asks it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn session_account(&self, token_hash: &str) -> StoreResult<Option<Account>> {
        Ok(self
            .live_session(token_hash)
            .await?
            .map(|(account, _)| account))
    }

    /// The account behind a live session and the moment the session ends
    /// (what a cache of sessions keeps).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn live_session(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(Account, DateTime<Utc>)>> {
        let rows: Vec<SessionRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.password_hash, u.status, u.failed_logins, \
                    u.locked_until, g.role, g.region_code, g.subsystems, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN grants g ON g.user_id = u.id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.status = 'active' \
             ORDER BY g.role, g.region_code",
        )
        .bind(token_hash)
        .bind(Utc::now())
        .fetch_all(pool)
        .await?);
        let mut grants = Vec::with_capacity(rows.len());
        let mut account = None;
        let mut expires_at = None;
        for row in rows {
            expires_at = Some(row.expires_at);
            if let (Some(role), Some(region)) = (&row.role, &row.region_code) {
                grants.push(parse_grant(
                    &row.account.username,
                    role,
                    region,
                    row.subsystems.as_deref(),
                )?);
            }
            account.get_or_insert(row.account);
        }
        Ok(account
            .zip(expires_at)
            .map(|(a, until)| (a.into_account(grants), until)))
    }

    /// Ends a session.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Ends every session of a user (after an administrator sets a password).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn end_sessions_of(&self, name: &renkou_domain::Username) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)")
                .bind(name.as_str())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Ends every session of a user except one (after a password change).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn end_other_sessions(&self, user_id: i64, keep_hash: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(keep_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Reserves one login attempt for each throttle key (`name:…`,
    /// `addr:…`) *before* the password is checked, atomically, so that
    /// parallel requests cannot all slip in before the lock: the attempt may
    /// go ahead only if no key is past its limit. A key that reaches its
    /// limit locks for [`LOCK_MINUTES`]; a lock that has run out starts over.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reserve_login_attempt(&self, keys: &[(String, i64)]) -> StoreResult<bool> {
        let now = Utc::now();
        let lock_until = now + Duration::minutes(LOCK_MINUTES);
        let mut allowed = true;
        for (key, limit) in keys {
            let attempts: i64 = on_pool!(self, pool => sqlx::query_scalar(
                "INSERT INTO login_throttle (key, attempts, locked_until) VALUES ($1, 1, CASE WHEN $3 <= 1 THEN $4 ELSE NULL END) \
                 ON CONFLICT (key) DO UPDATE SET \
                 attempts = CASE WHEN login_throttle.locked_until IS NOT NULL AND login_throttle.locked_until <= $2 \
                                 THEN 1 ELSE login_throttle.attempts + 1 END, \
                 locked_until = CASE WHEN login_throttle.locked_until IS NOT NULL AND login_throttle.locked_until <= $2 THEN NULL \
                                     WHEN login_throttle.attempts + 1 >= $3 THEN COALESCE(login_throttle.locked_until, $4) \
                                     ELSE login_throttle.locked_until END \
                 RETURNING attempts",
            )
            .bind(key)
            .bind(now)
            .bind(limit)
            .bind(lock_until)
            .fetch_one(pool)
            .await?);
            allowed &= attempts <= *limit;
        }
        Ok(allowed)
    }

    /// Gives back a reserved attempt that turned out good: the name's count
    /// starts over, the address's loses the one reserved.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn release_login_attempt(
        &self,
        name_key: &str,
        address_key: Option<&str>,
    ) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(name_key).execute(pool).await?;
            if let Some(address_key) = address_key {
                sqlx::query("UPDATE login_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0 AND locked_until IS NULL")
                    .bind(address_key)
                    .execute(pool)
                    .await?;
            }
        });
        Ok(())
    }
}
