//! Checkpoints of the audit chain's head, written outside the database: a
//! file of JSON lines, each signed with the audit key. A checkpoint says
//! "the chain had this many entries, and ended in this hash, at this time";
//! verification fails if the log no longer agrees, so cutting the end off
//! the chain, emptying it or rewriting it is seen — back to the last
//! checkpoint.

use std::io::{BufRead, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AuditHead, AuditKey};
use crate::error::{StoreError, StoreResult};

/// One checkpoint as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// When it was taken.
    pub at: DateTime<Utc>,
    /// Entries in the chain then.
    pub entries: i64,
    /// The id of the last entry.
    pub last_id: i64,
    /// That entry's hash.
    pub head: String,
    /// The key's signature of the above.
    pub mac: String,
}

fn signature(key: &AuditKey, at: &DateTime<Utc>, entries: i64, last_id: i64, head: &str) -> String {
    key.sign(&[
        &at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        &entries.to_string(),
        &last_id.to_string(),
        head,
    ])
}

/// Appends a checkpoint of `head` to the file (created when missing) and
/// flushes it to disk. An empty chain is not checkpointed.
pub fn append_checkpoint(
    path: &Path,
    key: &AuditKey,
    head: &AuditHead,
) -> StoreResult<Option<Checkpoint>> {
    if head.entries == 0 {
        return Ok(None);
    }
    let at = Utc::now();
    let checkpoint = Checkpoint {
        at,
        entries: head.entries,
        last_id: head.last_id,
        head: head.hash.clone(),
        mac: signature(key, &at, head.entries, head.last_id, &head.hash),
    };
    let io = |e: std::io::Error| {
        StoreError::Invalid(format!("audit checkpoint {}: {e}", path.display()))
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    let line =
        serde_json::to_string(&checkpoint).map_err(|e| StoreError::Invalid(e.to_string()))?;
    writeln!(file, "{line}").map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(Some(checkpoint))
}

/// Reads every checkpoint of the file (none when it does not exist). A line
/// whose signature does not fit the key is an error: the file was edited.
pub fn read_checkpoints(path: &Path, key: &AuditKey) -> StoreResult<Vec<Checkpoint>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(StoreError::Invalid(format!(
                "audit checkpoint {}: {e}",
                path.display()
            )));
        }
    };
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let bad = |why: String| {
            StoreError::Invalid(format!(
                "audit checkpoint {} line {}: {why}",
                path.display(),
                n + 1
            ))
        };
        let line = line.map_err(|e| bad(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let c: Checkpoint = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        if signature(key, &c.at, c.entries, c.last_id, &c.head) != c.mac {
            return Err(bad("the signature does not fit the audit key".into()));
        }
        out.push(c);
    }
    Ok(out)
}
