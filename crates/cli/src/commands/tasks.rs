//! `renkou tasks`: reconcile a source register with the registry and turn
//! every finding into a verification task for its village; list the tasks
//! and the progress of verification.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use renkou_domain::RegionCode;
use renkou_domain::verification::TaskKind;
use renkou_store::next_level;

/// `renkou tasks …`
#[derive(Debug, clap::Subcommand)]
pub enum TasksCommand {
    /// Reconcile a register CSV with the persons living in a region and raise
    /// a task for every finding (findings already on record are not raised again).
    Raise {
        /// The source register's CSV file.
        file: PathBuf,
        /// The source's name (police, wis, ...): a newer extract of the same source raises only what is new.
        #[arg(long)]
        source: String,
        /// The region the extract covers (a county, usually).
        #[arg(long)]
        region: String,
        /// Compare everything again, forgetting what the last extract of
        /// this source settled (and learn the weights afresh).
        #[arg(long)]
        full: bool,
    },
    /// The tasks of the villages inside a region (open ones unless --all).
    List {
        #[arg(long)]
        region: String,
        #[arg(long)]
        all: bool,
        /// At most this many.
        #[arg(long, default_value_t = 1000)]
        limit: i64,
    },
    /// Open and resolved tasks per area one level below the region, per kind.
    Progress {
        #[arg(long)]
        region: String,
    },
}

pub async fn run(url: &str, command: TasksCommand) -> anyhow::Result<ExitCode> {
    let store = super::open(url).await?;
    match command {
        TasksCommand::Raise {
            file,
            source,
            region,
            full,
        } => raise(&store, &file, &source, &region, full).await,
        TasksCommand::List { region, all, limit } => {
            let region = RegionCode::parse(&region)
                .with_context(|| format!("{region:?} is not a region code"))?;
            let tasks = store.tasks_in(&region, all, limit).await?;
            let persons = tasks.iter().map(|t| t.person_id).filter(|p| *p != 0);
            super::audit_reads(&store, url, "read_person", persons, "tasks list").await?;
            for t in tasks {
                let kind = t
                    .kind
                    .parse::<TaskKind>()
                    .map_or(t.kind.as_str(), |k| k.label());
                println!(
                    "{}\t{}\t{}\t{}\tperson {}\trecord {}\t{}\t{}\t{}",
                    t.id,
                    t.region_code,
                    kind,
                    t.status,
                    t.person_id,
                    t.record_id,
                    t.field,
                    t.registry_value.unwrap_or_default(),
                    t.source_value.unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TasksCommand::Progress { region } => {
            let region = RegionCode::parse(&region)
                .with_context(|| format!("{region:?} is not a region code"))?;
            for c in store
                .task_counts(&region, next_level(region.level()))
                .await?
            {
                println!(
                    "{}\t{}\topen {}\tresolved {}",
                    c.region_code, c.kind, c.open, c.resolved
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reconciles a source register's file with the persons of `region` and
/// raises a verification task per finding; `renkou import --reconcile` too.
pub async fn raise(
    store: &renkou_store::Store,
    file: &std::path::Path,
    source: &str,
    region: &str,
    full: bool,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let region =
        RegionCode::parse(region).with_context(|| format!("{region:?} is not a region code"))?;
    if full {
        store.forget_reconciliation(source, &region).await?;
    }
    let (records, problems) = super::reconcile::read(file)?;
    // Fields not understood, beside the file: FILE.problems.csv.
    let problems_file = format!("{}.problems.csv", file.display());
    let problems_path = std::path::Path::new(&problems_file);
    if problems.is_empty() {
        let _ = std::fs::remove_file(problems_path);
    } else {
        let dir = problems_path.parent().unwrap_or(std::path::Path::new("."));
        let name = problems_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("problems.csv");
        super::reconcile::write_problems(dir, name, file, &problems)?;
    }
    let outcome = store.reconcile_source(source, &region, records).await?;
    let listed = if problems.is_empty() {
        String::new()
    } else {
        format!(", listed in {problems_file}")
    };
    let findings: Vec<String> = outcome
        .findings
        .iter()
        .map(|(k, n)| format!("{} {n}", k.label()))
        .collect();
    println!(
        "{}: {} records against {} persons of {region}: {} matched ({} kept from the last run unchanged; \
         compared {} records with {} persons); {}; tasks raised {}, already on record {} \
         ({} fields not understood{listed}; {:.1} s)",
        file.display(),
        outcome.source,
        outcome.registry,
        outcome.matched,
        outcome.kept,
        outcome.compared_source,
        outcome.compared_registry,
        findings.join(", "),
        outcome.tasks.raised,
        outcome.tasks.known,
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
