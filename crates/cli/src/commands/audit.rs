//! `renkou audit`: check and read the audit log.

use std::process::ExitCode;

use renkou_store::{AuditFilter, append_checkpoint, read_checkpoints};

/// `renkou audit …`
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Walk the keyed hash chain and check it against the checkpoints; exit 1
    /// and name the first bad entry if any was altered, inserted or deleted.
    Verify,
    /// Write a checkpoint of the chain's head to the checkpoint file now.
    Checkpoint,
    /// List entries about a person (internal id) or by a user.
    Show {
        #[arg(long)]
        person: Option<i64>,
        #[arg(long)]
        user: Option<String>,
    },
}

pub async fn run(url: &str, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let store = super::open(url).await?;
    match command {
        AuditCommand::Verify => {
            let key = super::audit_key(url)?;
            let file = super::settings().audit_checkpoint_file(url);
            let checkpoints = read_checkpoints(&file, &key)?;
            let found = store.verify_audit(&key, &checkpoints).await?;
            match found.broken {
                None => {
                    println!(
                        "audit log intact: {} entries ({} chained before the key existed), {} checkpoints agree, {} pending",
                        found.entries, found.unkeyed, found.checkpoints, found.pending
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some((id, reason)) => {
                    println!("audit log broken at entry {id}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::Checkpoint => {
            let key = super::audit_key(url)?;
            store.chain_pending_audit(&key).await?;
            let file = super::settings().audit_checkpoint_file(url);
            match append_checkpoint(&file, &key, &store.audit_head().await?)? {
                Some(c) => println!(
                    "checkpoint written to {}: {} entries, last {}",
                    file.display(),
                    c.entries,
                    c.last_id
                ),
                None => println!("the audit log is empty: nothing to checkpoint"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Show { person, user } => {
            let filter = AuditFilter {
                person_id: person,
                actor: user,
            };
            for e in store.audit_entries(&filter).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    e.at.format("%Y-%m-%d %H:%M:%S"),
                    e.actor,
                    e.action,
                    e.person_id
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| "-".into()),
                    e.address.as_deref().unwrap_or("-"),
                    e.detail
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
