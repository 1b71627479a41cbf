//! `renkou export`: the register as register CSV on stdout.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use renkou_domain::RegionCode;
use renkou_formats::RegisterWriter;
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
    // A reader that stops early (`| head`) closes the pipe: stop quietly.
    let mut closed = false;
    let detail = format!(
        "export {}",
        region.map_or_else(|| "all".to_string(), |r| r.to_string())
    );
    let entry = renkou_store::AuditEntry {
        actor: super::cli_actor(),
        action: "export_person".into(),
        person_id: None,
        detail,
        address: None,
    };
    let key = super::audit_key(url)?;
    // Every person exported is audited before their record is written out.
    let result = store
        .export(region.as_ref(), Some((&entry, &key)), |record| {
            writer.write(&record).map_err(|e| {
                closed = matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe);
                StoreError::Invalid(format!("writing stdout: {e}"))
            })
        })
        .await;
    if closed {
        return Ok(ExitCode::SUCCESS);
    }
    let written = result?;
    match writer.finish().and_then(|mut out| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other?,
    }
    eprintln!("{written} persons exported");
    Ok(ExitCode::SUCCESS)
}
