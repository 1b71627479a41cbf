//! `renkou audit`: check and read the audit log.

use std::process::ExitCode;

use renkou_store::AuditFilter;

/// `renkou audit …`
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 1 and name the first bad entry if any was altered or deleted.
    Verify,
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
        AuditCommand::Verify => match store.verify_audit().await? {
            Ok(n) => {
                println!("audit log intact: {n} entries");
                Ok(ExitCode::SUCCESS)
            }
            Err((id, reason)) => {
                println!("audit log broken at entry {id}: {reason}");
                Ok(ExitCode::FAILURE)
            }
        },
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
