//! The shared cache in Redis (L1). Its keys carry Redis's own generations of
//! the scopes (`renkou:gen:<scope>`, moved on by every server that follows a
//! notice) and a generation of everything (`renkou:gen:all`, moved on when a
//! server may have missed notices or lost Redis for a while). A failed or
//! slow call marks Redis down for a second; the server then works from its
//! own memory and the database, and moves `all` on before it trusts Redis
//! again, since notices went unrecorded meanwhile.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long a call may take before Redis counts as down.
const CALL_TIMEOUT: Duration = Duration::from_millis(200);
/// How long Redis is left alone after a failure.
const PAUSE: Duration = Duration::from_secs(1);
/// How long an entry lives unread (memory bound, not invalidation).
const ENTRY_SECONDS: u64 = 600;

/// Reads the generations and the entry in one round trip; returns the
/// entry's full key (to write on a miss) and its value.
const GET: &str = r"
local all = redis.call('GET', 'renkou:gen:all') or '0'
local gen = redis.call('GET', 'renkou:gen:' .. ARGV[1]) or '0'
local key = 'renkou:c:' .. all .. ':' .. ARGV[1] .. ':' .. gen .. ':' .. ARGV[2]
return {key, redis.call('GET', key)}
";

pub(super) struct Shared {
    client: redis::Client,
    connection: Mutex<Option<ConnectionManager>>,
    /// Held while one request connects; the others go without Redis meanwhile.
    connecting: tokio::sync::Mutex<()>,
    paused_until: Mutex<Option<Instant>>,
    /// Set when Redis failed: notices may be unrecorded there.
    stale: AtomicBool,
    script: redis::Script,
}

impl Shared {
    pub(super) fn new(url: &str) -> redis::RedisResult<Shared> {
        Ok(Shared {
            client: redis::Client::open(url)?,
            connection: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            paused_until: Mutex::new(None),
            stale: AtomicBool::new(true),
            script: redis::Script::new(GET),
        })
    }

    /// Whether Redis answered the last call.
    pub(super) fn is_up(&self) -> bool {
        !self.stale.load(Ordering::Relaxed)
    }

    /// A connection, unless Redis is paused; first moves `all` on if Redis
    /// was lost since it was last trusted.
    async fn connection(&self) -> Option<ConnectionManager> {
        if self
            .paused_until
            .lock()
            .ok()
            .and_then(|p| *p)
            .is_some_and(|until| Instant::now() < until)
        {
            return None;
        }
        let existing = self.connection.lock().ok().and_then(|c| c.clone());
        let mut connection = match existing {
            Some(connection) => connection,
            None => {
                let _connecting = self.connecting.try_lock().ok()?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CALL_TIMEOUT))
                    .set_response_timeout(Some(CALL_TIMEOUT))
                    .set_number_of_retries(1);
                let connection = match tokio::time::timeout(
                    CALL_TIMEOUT * 2,
                    ConnectionManager::new_with_config(self.client.clone(), config),
                )
                .await
                {
                    Ok(Ok(connection)) => connection,
                    Ok(Err(e)) => return self.failed(&e.to_string()),
                    Err(_) => return self.failed("connecting timed out"),
                };
                if let Ok(mut slot) = self.connection.lock() {
                    *slot = Some(connection.clone());
                }
                connection
            }
        };
        if self.stale.load(Ordering::Acquire) {
            let moved: Result<redis::RedisResult<i64>, _> = tokio::time::timeout(
                CALL_TIMEOUT,
                redis::cmd("INCR")
                    .arg("renkou:gen:all")
                    .query_async(&mut connection),
            )
            .await;
            match moved {
                Ok(Ok(_)) => self.stale.store(false, Ordering::Release),
                Ok(Err(e)) => return self.failed(&e.to_string()),
                Err(_) => return self.failed("timed out"),
            }
        }
        Some(connection)
    }

    fn failed<T>(&self, why: &str) -> Option<T> {
        if !self.stale.swap(true, Ordering::AcqRel) {
            tracing::warn!(why, "the shared cache (Redis) is away: serving without it");
        }
        if let Ok(mut paused) = self.paused_until.lock() {
            *paused = Some(Instant::now() + PAUSE);
        }
        None
    }

    /// Runs one call, marking Redis down when it fails or is slow.
    async fn call<T: redis::FromRedisValue>(
        &self,
        run: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> Option<T> {
        let mut connection = self.connection().await?;
        match tokio::time::timeout(CALL_TIMEOUT, run(&mut connection)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => self.failed(&e.to_string()),
            Err(_) => self.failed("timed out"),
        }
    }

    /// The entry's full key and, when present, its value.
    pub(super) async fn get(&self, scope: &str, key: &str) -> Option<(String, Option<Vec<u8>>)> {
        self.call(async |c: &mut ConnectionManager| {
            self.script.arg(scope).arg(key).invoke_async(c).await
        })
        .await
    }

    pub(super) async fn set(&self, full_key: &str, value: &[u8]) {
        let _: Option<()> = self
            .call(async |c: &mut ConnectionManager| {
                redis::cmd("SET")
                    .arg(full_key)
                    .arg(value)
                    .arg("EX")
                    .arg(ENTRY_SECONDS)
                    .query_async(c)
                    .await
            })
            .await;
    }

    pub(super) async fn changed(&self, scopes: &[String]) {
        let done: Option<()> = self
            .call(async |c: &mut ConnectionManager| {
                let mut pipe = redis::pipe();
                for scope in scopes {
                    pipe.cmd("INCR").arg(format!("renkou:gen:{scope}")).ignore();
                }
                pipe.query_async(c).await
            })
            .await;
        if done.is_none() {
            // Unrecorded: Redis must not be trusted until `all` moves on.
            self.stale.store(true, Ordering::Release);
        }
    }

    pub(super) async fn forget_all(&self) {
        self.stale.store(true, Ordering::Release);
        // Moves `all` on now if Redis answers; else at its return.
        let _ = self.connection().await;
    }
}
