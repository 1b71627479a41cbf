//! Login sessions and login throttling.

use chrono::{DateTime, Duration, Utc};
use renkou_domain::{IdNumber, Person, Username};

use crate::accounts::Account;
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// Failed logins in a row before an account is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;

/// The regions a user may see: the union of their grants' regions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(Vec<renkou_domain::RegionCode>);

impl Scope {
    /// The scope of an account's grants.
    pub fn of(account: &Account) -> Scope {
        Scope(account.grants.iter().map(|g| g.region).collect())
    }

    /// Whether a region lies inside the scope.
    pub fn contains(&self, code: &renkou_domain::RegionCode) -> bool {
        self.0.iter().any(|r| r.contains(code))
    }
}

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

    /// The account behind a live session, if any.
    pub async fn session_account(&self, token_hash: &str) -> StoreResult<Option<Account>> {
        let username: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT u.username FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.status = 'active'",
        )
        .bind(token_hash)
        .bind(Utc::now())
        .fetch_optional(pool)
        .await?);
        match username.and_then(|u| Username::parse(&u).ok()) {
            Some(name) => self.user(&name).await,
            None => Ok(None),
        }
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
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

    /// A page of the persons living in `region`, in id order after `after`.
    /// A region outside the scope gives nobody, as an empty region would.
    pub async fn persons_in_region(
        &self,
        region: &renkou_domain::RegionCode,
        scope: &Scope,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Person>> {
        if !scope.contains(region) {
            return Ok(Vec::new());
        }
        let (low, high) = region.descendant_range();
        let rows = on_pool!(self, pool => sqlx::query_as::<_, crate::rows::PersonRow>(concat!(
            "SELECT ", crate::rows::person_columns!(),
            " FROM persons WHERE residence >= $1 AND residence < $2 AND id > $3 ORDER BY id LIMIT $4"
        ))
        .bind(low)
        .bind(high)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(Person::try_from).collect()
    }

    /// The person with this identity number if they live inside the scope;
    /// `None` otherwise, so that a caller cannot tell "elsewhere" from "nowhere".
    pub async fn person_by_id_number_in(
        &self,
        number: &IdNumber,
        scope: &Scope,
    ) -> StoreResult<Option<Person>> {
        Ok(self
            .person_by_id_number(number)
            .await?
            .filter(|p| scope.contains(&p.residence)))
    }
}
