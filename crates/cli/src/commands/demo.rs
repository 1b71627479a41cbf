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
    /// Generate nothing: write a legacy WIS card export (women.csv,
    /// children.csv) of the database's women into DIR, with the noise of old
    /// systems, and truth.csv saying which person each card is.
    #[arg(long, value_name = "DIR")]
    pub wis_export: Option<std::path::PathBuf>,
    /// With --wis-export: the region whose women are carded (default: the
    /// most populous county).
    #[arg(long, requires = "wis_export")]
    pub region: Option<String>,
    /// With --wis-export: how many cards (default: one per woman).
    #[arg(long, requires = "wis_export")]
    pub cards: Option<usize>,
    /// Generate nothing: write incoming migrant records (FILE, the format of
    /// `renkou migrants import`) of the database's residents now living in
    /// another county and of newcomers from other provinces, with the noise
    /// of other registers, and FILE's truth beside it (`…truth.csv`).
    #[arg(long, value_name = "FILE", conflicts_with = "wis_export")]
    pub migrant_export: Option<std::path::PathBuf>,
    /// With --migrant-export: how many records.
    #[arg(long, requires = "migrant_export", default_value_t = 100_000)]
    pub records: usize,
}

pub async fn run(url: &str, args: Args) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.wis_export {
        return wis_export(url, dir, &args).await;
    }
    if let Some(file) = &args.migrant_export {
        return migrant_export(url, file, &args).await;
    }
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

/// `renkou demo --wis-export DIR`: a noisy legacy export of the demo's women.
async fn wis_export(url: &str, dir: &std::path::Path, args: &Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let store = super::open(url).await?;
    let region = match &args.region {
        Some(code) => RegionCode::parse(code).with_context(|| format!("--region {code}"))?,
        None => store
            .most_populous(renkou_domain::RegionLevel::County)
            .await
            .context("the database holds no demo province (run renkou demo first)")?,
    };
    let today = today_in_china();
    let register = store.register_cards(&region, today).await?;
    if register.is_empty() {
        bail!("no women of childbearing age live in {region}");
    }
    // The export carries personal data like any other: audited.
    super::audit_reads(
        &store,
        url,
        "export_wis_card",
        register.iter().map(|c| c.woman.id.0),
        &format!("demo wis export {region}"),
    )
    .await?;
    let export = renkou_demo::wis_export::wis_export(
        &register,
        &renkou_demo::wis_export::WisExportOptions {
            cards: args.cards,
            seed: args.seed,
            today,
        },
    );
    super::wis::write_export(dir, &export.women, &export.children)?;
    let truth_path = dir.join("truth.csv");
    let mut truth = csv::Writer::from_path(&truth_path)
        .with_context(|| format!("cannot write {}", truth_path.display()))?;
    truth.write_record(["card_id", "person_id", "kind", "notes"])?;
    for t in &export.truth {
        truth.write_record([
            t.card_id.as_str(),
            &t.person_id.map(|p| p.to_string()).unwrap_or_default(),
            t.kind.as_str(),
            &t.notes.join("|"),
        ])?;
    }
    truth.flush()?;
    println!(
        "legacy WIS export of {} ({region}) in {}: {} cards, {} children (of {} women in the register), {:.1} s",
        store.region_name(&region).await?,
        dir.display(),
        export.women.len(),
        export.children.len(),
        register.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// The provinces newcomers of a migrant export come from: Sichuan's
/// neighbours and the provinces that send most.
const ORIGIN_PROVINCES: [&str; 8] = ["50", "52", "53", "61", "42", "43", "62", "45"];

/// `renkou demo --migrant-export FILE`: noisy incoming migrant records.
async fn migrant_export(
    url: &str,
    file: &std::path::Path,
    args: &Args,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let store = super::open(url).await?;
    let province = RegionCode::parse(&format!("{:0<12}", args.province))
        .with_context(|| format!("{:?} is not a province code", args.province))?;
    let residents = store.settled_residents(&province).await?;
    if residents.is_empty() {
        bail!("no residents live in {province} (run renkou demo first)");
    }
    let mut outside = Vec::new();
    for code in ORIGIN_PROVINCES {
        let Ok(origin) = RegionCode::parse(&format!("{code:0<12}")) else {
            continue;
        };
        for city in store.region_children(&origin).await? {
            let Ok(city) = RegionCode::parse(&city.code) else {
                continue;
            };
            outside.extend(
                store
                    .region_children(&city)
                    .await?
                    .iter()
                    .filter_map(|c| RegionCode::parse(&c.code).ok()),
            );
        }
    }
    if outside.is_empty() {
        bail!("the region table has no other province (load the whole table: renkou init)");
    }
    let export = renkou_demo::migrant_export::migrant_export(
        &residents,
        &outside,
        &renkou_demo::migrant_export::MigrantExportOptions {
            records: args.records,
            seed: args.seed,
            today: today_in_china(),
        },
    );
    // The records carry personal data like any export: audited.
    super::audit_reads(
        &store,
        url,
        "export_person",
        export.truth.iter().filter_map(|t| t.person_id),
        "demo migrant export",
    )
    .await?;
    let out = std::fs::File::create(file)
        .map(std::io::BufWriter::new)
        .with_context(|| format!("cannot write {}", file.display()))?;
    let mut writer = renkou_formats::MigrantWriter::new(out)?;
    for row in &export.rows {
        writer.write(&row.each_ref().map(String::as_str))?;
    }
    std::io::Write::flush(&mut writer.finish()?)?;
    let truth_path = truth_file(file);
    let mut truth = csv::Writer::from_path(&truth_path)
        .with_context(|| format!("cannot write {}", truth_path.display()))?;
    truth.write_record(["record_id", "person_id", "kind", "same_as"])?;
    for t in &export.truth {
        truth.write_record([
            t.record_id.as_str(),
            &t.person_id.map(|p| p.to_string()).unwrap_or_default(),
            t.kind.as_str(),
            t.same_as.as_deref().unwrap_or(""),
        ])?;
    }
    truth.flush()?;
    println!(
        "{} migrant records in {} (truth in {}), {:.1} s",
        export.rows.len(),
        file.display(),
        truth_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// `migrants.csv` → `migrants.truth.csv`.
pub fn truth_file(file: &std::path::Path) -> std::path::PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    file.with_file_name(format!("{stem}.truth.csv"))
}
