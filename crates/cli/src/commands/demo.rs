//! `renkou demo`: a synthetic province, for demonstrations and benchmarks.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use renkou_demo::{DemoOptions, Village, generate};
use renkou_domain::RegionCode;
use renkou_domain::date::today_in_china;

/// Arguments of `renkou demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// About how many persons to create.
    #[arg(long, default_value_t = 100_000)]
    pub people: usize,
    /// Seed: the same seed gives the same province.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The province (2-digit or 12-digit code) whose villages the people live in.
    #[arg(long, default_value = "51")]
    pub province: String,
    /// Add to a database that already has persons.
    #[arg(long)]
    pub append: bool,
}

pub async fn run(url: &str, args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let province = RegionCode::parse(&format!("{:0<12}", args.province))
        .with_context(|| format!("{:?} is not a province code", args.province))?;
    let store = super::open(url).await?;
    let counts = store.counts().await?;
    if counts.persons > 0 && !args.append {
        // Running the demo again is not an error: the province is already there.
        println!(
            "{url} already holds {} persons: nothing generated (--append adds another population)",
            counts.persons
        );
        return Ok(ExitCode::SUCCESS);
    }
    if store.region(&province).await?.is_none() {
        let init = super::init::Args {
            regions_prefix: None,
            regions_file: None,
        };
        super::init::load_regions(&store, &init).await?;
    }
    let villages: Vec<Village> = store
        .villages(&province)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(Village {
                code: RegionCode::parse(&r.code).ok()?,
                name: r.name,
            })
        })
        .collect();
    if villages.is_empty() {
        bail!("no villages in region {province}: load a region table that has them (renkou init)");
    }
    let options = DemoOptions {
        people: args.people,
        seed: args.seed,
        today: today_in_china(),
        households_before: counts.households,
    };
    let generate_started = Instant::now();
    let (population, summary) = generate(&villages, &options);
    let generated = generate_started.elapsed();
    let store_started = Instant::now();
    store.load_population(population).await?;
    let stored = store_started.elapsed();
    let province_name = store
        .region(&province)
        .await?
        .map(|r| r.name)
        .unwrap_or_default();
    println!(
        "demo province {province_name} ({province}) in {url}, seed {}",
        args.seed
    );
    println!(
        "  persons {} (living {}, dead {}, moved out {}), households {}, events {}",
        summary.persons,
        summary.living,
        summary.dead,
        summary.moved_out,
        summary.households,
        summary.events
    );
    println!(
        "  migrants {}, sex ratio {:.1}, ages 0-14 {:.1}% / 15-59 {:.1}% / 60+ {:.1}%, villages {}",
        summary.migrants,
        summary.sex_ratio,
        summary.age_groups[0],
        summary.age_groups[1],
        summary.age_groups[2],
        villages.len()
    );
    let top: Vec<String> = summary
        .ethnicities
        .iter()
        .take(5)
        .map(|(code, n)| {
            let name = renkou_domain::Ethnicity::parse(code)
                .map(|e| e.name())
                .unwrap_or("?");
            format!("{name} {n}")
        })
        .collect();
    println!("  ethnicities: {}", top.join(", "));
    println!(
        "  time: generate {:.1} s, store {:.1} s, total {:.1} s",
        generated.as_secs_f64(),
        stored.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
