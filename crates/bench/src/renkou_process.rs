//! Running the `renkou` binary from a benchmark or test: its commands on a
//! database, and `renkou serve` on a free port, started and waited for.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The binary, the database it works on and the folder for its audit key.
#[derive(Debug, Clone)]
pub struct Renkou {
    /// The `renkou` binary.
    pub binary: PathBuf,
    /// The database URL.
    pub db: String,
    /// A folder for the audit key, checkpoints and files.
    pub workdir: PathBuf,
    /// More settings, as `RENKOU_…` variables.
    pub env: Vec<(String, String)>,
}

impl Renkou {
    /// `renkou` with the database, the audit files and no escalation clock.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .env("RENKOU_DB", &self.db)
            .env("RENKOU_AUDIT__KEY_FILE", self.workdir.join("audit.key"))
            .env(
                "RENKOU_AUDIT__CHECKPOINT_FILE",
                self.workdir.join("audit.checkpoints"),
            )
            .env("RENKOU_CASES__ESCALATE_EVERY_SECONDS", "0")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs `renkou ARGS`; fails with its output.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<()> {
        checked(self.command().args(args), "renkou", args)
    }

    /// Starts `renkou serve` on `port` and waits until it answers. Its log
    /// goes to the file `RENKOU_FLOW_SERVER_LOG` names (with `RENKOU_LOG`).
    pub async fn serve(&self, port: u16) -> anyhow::Result<Child> {
        let log = match std::env::var_os("RENKOU_FLOW_SERVER_LOG") {
            Some(file) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(file)?,
            ),
            None => Stdio::null(),
        };
        let mut child = self
            .command()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("start the server")?;
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if let Ok(Some(status)) = child.try_wait() {
                bail!("the server stopped: {status}");
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                bail!("the server did not start in 60 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(child)
    }
}

/// A port nobody listens on now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A path as UTF-8 text (for a command's argument).
pub fn path(p: &Path) -> anyhow::Result<&str> {
    p.to_str().context("a path in UTF-8")
}

/// Runs `scripts/pg-mirror.sh ARGS` (the script's path given); fails with its output.
pub fn pg_mirror(script: &Path, args: &[&str]) -> anyhow::Result<()> {
    checked(
        Command::new("bash").arg(script).args(args),
        "pg-mirror.sh",
        args,
    )
}

/// Runs a command to its end; fails with its output when it fails.
fn checked(command: &mut Command, what: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = command.output().with_context(|| format!("run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}
