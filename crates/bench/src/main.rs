//! `renkou-bench`: tools for the figures in the README. `scripts/bench-core.sh`
//! runs them beside the raw engines.

mod cases_due;
mod events;
mod feed;
mod home;
mod load;
mod migrants_score;
mod stats;
mod wis;
mod wis_conversion;
mod wis_stats;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chrono::Datelike;
use clap::{Parser, Subcommand};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_demo::{DemoOptions, Village, generate};
use renkou_domain::{IdNumber, RegionCode};
use renkou_store::{Store, embedded_region_table};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "renkou-bench", about = "Benchmarks of the registry core")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A township's list of cases due with many open cases in the province
    /// (issue 16): seeds `--open` open cases, then times the lists.
    CasesDue {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        #[arg(long, default_value_t = 100_000)]
        open: i64,
        #[arg(long, default_value_t = 500)]
        samples: usize,
    },
    /// Write a register CSV of a synthetic Sichuan population with the legacy
    /// forms real registers carry (15-digit numbers, other date layouts,
    /// full-width digits, spaces) and about 0.5% broken rows.
    Register {
        #[arg(long, default_value_t = 1_000_000)]
        people: usize,
        #[arg(long, default_value_t = 2)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Create sessions and request lists for the server load test
    /// (`scripts/bench-server.sh` replays them with wrk).
    LoadPrepare {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        #[arg(long, default_value_t = 3000)]
        sessions: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Statistics figures: the province report at county level against a plain
    /// GROUP BY, `stats verify` time, and events per second with and without counters.
    Stats {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        #[arg(long, default_value_t = 50)]
        samples: usize,
        /// Events to register (half with counters, half without); 0 skips.
        #[arg(long, default_value_t = 4000)]
        events: usize,
    },
    /// Events per second with the audit entry inside the event's transaction
    /// against after its commit, in alternating blocks of the same run.
    Events {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        /// Births to register (half each way).
        #[arg(long, default_value_t = 8000)]
        events: usize,
    },
    /// The home page's counts at each level, beside the statement they
    /// replaced and a plain count over the persons.
    Home {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// The women-of-childbearing-age work lists of a township (the most
    /// populous by default), as pages served in process: p50 and p99.
    WisLists {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long, default_value_t = 100)]
        requests: usize,
    },
    /// The contraception report at province level by county from the
    /// counters against a plain GROUP BY (checked equal), and events per
    /// second with the women's cards' counters and policy rules and without.
    WisStats {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        #[arg(long, default_value_t = 100)]
        samples: usize,
        /// Events to register (half each way); 0 skips.
        #[arg(long, default_value_t = 4000)]
        events: usize,
    },
    /// Precision and recall of a WIS card conversion's links against the
    /// truth.csv of `renkou demo --wis-export`.
    WisScore {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        /// The conversion's --source.
        #[arg(long)]
        source: String,
        #[arg(long)]
        truth: PathBuf,
    },
    /// Precision and recall of a migrant import's links against the truth
    /// of `renkou demo --migrant-export`.
    MigrantsScore {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        /// The import's --source.
        #[arg(long)]
        source: String,
        #[arg(long)]
        truth: PathBuf,
    },
    /// The exchange feed read by a subscriber (an API token of the
    /// region) through the API in process, events per second, beside the
    /// raw engine reading as many events.
    Feed {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        #[arg(long, default_value = "510000000000")]
        region: String,
        /// Events to read.
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        /// Events per page.
        #[arg(long, default_value_t = 5000)]
        limit: usize,
    },
    /// The exchange between two counties on loopback through a real
    /// `renkou serve`: N migrants' records delivered, each notice answered
    /// by the place of registration; messages per second from sent to
    /// feedback, and (with --kill-ms) the server killed with SIGKILL at
    /// random moments: the count of messages handled once, lost, doubled.
    Exchange {
        /// An empty database (filled here with the register of 锦江区).
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        #[arg(long, default_value_t = 10_000)]
        messages: usize,
        /// Records per delivery.
        #[arg(long, default_value_t = 100)]
        chunk: usize,
        /// Answers sent at once.
        #[arg(long, default_value_t = 4)]
        handlers: usize,
        /// Kill the server every LOW-HIGH milliseconds (e.g. 300-1500).
        #[arg(long)]
        kill_ms: Option<String>,
        /// The `renkou` binary (default: beside this one).
        #[arg(long)]
        renkou: Option<PathBuf>,
        /// Where the server keeps its audit key.
        #[arg(long, default_value = "bench-out/exchange")]
        workdir: PathBuf,
    },
    /// The hot mirror takes over mid-load: a primary and its synchronous
    /// mirror set up by scripts/pg-mirror.sh, one server given both hosts,
    /// the primary crashed and the mirror promoted while operators register
    /// and read: seconds without answers, registrations lost (must be 0).
    Failover {
        /// The clusters' name.
        #[arg(long, default_value = "renkou-failover")]
        name: String,
        #[arg(long, default_value_t = 5441)]
        primary_port: u16,
        #[arg(long, default_value_t = 5442)]
        mirror_port: u16,
        #[arg(long, default_value_t = 8)]
        writers: usize,
        #[arg(long, default_value_t = 8)]
        readers: usize,
        /// Seconds of load before the crash, and after the promotion.
        #[arg(long, default_value_t = 10)]
        before: u64,
        #[arg(long, default_value_t = 10)]
        after: u64,
        /// Milliseconds from the crash to the promotion.
        #[arg(long, default_value_t = 0)]
        promote_delay_ms: u64,
        /// The `renkou` binary (default: beside this one).
        #[arg(long)]
        renkou: Option<PathBuf>,
        #[arg(long, default_value = "bench-out/failover")]
        workdir: PathBuf,
    },
    /// Heavy reports beside data entry, on the primary and then on the
    /// decision-support copy, same run: the entry's p50/p99 in each.
    ReportsCopy {
        #[arg(long, default_value = "renkou-copy")]
        name: String,
        /// Ports of the primary, the mirror and the copy.
        #[arg(long, num_args = 3, default_values_t = [5451, 5452, 5453])]
        ports: Vec<u16>,
        #[arg(long, default_value_t = 200_000)]
        people: usize,
        #[arg(long, default_value_t = 4)]
        writers: usize,
        #[arg(long, default_value_t = 4)]
        analysts: usize,
        /// Seconds of each phase.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        #[arg(long)]
        renkou: Option<PathBuf>,
        #[arg(long, default_value = "bench-out/reports-copy")]
        workdir: PathBuf,
    },
    /// Several servers behind HAProxy (deploy/haproxy.cfg): 3,000 sessions
    /// (`load-prepare`'s deployment.txt, through wrk) with operators
    /// registering meanwhile, against 1 and 2 servers, without and with the
    /// caches, same run: throughput, p50/p99, capacity and bytes per user
    /// and minute (scripts/bench-deployment.sh sets it up).
    Deployment {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        /// `load-prepare`'s folder.
        #[arg(long)]
        lists: PathBuf,
        #[arg(long, default_value = "redis://127.0.0.1:6379/15")]
        redis_url: String,
        #[arg(long, default_value_t = 3000)]
        connections: usize,
        /// Each session's mean wait between answers, in ms.
        #[arg(long, default_value_t = 3000)]
        think_ms: u64,
        /// Seconds of each run.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        #[arg(long, default_value_t = 2)]
        writers: usize,
        #[arg(long)]
        renkou: Option<PathBuf>,
        #[arg(long, default_value = "bench-out/deployment")]
        workdir: PathBuf,
    },
    /// Time person lookups by identity number, in process: median, p90, p99.
    Lookup {
        #[arg(long, env = "RENKOU_DB")]
        db: String,
        #[arg(long, default_value_t = 20_000)]
        samples: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Register { people, seed, out } => register(people, seed, out),
        Command::CasesDue { db, open, samples } => cases_due::run(&db, open, samples).await,
        Command::Lookup { db, samples } => lookup(&db, samples).await,
        Command::Events { db, events } => events::run(&db, events).await,
        Command::Home { db, samples } => home::run(&db, samples).await,
        Command::Stats {
            db,
            samples,
            events,
        } => stats::run(&db, samples, events).await,
        Command::LoadPrepare { db, sessions, out } => load::prepare(&db, sessions, &out).await,
        Command::WisLists {
            db,
            region,
            requests,
        } => wis::run(&db, region, requests).await,
        Command::WisStats {
            db,
            samples,
            events,
        } => wis_stats::run(&db, samples, events).await,
        Command::WisScore { db, source, truth } => {
            wis_conversion::score(&db, &source, &truth).await
        }
        Command::Feed {
            db,
            region,
            events,
            limit,
        } => feed::run(&db, &region, events, limit).await,
        Command::Exchange {
            db,
            messages,
            chunk,
            handlers,
            kill_ms,
            renkou,
            workdir,
        } => exchange(db, messages, chunk, handlers, kill_ms, renkou, workdir).await,
        Command::Failover {
            name,
            primary_port,
            mirror_port,
            writers,
            readers,
            before,
            after,
            promote_delay_ms,
            renkou,
            workdir,
        } => {
            let options = renkou_bench::failover::FailoverOptions {
                renkou: renkou_beside(renkou)?,
                script: PathBuf::from("scripts/pg-mirror.sh"),
                name,
                primary_port,
                mirror_port,
                workdir,
                writers,
                readers,
                before: std::time::Duration::from_secs(before),
                after: std::time::Duration::from_secs(after),
                promote_delay: std::time::Duration::from_millis(promote_delay_ms),
            };
            failover(&options).await
        }
        Command::ReportsCopy {
            name,
            ports,
            people,
            writers,
            analysts,
            seconds,
            renkou,
            workdir,
        } => {
            let options = renkou_bench::reports_copy::CopyOptions {
                renkou: renkou_beside(renkou)?,
                script: PathBuf::from("scripts/pg-mirror.sh"),
                name,
                ports: [ports[0], ports[1], ports[2]],
                workdir,
                people,
                writers,
                analysts,
                seconds,
            };
            let phases = renkou_bench::reports_copy::run(&options).await?;
            println!("reports on  entries  entry p50   entry p99   heavy reads  stats verify runs");
            for p in &phases {
                println!(
                    "{:<10}  {:>7}  {:>7.1} ms  {:>7.1} ms  {:>11}  {:>17}",
                    p.reports_on,
                    p.entries,
                    p.entry_p50_ms,
                    p.entry_p99_ms,
                    p.heavy_reads,
                    p.verifications
                );
            }
            Ok(())
        }
        Command::Deployment {
            db,
            lists,
            redis_url,
            connections,
            think_ms,
            seconds,
            writers,
            renkou,
            workdir,
        } => {
            let options = renkou_bench::deployment::DeploymentOptions {
                renkou: renkou_beside(renkou)?,
                db,
                lists,
                lua: PathBuf::from("scripts/load.lua"),
                haproxy_config: std::fs::canonicalize("deploy/haproxy.cfg")?,
                workdir,
                redis_url,
                connections,
                think_ms,
                seconds,
                writers,
            };
            let phases = renkou_bench::deployment::run(&options).await?;
            println!(
                "servers  caches  paced: req/s   p50 ms   p99 ms  errors | capacity: req/s   p99 ms  errors | bytes/user/min  bytes/req | entries  entry p99 ms"
            );
            for p in &phases {
                println!(
                    "{:>7}  {:>6}  {:>12.0}  {:>7.1}  {:>7.1}  {:>6} | {:>15.0}  {:>7.1}  {:>6} | {:>14.0}  {:>9.0} | {:>7}  {:>12.1}",
                    p.servers,
                    if p.caches { "on" } else { "off" },
                    p.paced.rps,
                    p.paced.p50_ms,
                    p.paced.p99_ms,
                    p.paced.non2xx + p.paced.socket_errors,
                    p.capacity.rps,
                    p.capacity.p99_ms,
                    p.capacity.non2xx + p.capacity.socket_errors,
                    p.bytes_per_user_minute,
                    p.bytes_per_request,
                    p.entries,
                    p.entry_p99_ms
                );
            }
            Ok(())
        }
        Command::MigrantsScore { db, source, truth } => {
            migrants_score::score(&db, &source, &truth).await
        }
    }
}

/// `renkou-bench exchange`: runs the flow and prints what it measured.
async fn exchange(
    db: String,
    messages: usize,
    chunk: usize,
    handlers: usize,
    kill_ms: Option<String>,
    renkou: Option<PathBuf>,
    workdir: PathBuf,
) -> anyhow::Result<()> {
    use renkou_bench::exchange_flow::{FlowOptions, run};
    let kill_every = match kill_ms {
        Some(range) => {
            let (low, high) = range.split_once('-').context("--kill-ms LOW-HIGH")?;
            Some((
                std::time::Duration::from_millis(low.trim().parse()?),
                std::time::Duration::from_millis(high.trim().parse()?),
            ))
        }
        None => None,
    };
    let options = FlowOptions {
        renkou: renkou_beside(renkou)?,
        db,
        workdir,
        messages,
        chunk,
        handlers,
        kill_every,
        seed: 15,
    };
    let report = run(&options).await?;
    let t = &report.tally;
    println!("messages            {}", report.messages);
    println!("server kills        {}", report.kills);
    println!("deliveries repeated {}", report.redeliveries);
    println!("answers repeated    {}", report.reanswers);
    println!("delivered in        {:.1} s", report.delivered_seconds);
    println!(
        "sent -> feedback    {:.1} s, {:.0} messages/s",
        report.seconds,
        report.per_second()
    );
    println!("arrivals recorded   {} ({} persons)", t.arrivals, t.persons);
    println!("notices opened      {}", t.cases);
    println!(
        "notices answered    {} ({} handled steps, {} handled twice)",
        t.answered, t.handled_steps, t.handled_twice
    );
    let n = report.messages as i64;
    println!("lost                {}", (n - t.answered).max(0));
    println!(
        "doubled             {}",
        (t.arrivals - n).max(0) + (t.cases - n).max(0) + t.handled_twice
    );
    println!(
        "exactly once        {}",
        if report.exactly_once() { "yes" } else { "NO" }
    );
    if !report.exactly_once() {
        anyhow::bail!("a message was lost or handled twice");
    }
    let raw = renkou_bench::exchange_flow::raw_two_commits(&options.db, report.messages).await?;
    println!(
        "raw engine          {raw:.0} messages/s (a row inserted, then updated: one commit each)"
    );
    Ok(())
}

fn register(people: usize, seed: u64, out: PathBuf) -> anyhow::Result<()> {
    let villages: Vec<Village> = embedded_region_table(Some("51"))?
        .into_iter()
        .filter(|r| r.level == "village")
        .filter_map(|r| {
            Some(Village {
                code: RegionCode::parse(&r.code).ok()?,
                name: r.name,
            })
        })
        .collect();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).context("date")?;
    let (population, _) = generate(
        &villages,
        &DemoOptions {
            people,
            seed,
            today,
            households_before: 0,
        },
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let file =
        std::fs::File::create(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    writeln!(
        w,
        "record_id,id_number,name,sex,birth_date,ethnicity,region_code,household_no,relation,hukou_type,status,death_date"
    )?;
    for p in &population.persons {
        let mut id = p.id_number.clone().unwrap_or_default();
        let mut birth = p.birth_date.to_string();
        let mut name = p.name.clone();
        match rng.random_range(0..1000) {
            // Legacy forms a reader must normalise.
            0..20 if p.birth_date.year() < 2000 && !id.is_empty() => {
                id = format!("{}{}", &id[..6], &id[8..17])
            }
            20..40 => id = id.to_lowercase(),
            40..60 => birth = p.birth_date.format("%Y%m%d").to_string(),
            60..80 => {
                birth = format!(
                    "{}年{}月{}日",
                    p.birth_date.year(),
                    p.birth_date.month(),
                    p.birth_date.day()
                )
            }
            80..90 => name = format!(" {name}\u{3000}"),
            90..95 => {
                id = id
                    .chars()
                    .map(|c| {
                        char::from_u32(c as u32 + 0xFEE0)
                            .filter(|_| c.is_ascii_digit())
                            .unwrap_or(c)
                    })
                    .collect()
            }
            // Broken rows: a mistyped check digit, an impossible date.
            95..98 if !id.is_empty() => {
                id = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' })
            }
            98..100 => birth = format!("{}-02-30", p.birth_date.year()),
            _ => {}
        }
        let household = p
            .household_id
            .map(|h| format!("{}{h:09}", &p.residence[..6]))
            .unwrap_or_default();
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            p.id,
            id,
            name,
            p.sex,
            birth,
            p.ethnicity.as_deref().unwrap_or_default(),
            p.residence,
            household,
            p.relation.as_deref().unwrap_or_default(),
            p.hukou_type.as_deref().unwrap_or_default(),
            p.status,
            p.death_date.map(|d| d.to_string()).unwrap_or_default()
        )?;
    }
    w.flush()?;
    println!(
        "{} rows written to {}",
        population.persons.len(),
        out.display()
    );
    Ok(())
}

async fn lookup(db: &str, samples: usize) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    // Sample numbers from the register itself, in random order.
    let mut numbers: Vec<IdNumber> = Vec::new();
    store
        .export(None, None, |r| {
            if let Some(n) = r.id_number {
                numbers.push(n);
            }
            Ok(())
        })
        .await?;
    anyhow::ensure!(
        !numbers.is_empty(),
        "{db} has no identity numbers to look up"
    );
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let picks: Vec<IdNumber> = (0..samples)
        .map(|_| numbers[rng.random_range(0..numbers.len())])
        .collect();
    // Warm the caches as a running server would be.
    for n in picks.iter().take(1000) {
        store.person_by_id_number(n).await?;
    }
    let mut times = Vec::with_capacity(samples);
    for n in &picks {
        let start = Instant::now();
        let found = store.person_by_id_number(n).await?;
        times.push(start.elapsed());
        anyhow::ensure!(found.is_some(), "{n} not found");
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "lookup by identity number on {} ({} persons): {samples} lookups, median {:.3} ms, p90 {:.3} ms, p99 {:.3} ms",
        store.engine(),
        numbers.len(),
        at(0.5),
        at(0.9),
        at(0.99)
    );
    Ok(())
}

/// The `renkou` binary given, or the one beside this binary.
fn renkou_beside(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match given {
        Some(path) => Ok(path),
        None => Ok(std::env::current_exe()?
            .parent()
            .context("the folder of this binary")?
            .join("renkou")),
    }
}

/// `renkou-bench failover`: runs the load through a failover and prints it.
async fn failover(options: &renkou_bench::failover::FailoverOptions) -> anyhow::Result<()> {
    let report = renkou_bench::failover::run(options).await?;
    println!(
        "writers / readers           {} / {}",
        options.writers, options.readers
    );
    println!(
        "registrations acknowledged  {} ({} after the crash)",
        report.acknowledged, report.acknowledged_after
    );
    println!("reads answered              {}", report.reads);
    println!("persons added (new primary) {}", report.persons_added);
    println!("acknowledged but lost       {}", report.lost);
    println!("requests clients sent again {}", report.client_retries);
    println!(
        "promotion after the crash   {:.1} s",
        options.promote_delay.as_secs_f64()
    );
    println!(
        "seconds without an answer   {:.2} s",
        report.unavailable_seconds
    );
    println!(
        "first write after the crash {:.2} s",
        report.first_write_after_seconds
    );
    println!(
        "slowest answer              {:.2} s",
        report.slowest_answer_seconds
    );
    anyhow::ensure!(
        report.nothing_lost(),
        "registrations were lost or doubled: {report:?}"
    );
    Ok(())
}
