//! Several servers behind a load balancer (issue 17): HAProxy with the
//! repository's configuration (`deploy/haproxy.cfg`) in front of one and
//! then two `renkou serve`, first without the caches and then with them
//! (Redis shared, each server's memory), all in one run on one database.
//! In each phase 3,000 sessions of township operators (`renkou-bench
//! load-prepare`) work through the balancer from `wrk` (`scripts/load.lua`,
//! the `deployment.txt` mix: lookups, searches, pages and their township's
//! report), each waiting between answers, while county operators register
//! newcomers; then the same sessions without waiting (the capacity). The
//! balancer's own byte counters give the bandwidth per user.
//!
//! Everything shares this machine's two cores, so a second server adds no
//! processor: the figures show what the balancer and the caches cost or
//! save, not how far more machines go.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use renkou_domain::Username;
use renkou_store::Store;

use crate::entry_load::{COUNTY, Load, PASSWORD, quantile, username, villages, write};
use crate::renkou_process::{Renkou, free_port};

/// How to run it.
#[derive(Debug, Clone)]
pub struct DeploymentOptions {
    /// The `renkou` binary.
    pub renkou: PathBuf,
    /// The PostgreSQL database with the demo province and the sessions.
    pub db: String,
    /// `load-prepare`'s folder (its `deployment.txt`).
    pub lists: PathBuf,
    /// `scripts/load.lua`.
    pub lua: PathBuf,
    /// `deploy/haproxy.cfg`.
    pub haproxy_config: PathBuf,
    /// A folder for the audit key, the balancer's socket and the logs.
    pub workdir: PathBuf,
    /// The shared cache.
    pub redis_url: String,
    /// Sessions at work, and each one's mean wait between answers.
    pub connections: usize,
    pub think_ms: u64,
    /// Seconds of each run.
    pub seconds: u64,
    /// Operators registering newcomers meanwhile.
    pub writers: usize,
}

/// What `wrk` measured.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WrkRun {
    pub requests: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub non2xx: u64,
    pub socket_errors: u64,
}

/// One phase's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Phase {
    pub servers: usize,
    pub caches: bool,
    /// The sessions at work (waiting between answers).
    pub paced: WrkRun,
    /// The same sessions without waiting.
    pub capacity: WrkRun,
    /// Bytes in and out of the balancer's front during the paced run, per
    /// session and minute, and per request.
    pub bytes_per_user_minute: f64,
    pub bytes_per_request: f64,
    /// Registrations answered during both runs, and their p99.
    pub entries: usize,
    pub entry_p99_ms: f64,
}

/// A process stopped when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the four phases.
pub async fn run(options: &DeploymentOptions) -> anyhow::Result<Vec<Phase>> {
    std::fs::create_dir_all(&options.workdir)?;
    add_writers(options).await?;
    let villages = villages(&options.db).await?;
    let (front, app1, app2) = (free_port()?, free_port()?, free_port()?);
    // HAProxy takes a socket path only when it is absolute.
    let socket = std::fs::canonicalize(&options.workdir)?.join("haproxy.sock");
    let _balancer = balancer(options, front, [app1, app2], &socket)?;
    let base = format!("http://127.0.0.1:{front}");
    let mut phases = Vec::new();
    for caches in [false, true] {
        flush_redis(&options.redis_url)?;
        let renkou = Renkou {
            binary: options.renkou.clone(),
            db: options.db.clone(),
            workdir: options.workdir.clone(),
            env: vec![
                ("RENKOU_CACHE__ENABLED".into(), caches.to_string()),
                ("RENKOU_CACHE__REDIS_URL".into(), options.redis_url.clone()),
            ],
        };
        let _first = Running(renkou.serve(app1).await?);
        wait_for_servers(&socket, 1).await?;
        phases.push(phase(options, &base, &socket, 1, caches, &villages, phases.len()).await?);
        let _second = Running(renkou.serve(app2).await?);
        wait_for_servers(&socket, 2).await?;
        phases.push(phase(options, &base, &socket, 2, caches, &villages, phases.len()).await?);
    }
    Ok(phases)
}

/// The county operators who register (`op200`…), unless they exist.
async fn add_writers(options: &DeploymentOptions) -> anyhow::Result<()> {
    let store = Store::open(&options.db).await?;
    let hash = renkou_domain::password::hash_password(PASSWORD)?;
    let grant = renkou_domain::Grant::new(
        renkou_domain::Role::CountyManager,
        renkou_domain::RegionCode::parse(COUNTY)?,
    )?;
    for n in 200..200 + options.writers {
        let name = Username::parse(&username(n))?;
        if store.user(&name).await?.is_none() {
            store
                .add_user(&name, None, &hash, &[grant], "bench")
                .await?;
        }
    }
    store.close().await;
    Ok(())
}

/// Starts HAProxy with the repository's configuration.
fn balancer(
    options: &DeploymentOptions,
    front: u16,
    apps: [u16; 2],
    socket: &Path,
) -> anyhow::Result<Running> {
    let _ = std::fs::remove_file(socket);
    let log = std::fs::File::create(options.workdir.join("haproxy.log"))?;
    let child = Command::new("haproxy")
        .arg("-db")
        .arg("-f")
        .arg(&options.haproxy_config)
        .env("RENKOU_FRONT", format!("127.0.0.1:{front}"))
        .env("RENKOU_APP1", format!("127.0.0.1:{}", apps[0]))
        .env("RENKOU_APP2", format!("127.0.0.1:{}", apps[1]))
        .env("RENKOU_HAPROXY_SOCKET", socket)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("haproxy (apt-get install haproxy)")?;
    let running = Running(child);
    let started = Instant::now();
    while !socket.exists() {
        if started.elapsed() > Duration::from_secs(10) {
            bail!(
                "haproxy did not start: see its log in {}",
                options.workdir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(running)
}

/// Empties the shared cache, so that each phase starts cold.
fn flush_redis(url: &str) -> anyhow::Result<()> {
    let status = Command::new("redis-cli")
        .args(["-u", url, "FLUSHDB"])
        .stdout(Stdio::null())
        .status()
        .context("redis-cli")?;
    if !status.success() {
        bail!("redis-cli FLUSHDB failed on {url}");
    }
    Ok(())
}

/// The balancer's statistics (`show stat`, CSV).
fn haproxy_stats(socket: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let mut stream = UnixStream::connect(socket)?;
    stream.write_all(b"show stat\n")?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect())
}

/// Bytes in and out of the front so far.
fn front_bytes(socket: &Path) -> anyhow::Result<u64> {
    let stats = haproxy_stats(socket)?;
    let front = stats
        .iter()
        .find(|row| row.get(1).is_some_and(|s| s == "FRONTEND"))
        .context("the balancer's front")?;
    let number = |i: usize| -> u64 { front.get(i).and_then(|v| v.parse().ok()).unwrap_or(0) };
    Ok(number(8) + number(9))
}

/// Waits until the balancer sends to exactly `n` servers.
async fn wait_for_servers(socket: &Path, n: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let up = haproxy_stats(socket)?
            .iter()
            .filter(|row| row.get(1).is_some_and(|s| s.starts_with("app")))
            .filter(|row| row.get(17).is_some_and(|s| s == "UP"))
            .count();
        if up == n {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the balancer sees {up} servers up, not {n}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One `wrk` run through the balancer.
fn wrk(
    options: &DeploymentOptions,
    base: &str,
    connections: usize,
    think_ms: u64,
    seconds: u64,
) -> anyhow::Result<WrkRun> {
    let list = options.lists.join("deployment.txt");
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--timeout",
            "10s",
            "-s",
        ])
        .arg(&options.lua)
        .arg(base)
        .arg("--")
        .arg(&list)
        .arg(think_ms.to_string())
        .output()
        .context("wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT"))
        .with_context(|| {
            format!(
                "wrk said: {text}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let value = |name: &str| -> f64 {
        line.split_whitespace()
            .find_map(|field| field.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    Ok(WrkRun {
        requests: value("requests") as u64,
        rps: value("rps"),
        p50_ms: value("p50_ms"),
        p99_ms: value("p99_ms"),
        non2xx: value("non2xx") as u64,
        socket_errors: value("socket_errors") as u64,
    })
}

/// One phase: warm-up, the paced run and the capacity run, with the writers
/// registering throughout.
async fn phase(
    options: &DeploymentOptions,
    base: &str,
    socket: &Path,
    servers: usize,
    caches: bool,
    villages: &[String],
    index: usize,
) -> anyhow::Result<Phase> {
    let options = options.clone();
    // Warm-up: the servers' pools and plans, off the async workers as every run.
    let (o, b) = (options.clone(), base.to_string());
    tokio::task::spawn_blocking(move || wrk(&o, &b, 200, 0, 10)).await??;
    let load = Load::new();
    let mut writers = Vec::new();
    for w in 0..options.writers {
        let (load, base, villages) = (load.clone(), base.to_string(), villages.to_vec());
        // Each phase its own identity numbers.
        let writer = w + index * options.writers;
        writers.push(tokio::spawn(async move {
            write(load, base, 200 + w, writer, villages).await
        }));
    }
    let before = front_bytes(socket)?;
    let (o, b) = (options.clone(), base.to_string());
    let paced =
        tokio::task::spawn_blocking(move || wrk(&o, &b, o.connections, o.think_ms, o.seconds))
            .await??;
    let bytes = front_bytes(socket)?.saturating_sub(before);
    let (o, b) = (options.clone(), base.to_string());
    let capacity =
        tokio::task::spawn_blocking(move || wrk(&o, &b, o.connections, 0, o.seconds)).await??;
    load.stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await??;
    }
    let waits = load.write_waits_ms().await;
    let minutes = options.seconds as f64 / 60.0;
    Ok(Phase {
        servers,
        caches,
        bytes_per_user_minute: bytes as f64 / options.connections as f64 / minutes,
        bytes_per_request: bytes as f64 / paced.requests.max(1) as f64,
        paced,
        capacity,
        entries: waits.len(),
        entry_p99_ms: quantile(&waits, 0.99),
    })
}
