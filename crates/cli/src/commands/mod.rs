//! One module per subcommand.

pub mod audit;
pub mod backup;
pub mod demo;
pub mod export;
pub mod id;
pub mod import;
pub mod init;
pub mod migrants;
pub mod person;
pub mod reconcile;
pub mod regions;
pub mod report;
pub mod roll;
pub mod serve;
pub mod stats;
pub mod tasks;
pub mod token;
pub mod user;
pub mod wis;

use std::sync::OnceLock;

use anyhow::Context;
use renkou_server::Settings;
use renkou_store::{AuditEntry, AuditKey, Store};

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Loads the configuration once (from `--config` / `RENKOU_CONFIG` and the
/// environment); later calls get the same.
pub fn load_settings(file: Option<&std::path::Path>) -> anyhow::Result<&'static Settings> {
    if let Some(s) = SETTINGS.get() {
        return Ok(s);
    }
    let loaded = Settings::load(file)?;
    Ok(SETTINGS.get_or_init(|| loaded))
}

/// The configuration (defaults if it was never loaded).
pub fn settings() -> &'static Settings {
    SETTINGS.get_or_init(Settings::default)
}

/// Opens the database (migrating it) with a message that names the URL.
pub async fn open(url: &str) -> anyhow::Result<Store> {
    Store::open_with(url, Some(settings().database.max_connections))
        .await
        .with_context(|| format!("cannot open database {url}"))
}

/// The audit key of a database (its file is created on first use).
pub fn audit_key(url: &str) -> anyhow::Result<AuditKey> {
    let path = settings().audit_key_file(url);
    AuditKey::load_or_create(&path).with_context(|| format!("audit key {}", path.display()))
}

/// Who the command line acts as in the audit log: `cli:<login name>`.
pub fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// Audits reads of persons by the command line, before they are shown.
pub async fn audit_reads(
    store: &Store,
    url: &str,
    action: &str,
    persons: impl IntoIterator<Item = i64>,
    detail: &str,
) -> anyhow::Result<()> {
    let actor = cli_actor();
    let entries: Vec<AuditEntry> = persons
        .into_iter()
        .map(|id| AuditEntry {
            actor: actor.clone(),
            action: action.into(),
            person_id: Some(id),
            detail: detail.into(),
            address: None,
        })
        .collect();
    store
        .audit(&entries, &audit_key(url)?)
        .await
        .context("writing the audit log")?;
    Ok(())
}

/// A run's counts per township, a line each with the township's name from
/// the region table: `header` names the count columns.
pub async fn print_townships(
    store: &renkou_store::Store,
    header: &str,
    townships: impl IntoIterator<Item = (&String, Vec<usize>)>,
) -> anyhow::Result<()> {
    println!("township\tname\t{header}");
    for (code, counts) in townships {
        let name = match renkou_domain::RegionCode::parse(code) {
            Ok(region) => store.region_name(&region).await?,
            Err(_) => String::new(),
        };
        let counts: Vec<String> = counts.iter().map(ToString::to_string).collect();
        println!("{code}\t{name}\t{}", counts.join("\t"));
    }
    Ok(())
}
