//! `renkou wis`: the women's cards (育龄妇女信息卡) — converting a legacy
//! WIS export into the register.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use renkou_domain::RegionCode;
use renkou_store::ConversionInput;

/// `renkou wis …`
#[derive(Debug, clap::Subcommand)]
pub enum WisCommand {
    /// Convert a legacy WIS card export (women.csv and children.csv): each
    /// card found in the register becomes events on her record, a card found
    /// nowhere a task for its village (补录), a difference a task to verify
    /// (核). Unusable rows go to WOMEN.errors.csv and are kept as pending
    /// records. Running the same files again changes nothing.
    Import(ImportArgs),
    /// Write the cards of a region's women of childbearing age (15–49) as a
    /// card export (women.csv, children.csv) into DIR, for another county's
    /// office. Every woman written is audited.
    Export {
        /// Region whose women are written (12-digit, or 6-digit for a county).
        #[arg(long)]
        region: String,
        /// Folder to write the two files into (created if missing).
        dir: PathBuf,
    },
}

/// Arguments of `renkou wis import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The cards (`women.csv` of formats/wis-card-csv.md).
    pub women: PathBuf,
    /// Their children (`children.csv`).
    pub children: PathBuf,
    /// The export's name (a county's old WIS database, say): events and tasks
    /// carry it as their source `wis:NAME`, and a later run of the same source
    /// takes up its cards where they are.
    #[arg(long)]
    pub source: String,
    /// Who runs the conversion (recorded with every change).
    #[arg(long, env = "USER", default_value = "renkou")]
    pub recorder: String,
}

pub async fn run(url: &str, command: WisCommand) -> anyhow::Result<ExitCode> {
    match command {
        WisCommand::Import(args) => import(url, args).await,
        WisCommand::Export { region, dir } => export(url, &region, &dir).await,
    }
}

async fn export(url: &str, region: &str, dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let region = RegionCode::parse(region).with_context(|| format!("--region {region}"))?;
    let store = super::open(url).await?;
    let cards = store
        .register_cards(&region, chrono::Local::now().date_naive())
        .await?;
    // Audited before a single card leaves the register.
    super::audit_reads(
        &store,
        url,
        "export_wis_card",
        cards.iter().map(|c| c.woman.id.0),
        &format!("wis export {region}"),
    )
    .await?;
    let women: Vec<[String; 12]> = cards.iter().map(|c| c.woman_row()).collect();
    let children: Vec<[String; 8]> = cards.iter().flat_map(|c| c.children_rows()).collect();
    write_export(dir, &women, &children)?;
    println!(
        "{} cards, {} children written to {}",
        women.len(),
        children.len(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `women.csv` and `children.csv` into `dir`.
pub fn write_export(
    dir: &std::path::Path,
    women: &[[String; 12]],
    children: &[[String; 8]],
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let create = |name: &str| {
        let path = dir.join(name);
        std::fs::File::create(&path)
            .map(std::io::BufWriter::new)
            .with_context(|| format!("cannot write {}", path.display()))
    };
    let mut out =
        renkou_formats::WisCardWriter::new(create("women.csv")?, create("children.csv")?)?;
    for w in women {
        out.woman(w)?;
    }
    for c in children {
        out.child(c)?;
    }
    let (mut a, mut b) = out.finish()?;
    std::io::Write::flush(&mut a)?;
    std::io::Write::flush(&mut b)?;
    Ok(())
}

async fn import(url: &str, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let read = |path: &PathBuf| {
        std::fs::read(path).with_context(|| format!("cannot open {}", path.display()))
    };
    let (women, children) = (read(&args.women)?, read(&args.children)?);
    let women_name = args.women.display().to_string();
    let children_name = args.children.display().to_string();
    let input = ConversionInput::read(
        &women,
        &women_name,
        &children,
        &children_name,
        &args.source,
        &args.recorder,
    )
    .context("the export was not converted")?;
    drop((women, children));
    let store = super::open(url).await?;
    let settings = super::settings();
    let report = store
        .convert_wis_cards(
            input,
            &settings.wis.policy,
            chrono::Local::now().date_naive(),
        )
        .await
        .context("the export was not converted")?;
    let errors_path = super::import::errors_file(&args.women);
    if report.problems.is_empty() {
        let _ = std::fs::remove_file(&errors_path);
    } else {
        super::import::write_problems(&errors_path, &report.problems)?;
    }
    super::print_townships(
        &store,
        "cards\tconverted\tunmatched\tconflicting",
        report
            .townships
            .iter()
            .map(|(code, t)| (code, vec![t.cards, t.converted, t.unmatched, t.conflicting])),
    )
    .await?;
    println!(
        "{} cards, {} children read; {} events recorded, {} tasks raised, {} cards unchanged since the last run ({:.1} s)",
        report.cards,
        report.children,
        report.events,
        report.tasks,
        report.unchanged,
        started.elapsed().as_secs_f64()
    );
    if !report.problems.is_empty() {
        println!(
            "  {} values could not be read ({} child rows unusable): listed with file, line and column in {}",
            report.problems.len(),
            report.unreadable_children,
            errors_path.display()
        );
    }
    println!(
        "converted {}, unmatched {}, conflicting {}, unreadable {}",
        report.converted, report.unmatched, report.conflicting, report.unreadable
    );
    Ok(ExitCode::SUCCESS)
}
