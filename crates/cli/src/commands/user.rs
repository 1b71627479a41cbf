//! `renkou user`: accounts and their roles per region.

use std::process::ExitCode;

use anyhow::{Context, bail};
use renkou_domain::account::check_new_password;
use renkou_domain::password::hash_password;
use renkou_domain::{Grant, RegionCode, Role, Subsystems, Username};

/// `renkou user …`
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create an account with its first role, e.g.
    /// `renkou user add wang --password '…' --role township_operator --region 510104001000`.
    Add {
        /// Login name (2-32 lower-case letters, digits, _ . -).
        username: String,
        /// Password: at least 10 characters, with letters and digits.
        #[arg(long, env = "RENKOU_PASSWORD")]
        password: String,
        #[command(flatten)]
        grant: GrantArgs,
        /// The name shown on screen (e.g. 王芳).
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Give an account another role for a region.
    Grant {
        username: String,
        #[command(flatten)]
        grant: GrantArgs,
    },
    /// Take a role for a region away from an account.
    Revoke {
        username: String,
        #[command(flatten)]
        grant: GrantArgs,
    },
    /// List accounts and their roles.
    List,
    /// Set a new password (and lift a login lock).
    Passwd {
        username: String,
        #[arg(long, env = "RENKOU_PASSWORD")]
        password: String,
    },
}

/// A role and the region it is granted for.
#[derive(Debug, clap::Args)]
pub struct GrantArgs {
    /// village_collector, township_operator, county_manager, city_manager,
    /// province_analyst, admin, auditor or family_planning_officer.
    #[arg(long)]
    role: String,
    /// The region (12 digits; 6 for a county) of the role's level.
    #[arg(long)]
    region: String,
    /// The subsystems the grant opens, e.g. `registry,wis` (default: the
    /// role's own; the register is always among them).
    #[arg(long)]
    subsystems: Option<String>,
}

impl GrantArgs {
    fn parse(&self) -> anyhow::Result<Grant> {
        let role = Role::parse(&self.role)?;
        let region = RegionCode::parse(&self.region).context("--region")?;
        let grant = Grant::new(role, region)?;
        Ok(match &self.subsystems {
            None => grant,
            Some(list) => grant.with_subsystems(
                Subsystems::parse_list(list)
                    .with_context(|| format!(
                        "--subsystems: {list:?} (registry, wis, migrants, support, requests, certificates, rebirth)"
                    ))?,
            ),
        })
    }
}

/// Who makes account changes from the command line.
const CLI: &str = "cli";

pub async fn run(url: &str, command: UserCommand) -> anyhow::Result<ExitCode> {
    let store = super::open(url).await?;
    match command {
        UserCommand::Add {
            username,
            password,
            grant,
            display_name,
        } => {
            let name = Username::parse(&username)?;
            let grant = grant.parse()?;
            check_new_password(&password)?;
            let hash = hash_password(&password)
                .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
            store
                .add_user(&name, display_name.as_deref(), &hash, &[grant], CLI)
                .await?;
            println!(
                "user {name} added: {} {}",
                grant.role.chinese(),
                grant.region
            );
        }
        UserCommand::Grant { username, grant } => {
            let name = Username::parse(&username)?;
            let grant = grant.parse()?;
            store.grant(&name, grant, CLI).await?;
            println!("{name}: {} for {} granted", grant.role, grant.region);
        }
        UserCommand::Revoke { username, grant } => {
            let name = Username::parse(&username)?;
            let grant = grant.parse()?;
            if !store.revoke(&name, grant).await? {
                bail!("{name} does not hold {} for {}", grant.role, grant.region);
            }
            println!("{name}: {} for {} revoked", grant.role, grant.region);
        }
        UserCommand::List => {
            for account in store.users().await? {
                let grants: Vec<String> = account
                    .grants
                    .iter()
                    .map(|g| format!("{}@{}[{}]", g.role, g.region, g.subsystems.to_list()))
                    .collect();
                println!(
                    "{}\t{}\t{}\t{}",
                    account.username,
                    account.display_name.as_deref().unwrap_or("-"),
                    account.status,
                    grants.join(" ")
                );
            }
        }
        UserCommand::Passwd { username, password } => {
            let name = Username::parse(&username)?;
            check_new_password(&password)?;
            let hash = hash_password(&password)
                .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
            store.set_password(&name, &hash).await?;
            store.end_sessions_of(&name).await?;
            println!("password of {name} changed; the account's sessions ended");
        }
    }
    Ok(ExitCode::SUCCESS)
}
