//! The audit log: who read or changed what, when, from where. Append-only and
//! chained by a keyed hash (HMAC-SHA256 with a key kept outside the database),
//! with checkpoints of the chain's head written outside the database too
//! ([`checkpoint`]). [`Store::verify_audit`] finds an altered, inserted or
//! deleted entry, and a chain cut short or rewritten since a checkpoint.
//!
//! A change's own entry is written inside the change's transaction, into
//! `audit_pending` ([`write_pending`]); the group-commit writer chains pending
//! entries before any new ones, so a committed change is an audited change
//! even if the server dies before it answers.

pub mod checkpoint;

use chrono::{DateTime, SubsecRound, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

pub use checkpoint::{Checkpoint, append_checkpoint, read_checkpoints};

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One thing to write down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The user (or process) who acted.
    pub actor: String,
    /// What they did: `read_person`, `login`, `login_failed`, …
    pub action: String,
    /// The person concerned, if one is.
    pub person_id: Option<i64>,
    /// Anything else worth keeping (the query, the fields changed).
    pub detail: String,
    /// The client's network address.
    pub address: Option<String>,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub person_id: Option<i64>,
    pub detail: String,
    pub address: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// Chained with the key (entries written before the key existed are not).
    pub keyed: bool,
}

/// Which entries to show.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub person_id: Option<i64>,
    pub actor: Option<String>,
}

/// The secret the chain is keyed with. It lives outside the database (a file
/// readable only by the server's account), so that someone who can write the
/// database alone cannot recompute the chain after changing it.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    /// A new random key.
    pub fn generate() -> AuditKey {
        AuditKey(rand::random())
    }

    /// A key from its bytes (tests, or a key held in a secrets store).
    pub fn from_bytes(bytes: [u8; 32]) -> AuditKey {
        AuditKey(bytes)
    }

    /// Reads the key file (64 hex characters), creating it with a new random
    /// key, readable by its owner only, when it does not exist.
    pub fn load_or_create(path: &std::path::Path) -> StoreResult<AuditKey> {
        let bad =
            |reason: String| StoreError::Invalid(format!("audit key {}: {reason}", path.display()));
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).map_err(|e| bad(e.to_string()))?;
                let key: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| bad("not 32 bytes of hex".into()))?;
                Ok(AuditKey(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = AuditKey::generate();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| bad(e.to_string()))?;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(|e| bad(e.to_string()))?;
                std::io::Write::write_all(&mut file, hex::encode(key.0).as_bytes())
                    .map_err(|e| bad(e.to_string()))?;
                Ok(key)
            }
            Err(e) => Err(bad(e.to_string())),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length: this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }

    /// The keyed hash of some parts, as hex.
    pub(crate) fn sign(&self, parts: &[&str]) -> String {
        let mut m = self.mac();
        for part in parts {
            m.update(part.as_bytes());
            m.update(&[0x1f]);
        }
        hex::encode(m.finalize().into_bytes())
    }
}

/// The hash of one entry after `prev`: keyed when a key is given.
fn entry_hash(prev: &str, at: &DateTime<Utc>, e: &AuditEntry, key: Option<&AuditKey>) -> String {
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let person = e.person_id.map(|p| p.to_string()).unwrap_or_default();
    let parts = [
        prev,
        at.as_str(),
        e.actor.as_str(),
        e.action.as_str(),
        person.as_str(),
        e.detail.as_str(),
        e.address.as_deref().unwrap_or_default(),
    ];
    match key {
        Some(key) => key.sign(&parts),
        None => {
            let mut h = Sha256::new();
            for part in parts {
                h.update(part.as_bytes());
                h.update([0x1f]);
            }
            hex::encode(h.finalize())
        }
    }
}

/// Audit rows per INSERT statement (9 parameters each; SQLite allows 32,766).
const AUDIT_ROWS_PER_STATEMENT: usize = 1000;

/// Pending entries chained per pass.
const PENDING_PER_PASS: i64 = 10_000;

/// The chain's end: how many entries, the last id and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub entries: i64,
    pub last_id: i64,
    pub hash: String,
}

/// What [`Store::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Entries checked.
    pub entries: u64,
    /// Of those, entries chained before the key existed (their hash is
    /// plain SHA-256: anyone could have recomputed them).
    pub unkeyed: u64,
    /// Entries written with their change but not chained yet.
    pub pending: i64,
    /// Checkpoints the chain was checked against.
    pub checkpoints: usize,
    /// The first entry that does not fit and why; `None` when all is intact.
    pub broken: Option<(i64, String)>,
}

impl Store {
    /// Appends entries to the chain in one transaction, after chaining the
    /// entries pending from committed changes.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn audit(&self, entries: &[AuditEntry], key: &AuditKey) -> StoreResult<()> {
        // Microseconds: what both engines store exactly, so the hash can be recomputed.
        let now = Utc::now().trunc_subsecs(6);
        let postgres = self.is_postgres();
        on_pool!(self, pool => {
            loop {
                // One writer at a time extends the chain: SQLite's BEGIN IMMEDIATE,
                // a transaction-scoped advisory lock on PostgreSQL.
                let mut tx = if postgres { pool.begin().await? } else { pool.begin_with("BEGIN IMMEDIATE").await? };
                if postgres {
                    sqlx::query("SELECT pg_advisory_xact_lock(7311)").execute(&mut *tx).await?;
                }
                let mut prev: String = sqlx::query_scalar::<_, String>("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?
                    .unwrap_or_else(|| GENESIS.to_string());
                let pending = sqlx::query_as::<_, (i64, DateTime<Utc>, String, String, Option<i64>, String, Option<String>)>(
                    "SELECT id, at, actor, action, person_id, detail, address FROM audit_pending ORDER BY id LIMIT $1",
                )
                .bind(PENDING_PER_PASS)
                .fetch_all(&mut *tx)
                .await?;
                let more_pending = pending.len() as i64 == PENDING_PER_PASS;
                let last_pending = pending.last().map(|p| p.0);
                let mut all: Vec<(DateTime<Utc>, AuditEntry)> = pending
                    .into_iter()
                    .map(|(_, at, actor, action, person_id, detail, address)| {
                        (at, AuditEntry { actor, action, person_id, detail, address })
                    })
                    .collect();
                if !more_pending {
                    all.extend(entries.iter().map(|e| (now, e.clone())));
                }
                // Chain first, then write in multi-row statements: a batch of a
                // thousand reads is a handful of round trips, not a thousand.
                let mut rows = Vec::with_capacity(all.len());
                for (at, e) in &all {
                    let hash = entry_hash(&prev, at, e, Some(key));
                    rows.push((at, e, std::mem::replace(&mut prev, hash.clone()), hash));
                }
                for chunk in rows.chunks(AUDIT_ROWS_PER_STATEMENT) {
                    let mut insert = sqlx::QueryBuilder::new(
                        "INSERT INTO audit_log (at, actor, action, person_id, detail, address, prev_hash, hash, keyed) ",
                    );
                    insert.push_values(chunk, |mut row, (at, e, prev, hash)| {
                        row.push_bind(**at)
                            .push_bind(&e.actor)
                            .push_bind(&e.action)
                            .push_bind(e.person_id)
                            .push_bind(&e.detail)
                            .push_bind(&e.address)
                            .push_bind(prev)
                            .push_bind(hash)
                            .push_bind(true);
                    });
                    insert.build().execute(&mut *tx).await?;
                }
                if let Some(last) = last_pending {
                    sqlx::query("DELETE FROM audit_pending WHERE id <= $1").bind(last).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                if !more_pending {
                    break;
                }
            }
        });
        Ok(())
    }

    /// Chains whatever committed changes left pending (at start-up, before a
    /// verification).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn chain_pending_audit(&self, key: &AuditKey) -> StoreResult<()> {
        self.audit(&[], key).await
    }

    /// The chain's current end.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn audit_head(&self) -> StoreResult<AuditHead> {
        let (entries, last_id, hash) = on_pool!(self, pool => sqlx::query_as::<_, (i64, Option<i64>, Option<String>)>(
            "SELECT CAST(COUNT(*) AS BIGINT), MAX(id), (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) FROM audit_log",
        )
        .fetch_one(pool)
        .await?);
        Ok(AuditHead {
            entries,
            last_id: last_id.unwrap_or(0),
            hash: hash.unwrap_or_else(|| GENESIS.to_string()),
        })
    }

    /// Walks the whole chain with the key and checks it against the
    /// checkpoints written outside the database.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify_audit(
        &self,
        key: &AuditKey,
        checkpoints: &[Checkpoint],
    ) -> StoreResult<AuditVerification> {
        let mut prev = GENESIS.to_string();
        let mut out = AuditVerification {
            entries: 0,
            unkeyed: 0,
            pending: 0,
            checkpoints: checkpoints.len(),
            broken: None,
        };
        let mut seen_keyed = false;
        let mut after = 0i64;
        // Checkpoints by the last id they cover.
        let mut marks: Vec<&Checkpoint> = checkpoints.iter().collect();
        marks.sort_by_key(|c| c.last_id);
        let mut next_mark = 0usize;
        'walk: loop {
            let page = on_pool!(self, pool => sqlx::query_as::<_, AuditRecord>(
                "SELECT id, at, actor, action, person_id, detail, address, prev_hash, hash, keyed FROM audit_log \
                 WHERE id > $1 ORDER BY id LIMIT 10000",
            )
            .bind(after)
            .fetch_all(pool)
            .await?);
            let Some(last) = page.last() else { break };
            after = last.id;
            for r in page {
                let fail = |why: &str| Some((r.id, why.to_string()));
                if r.prev_hash != prev {
                    out.broken = fail("an entry before it was deleted or altered");
                    break 'walk;
                }
                if seen_keyed && !r.keyed {
                    out.broken = fail("the entry was written without the audit key");
                    break 'walk;
                }
                let entry = AuditEntry {
                    actor: r.actor.clone(),
                    action: r.action.clone(),
                    person_id: r.person_id,
                    detail: r.detail.clone(),
                    address: r.address.clone(),
                };
                let hash = entry_hash(&prev, &r.at, &entry, r.keyed.then_some(key));
                if hash != r.hash {
                    out.broken = fail("the entry was altered");
                    break 'walk;
                }
                seen_keyed |= r.keyed;
                out.unkeyed += u64::from(!r.keyed);
                out.entries += 1;
                while let Some(mark) = marks.get(next_mark).filter(|m| m.last_id <= r.id) {
                    if mark.last_id < r.id
                        || mark.head != r.hash
                        || mark.entries != out.entries as i64
                    {
                        out.broken = Some((
                            mark.last_id,
                            format!(
                                "the chain differs from the checkpoint of {} ({} entries)",
                                mark.at, mark.entries
                            ),
                        ));
                        break 'walk;
                    }
                    next_mark += 1;
                }
                prev = r.hash;
            }
        }
        if out.broken.is_none()
            && let Some(mark) = marks.get(next_mark)
        {
            out.broken = Some((
                mark.last_id,
                format!(
                    "entries up to {} were deleted: the checkpoint of {} counted {} entries, the log has {}",
                    mark.last_id, mark.at, mark.entries, out.entries
                ),
            ));
        }
        out.pending = on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_pending",
        )
        .fetch_one(pool)
        .await?);
        Ok(out)
    }

    /// Entries about a person or by a user, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn audit_entries(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        Ok(on_pool!(self, pool => sqlx::query_as::<_, AuditRecord>(
            "SELECT id, at, actor, action, person_id, detail, address, prev_hash, hash, keyed FROM audit_log \
             WHERE ($1 IS NULL OR person_id = $1) AND ($2 IS NULL OR actor = $2) ORDER BY id",
        )
        .bind(filter.person_id)
        .bind(filter.actor.as_deref())
        .fetch_all(pool)
        .await?))
    }

    fn is_postgres(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }
}
