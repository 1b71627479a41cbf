//! `renkou import`: load a register CSV.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use renkou_formats::RejectedRow;
use renkou_store::ImportInput;

/// Arguments of `renkou import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The register CSV file.
    pub file: PathBuf,
    /// The source register's name (police, wis, ...): a later import of the same source updates its records.
    #[arg(long)]
    pub source: String,
    /// Who runs the import (recorded with every change).
    #[arg(long, env = "USER", default_value = "renkou")]
    pub recorder: String,
    /// Do not take the file into the registry: reconcile it with the persons
    /// of this region and raise a verification task per finding (as
    /// `renkou tasks raise`).
    #[arg(long, value_name = "REGION")]
    pub reconcile: Option<String>,
}

pub async fn run(url: &str, args: Args) -> anyhow::Result<ExitCode> {
    if let Some(region) = &args.reconcile {
        let store = super::open(url).await?;
        return super::tasks::raise(&store, &args.file, &args.source, region, false).await;
    }
    let started = Instant::now();
    let name = args.file.display().to_string();
    let file = std::fs::File::open(&args.file).with_context(|| format!("cannot open {name}"))?;
    // The whole file is read and checked before anything is written.
    let input = ImportInput::read(
        std::io::BufReader::with_capacity(1 << 20, file),
        &name,
        &args.source,
        &args.recorder,
    )
    .with_context(|| format!("{name} was not imported"))?;
    let rows = input.records.len() + input.rejected.len();
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        rows,
        "file read and checked"
    );
    let store = super::open(url).await?;
    let report = store
        .import(input)
        .await
        .with_context(|| format!("{name} was not imported"))?;
    let errors_path = errors_file(&args.file);
    if report.rejected_rows.is_empty() {
        let _ = std::fs::remove_file(&errors_path);
    } else {
        write_errors(&errors_path, &report.rejected_rows)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{name}: {rows} rows — inserted {}, updated {}, unchanged {}, rejected {} ({:.1} s, {:.0} rows/s)",
        report.inserted,
        report.updated,
        report.unchanged,
        report.rejected,
        seconds,
        rows as f64 / seconds.max(1e-9)
    );
    if report.recoded_regions > 0 {
        println!(
            "  {} rows carried retired region codes and were mapped to today's",
            report.recoded_regions
        );
    }
    if report.rejected > 0 {
        println!(
            "  rejected rows are listed in {} and kept as pending records",
            errors_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `FILE.csv` → `FILE.errors.csv`.
pub fn errors_file(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    file.with_file_name(format!("{stem}.errors.csv"))
}

fn write_errors(path: &Path, rows: &[RejectedRow]) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = renkou_formats::SafeCsvWriter::new(std::io::BufWriter::new(file));
    out.write_record(["line", "column", "value", "reason", "record_id"])?;
    for row in rows {
        for e in &row.errors {
            out.write_record([
                e.line.to_string().as_str(),
                &e.column,
                &e.value,
                &e.reason,
                row.record_id.as_deref().unwrap_or_default(),
            ])?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Every value not understood, with where it is (`file,line,column,value,reason`).
pub fn write_problems(
    path: &std::path::Path,
    problems: &[renkou_formats::ValueProblem],
) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = renkou_formats::SafeCsvWriter::new(std::io::BufWriter::new(file));
    out.write_record(["file", "line", "column", "value", "reason"])?;
    for p in problems {
        out.write_record([
            p.file.as_str(),
            &p.line.to_string(),
            &p.column,
            &p.value,
            &p.reason,
        ])?;
    }
    out.flush()?;
    Ok(())
}
