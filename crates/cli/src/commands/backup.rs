//! `renkou backup` / `renkou restore`: a consistent copy of the database and
//! its audit key. SQLite: an online snapshot (`VACUUM INTO`, readers and
//! writers go on); PostgreSQL: `pg_dump` in its custom format, restored by
//! `pg_restore` (Debian's client tools, the server's version). The audit key
//! and checkpoints travel beside the file (`FILE.audit-key`, kept 0600), so
//! that `renkou audit verify` holds on the restored database.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

/// Arguments of `renkou backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `renkou restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file `renkou backup` wrote.
    pub file: PathBuf,
    /// Replace a database that already holds data.
    #[arg(long)]
    pub force: bool,
}

/// The first bytes of each engine's backup.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PG_MAGIC: &[u8] = b"PGDMP";

fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
}

/// The files that travel beside a backup: (the database's, the backup's).
fn companions(url: &str, file: &Path) -> [(PathBuf, PathBuf); 2] {
    let settings = super::settings();
    let beside = |what: &str| PathBuf::from(format!("{}.{what}", file.display()));
    [
        (settings.audit_key_file(url), beside("audit-key")),
        (
            settings.audit_checkpoint_file(url),
            beside("audit-checkpoints"),
        ),
    ]
}

fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::copy(from, to)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn run(tool: &mut Command) -> anyhow::Result<()> {
    let name = tool.get_program().to_string_lossy().into_owned();
    let out = tool
        .output()
        .with_context(|| format!("cannot run {name} (install Debian's postgresql-client)"))?;
    if !out.status.success() {
        bail!(
            "{name} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// `renkou backup --out FILE`.
pub async fn backup(url: &str, args: BackupArgs) -> anyhow::Result<ExitCode> {
    if args.out.exists() {
        bail!(
            "{} exists already: a backup never overwrites",
            args.out.display()
        );
    }
    let store = super::open(url).await?;
    match &store {
        renkou_store::Store::Sqlite(_) => store.snapshot_sqlite(&args.out).await?,
        renkou_store::Store::Postgres(_) => run(Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--file"])
            .arg(&args.out)
            .arg(url))?,
    }
    for (ours, theirs) in companions(url, &args.out) {
        if ours.exists() {
            copy_private(&ours, &theirs)?;
        }
    }
    let bytes = std::fs::metadata(&args.out)?.len();
    println!(
        "backup {} ({bytes} bytes) with its audit key",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `renkou restore FILE`.
pub async fn restore(url: &str, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let mut head = [0u8; 16];
    let n = std::io::Read::read(
        &mut std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file.display()))?,
        &mut head,
    )?;
    let head = &head[..n];
    match sqlite_path(url) {
        Some(path) => {
            if !head.starts_with(SQLITE_MAGIC) {
                bail!("{} is not a SQLite backup of Renkou", args.file.display());
            }
            let target = Path::new(path);
            if target.exists() && std::fs::metadata(target)?.len() > 0 && !args.force {
                bail!("{path} holds a database: --force replaces it");
            }
            // Whole or not at all: copied beside, then renamed over.
            let partial = PathBuf::from(format!("{path}.restoring"));
            std::fs::copy(&args.file, &partial)?;
            for stale in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{stale}"));
            }
            std::fs::rename(&partial, target)?;
        }
        None => {
            if !head.starts_with(PG_MAGIC) {
                bail!(
                    "{} is not a PostgreSQL backup of Renkou",
                    args.file.display()
                );
            }
            create_database(url)?;
            let store = super::open(url).await?;
            if store.counts().await?.persons > 0 && !args.force {
                bail!("the database holds persons: --force replaces it");
            }
            store.close().await;
            // The schema as the backup has it (partitions and all): an empty
            // schema first, then the dump in one transaction. Interrupted,
            // the restore is run again.
            run(Command::new("psql")
                .args(["-q", "-v", "ON_ERROR_STOP=1", "-c"])
                .arg("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
                .arg(url))?;
            run(Command::new("pg_restore")
                .args([
                    "--no-owner",
                    "--exit-on-error",
                    "--single-transaction",
                    "--dbname",
                ])
                .arg(url)
                .arg(&args.file))?;
        }
    }
    for (ours, theirs) in companions(url, &args.file) {
        if theirs.exists() {
            copy_private(&theirs, &ours)?;
        }
    }
    let store = super::open(url).await?;
    let report = store.verify_counters(None).await?;
    println!(
        "restored {}: {} persons, {} events; counters checked, {} differences",
        args.file.display(),
        report.persons,
        report.events,
        report.differences.len()
    );
    Ok(if report.differences.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Creates the URL's database when the server lacks it (a fresh machine).
fn create_database(url: &str) -> anyhow::Result<()> {
    let (server, name) = url
        .rsplit_once('/')
        .context("a PostgreSQL URL names its database")?;
    let name = name.split('?').next().unwrap_or(name);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("database name {name:?}: letters, digits and _ only");
    }
    let exists = Command::new("psql")
        .args(["-qtA", "-c"])
        .arg(format!(
            "SELECT 1 FROM pg_database WHERE datname = '{name}'"
        ))
        .arg(format!("{server}/postgres"))
        .output()
        .context("cannot run psql (install Debian's postgresql-client)")?;
    if String::from_utf8_lossy(&exists.stdout).trim() != "1" {
        run(Command::new("psql")
            .args(["-q", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .arg(format!("{server}/postgres")))?;
    }
    Ok(())
}
