//! Group commit for the audit log. Every person read is audited before it is
//! shown, and each audit entry extends one hash chain, so entries are written
//! one transaction at a time. Under load, requests queue their entries here
//! and one writer commits whatever has gathered in a single transaction, then
//! answers each request. A request still waits for its own entries to be
//! committed before it shows anything.
//!
//! Changes write their entries inside their own transaction (`audit_pending`);
//! the writer chains those first, whenever it runs, and is nudged after each
//! change so that they do not wait long. It also checkpoints the chain's head
//! to a file outside the database every so often.

use std::path::PathBuf;
use std::time::Duration;

use renkou_store::{AuditEntry, AuditKey, Store, append_checkpoint};
use tokio::sync::{mpsc, oneshot};

use crate::ApiError;

/// Entries gathered into one transaction at most.
const MAX_BATCH: usize = 2048;

struct Batch {
    entries: Vec<AuditEntry>,
    done: Option<oneshot::Sender<bool>>,
}

/// The handle requests send their audit entries through.
#[derive(Clone)]
pub struct AuditSink {
    queue: mpsc::Sender<Batch>,
}

/// Where and how often the chain's head is checkpointed.
#[derive(Debug, Clone)]
pub struct CheckpointPlan {
    /// The file the checkpoints go to.
    pub file: PathBuf,
    /// How often.
    pub every: Duration,
}

impl AuditSink {
    /// Starts the writer task for a store (and the checkpoint task, if planned).
    pub fn start(store: Store, key: AuditKey, checkpoints: Option<CheckpointPlan>) -> AuditSink {
        let (queue, mut incoming) = mpsc::channel::<Batch>(8192);
        let writer_store = store.clone();
        let writer_key = key.clone();
        tokio::spawn(async move {
            // Whatever a crash left pending is chained first.
            if let Err(err) = writer_store.chain_pending_audit(&writer_key).await {
                tracing::error!(%err, "chaining pending audit entries failed");
            }
            while let Some(first) = incoming.recv().await {
                let mut batches = vec![first];
                let mut count = batches[0].entries.len();
                while count < MAX_BATCH {
                    match incoming.try_recv() {
                        Ok(next) => {
                            count += next.entries.len();
                            batches.push(next);
                        }
                        Err(_) => break,
                    }
                }
                let all: Vec<AuditEntry> = batches
                    .iter()
                    .flat_map(|b| b.entries.iter().cloned())
                    .collect();
                let written = match writer_store.audit(&all, &writer_key).await {
                    Ok(()) => true,
                    Err(err) => {
                        tracing::error!(%err, entries = all.len(), "audit write failed");
                        false
                    }
                };
                for batch in batches {
                    if let Some(done) = batch.done {
                        let _ = done.send(written);
                    }
                }
            }
        });
        if let Some(plan) = checkpoints {
            tokio::spawn(async move {
                let mut last = None;
                let mut tick = tokio::time::interval(plan.every);
                loop {
                    tick.tick().await;
                    match store.audit_head().await {
                        Ok(head) if last.as_ref() != Some(&head) => {
                            match append_checkpoint(&plan.file, &key, &head) {
                                Ok(_) => last = Some(head),
                                Err(err) => tracing::error!(%err, "audit checkpoint failed"),
                            }
                        }
                        Ok(_) => {}
                        Err(err) => tracing::error!(%err, "reading the audit head failed"),
                    }
                }
            });
        }
        AuditSink { queue }
    }

    /// Writes entries and returns once they are committed.
    pub async fn write(&self, entries: Vec<AuditEntry>) -> Result<(), ApiError> {
        if entries.is_empty() {
            return Ok(());
        }
        let (done, written) = oneshot::channel();
        self.queue
            .send(Batch {
                entries,
                done: Some(done),
            })
            .await
            .map_err(|_| ApiError::unavailable())?;
        match written.await {
            Ok(true) => Ok(()),
            _ => Err(ApiError::unavailable()),
        }
    }

    /// Asks the writer to chain the entries that committed changes left
    /// pending; does not wait (those entries are already safe).
    pub fn nudge(&self) {
        let _ = self.queue.try_send(Batch {
            entries: Vec::new(),
            done: None,
        });
    }
}
