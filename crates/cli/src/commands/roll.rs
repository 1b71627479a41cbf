//! `renkou roll`: the yearly rolls of reward and special support (奖励扶助 /
//! 特别扶助), computed from the register by the configured rules.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use renkou_domain::RegionCode;
use renkou_store::{AuditEntry, Roll};

/// `renkou roll …`
#[derive(Debug, clap::Subcommand)]
pub enum RollCommand {
    /// Compute a program's roll for a region and year: every person
    /// registered there judged by the program's rules, with the reason.
    /// Nothing is stored; the same register gives the same roll.
    Compute(ComputeArgs),
    /// Record disability certificates as the disabled persons' federation
    /// (残联) reports them: a CSV of `id_number,grade[,certificate_no]`.
    /// Special support reads a child's grade (1–3). Rows that cannot be
    /// used go to FILE.errors.csv (file, line, column, value, reason) for
    /// correction; running the file again records the same.
    Disabilities {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Who reports them.
        #[arg(long, default_value = "残联")]
        source: String,
    },
}

/// Output forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The counts of each reason.
    Table,
    /// One row per person considered: `person_id,eligible,reason`.
    Csv,
}

/// Arguments of `renkou roll compute`.
#[derive(Debug, clap::Args)]
pub struct ComputeArgs {
    /// The program's key in the configuration (`reward`, `special`).
    #[arg(long)]
    pub program: String,
    /// The roll year (ages are reached in it).
    #[arg(long)]
    pub year: i32,
    /// The region (12 digits, or 6 for a province, city or county).
    #[arg(long)]
    pub region: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub out: Option<std::path::PathBuf>,
}

pub async fn run(url: &str, command: RollCommand) -> anyhow::Result<ExitCode> {
    match command {
        RollCommand::Compute(args) => compute(url, args).await,
        RollCommand::Disabilities { file, source } => disabilities(url, &file, &source).await,
    }
}

async fn disabilities(url: &str, file: &std::path::Path, source: &str) -> anyhow::Result<ExitCode> {
    use renkou_formats::ValueProblem;
    let name = file.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("cannot open {name}"))?;
    let store = super::open(url).await?;
    let (mut recorded, mut problems) = (0usize, Vec::<ValueProblem>::new());
    for (i, row) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let problem = |column: &str, value: &str, reason: String| ValueProblem {
            file: name.clone(),
            line,
            column: column.into(),
            value: value.into(),
            reason,
        };
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(problem("", "", format!("无法读取此行：{e}")));
                continue;
            }
        };
        let number = row.get(0).unwrap_or_default();
        let grade = row.get(1).unwrap_or_default();
        let id = match renkou_domain::IdNumber::parse(number) {
            Ok(id) => id,
            Err(e) => {
                problems.push(problem("id_number", number, e.to_string()));
                continue;
            }
        };
        let Some(level) = grade
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|g| (1..=4).contains(g))
        else {
            problems.push(problem("grade", grade, "残疾等级应为 1 至 4".into()));
            continue;
        };
        let Some(person) = store.person_by_id_number(&id).await? else {
            problems.push(problem(
                "id_number",
                number,
                "人口库中没有此身份证号".into(),
            ));
            continue;
        };
        let certificate = row.get(2).map(str::trim).filter(|c| !c.is_empty());
        store
            .record_disability(person.id, level, certificate, source)
            .await?;
        recorded += 1;
    }
    let errors = super::import::errors_file(file);
    if problems.is_empty() {
        let _ = std::fs::remove_file(&errors);
    } else {
        super::import::write_problems(&errors, &problems)?;
    }
    println!(
        "recorded {recorded}, unusable {} (in {})",
        problems.len(),
        errors.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn compute(url: &str, args: ComputeArgs) -> anyhow::Result<ExitCode> {
    let programs = &super::settings().support.programs;
    let program = renkou_domain::support::find(programs, &args.program)?;
    anyhow::ensure!(
        (1950..=2100).contains(&args.year),
        "year {} is not a roll year",
        args.year
    );
    let region = RegionCode::parse(&args.region)?;
    let store = super::open(url).await?;
    anyhow::ensure!(
        store.region(&region).await?.is_some(),
        "region {region} is not in the region table"
    );
    let start = Instant::now();
    let roll = store.compute_roll(program, args.year, &region).await?;
    let seconds = start.elapsed().as_secs_f64();
    // One entry for the roll: it names persons by id only, with no facts.
    let entry = AuditEntry {
        actor: super::cli_actor(),
        action: "roll.compute".into(),
        person_id: None,
        detail: format!("{} {} {region}", program.key, args.year),
        address: None,
    };
    store
        .audit(&[entry], &super::audit_key(url)?)
        .await
        .context("writing the audit log")?;
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        Format::Csv => write_csv(&roll, &mut out)?,
        Format::Table => write_table(&roll, &program.title, &mut out)?,
    }
    out.flush()?;
    eprintln!(
        "roll {} {} {region}: {} considered, {} eligible, {} yuan, in {seconds:.2} s",
        program.key,
        args.year,
        roll.entries.len(),
        roll.eligible().count(),
        roll.total_amount()
    );
    Ok(ExitCode::SUCCESS)
}

fn write_csv(roll: &Roll, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["person_id", "eligible", "reason"])?;
    for e in &roll.entries {
        csv.write_record([
            e.person_id.to_string().as_str(),
            if e.eligible { "1" } else { "0" },
            e.reason.as_str(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

fn write_table(roll: &Roll, title: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(out, "{title} {} {}", roll.year, roll.region)?;
    writeln!(out, "eligible\tcount\treason")?;
    for r in roll.reasons() {
        writeln!(out, "{}\t{}\t{}", u8::from(r.eligible), r.count, r.reason)?;
    }
    writeln!(
        out,
        "considered\t{}\neligible\t{}\namount\t{}",
        roll.entries.len(),
        roll.eligible().count(),
        roll.total_amount()
    )?;
    Ok(())
}
