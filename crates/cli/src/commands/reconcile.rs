//! `renkou reconcile`: compare two register CSV files (比对筛查) and write
//! what they agree and disagree on; `reconcile-data` generates a pair of
//! noisy registers with their truth; `reconcile-score` scores an output
//! folder against a truth folder.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use renkou_domain::date::today_in_china;
use renkou_formats::register_csv::RegisterReader;
use renkou_link::evaluate::{Score, unordered};
use renkou_link::{Linkage, Record, Stage};
use renkou_store::Problem;

/// Arguments of `renkou reconcile`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The first register CSV (e.g. the police household register).
    #[arg(long)]
    pub left: PathBuf,
    /// The second register CSV (e.g. the family-planning register).
    #[arg(long)]
    pub right: PathBuf,
    /// Folder for the result files (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let bar = stage_bar();
    bar.set_message("读取 reading files");
    let (left, right) = rayon::join(|| read(&args.left), || read(&args.right));
    let (left, left_problems) = left?;
    let (right, right_problems) = right?;
    let read_time = started.elapsed();
    let linking = Instant::now();
    let stages = std::sync::Mutex::new(Vec::new());
    let linkage = renkou_link::reconcile(&left, &right, &|stage| {
        if let Ok(mut s) = stages.lock() {
            s.push((stage, Instant::now()));
        }
        bar.set_message(match stage {
            Stage::Blocking => "分块 blocking and comparing",
            Stage::Training => "训练 learning the weights (EM)",
            Stage::Assigning => "配对 one-to-one assignment",
            Stage::Duplicates => "查重 duplicates inside each source",
            Stage::Findings => "核对 conflicts and deaths",
        });
    });
    let link_time = linking.elapsed();
    let stage_times = {
        let mut marks = stages.into_inner().unwrap_or_default();
        marks.push((Stage::Findings, Instant::now()));
        marks
            .windows(2)
            .map(|w| format!("{:?} {:.1} s", w[0].0, (w[1].1 - w[0].1).as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    bar.set_message("写出 writing results");
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    write_outputs(&args.out, &left, &right, &linkage)?;
    write_problems(&args.out, "problems_left.csv", &args.left, &left_problems)?;
    write_problems(
        &args.out,
        "problems_right.csv",
        &args.right,
        &right_problems,
    )?;
    bar.finish_and_clear();
    let s = &linkage.stats;
    println!(
        "{} ({} records) × {} ({} records): {} matched, {} only left, {} only right, \
         {} + {} duplicate pairs, {} conflicting fields, {} deaths on one side only",
        args.left.display(),
        left.len(),
        args.right.display(),
        right.len(),
        linkage.matches.len(),
        linkage.only_left.len(),
        linkage.only_right.len(),
        linkage.duplicates_left.len(),
        linkage.duplicates_right.len(),
        linkage.conflicts.len(),
        linkage.deceased_active.len(),
    );
    println!(
        "compared {} pairs across and {} inside ({} oversized blocks skipped); \
         {:.4}% of compared pairs one person (EM, {} rounds); \
         fields not understood: {} left, {} right (see problems_*.csv)",
        s.compared,
        s.compared_inside,
        s.blocks_skipped,
        s.prior * 100.0,
        s.rounds,
        left_problems.len(),
        right_problems.len(),
    );
    println!(
        "time: read {:.1} s, link {:.1} s ({stage_times}), total {:.1} s; results in {}",
        read_time.as_secs_f64(),
        link_time.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn stage_bar() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Reads a register leniently: every row becomes a record; what could not
/// be understood is listed with its line.
pub fn read(path: &Path) -> anyhow::Result<(Vec<Record>, Vec<Problem>)> {
    let name = path.display().to_string();
    let file = File::open(path).with_context(|| format!("cannot open {name}"))?;
    let reader = RegisterReader::new(std::io::BufReader::with_capacity(1 << 20, file), &name)?;
    Ok(renkou_store::source_records(reader)?)
}

/// Header rows of the result files (the truth folder uses the same).
const MATCHES: [&str; 3] = ["left_record_id", "right_record_id", "score"];
const DUPLICATES: [&str; 3] = ["record_id_a", "record_id_b", "score"];
const CONFLICTS: [&str; 5] = [
    "left_record_id",
    "right_record_id",
    "field",
    "left_value",
    "right_value",
];
const DECEASED: [&str; 4] = [
    "left_record_id",
    "right_record_id",
    "dead_side",
    "death_date",
];

/// Writes `dir/file`: the header, then one row per item.
fn write_csv<R, T>(
    dir: &Path,
    file: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> anyhow::Result<()>
where
    R: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let path = dir.join(file);
    let f = File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = renkou_formats::SafeCsvWriter::new(BufWriter::with_capacity(1 << 20, f));
    w.write_record(header)?;
    for row in rows {
        w.write_record(row)?;
    }
    w.flush()?;
    Ok(())
}

fn write_outputs(dir: &Path, left: &[Record], right: &[Record], l: &Linkage) -> anyhow::Result<()> {
    let id = |side: &[Record], i: u32| side[i as usize].record_id.clone();
    let score = |p: f64| format!("{p:.6}");
    write_csv(
        dir,
        "matches.csv",
        &MATCHES,
        l.matches
            .iter()
            .map(|m| [id(left, m.a), id(right, m.b), score(m.probability)]),
    )?;
    for (file, side, head, which) in [
        ("only_left.csv", left, "left_record_id", &l.only_left),
        ("only_right.csv", right, "right_record_id", &l.only_right),
    ] {
        let header = [
            head,
            "id_number",
            "name",
            "birth_date",
            "region_code",
            "status",
        ];
        write_csv(
            dir,
            file,
            &header,
            which.iter().map(|&i| {
                let r = &side[i as usize];
                [
                    r.record_id.clone(),
                    r.id_text().unwrap_or_default().to_string(),
                    r.name.clone(),
                    r.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                    r.region.map(|c| format!("{c:012}")).unwrap_or_default(),
                    r.status.as_str().to_string(),
                ]
            }),
        )?;
    }
    for (file, side, pairs) in [
        ("duplicates_left.csv", left, &l.duplicates_left),
        ("duplicates_right.csv", right, &l.duplicates_right),
    ] {
        write_csv(
            dir,
            file,
            &DUPLICATES,
            pairs
                .iter()
                .map(|d| [id(side, d.a), id(side, d.b), score(d.probability)]),
        )?;
    }
    write_csv(
        dir,
        "conflicts.csv",
        &CONFLICTS,
        l.conflicts.iter().map(|c| {
            [
                id(left, c.left),
                id(right, c.right),
                c.field.to_string(),
                c.left_value.clone(),
                c.right_value.clone(),
            ]
        }),
    )?;
    write_csv(
        dir,
        "deceased_active.csv",
        &DECEASED,
        l.deceased_active.iter().map(|d| {
            [
                id(left, d.left),
                id(right, d.right),
                d.dead_side.to_string(),
                d.death_date.map(|x| x.to_string()).unwrap_or_default(),
            ]
        }),
    )
}

pub fn write_problems(
    dir: &Path,
    name: &str,
    file: &Path,
    problems: &[Problem],
) -> anyhow::Result<()> {
    let header = ["file", "line", "record_id", "column", "value", "reason"];
    write_csv(
        dir,
        name,
        &header,
        problems.iter().map(|(line, record_id, p)| {
            [
                file.display().to_string(),
                line.to_string(),
                record_id.clone(),
                p.column.to_string(),
                p.value.clone(),
                p.reason.clone(),
            ]
        }),
    )
}

/// Arguments of `renkou reconcile-data`.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Persons in the population behind the two registers.
    #[arg(long, default_value_t = 100_000)]
    pub people: usize,
    /// The same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder for left.csv, right.csv and truth/.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn generate(args: DataArgs) -> anyhow::Result<ExitCode> {
    use renkou_demo::Village;
    use renkou_demo::registers::{RegisterOptions, RegisterRow, generate_registers};
    let started = Instant::now();
    let villages: Vec<Village> = renkou_store::embedded_region_table(Some("51"))?
        .into_iter()
        .filter(|r| r.level == "village")
        .filter_map(|r| {
            Some(Village {
                code: renkou_domain::RegionCode::parse(&r.code).ok()?,
                name: r.name,
            })
        })
        .collect();
    let pair = generate_registers(
        &villages,
        &RegisterOptions {
            people: args.people,
            seed: args.seed,
            today: today_in_china(),
        },
    );
    let truth_dir = args.out.join("truth");
    std::fs::create_dir_all(&truth_dir)
        .with_context(|| format!("cannot create {}", truth_dir.display()))?;
    let write_rows = |file: &str, rows: &[RegisterRow]| {
        let header = [
            "record_id",
            "id_number",
            "name",
            "sex",
            "birth_date",
            "ethnicity",
            "region_code",
            "household_no",
            "status",
            "death_date",
        ];
        write_csv(
            &args.out,
            file,
            &header,
            rows.iter().map(|r| {
                [
                    &r.record_id,
                    &r.id_number,
                    &r.name,
                    &r.sex,
                    &r.birth_date,
                    &r.ethnicity,
                    &r.region_code,
                    &r.household_no,
                    &r.status,
                    &r.death_date,
                ]
            }),
        )
    };
    write_rows("left.csv", &pair.left)?;
    write_rows("right.csv", &pair.right)?;
    let t = &pair.truth;
    fn pairs(rows: &[(String, String)]) -> impl Iterator<Item = [&str; 2]> {
        rows.iter().map(|(a, b)| [a.as_str(), b.as_str()])
    }
    write_csv(&truth_dir, "matches.csv", &MATCHES[..2], pairs(&t.matches))?;
    write_csv(
        &truth_dir,
        "duplicates_left.csv",
        &DUPLICATES[..2],
        pairs(&t.duplicates_left),
    )?;
    write_csv(
        &truth_dir,
        "duplicates_right.csv",
        &DUPLICATES[..2],
        pairs(&t.duplicates_right),
    )?;
    write_csv(
        &truth_dir,
        "only_left.csv",
        &["left_record_id"],
        t.only_left.iter().map(|id| [id]),
    )?;
    write_csv(
        &truth_dir,
        "only_right.csv",
        &["right_record_id"],
        t.only_right.iter().map(|id| [id]),
    )?;
    write_csv(
        &truth_dir,
        "conflicts.csv",
        &CONFLICTS,
        t.conflicts
            .iter()
            .map(|(a, b, f, x, y)| [a.as_str(), b, f, x, y]),
    )?;
    write_csv(
        &truth_dir,
        "deceased_active.csv",
        &DECEASED,
        t.deceased_active
            .iter()
            .map(|(a, b, side, date)| [a.as_str(), b, side, date]),
    )?;
    println!(
        "{}: left.csv {} rows, right.csv {} rows; truth: {} matches, {} only left, {} only right, \
         {} + {} duplicates, {} conflicts, {} deceased on one side ({:.1} s)",
        args.out.display(),
        pair.left.len(),
        pair.right.len(),
        t.matches.len(),
        t.only_left.len(),
        t.only_right.len(),
        t.duplicates_left.len(),
        t.duplicates_right.len(),
        t.conflicts.len(),
        t.deceased_active.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `renkou reconcile-score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// The truth folder (written by reconcile-data).
    #[arg(long)]
    pub truth: PathBuf,
    /// The output folder of a reconcile run.
    #[arg(long)]
    pub out: PathBuf,
}

/// The files scored: how many leading columns identify a finding, whether
/// the first two are an unordered pair, and which side's record ids the
/// first two columns hold (for reading them up to duplicates).
const SCORED: [(&str, usize, bool, [Side; 2]); 7] = [
    ("matches.csv", 2, false, [Side::Left, Side::Right]),
    ("only_left.csv", 1, false, [Side::Left, Side::None]),
    ("only_right.csv", 1, false, [Side::Right, Side::None]),
    ("duplicates_left.csv", 2, true, [Side::None, Side::None]),
    ("duplicates_right.csv", 2, true, [Side::None, Side::None]),
    ("conflicts.csv", 3, false, [Side::Left, Side::Right]),
    ("deceased_active.csv", 3, false, [Side::Left, Side::Right]),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
    None,
}

/// Scores each output file against the truth. A record the truth lists as a
/// duplicate stands for its person: matching the right record to either of
/// two identical left records of one person is equally right, so record
/// ids are read as their duplicate group's first id (in matches, only_*,
/// conflicts and deceased; the duplicates files are scored as they are).
pub fn score(args: ScoreArgs) -> anyhow::Result<ExitCode> {
    let groups = [
        duplicate_groups(&args.truth.join("duplicates_left.csv"))?,
        duplicate_groups(&args.truth.join("duplicates_right.csv"))?,
    ];
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "file", "truth", "found", "correct", "precision", "recall", "F1"
    );
    for (file, columns, unordered_pair, sides) in SCORED {
        let read = |dir: &Path| keys(&dir.join(file), columns, unordered_pair, sides, &groups);
        if !args.out.join(file).exists() {
            println!("{file:<22} (not produced)");
            continue;
        }
        let (truth, found) = (read(&args.truth)?, read(&args.out)?);
        let s = Score::of(&truth, &found);
        println!(
            "{file:<22} {:>9} {:>9} {:>9} {:>9.5} {:>9.5} {:>9.5}",
            s.truth,
            s.found,
            s.correct,
            s.precision(),
            s.recall(),
            s.f1()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Each record id of a duplicate pair mapped to the smallest id of its group.
fn duplicate_groups(path: &Path) -> anyhow::Result<HashMap<String, String>> {
    let mut parent: HashMap<String, String> = HashMap::new();
    fn root(parent: &HashMap<String, String>, id: &str) -> String {
        let mut id = id.to_string();
        while let Some(p) = parent.get(&id) {
            if *p == id {
                break;
            }
            id = p.clone();
        }
        id
    }
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    for row in r.records() {
        let row = row.with_context(|| format!("{} is not CSV", path.display()))?;
        let (Some(a), Some(b)) = (row.get(0), row.get(1)) else {
            continue;
        };
        let (ra, rb) = (root(&parent, a), root(&parent, b));
        let (low, high) = if ra <= rb { (ra, rb) } else { (rb, ra) };
        parent.insert(high, low.clone());
        parent.entry(low.clone()).or_insert(low);
    }
    let ids: Vec<String> = parent.keys().cloned().collect();
    Ok(ids
        .into_iter()
        .map(|id| (root(&parent, &id), id))
        .map(|(r, id)| (id, r))
        .collect())
}

fn keys(
    path: &Path,
    columns: usize,
    unordered_pair: bool,
    sides: [Side; 2],
    groups: &[HashMap<String, String>; 2],
) -> anyhow::Result<HashSet<Vec<String>>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = HashSet::new();
    for row in r.records() {
        let row = row.with_context(|| format!("{} is not CSV", path.display()))?;
        let mut key: Vec<String> = row.iter().take(columns).map(str::to_string).collect();
        for (i, side) in sides.iter().enumerate() {
            let group = match side {
                Side::Left => &groups[0],
                Side::Right => &groups[1],
                Side::None => continue,
            };
            if let Some(rep) = key.get(i).and_then(|id| group.get(id)) {
                key[i] = rep.clone();
            }
        }
        if unordered_pair && key.len() >= 2 {
            let (a, b) = unordered(&key[0], &key[1]);
            key[0] = a;
            key[1] = b;
        }
        out.insert(key);
    }
    Ok(out)
}
