//! One module per subcommand.

pub mod audit;
pub mod demo;
pub mod export;
pub mod id;
pub mod import;
pub mod init;
pub mod person;
pub mod reconcile;
pub mod regions;
pub mod report;
pub mod serve;
pub mod stats;
pub mod tasks;
pub mod token;
pub mod user;

use anyhow::Context;
use renkou_store::Store;

/// Opens the database (migrating it) with a message that names the URL.
pub async fn open(url: &str) -> anyhow::Result<Store> {
    Store::open(url)
        .await
        .with_context(|| format!("cannot open database {url}"))
}
