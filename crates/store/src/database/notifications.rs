//! What changed, as PostgreSQL announces it on channel `renkou_cache` at each
//! commit (migration 0033): the servers' caches follow these notices and
//! nothing else. SQLite has no notices, so nothing is cached on it.

use sqlx::postgres::PgListener;

use crate::{Store, StoreResult};

/// The channel the triggers notify.
const CHANNEL: &str = "renkou_cache";

/// One committed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeNotice {
    /// Sessions, users, grants or API tokens.
    Accounts,
    /// The region table.
    Regions,
    /// The register or the counters of a county (its 6-digit code).
    County(String),
    /// The connection was lost and is back: notices may have been missed,
    /// so everything cached before is suspect.
    Missed,
}

/// A server's subscription to the notices.
pub struct ChangeNotices(PgListener);

impl ChangeNotices {
    /// The next notice; reconnects (and says `Missed`) when the connection
    /// drops, e.g. at a failover.
    pub async fn next(&mut self) -> StoreResult<ChangeNotice> {
        loop {
            let Some(notice) = self.0.try_recv().await? else {
                return Ok(ChangeNotice::Missed);
            };
            let payload = notice.payload();
            let parsed = match payload {
                "accounts" => Some(ChangeNotice::Accounts),
                "regions" => Some(ChangeNotice::Regions),
                _ => payload
                    .strip_prefix("county:")
                    .map(|c| ChangeNotice::County(c.to_string())),
            };
            match parsed {
                Some(change) => return Ok(change),
                None => tracing::warn!(payload, "unknown change notice"),
            }
        }
    }
}

impl Store {
    /// Subscribes to the change notices; `None` on SQLite.
    pub async fn change_notices(&self) -> StoreResult<Option<ChangeNotices>> {
        let Store::Postgres(pool) = self else {
            return Ok(None);
        };
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(ChangeNotices(listener)))
    }
}
