//! `renkou init`: create or migrate the database and load the region table.

use std::process::ExitCode;

use anyhow::Context;
use renkou_store::{Store, embedded_region_table, read_region_table};

/// Arguments of `renkou init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Load only regions whose code starts with this prefix (e.g. 51 for Sichuan); default: all of China.
    #[arg(long)]
    pub regions_prefix: Option<String>,
    /// Load the region table from this CSV (code,name,level,parent) instead of the one shipped.
    #[arg(long)]
    pub regions_file: Option<std::path::PathBuf>,
}

pub async fn run(url: &str, args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open(url).await?;
    let loaded = load_regions(&store, &args).await?;
    let counts = store.counts().await?;
    println!(
        "database {url} ({}) ready: {loaded} regions loaded, {} regions, {} persons",
        store.engine(),
        counts.regions,
        counts.persons
    );
    Ok(ExitCode::SUCCESS)
}

/// Loads the region table named by the arguments (the shipped one by default).
pub async fn load_regions(store: &Store, args: &Args) -> anyhow::Result<usize> {
    let prefix = args.regions_prefix.as_deref();
    let rows = match &args.regions_file {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            read_region_table(file, prefix)?
        }
        None => embedded_region_table(prefix)?,
    };
    Ok(store.load_regions(&rows).await?)
}
