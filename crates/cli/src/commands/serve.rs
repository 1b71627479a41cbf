//! `renkou serve`: the HTTP API.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use rand::Rng;
use renkou_domain::password::hash_password;
use renkou_domain::{Grant, RegionCode, Role, Username};

/// Arguments of `renkou serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (default: the configuration's `server.listen`,
    /// else 127.0.0.1:8080).
    #[arg(long, env = "RENKOU_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// First create a demo province (if the database has nobody) and a demo
    /// administrator (if it has no accounts), printing how to log in.
    #[arg(long)]
    pub demo: bool,
}

pub async fn run(url: &str, args: Args) -> anyhow::Result<ExitCode> {
    if args.demo {
        let demo = super::demo::Args {
            people: 100_000,
            seed: 1,
            province: "51".into(),
            append: false,
            wis_export: None,
            region: None,
            cards: None,
            migrant_export: None,
            records: 0,
        };
        super::demo::run(url, demo).await?;
    }
    let store = super::open(url).await?;
    if args.demo && store.users().await?.is_empty() {
        let password: String = {
            let mut rng = rand::rng();
            let letters: String = (0..8)
                .map(|_| char::from(rng.random_range(b'a'..=b'z')))
                .collect();
            format!("{letters}{:04}", rng.random_range(0..10_000))
        };
        let hash =
            hash_password(&password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
        let province = RegionCode::parse("510000000000")?;
        let grants = [
            Grant::new(Role::Admin, province)?,
            Grant::new(Role::ProvinceAnalyst, province)?,
        ];
        store
            .add_user(
                &Username::parse("admin")?,
                Some("演示管理员"),
                &hash,
                &grants,
                "demo",
            )
            .await?;
        println!("demo administrator: user admin, password {password}");
    }
    let settings = super::settings().clone();
    let listen = args
        .listen
        .or(settings.server.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let key = super::audit_key(url)?;
    let checkpoints =
        (settings.audit.checkpoint_seconds > 0).then(|| renkou_server::CheckpointPlan {
            file: settings.audit_checkpoint_file(url),
            every: std::time::Duration::from_secs(settings.audit.checkpoint_seconds),
        });
    let reports = match &settings.database.reports_url {
        Some(reports_url) => {
            let copy = super::open(reports_url).await?;
            let freshness = copy.freshness().await?;
            println!(
                "reports from {reports_url} ({}, {:.1} s behind)",
                if freshness.replica {
                    "read replica"
                } else {
                    "not a replica"
                },
                freshness.lag_seconds
            );
            Some(copy)
        }
        None => None,
    };
    let cache = settings.cache.clone();
    let postgres = store.engine() == "postgres";
    let mut state = renkou_server::AppState::with(store, settings, key, checkpoints);
    if let Some(reports) = reports {
        state = state.with_reports(reports);
    }
    if cache.enabled && postgres {
        let redis = cache.redis_url.as_deref();
        println!(
            "caches: {} MiB in this server{}",
            cache.local_mib,
            redis.map_or(String::new(), |url| format!(", shared in {url}"))
        );
        state = state.with_caches(renkou_server::Caches::new(cache.local_mib, redis));
    }
    println!("serving {url} on http://{listen}");
    renkou_server::serve(state, listen)
        .await
        .context("serving")?;
    Ok(ExitCode::SUCCESS)
}
