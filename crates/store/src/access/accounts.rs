//! Accounts and role grants, on either engine.

use chrono::{DateTime, Utc};
use renkou_domain::{Grant, RegionCode, Role, Subsystems, Username};
use serde::{Deserialize, Serialize};

use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

/// An account as stored (the hash never leaves the store but for login
/// checks, and is not kept by the caches: read back, it is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub status: String,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub grants: Vec<Grant>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: i64,
    pub(crate) username: String,
    display_name: Option<String>,
    password_hash: String,
    status: String,
    failed_logins: i64,
    locked_until: Option<DateTime<Utc>>,
}

impl Store {
    /// Creates an account with its first grants; the region of each grant
    /// must be in the region table.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_user(
        &self,
        username: &Username,
        display_name: Option<&str>,
        password_hash: &str,
        grants: &[Grant],
        granted_by: &str,
    ) -> StoreResult<i64> {
        if self.user(username).await?.is_some() {
            return Err(StoreError::Invalid(format!(
                "user {username} already exists"
            )));
        }
        for grant in grants {
            self.ensure_region(&grant.region).await?;
        }
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (username, display_name, password_hash, created_at, password_changed_at) \
                 VALUES ($1, $2, $3, $4, $4) RETURNING id",
            )
            .bind(username.as_str())
            .bind(display_name)
            .bind(password_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for grant in grants {
                sqlx::query(
                    "INSERT INTO grants (user_id, role, region_code, granted_at, granted_by, subsystems) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(grant.role.as_str())
                .bind(grant.region.as_str())
                .bind(now)
                .bind(granted_by)
                .bind(stored_subsystems(grant))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    /// An account with its grants.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn user(&self, username: &Username) -> StoreResult<Option<Account>> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, AccountRow>(
            "SELECT id, username, display_name, password_hash, status, failed_logins, locked_until \
             FROM users WHERE username = $1",
        )
        .bind(username.as_str())
        .fetch_optional(pool)
        .await?);
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(self.with_grants(row).await?)),
        }
    }

    /// The names shown for these login names (the display name where the
    /// account has one); a name that is no account is left out.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn display_names(
        &self,
        usernames: &[&str],
    ) -> StoreResult<std::collections::HashMap<String, String>> {
        let mut names = std::collections::HashMap::new();
        for username in usernames {
            if names.contains_key(*username) {
                continue;
            }
            let shown: Option<Option<String>> = on_pool!(self, pool => sqlx::query_scalar(
                "SELECT display_name FROM users WHERE username = $1",
            )
            .bind(*username)
            .fetch_optional(pool)
            .await?);
            if let Some(shown) = shown {
                names.insert(
                    username.to_string(),
                    shown.unwrap_or_else(|| username.to_string()),
                );
            }
        }
        Ok(names)
    }

    /// Every account, by name.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn users(&self) -> StoreResult<Vec<Account>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, AccountRow>(
            "SELECT id, username, display_name, password_hash, status, failed_logins, locked_until \
             FROM users ORDER BY username",
        )
        .fetch_all(pool)
        .await?);
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.with_grants(row).await?);
        }
        Ok(out)
    }

    /// Adds a grant; a grant of the same role and region held already takes
    /// this one's subsystems.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn grant(
        &self,
        username: &Username,
        grant: Grant,
        granted_by: &str,
    ) -> StoreResult<()> {
        let account = self.existing_user(username).await?;
        self.ensure_region(&grant.region).await?;
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO grants (user_id, role, region_code, granted_at, granted_by, subsystems) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (user_id, role, region_code) DO UPDATE SET subsystems = excluded.subsystems",
            )
            .bind(account.id)
            .bind(grant.role.as_str())
            .bind(grant.region.as_str())
            .bind(Utc::now())
            .bind(granted_by)
            .bind(stored_subsystems(&grant))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Removes a grant; false when the user did not hold it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn revoke(&self, username: &Username, grant: Grant) -> StoreResult<bool> {
        let account = self.existing_user(username).await?;
        let done = on_pool!(self, pool => sqlx::query(
            "DELETE FROM grants WHERE user_id = $1 AND role = $2 AND region_code = $3",
        )
        .bind(account.id)
        .bind(grant.role.as_str())
        .bind(grant.region.as_str())
        .execute(pool)
        .await?
        .rows_affected());
        Ok(done > 0)
    }

    /// Replaces a user's password hash and lifts any lock.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_password(&self, username: &Username, password_hash: &str) -> StoreResult<()> {
        let account = self.existing_user(username).await?;
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE users SET password_hash = $2, password_changed_at = $3, failed_logins = 0, locked_until = NULL \
                 WHERE id = $1",
            )
            .bind(account.id)
            .bind(password_hash)
            .bind(Utc::now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    async fn existing_user(&self, username: &Username) -> StoreResult<Account> {
        self.user(username)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {username}")))
    }

    async fn ensure_region(&self, code: &RegionCode) -> StoreResult<()> {
        match self.region(code).await? {
            Some(r) if r.valid_to.is_none() => Ok(()),
            Some(_) => Err(StoreError::Region {
                code: code.to_string(),
                reason: "retired".into(),
            }),
            None => Err(StoreError::Region {
                code: code.to_string(),
                reason: "not in the region table".into(),
            }),
        }
    }

    pub(crate) async fn with_grants(&self, row: AccountRow) -> StoreResult<Account> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, Option<String>)>(
            "SELECT role, region_code, subsystems FROM grants WHERE user_id = $1 ORDER BY role, region_code",
        )
        .bind(row.id)
        .fetch_all(pool)
        .await?);
        let grants = rows
            .iter()
            .map(|(role, region, subsystems)| {
                parse_grant(&row.username, role, region, subsystems.as_deref())
            })
            .collect::<StoreResult<Vec<Grant>>>()?;
        Ok(row.into_account(grants))
    }
}

impl AccountRow {
    /// The account this row and these grants make.
    pub(crate) fn into_account(self, grants: Vec<Grant>) -> Account {
        let row = self;
        Account {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            password_hash: row.password_hash,
            status: row.status,
            failed_logins: row.failed_logins,
            locked_until: row.locked_until,
            grants,
        }
    }
}

/// A stored grant, which must parse (else the table was changed outside Renkou).
pub(crate) fn parse_grant(
    username: &str,
    role: &str,
    region: &str,
    subsystems: Option<&str>,
) -> StoreResult<Grant> {
    let corrupt = |reason: String| StoreError::Corrupt {
        what: format!("grant of user {username}"),
        reason,
    };
    let role = Role::parse(role).map_err(|e| corrupt(e.to_string()))?;
    let region = RegionCode::parse(region).map_err(|e| corrupt(e.to_string()))?;
    let subsystems = match subsystems {
        None => role.default_subsystems(),
        Some(list) => Subsystems::parse_list(list)
            .ok_or_else(|| corrupt(format!("unknown subsystem in {list:?}")))?,
    };
    Ok(Grant {
        role,
        region,
        subsystems,
    })
}

/// The subsystems column of a grant: NULL when they are the role's own, so
/// that a role's defaults can change without rewriting its grants.
fn stored_subsystems(grant: &Grant) -> Option<String> {
    (grant.subsystems != grant.role.default_subsystems()).then(|| grant.subsystems.to_list())
}
