//! `renkou stats`: check the statistics counters against a recount.

use std::process::ExitCode;
use std::time::Instant;

use renkou_domain::RegionCode;

/// `renkou stats …`
#[derive(Debug, clap::Subcommand)]
pub enum StatsCommand {
    /// Recount every indicator from persons and events and compare with the
    /// counters; print each difference and exit 1 if there is any.
    Verify {
        /// Compare only the counters inside this region.
        #[arg(long)]
        region: Option<String>,
    },
    /// Replace every counter with a recount (after a repair outside Renkou).
    Rebuild,
}

pub async fn run(url: &str, command: StatsCommand) -> anyhow::Result<ExitCode> {
    // The check only reads: it goes to the decision-support copy when one
    // is configured, and says how old the copy's figures were.
    let reads_from = match (&command, &super::settings().database.reports_url) {
        (StatsCommand::Verify { .. }, Some(copy)) => copy.as_str(),
        _ => url,
    };
    let store = super::open(reads_from).await?;
    let started = Instant::now();
    match command {
        StatsCommand::Verify { region } => {
            let freshness = store.freshness().await?;
            if freshness.replica {
                println!(
                    "checking the read replica {reads_from}, {:.1} s behind the primary",
                    freshness.lag_seconds
                );
            }
            let region = region.as_deref().map(RegionCode::parse).transpose()?;
            let report = store.verify_counters(region.as_ref()).await?;
            for d in &report.differences {
                println!(
                    "{}\t{}\tcounter {}\trecount {}",
                    d.table, d.counter, d.stored, d.recounted
                );
            }
            println!(
                "{} persons, {} events, {} counters compared, {} differences, {:.1} s",
                report.persons,
                report.events,
                report.counters,
                report.differences.len(),
                started.elapsed().as_secs_f64()
            );
            Ok(if report.differences.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        StatsCommand::Rebuild => {
            store.rebuild_counters().await?;
            println!(
                "counters rebuilt in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
