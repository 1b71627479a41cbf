//! `renkou migrants`: the migrant population (流动人口) — incoming migrant
//! records from departments and other regions matched into the register.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use renkou_store::MigrantImportInput;

/// `renkou migrants …`
#[derive(Debug, clap::Subcommand)]
pub enum MigrantsCommand {
    /// Import incoming migrant records (the register CSV plus `hukou_region`
    /// and `arrival_date`, see docs/exchange-formats.md): each record found
    /// in the register becomes the person's arrival, a record found nowhere
    /// a new person with their arrival, an unsure match a task for the
    /// village to decide. Unusable rows go to FILE.errors.csv and are kept
    /// as pending records. Running the same file again changes nothing.
    Import(ImportArgs),
    /// Send the notices (and every other case) past their deadline to the
    /// level above, as the server does every minute; prints how many.
    Escalate,
    /// The notices of an office: its inbox (or outbox) by state, and overdue.
    Notices {
        /// The office.
        #[arg(long)]
        region: String,
        /// The cases it sent, not the ones it has.
        #[arg(long)]
        outbox: bool,
    },
}

/// Arguments of `renkou migrants import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The records.
    pub file: PathBuf,
    /// Who reports them (the police of a city, another province's office):
    /// events and tasks carry it as their source `migrants:NAME`, and a
    /// later run of the same source takes up its records where they are.
    #[arg(long)]
    pub source: String,
    /// Who runs the import (recorded with every change).
    #[arg(long, env = "USER", default_value = "renkou")]
    pub recorder: String,
}

pub async fn run(url: &str, command: MigrantsCommand) -> anyhow::Result<ExitCode> {
    match command {
        MigrantsCommand::Import(args) => import(url, args).await,
        MigrantsCommand::Escalate => {
            let store = super::open(url).await?;
            let rule = &super::settings().cases.deadline_days;
            let n = store.escalate_overdue(chrono::Utc::now(), rule).await?;
            println!("escalated {n}");
            Ok(ExitCode::SUCCESS)
        }
        MigrantsCommand::Notices { region, outbox } => {
            let region = renkou_domain::RegionCode::parse(&region)?;
            let store = super::open(url).await?;
            let mailbox = if outbox {
                renkou_store::Mailbox::Outbox
            } else {
                renkou_store::Mailbox::Inbox
            };
            let counts = store
                .case_counts(
                    mailbox,
                    &region,
                    Some(renkou_domain::cases::CaseKind::MigrantNotice),
                    chrono::Utc::now(),
                )
                .await?;
            for (state, n) in &counts.states {
                println!("{state}\t{n}");
            }
            println!("overdue\t{}", counts.overdue);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(url: &str, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let name = args.file.display().to_string();
    let mut input = MigrantImportInput::read(&bytes, &name, &args.source, &args.recorder)
        .context("the file was not imported")?;
    input.rules = super::settings().rules();
    drop(bytes);
    let store = super::open(url).await?;
    let report = store
        .import_migrants(input, chrono::Local::now().date_naive())
        .await
        .context("the file was not imported")?;
    let errors_path = super::import::errors_file(&args.file);
    if report.problems.is_empty() {
        let _ = std::fs::remove_file(&errors_path);
    } else {
        super::import::write_problems(&errors_path, &report.problems)?;
    }
    super::print_townships(
        &store,
        "records\tmatched\tnew\tunsure",
        report
            .townships
            .iter()
            .map(|(code, t)| (code, vec![t.records, t.matched, t.new, t.unsure])),
    )
    .await?;
    println!(
        "{} rows read; {} events recorded, {} tasks raised, {} records unchanged since the last run, {} differ from the register ({:.1} s)",
        report.rows,
        report.events,
        report.tasks,
        report.unchanged,
        report.conflicting,
        started.elapsed().as_secs_f64()
    );
    if !report.problems.is_empty() {
        println!(
            "  {} values could not be read: listed with file, line and column in {}",
            report.problems.len(),
            errors_path.display()
        );
    }
    println!(
        "matched {}, new {}, unsure {}, unreadable {}",
        report.matched, report.new, report.unsure, report.unreadable
    );
    Ok(ExitCode::SUCCESS)
}
