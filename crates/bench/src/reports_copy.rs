//! Heavy reports beside data entry, read from the primary and then from the
//! decision-support copy, in one run. A primary with its mirror and copy
//! (`scripts/pg-mirror.sh`), a demo province; operators register newcomers
//! while analysts run heavy reads (a county's quality report, whose
//! two-record checks are counted on demand, the province's pyramid and its
//! population report as XLSX)
//! and `renkou stats verify` recounts everything, again and again. First
//! with everything on the primary, then with `database.reports_url` naming
//! the copy. The entry's p50/p99 of each phase are compared.
//!
//! The three clusters share this machine's two cores; to stand for separate
//! servers, the primary's processes are pinned to core 0 and the copy's to
//! core 1 (`taskset`), in both phases alike.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::entry_load::{COUNTY, Load, add_operators, client, quantile, villages, write};
use crate::renkou_process::{Renkou, free_port, pg_mirror};

/// How to run it.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    pub renkou: PathBuf,
    /// `scripts/pg-mirror.sh`.
    pub script: PathBuf,
    pub name: String,
    pub ports: [u16; 3],
    pub workdir: PathBuf,
    /// Persons in the demo province.
    pub people: usize,
    pub writers: usize,
    pub analysts: usize,
    /// Seconds of each phase.
    pub seconds: u64,
}

/// One phase's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Phase {
    /// `primary` or `copy`.
    pub reports_on: &'static str,
    pub entries: usize,
    pub entry_p50_ms: f64,
    pub entry_p99_ms: f64,
    pub heavy_reads: u64,
    pub verifications: u64,
}

/// Sets up the clusters and the province, runs both phases.
pub async fn run(options: &CopyOptions) -> anyhow::Result<Vec<Phase>> {
    let ports: Vec<String> = options.ports.iter().map(u16::to_string).collect();
    pg_mirror(
        &options.script,
        &["up", &options.name, &ports[0], &ports[1], &ports[2]],
    )?;
    std::fs::create_dir_all(&options.workdir)?;
    let primary = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/renkou",
        ports[0], ports[1]
    );
    let copy = format!("postgres://postgres@127.0.0.1:{}/renkou", ports[2]);
    let mut renkou = Renkou {
        binary: options.renkou.clone(),
        db: primary.clone(),
        workdir: options.workdir.clone(),
        env: Vec::new(),
    };
    renkou.run(&["demo", "--people", &options.people.to_string()])?;
    add_operators(&renkou, 0..options.writers, "county_manager", COUNTY)?;
    add_operators(
        &renkou,
        100..100 + options.analysts,
        "province_analyst",
        "510000000000",
    )?;
    let villages = villages(&primary).await?;
    pin(options, "primary", "0")?;
    pin(options, "reports", "1")?;
    let mut phases = Vec::new();
    for reports_on in ["primary", "copy"] {
        renkou.env = if reports_on == "copy" {
            vec![("RENKOU_DATABASE__REPORTS_URL".into(), copy.clone())]
        } else {
            Vec::new()
        };
        phases.push(phase(options, &renkou, reports_on, &villages).await?);
    }
    Ok(phases)
}

/// One phase: a server, the operators, the analysts and the verifier.
async fn phase(
    options: &CopyOptions,
    renkou: &Renkou,
    reports_on: &'static str,
    villages: &[String],
) -> anyhow::Result<Phase> {
    let port = free_port()?;
    let mut server = renkou.serve(port).await?;
    let base = format!("http://127.0.0.1:{port}");
    let load = Load::new();
    let mut tasks = Vec::new();
    for w in 0..options.writers {
        let (load, base, villages) = (load.clone(), base.clone(), villages.to_vec());
        // Each phase its own numbers: writers of the second phase count on.
        let writer = w + if reports_on == "copy" {
            options.writers
        } else {
            0
        };
        tasks.push(tokio::spawn(async move {
            write(load, base, w, writer, villages).await
        }));
    }
    let heavy = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut analysts = Vec::new();
    for a in 0..options.analysts {
        let (load, base, heavy) = (load.clone(), base.clone(), heavy.clone());
        analysts.push(tokio::spawn(async move {
            let http = client(&base, 100 + a).await?;
            let reads = [
                // A county's: the province's on-demand checks of 200,000
                // persons took over a minute under this load.
                "/api/v1/reports/quality?region=510104000000",
                "/charts/pyramid.svg?region=510000000000",
                "/api/v1/reports/population?region=510000000000&format=xlsx",
            ];
            let mut n = 0;
            while !load.stop.load(Ordering::SeqCst) {
                let answer = http
                    .get(format!("{base}{}", reads[n % reads.len()]))
                    .send()
                    .await?;
                if !answer.status().is_success() {
                    bail!("a heavy read failed: {}", answer.status());
                }
                answer.bytes().await?;
                heavy.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
            anyhow::Ok(())
        }));
    }
    let verifier = {
        let (load, renkou) = (load.clone(), renkou.clone());
        tokio::task::spawn_blocking(move || {
            let mut runs = 0u64;
            while !load.stop.load(Ordering::SeqCst) {
                let status = renkou
                    .command()
                    .args(["stats", "verify"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()?;
                // Differences are possible while entries go on; the run counts.
                let _ = status;
                runs += 1;
            }
            anyhow::Ok(runs)
        })
    };
    tokio::time::sleep(Duration::from_secs(options.seconds)).await;
    load.stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await??;
    }
    for analyst in analysts {
        analyst.await??;
    }
    let verifications = verifier.await??;
    let _ = server.kill();
    let _ = server.wait();
    let waits = load.write_waits_ms().await;
    Ok(Phase {
        reports_on,
        entries: waits.len(),
        entry_p50_ms: quantile(&waits, 0.50),
        entry_p99_ms: quantile(&waits, 0.99),
        heavy_reads: heavy.load(Ordering::SeqCst),
        verifications,
    })
}

/// Pins a cluster's postmaster (and so every backend it starts later) to a core.
fn pin(options: &CopyOptions, part: &str, core: &str) -> anyhow::Result<()> {
    let version = std::fs::read_dir("/etc/postgresql")?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .max()
        .context("a PostgreSQL version")?;
    let pidfile = format!(
        "/var/lib/postgresql/{version}/{}-{part}/postmaster.pid",
        options.name
    );
    let pid = std::fs::read_to_string(&pidfile)
        .with_context(|| pidfile.clone())?
        .lines()
        .next()
        .context("the postmaster's pid")?
        .trim()
        .to_string();
    let status = Command::new("taskset")
        .args(["-a", "-c", "-p", core, &pid])
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("taskset {core} {pid} failed");
    }
    Ok(())
}
