//! The database's copies: whether this connection is to a read replica (the
//! decision-support copy), how old its figures are, and, on the primary,
//! which standbys stream from it and how far behind they are.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::Store;
use crate::error::{StoreError, StoreResult};

/// How current the figures read from this store are.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Freshness {
    /// Whether the store is a read replica (false: the primary, live).
    pub replica: bool,
    /// The moment its figures hold at: now on the primary or a replica that
    /// has replayed all it received; else the last change it replayed.
    pub as_of: DateTime<Utc>,
    /// Seconds behind the primary (0 when live).
    pub lag_seconds: f64,
}

/// A standby streaming from the primary.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Standby {
    /// Its `application_name` (`mirror`, `reports`).
    pub name: String,
    /// Its address.
    pub address: Option<String>,
    /// `streaming`, `catchup`, …
    pub state: String,
    /// `sync`/`quorum` (a commit waits for it) or `async`.
    pub sync_state: String,
    /// Seconds from a commit on the primary to its replay there (recent).
    pub replay_lag_seconds: Option<f64>,
    /// Bytes of WAL sent but not yet replayed.
    pub replay_behind_bytes: Option<i64>,
}

/// Whether the connected server is a standby.
pub(crate) async fn is_standby(pool: &PgPool) -> StoreResult<bool> {
    Ok(sqlx::query_scalar("SELECT pg_is_in_recovery()")
        .fetch_one(pool)
        .await?)
}

/// A replica must hold the schema this build expects (it is the primary's,
/// migrated when the primary's servers started).
pub(crate) async fn check_schema(pool: &PgPool) -> StoreResult<()> {
    let expected = crate::database::postgres::migrator()
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await
            .unwrap_or(None);
    if applied != Some(expected) {
        return Err(StoreError::Invalid(format!(
            "the replica's schema is at version {applied:?}, this build expects {expected}: \
             start a server on the primary first"
        )));
    }
    Ok(())
}

impl Store {
    /// How current this store's figures are (always live on SQLite).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn freshness(&self) -> StoreResult<Freshness> {
        let Store::Postgres(pool) = self else {
            return Ok(Freshness {
                replica: false,
                as_of: Utc::now(),
                lag_seconds: 0.0,
            });
        };
        // A replica that has replayed everything it received is as current
        // as the primary's last commit that reached it; the replay time of
        // its last change says nothing then (a quiet primary).
        let (replica, caught_up, replayed, now): (
            bool,
            Option<bool>,
            Option<DateTime<Utc>>,
            DateTime<Utc>,
        ) = sqlx::query_as(
            "SELECT pg_is_in_recovery(), \
                        pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), \
                        pg_last_xact_replay_timestamp(), now()",
        )
        .fetch_one(pool)
        .await?;
        let as_of = match (replica, caught_up, replayed) {
            (false, _, _) | (true, Some(true), _) | (true, _, None) => now,
            (true, _, Some(replayed)) => replayed,
        };
        Ok(Freshness {
            replica,
            as_of,
            lag_seconds: (now - as_of).num_milliseconds().max(0) as f64 / 1000.0,
        })
    }

    /// The standbys streaming from this (primary) database; none on SQLite
    /// or a replica.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn standbys(&self) -> StoreResult<Vec<Standby>> {
        let Store::Postgres(pool) = self else {
            return Ok(Vec::new());
        };
        Ok(sqlx::query_as::<_, Standby>(
            "SELECT application_name AS name, host(client_addr) AS address, state, sync_state, \
                    extract(epoch FROM replay_lag)::float8 AS replay_lag_seconds, \
                    pg_wal_lsn_diff(sent_lsn, replay_lsn)::int8 AS replay_behind_bytes \
             FROM pg_stat_replication ORDER BY application_name",
        )
        .fetch_all(pool)
        .await?)
    }
}
