//! Login sessions and login throttling.

use chrono::{DateTime, Duration, Utc};

use crate::accounts::{Account, AccountRow, parse_grant};
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// A session's account joined with one of its grants.
#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    account: AccountRow,
    role: Option<String>,
    region_code: Option<String>,
}

/// Failed logins in a row before an account is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;

impl Store {
    /// Starts a session for a user; `token_hash` identifies it.
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
    pub async fn session_account(&self, token_hash: &str) -> StoreResult<Option<Account>> {
        let rows: Vec<SessionRow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.password_hash, u.status, u.failed_logins, \
                    u.locked_until, g.role, g.region_code \
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
        for row in rows {
            if let (Some(role), Some(region)) = (&row.role, &row.region_code) {
                grants.push(parse_grant(&row.account.username, role, region)?);
            }
            account.get_or_insert(row.account);
        }
        Ok(account.map(|a| a.into_account(grants)))
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Ends every session of a user except one (after a password change).
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

    /// Counts a failed login; the account locks after [`MAX_FAILED_LOGINS`] in a row.
    pub async fn record_failed_login(&self, user_id: i64) -> StoreResult<()> {
        let lock_until = Utc::now() + Duration::minutes(LOCK_MINUTES);
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE users SET failed_logins = failed_logins + 1, \
                 locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END WHERE id = $1",
            )
            .bind(user_id)
            .bind(MAX_FAILED_LOGINS)
            .bind(lock_until)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Clears the failure count after a good login.
    pub async fn record_good_login(&self, user_id: i64) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(user_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
