//! The audit log: who read or changed what, when, from where. Append-only and
//! chained by hash; [`Store::verify_audit`] finds any altered or deleted entry.

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::StoreResult;
use crate::{Store, on_pool};

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
}

/// Which entries to show.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub person_id: Option<i64>,
    pub actor: Option<String>,
}

fn entry_hash(prev: &str, at: &DateTime<Utc>, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        &e.actor,
        &e.action,
        &e.person_id.map(|p| p.to_string()).unwrap_or_default(),
        &e.detail,
        e.address.as_deref().unwrap_or_default(),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Audit rows per INSERT statement (8 parameters each; SQLite allows 32,766).
const AUDIT_ROWS_PER_STATEMENT: usize = 1000;

impl Store {
    /// Appends entries to the chain, in one transaction.
    pub async fn audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        // Microseconds: what both engines store exactly, so the hash can be recomputed.
        let at = Utc::now().trunc_subsecs(6);
        let postgres = self.is_postgres();
        on_pool!(self, pool => {
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
            // Chain first, then write in multi-row statements: a batch of a
            // thousand reads is a handful of round trips, not a thousand.
            let mut rows = Vec::with_capacity(entries.len());
            for e in entries {
                let hash = entry_hash(&prev, &at, e);
                rows.push((e, std::mem::replace(&mut prev, hash.clone()), hash));
            }
            for chunk in rows.chunks(AUDIT_ROWS_PER_STATEMENT) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_log (at, actor, action, person_id, detail, address, prev_hash, hash) ",
                );
                insert.push_values(chunk, |mut row, (e, prev, hash)| {
                    row.push_bind(at)
                        .push_bind(&e.actor)
                        .push_bind(&e.action)
                        .push_bind(e.person_id)
                        .push_bind(&e.detail)
                        .push_bind(&e.address)
                        .push_bind(prev)
                        .push_bind(hash);
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Walks the whole chain; `Ok(n)` when all `n` entries are intact, else
    /// the id of the first entry that does not fit and why.
    pub async fn verify_audit(&self) -> StoreResult<Result<u64, (i64, String)>> {
        let mut prev = GENESIS.to_string();
        let mut checked = 0u64;
        let mut after = 0i64;
        loop {
            let page = on_pool!(self, pool => sqlx::query_as::<_, AuditRecord>(
                "SELECT id, at, actor, action, person_id, detail, address, prev_hash, hash FROM audit_log \
                 WHERE id > $1 ORDER BY id LIMIT 10000",
            )
            .bind(after)
            .fetch_all(pool)
            .await?);
            let Some(last) = page.last() else { break };
            after = last.id;
            for r in page {
                if r.prev_hash != prev {
                    return Ok(Err((
                        r.id,
                        "an entry before it was deleted or altered".into(),
                    )));
                }
                let entry = AuditEntry {
                    actor: r.actor.clone(),
                    action: r.action.clone(),
                    person_id: r.person_id,
                    detail: r.detail.clone(),
                    address: r.address.clone(),
                };
                if entry_hash(&prev, &r.at, &entry) != r.hash {
                    return Ok(Err((r.id, "the entry was altered".into())));
                }
                prev = r.hash;
                checked += 1;
            }
        }
        Ok(Ok(checked))
    }

    /// Entries about a person or by a user, oldest first.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        Ok(on_pool!(self, pool => sqlx::query_as::<_, AuditRecord>(
            "SELECT id, at, actor, action, person_id, detail, address, prev_hash, hash FROM audit_log \
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
