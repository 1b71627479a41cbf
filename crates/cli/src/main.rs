//! `renkou`: the population register on the command line.

mod commands;

use clap::{Parser, Subcommand};
use renkou_store::DEFAULT_DATABASE_URL;

// Bulk loads make millions of small allocations on two threads (ours and
// SQLite's worker); glibc's allocator spends most of that time consolidating.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Renkou (人口): the province's register of every person, from birth to death.
#[derive(Debug, Parser)]
#[command(name = "renkou", version, about, long_about = None)]
struct Cli {
    /// Database URL: sqlite://FILE (embedded, the default) or postgres://USER@HOST/DB.
    /// (default: the configuration's `database.url`, else sqlite://renkou.db)
    #[arg(long, global = true, env = "RENKOU_DB")]
    db: Option<String>,

    /// Configuration file (TOML; see README.md, Configuration).
    #[arg(long, global = true, env = "RENKOU_CONFIG")]
    config: Option<std::path::PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create or migrate the database and load the region table.
    Init(commands::init::Args),
    /// Fill the database with a synthetic province (demo and benchmarks).
    Demo(commands::demo::Args),
    /// Import a register CSV; rows that fail go to FILE.errors.csv and are kept as pending.
    Import(commands::import::Args),
    /// Write the register (or one region of it) as register CSV on stdout.
    Export(commands::export::Args),
    /// Check citizen identity numbers.
    #[command(subcommand)]
    Id(commands::id::IdCommand),
    /// Look up persons.
    #[command(subcommand)]
    Person(commands::person::PersonCommand),
    /// Manage the region table.
    #[command(subcommand)]
    Regions(commands::regions::RegionsCommand),
    /// Check and read the audit log.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// A standard statistical report for a region (from the real-time counters).
    Report(commands::report::Args),
    /// Check the statistics counters against a full recount.
    #[command(subcommand)]
    Stats(commands::stats::StatsCommand),
    /// Compare two register CSV files: matches, missing, duplicates, conflicts, deaths (比对筛查).
    Reconcile(commands::reconcile::Args),
    /// Generate two noisy registers of one synthetic population, with the truth (benchmark data).
    ReconcileData(commands::reconcile::DataArgs),
    /// Score a reconcile output folder against a truth folder: precision, recall, F1 per file.
    ReconcileScore(commands::reconcile::ScoreArgs),
    /// Verification tasks: reconcile a source with the registry, list the tasks per village, progress.
    #[command(subcommand)]
    Tasks(commands::tasks::TasksCommand),
    /// Serve the HTTP API.
    Serve(commands::serve::Args),
    /// Manage accounts and their roles per region.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// Manage API tokens for other departments' systems.
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
    /// Women of childbearing age (育龄妇女): convert a legacy WIS card export.
    #[command(subcommand)]
    Wis(commands::wis::WisCommand),
    /// Migrant population (流动人口): import incoming migrant records, the
    /// notices between regions and their escalation.
    #[command(subcommand)]
    Migrants(commands::migrants::MigrantsCommand),
    /// A consistent copy of the database and its audit key (SQLite online
    /// snapshot, PostgreSQL pg_dump).
    Backup(commands::backup::BackupArgs),
    /// Restore a backup into the database (refuses one that holds data
    /// unless --force), then check the counters.
    Restore(commands::backup::RestoreArgs),
    /// Reward and special support (奖励扶助 / 特别扶助): the yearly rolls.
    #[command(subcommand)]
    Roll(commands::roll::RollCommand),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RENKOU_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx::query=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let settings = match commands::load_settings(cli.config.as_deref()) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("error: {err:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let db = cli
        .db
        .clone()
        .or_else(|| settings.database.url.clone())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
    let result = match cli.command {
        Command::Init(args) => commands::init::run(&db, args).await,
        Command::Demo(args) => commands::demo::run(&db, args).await,
        Command::Import(args) => commands::import::run(&db, args).await,
        Command::Export(args) => commands::export::run(&db, args).await,
        Command::Id(cmd) => commands::id::run(cmd),
        Command::Reconcile(args) => commands::reconcile::run(args),
        Command::Tasks(cmd) => commands::tasks::run(&db, cmd).await,
        Command::ReconcileData(args) => commands::reconcile::generate(args),
        Command::ReconcileScore(args) => commands::reconcile::score(args),
        Command::Person(cmd) => commands::person::run(&db, cmd).await,
        Command::Regions(cmd) => commands::regions::run(&db, cmd).await,
        Command::User(cmd) => commands::user::run(&db, cmd).await,
        Command::Token(cmd) => commands::token::run(&db, cmd).await,
        Command::Report(args) => commands::report::run(&db, args).await,
        Command::Stats(cmd) => commands::stats::run(&db, cmd).await,
        Command::Serve(args) => commands::serve::run(&db, args).await,
        Command::Audit(cmd) => commands::audit::run(&db, cmd).await,
        Command::Wis(cmd) => commands::wis::run(&db, cmd).await,
        Command::Migrants(cmd) => commands::migrants::run(&db, cmd).await,
        Command::Roll(cmd) => commands::roll::run(&db, cmd).await,
        Command::Backup(args) => commands::backup::backup(&db, args).await,
        Command::Restore(args) => commands::backup::restore(&db, args).await,
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
