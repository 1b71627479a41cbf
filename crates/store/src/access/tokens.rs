//! API tokens for other departments' systems: each reads the persons of one
//! region, and only the fields it lists.

use chrono::{DateTime, Utc};
use renkou_domain::{Field, RegionCode};
use serde::Serialize;

use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

/// A token as stored (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    /// The system it was issued to, e.g. `civil-affairs`.
    pub name: String,
    /// The region whose persons it may read.
    pub region: RegionCode,
    /// The fields it may read (the person's id always).
    pub fields: Vec<Field>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether it also sends notices and answers (another region's system).
    pub exchanges: bool,
}

type TokenRow = (
    i64,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    bool,
);

const COLUMNS: &str =
    "id, name, region_code, fields, created_by, created_at, expires_at, revoked_at, exchanges";

fn token_of(row: TokenRow) -> StoreResult<ApiToken> {
    let (id, name, region, fields, created_by, created_at, expires_at, revoked_at, exchanges) = row;
    let corrupt = |reason: String| StoreError::Corrupt {
        what: format!("api token {name}"),
        reason,
    };
    let region = RegionCode::parse(&region).map_err(|e| corrupt(e.to_string()))?;
    let names: Vec<String> = serde_json::from_str(&fields).map_err(|e| corrupt(e.to_string()))?;
    let fields = names
        .iter()
        .map(|n| Field::parse(n).ok_or_else(|| corrupt(format!("unknown field {n}"))))
        .collect::<StoreResult<Vec<Field>>>()?;
    Ok(ApiToken {
        id,
        name,
        region,
        fields,
        created_by,
        created_at,
        expires_at,
        revoked_at,
        exchanges,
    })
}

impl Store {
    /// Issues a token; `token_hash` is the SHA-256 of the secret handed out.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn add_api_token(
        &self,
        name: &str,
        token_hash: &str,
        region: &RegionCode,
        fields: &[Field],
        created_by: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
        let fields = serde_json::to_string(&names).unwrap_or_else(|_| "[]".into());
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO api_tokens (name, token_hash, region_code, fields, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(name)
        .bind(token_hash)
        .bind(region.as_str())
        .bind(fields)
        .bind(created_by)
        .bind(Utc::now())
        .bind(expires_at)
        .fetch_one(pool)
        .await?);
        Ok(id)
    }

    /// The live (unexpired, unrevoked) token with this hash.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn live_api_token(&self, token_hash: &str) -> StoreResult<Option<ApiToken>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2"
        );
        let row: Option<TokenRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(Utc::now())
            .fetch_optional(pool)
            .await?);
        row.map(token_of).transpose()
    }

    /// The token of this name, live or not.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn api_token_named(&self, name: &str) -> StoreResult<Option<ApiToken>> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE name = $1");
        let row: Option<TokenRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .fetch_optional(pool)
            .await?);
        row.map(token_of).transpose()
    }

    /// Every token, by name.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn api_tokens(&self) -> StoreResult<Vec<ApiToken>> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY name");
        let rows: Vec<TokenRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(token_of).collect()
    }

    /// Lets a token send notices and answers (or no longer); `false` when
    /// there is no such token.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_token_exchanges(&self, name: &str, exchanges: bool) -> StoreResult<bool> {
        let done = on_pool!(self, pool => sqlx::query(
            "UPDATE api_tokens SET exchanges = $2 WHERE name = $1",
        )
        .bind(name)
        .bind(exchanges)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(done > 0)
    }

    /// Revokes a token by name; `false` when there is no live one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn revoke_api_token(&self, name: &str) -> StoreResult<bool> {
        let done = on_pool!(self, pool => sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
        )
        .bind(name)
        .bind(Utc::now())
        .execute(pool)
        .await?
        .rows_affected());
        Ok(done > 0)
    }
}
