//! Group commit for the audit log. Every person read is audited before it is
//! shown, and each audit entry extends one hash chain, so entries are written
//! one transaction at a time. Under load, requests queue their entries here
//! and one writer commits whatever has gathered in a single transaction, then
//! answers each request. A request still waits for its own entries to be
//! committed before it shows anything.

use renkou_store::{AuditEntry, Store};
use tokio::sync::{mpsc, oneshot};

use crate::ApiError;

/// Entries gathered into one transaction at most.
const MAX_BATCH: usize = 2048;

struct Batch {
    entries: Vec<AuditEntry>,
    done: oneshot::Sender<bool>,
}

/// The handle requests send their audit entries through.
#[derive(Clone)]
pub struct AuditSink {
    queue: mpsc::Sender<Batch>,
}

impl AuditSink {
    /// Starts the writer task for a store.
    pub fn start(store: Store) -> AuditSink {
        let (queue, mut incoming) = mpsc::channel::<Batch>(8192);
        tokio::spawn(async move {
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
                let written = match store.audit(&all).await {
                    Ok(()) => true,
                    Err(err) => {
                        tracing::error!(%err, entries = all.len(), "audit write failed");
                        false
                    }
                };
                for batch in batches {
                    let _ = batch.done.send(written);
                }
            }
        });
        AuditSink { queue }
    }

    /// Writes entries and returns once they are committed.
    pub async fn write(&self, entries: Vec<AuditEntry>) -> Result<(), ApiError> {
        if entries.is_empty() {
            return Ok(());
        }
        let (done, written) = oneshot::channel();
        self.queue
            .send(Batch { entries, done })
            .await
            .map_err(|_| ApiError::unavailable())?;
        match written.await {
            Ok(true) => Ok(()),
            _ => Err(ApiError::unavailable()),
        }
    }
}
