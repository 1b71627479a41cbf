//! `renkou export`: the register as register CSV on stdout.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use renkou_domain::RegionCode;
use renkou_exchange::RegisterWriter;
use renkou_store::StoreError;

/// Arguments of `renkou export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only persons living in this region (12-digit code, or 6-digit for a county).
    #[arg(long)]
    pub region: Option<String>,
}

pub async fn run(url: &str, args: Args) -> anyhow::Result<ExitCode> {
    let region = args
        .region
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .context("--region")?;
    let store = super::open(url).await?;
    let stdout = std::io::stdout().lock();
    let mut writer = RegisterWriter::new(std::io::BufWriter::with_capacity(1 << 20, stdout))?;
    let written = store
        .export(region.as_ref(), |record| {
            writer
                .write(&record)
                .map_err(|e| StoreError::Invalid(format!("writing stdout: {e}")))
        })
        .await?;
    writer.finish()?.flush()?;
    eprintln!("{written} persons exported");
    Ok(ExitCode::SUCCESS)
}
