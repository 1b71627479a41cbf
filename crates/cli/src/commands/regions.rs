//! `renkou regions apply`: re-zoning.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use renkou_store::{EventMeta, read_rezoning_file};

/// `renkou regions …`
#[derive(Debug, clap::Subcommand)]
pub enum RegionsCommand {
    /// Apply a re-zoning file (`old_code,new_code,effective_date[,new_name]`): retires the old
    /// codes and all regions inside them, creates the new ones, and moves people and households
    /// with an event each. All or nothing.
    Apply {
        /// The re-zoning CSV.
        file: PathBuf,
        /// Who applies it.
        #[arg(long, env = "USER", default_value = "renkou")]
        recorder: String,
    },
}

pub async fn run(url: &str, command: RegionsCommand) -> anyhow::Result<ExitCode> {
    let RegionsCommand::Apply { file, recorder } = command;
    let name = file.display().to_string();
    let input = std::fs::File::open(&file).with_context(|| format!("cannot open {name}"))?;
    let changes = read_rezoning_file(input, &name)?;
    let store = super::open(url).await?;
    let meta = EventMeta {
        recorder,
        source: format!("rezoning {name}"),
    };
    let report = store
        .apply_rezoning(&changes, &meta)
        .await
        .with_context(|| format!("{name} was not applied"))?;
    println!(
        "{name}: {} lines — {} regions retired, {} created, {} persons moved",
        changes.len(),
        report.regions_retired,
        report.regions_created,
        report.persons_moved
    );
    Ok(ExitCode::SUCCESS)
}
