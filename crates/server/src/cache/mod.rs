//! The servers' caches (issue 17, DESIGN.md §1's three levels): a shared one
//! in Redis (L1) that every server reads, and one in each server's memory
//! (L2, moka), in front of the database; pages' HTTP caching (L3) is
//! `web/etag.rs`. They hold sessions, regions and report results. Code tables
//! need none: they are compiled into the binary.
//!
//! Invalidation is by the database's own change notices (migration 0033,
//! `follow.rs`), never by time: every entry's key carries the generation of
//! its scope, read before the database was, and a notice moves the
//! generation on, so an entry computed from data older than a change is
//! never read again after the notice — whatever order reads, writes and
//! notices interleave in. The scopes are `accounts`, `regions` and the
//! counts of a province, city or county (`counts:51`, `counts:5101`,
//! `counts:510104`; a county's notice moves all three).
//!
//! Without notices (SQLite, or while the listening connection is down)
//! nothing is cached; without Redis, L2 alone serves. Stopping Redis costs
//! speed, never correctness.

mod follow;
mod shared;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use follow::follow_changes;
use shared::Shared;

/// What the caches did, since the server started (the system page shows it).
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct CacheStats {
    /// Whether entries are being kept (change notices are followed).
    pub live: bool,
    /// Whether the shared cache (Redis) is configured and answering.
    pub shared_up: bool,
    /// Answers from this server's memory.
    pub local_hits: u64,
    /// Answers from the shared cache.
    pub shared_hits: u64,
    /// Answers the database had to give.
    pub misses: u64,
    /// Change notices followed.
    pub notices: u64,
}

/// The caches of one server; cheap to clone.
#[derive(Clone)]
pub struct Caches(Arc<Inner>);

struct Inner {
    local: moka::future::Cache<String, Arc<[u8]>>,
    shared: Option<Shared>,
    generations: Mutex<HashMap<String, u64>>,
    /// Moves on when notices may have been missed: every older key is dead.
    epoch: AtomicU64,
    live: AtomicBool,
    local_hits: AtomicU64,
    shared_hits: AtomicU64,
    misses: AtomicU64,
    notices: AtomicU64,
}

impl Caches {
    /// Caches of `local_mb` megabytes in memory, with Redis at `redis_url`
    /// when given. Nothing is kept until [`follow_changes`] listens.
    pub fn new(local_mb: u64, redis_url: Option<&str>) -> Caches {
        let local = moka::future::Cache::builder()
            .max_capacity(local_mb * 1024 * 1024)
            .weigher(|key: &String, value: &Arc<[u8]>| {
                u32::try_from(key.len() + value.len()).unwrap_or(u32::MAX)
            })
            .build();
        let shared = redis_url.and_then(|url| match Shared::new(url) {
            Ok(shared) => Some(shared),
            Err(e) => {
                tracing::error!(error = %e, "the shared cache's URL is wrong: running without it");
                None
            }
        });
        Caches(Arc::new(Inner {
            local,
            shared,
            generations: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            live: AtomicBool::new(false),
            local_hits: AtomicU64::new(0),
            shared_hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            notices: AtomicU64::new(0),
        }))
    }

    /// Caches that keep nothing (SQLite, tests of other things).
    pub fn none() -> Caches {
        Caches::new(0, None)
    }

    /// What the caches did.
    pub fn stats(&self) -> CacheStats {
        let inner = &self.0;
        CacheStats {
            live: inner.live.load(Ordering::Relaxed),
            shared_up: inner.shared.as_ref().is_some_and(Shared::is_up),
            local_hits: inner.local_hits.load(Ordering::Relaxed),
            shared_hits: inner.shared_hits.load(Ordering::Relaxed),
            misses: inner.misses.load(Ordering::Relaxed),
            notices: inner.notices.load(Ordering::Relaxed),
        }
    }

    /// The value of `key` in `scope`: from memory, from Redis, or from `load`
    /// (and then kept in both). `keep` says whether a loaded value may be kept.
    pub async fn get_or_load<T, E, F>(
        &self,
        scope: &str,
        key: &str,
        keep: impl Fn(&T) -> bool,
        load: F,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        F: Future<Output = Result<T, E>>,
    {
        let inner = &self.0;
        if !inner.live.load(Ordering::Acquire) {
            return load.await;
        }
        // The generation is read before anything else: see the module's doc.
        let local_key = self.local_key(scope, key);
        if let Some(bytes) = inner.local.get(&local_key).await
            && let Ok(value) = serde_json::from_slice(&bytes)
        {
            inner.local_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(value);
        }
        let mut shared_key = None;
        if let Some(shared) = &inner.shared
            && let Some((full_key, found)) = shared.get(scope, key).await
        {
            if let Some(bytes) = found
                && let Ok(value) = serde_json::from_slice(&bytes)
            {
                inner.shared_hits.fetch_add(1, Ordering::Relaxed);
                inner.local.insert(local_key, bytes.into()).await;
                return Ok(value);
            }
            shared_key = Some(full_key);
        }
        inner.misses.fetch_add(1, Ordering::Relaxed);
        let value = load.await?;
        if keep(&value)
            && let Ok(bytes) = serde_json::to_vec(&value)
        {
            if let (Some(shared), Some(full_key)) = (&inner.shared, shared_key) {
                shared.set(&full_key, &bytes).await;
            }
            inner.local.insert(local_key, bytes.into()).await;
        }
        Ok(value)
    }

    fn local_key(&self, scope: &str, key: &str) -> String {
        let generation = self
            .0
            .generations
            .lock()
            .map(|g| g.get(scope).copied().unwrap_or(0))
            .unwrap_or(0);
        let epoch = self.0.epoch.load(Ordering::Acquire);
        format!("{epoch}#{scope}#{generation}#{key}")
    }

    /// A committed change of `scopes`: their entries are dead, here and in
    /// Redis.
    pub async fn changed(&self, scopes: &[String]) {
        let inner = &self.0;
        inner.notices.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut generations) = inner.generations.lock() {
            for scope in scopes {
                *generations.entry(scope.clone()).or_insert(0) += 1;
            }
        }
        if let Some(shared) = &inner.shared {
            shared.changed(scopes).await;
        }
    }

    /// Notices may have been missed (or will be, until `live` again): every
    /// entry is dead, and nothing is kept while not live.
    pub async fn forget_all(&self, live: bool) {
        let inner = &self.0;
        inner.live.store(false, Ordering::Release);
        inner.epoch.fetch_add(1, Ordering::AcqRel);
        inner.local.invalidate_all();
        if let Some(shared) = &inner.shared {
            shared.forget_all().await;
        }
        inner.live.store(live, Ordering::Release);
    }
}

/// The scope of counts a report of `region` (12 digits) depends on: its
/// county's, city's or province's.
pub fn counts_scope(region: &str) -> String {
    let significant = region.trim_end_matches('0').len();
    let digits = match significant {
        0..=2 => 2,
        3..=4 => 4,
        _ => 6,
    };
    format!("counts:{}", region.get(..digits).unwrap_or(region))
}

/// The scopes a county's change moves on: its own, its city's and its
/// province's counts.
pub fn county_scopes(county: &str) -> Vec<String> {
    [2, 4, 6]
        .iter()
        .filter_map(|&n| county.get(..n))
        .map(|prefix| format!("counts:{prefix}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_depends_on_the_counts_of_its_county_city_or_province() {
        assert_eq!(counts_scope("510000000000"), "counts:51");
        assert_eq!(counts_scope("510100000000"), "counts:5101");
        assert_eq!(counts_scope("510104000000"), "counts:510104");
        assert_eq!(counts_scope("510104017001"), "counts:510104");
        assert_eq!(
            county_scopes("510104"),
            ["counts:51", "counts:5101", "counts:510104"]
        );
    }
}
