//! `renkou report`: a standard statistical report for a region, as a table,
//! CSV, JSON or XLSX.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use renkou_domain::report::{Report, ReportName};
use renkou_domain::{Period, RegionCode, RegionLevel, parse_date};
use renkou_store::ReportRequest;

/// Output forms.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Xlsx,
}

/// `renkou report NAME --region CODE …`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// population | registration | households | changes | women
    name: String,
    /// The region (12 digits, or 6 for a province, city or county).
    #[arg(long)]
    region: String,
    /// Level of the rows: city, county, township or village (default: one below the region).
    #[arg(long)]
    level: Option<String>,
    /// The day the figures hold at (default today).
    #[arg(long, conflicts_with = "period")]
    date: Option<String>,
    /// For `changes`: a month 2026-03, a quarter 2026-Q1 or a year 2026 (default this month).
    #[arg(long)]
    period: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write to this file instead of standard output (needed for xlsx on a terminal).
    #[arg(long, short)]
    out: Option<std::path::PathBuf>,
}

pub async fn run(url: &str, args: Args) -> anyhow::Result<ExitCode> {
    let name = ReportName::parse(&args.name).with_context(|| {
        let names: Vec<&str> = ReportName::ALL.iter().map(|r| r.as_str()).collect();
        format!(
            "unknown report {:?}: choose one of {}",
            args.name,
            names.join(", ")
        )
    })?;
    let region = RegionCode::parse(&args.region)?;
    let level = args
        .level
        .as_deref()
        .map(|l| RegionLevel::parse(l).with_context(|| format!("unknown level {l:?}")))
        .transpose()?;
    let date = args.date.as_deref().map(parse_date).transpose()?;
    let period = args.period.as_deref().map(Period::parse).transpose()?;
    let store = super::open(url).await?;
    let report = store
        .report(&ReportRequest {
            name,
            region,
            level,
            date,
            period,
            today: renkou_domain::date::today_in_china(),
        })
        .await?;
    let bytes = match args.format {
        Format::Table => table(&report).into_bytes(),
        // Keys: the command line feeds programs more often than Excel.
        Format::Csv => renkou_formats::report_csv(&report, renkou_formats::CsvHeadings::Keys)?,
        Format::Json => {
            let mut v = serde_json::to_vec_pretty(&report)?;
            v.push(b'\n');
            v
        }
        Format::Xlsx => renkou_formats::report_xlsx(&report)?,
    };
    match args.out {
        Some(path) => std::fs::write(&path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Columns as a terminal shows them: CJK characters take two cells.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// The report as an aligned text table under a title line.
fn table(report: &Report) -> String {
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut head = vec!["区划代码".to_string(), "区划名称".to_string()];
    head.extend(report.columns.iter().map(|c| c.title.clone()));
    lines.push(head);
    for (i, row) in report.rows.iter().chain([&report.total]).enumerate() {
        let name = if i == report.rows.len() {
            format!("{}(合计)", row.region_name)
        } else {
            row.region_name.clone()
        };
        let mut line = vec![row.region_code.to_string(), name];
        line.extend(
            report
                .columns
                .iter()
                .map(|c| row.get(&c.key).map(|v| v.to_string()).unwrap_or_default()),
        );
        lines.push(line);
    }
    let columns = lines[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| lines.iter().map(|l| width(&l[c])).max().unwrap_or(0))
        .collect();
    let when = report
        .period
        .clone()
        .unwrap_or_else(|| report.date.to_string());
    let mut out = format!("{} {}（{}）\n", report.region.name, report.title, when);
    for line in lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (text, w))| {
                let pad = " ".repeat(w - width(text));
                if c < 2 {
                    format!("{text}{pad}")
                } else {
                    format!("{pad}{text}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
