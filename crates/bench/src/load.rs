//! Prepares a load test against a running server: township operators with
//! live sessions, and request lists (one per kind of request, and a mix)
//! that `scripts/bench-server.sh` replays with `wrk` from a second process.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use chrono::{Duration, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::password::hash_password;
use renkou_domain::{Grant, IdNumber, RegionCode, RegionLevel, Role, Username};
use renkou_store::Store;
use sha2::{Digest, Sha256};

/// One person a session will ask about.
struct Target {
    id: i64,
    id_number: IdNumber,
    name: String,
}

/// Creates `sessions` sessions of township operators (one account per
/// township sampled) and writes `lookups.txt`, `searches.txt`, `pages.txt`,
/// `mixed.txt` and `deployment.txt` into `out`: lines of `token<TAB>path`.
pub async fn prepare(db: &str, sessions: usize, out: &Path) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // Sample living persons with identity numbers, reservoir-style.
    let wanted = sessions * 4;
    let mut sample: Vec<(IdNumber, String, RegionCode)> = Vec::with_capacity(wanted);
    let mut seen = 0usize;
    store
        .export(None, None, |r| {
            if r.status != renkou_domain::LifeStatus::Active {
                return Ok(());
            }
            if let Some(n) = r.id_number {
                seen += 1;
                let item = (n, r.name.as_str().to_string(), r.region_code);
                if sample.len() < wanted {
                    sample.push(item);
                } else {
                    let slot = rng.random_range(0..seen);
                    if slot < wanted {
                        sample[slot] = item;
                    }
                }
            }
            Ok(())
        })
        .await?;
    anyhow::ensure!(!sample.is_empty(), "{db} has nobody to look up");
    // Group by township; one operator account per township.
    let mut by_township: BTreeMap<RegionCode, Vec<Target>> = BTreeMap::new();
    for (number, name, village) in sample {
        let township = township_of(&village)?;
        let person = store
            .person_by_id_number(&number)
            .await?
            .context("sampled person vanished")?;
        by_township.entry(township).or_default().push(Target {
            id: person.id.0,
            id_number: number,
            name,
        });
    }
    let hash = hash_password("loadtest2026pw")?;
    let expires = Utc::now() + Duration::hours(8);
    let mut sessions_of: Vec<(RegionCode, String)> = Vec::with_capacity(sessions);
    let townships: Vec<RegionCode> = by_township.keys().copied().collect();
    for (i, township) in townships.iter().enumerate() {
        let name = Username::parse(&format!("load{i:05}"))?;
        let grant = Grant::new(Role::TownshipOperator, *township)?;
        let user_id = match store.user(&name).await? {
            Some(account) => account.id,
            None => {
                store
                    .add_user(&name, None, &hash, &[grant], "bench")
                    .await?
            }
        };
        // Sessions go round-robin over the townships.
        let mine = sessions / townships.len() + usize::from(i < sessions % townships.len());
        for _ in 0..mine {
            // Random, not seeded: a second run on the same database adds
            // sessions beside the first run's.
            let token = hex::encode(rand::random::<[u8; 32]>());
            let hashed = hex::encode(Sha256::digest(token.as_bytes()));
            store.create_session(user_id, &hashed, expires).await?;
            sessions_of.push((*township, token));
        }
    }
    std::fs::create_dir_all(out)?;
    let (mut lookups, mut searches, mut pages, mut mixed) =
        (String::new(), String::new(), String::new(), Vec::new());
    let mut deployment = Vec::new();
    for round in 0..8 {
        for (township, token) in &sessions_of {
            let targets = &by_township[township];
            let t = &targets[rng.random_range(0..targets.len())];
            let lookup = format!("/api/v1/persons?id_number={}", t.id_number);
            let search = format!(
                "/api/v1/persons?name={}",
                form_urlencoded::byte_serialize(t.name.as_bytes()).collect::<String>()
            );
            let page = match round % 4 {
                0 | 1 => format!("/persons/{}", t.id),
                2 => "/".to_string(),
                _ => format!("/search?q={}", t.id_number),
            };
            writeln!(lookups, "{token}\t{lookup}")?;
            writeln!(searches, "{token}\t{search}")?;
            writeln!(pages, "{token}\t{page}")?;
            // The mix: half lookups, a quarter searches, a quarter pages.
            mixed.push(format!("{token}\t{lookup}"));
            mixed.push(format!("{token}\t{lookup}"));
            mixed.push(format!("{token}\t{search}"));
            mixed.push(format!("{token}\t{page}"));
            // The deployment's mix: the same, and one in five its township's
            // report (the JSON or the page), which the caches keep.
            let report = if round % 2 == 0 {
                format!("/api/v1/reports/population?region={township}")
            } else {
                format!("/reports/population?region={township}")
            };
            deployment.extend(mixed[mixed.len() - 4..].iter().cloned());
            deployment.push(format!("{token}\t{report}"));
        }
    }
    mixed.shuffle(&mut rng);
    deployment.shuffle(&mut rng);
    std::fs::write(out.join("deployment.txt"), deployment.join("\n") + "\n")?;
    std::fs::write(out.join("lookups.txt"), lookups)?;
    std::fs::write(out.join("searches.txt"), searches)?;
    std::fs::write(out.join("pages.txt"), pages)?;
    std::fs::write(out.join("mixed.txt"), mixed.join("\n") + "\n")?;
    println!(
        "{} sessions of {} township operators on {}; request lists in {}",
        sessions_of.len(),
        townships.len(),
        store.engine(),
        out.display()
    );
    Ok(())
}

/// The township a village belongs to.
fn township_of(village: &RegionCode) -> anyhow::Result<RegionCode> {
    let code = format!("{}000", &village.as_str()[..9]);
    let township = RegionCode::parse(&code)?;
    anyhow::ensure!(
        township.level() == RegionLevel::Township,
        "{village} has no township"
    );
    Ok(township)
}
