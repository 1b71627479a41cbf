//! `renkou person show`: a person as they are (or were) and their history.

use std::process::ExitCode;

use anyhow::{Context, bail};
use renkou_domain::event::Field;
use renkou_domain::{IdNumber, Person, RegionCode, parse_date};
use renkou_store::{Store, StoredEvent, person_as_of};

/// `renkou person …`
#[derive(Debug, clap::Subcommand)]
pub enum PersonCommand {
    /// Print a person's record and history.
    Show {
        /// The citizen identity number (legacy forms accepted).
        id_number: String,
        /// Show the record as it was at the end of this day (YYYY-MM-DD).
        #[arg(long)]
        as_of: Option<String>,
    },
}

pub async fn run(url: &str, command: PersonCommand) -> anyhow::Result<ExitCode> {
    let PersonCommand::Show { id_number, as_of } = command;
    let number = IdNumber::parse(&id_number)
        .with_context(|| format!("{id_number:?} is not a valid identity number"))?;
    let as_of = as_of
        .as_deref()
        .map(parse_date)
        .transpose()
        .context("--as-of")?;
    let store = super::open(url).await?;
    let Some(person) = store.person_by_id_number(&number).await? else {
        bail!("no person with identity number {number}");
    };
    super::audit_reads(&store, url, "read_person", [person.id.0], "person show").await?;
    let events = store.events_of(person.id).await?;
    let shown = match as_of {
        None => person.clone(),
        Some(date) => match person_as_of(&person, &events, date) {
            Some(p) => {
                println!("截至 {date} 的记录 (as of {date})");
                p
            }
            None => {
                println!("{date} 时此人尚未登记 (not yet in the register on {date})");
                print_history(&events, as_of);
                return Ok(ExitCode::SUCCESS);
            }
        },
    };
    print_person(&store, &shown).await?;
    print_history(&events, as_of);
    Ok(ExitCode::SUCCESS)
}

async fn print_person(store: &Store, p: &Person) -> anyhow::Result<()> {
    let region = |code: Option<RegionCode>| async move {
        match code {
            None => Ok::<String, anyhow::Error>("-".into()),
            Some(c) => {
                let name = store.region(&c).await?.map(|r| r.name).unwrap_or_default();
                Ok(format!("{c} {name}"))
            }
        }
    };
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    println!("{}  (内部编号 {})", p.name, p.id);
    println!(
        "  {} {}",
        Field::IdNumber.chinese(),
        opt(p.id_number.map(|n| n.to_string()))
    );
    println!(
        "  {} {}  {} {}",
        Field::Sex.chinese(),
        p.sex.name(),
        Field::BirthDate.chinese(),
        p.birth_date
    );
    println!(
        "  {} {}",
        Field::Ethnicity.chinese(),
        opt(p.ethnicity.map(|e| e.name().to_string()))
    );
    println!(
        "  {} {}",
        Field::Residence.chinese(),
        region(Some(p.residence)).await?
    );
    println!(
        "  {} {}",
        Field::HukouRegion.chinese(),
        region(p.hukou_region).await?
    );
    println!(
        "  {} {}",
        Field::HukouType.chinese(),
        opt(p.hukou_type.map(|h| h.name().to_string()))
    );
    println!(
        "  {} {}",
        Field::Relation.chinese(),
        opt(p.relation.map(|r| r.name().to_string()))
    );
    println!(
        "  {} {}",
        Field::MaritalStatus.chinese(),
        opt(p.marital_status.map(|m| m.name().to_string()))
    );
    println!(
        "  {} {}",
        Field::Education.chinese(),
        opt(p.education.map(|e| e.name().to_string()))
    );
    let status = match p.death_date {
        Some(d) => format!("{} ({d})", p.status.chinese()),
        None => p.status.chinese().to_string(),
    };
    println!("  {} {}", Field::Status.chinese(), status);
    for (field, id) in [
        (Field::Mother, p.mother_id),
        (Field::Father, p.father_id),
        (Field::Spouse, p.spouse_id),
    ] {
        if let Some(id) = id {
            let name = store
                .person(id)
                .await?
                .map(|q| q.name.to_string())
                .unwrap_or_default();
            println!("  {} {name} (内部编号 {id})", field.chinese());
        }
    }
    Ok(())
}

fn print_history(events: &[StoredEvent], as_of: Option<chrono::NaiveDate>) {
    println!("历史 (history, {} events):", events.len());
    for e in events {
        let later = as_of.is_some_and(|d| e.effective_date > d);
        let changes: Vec<String> = e
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{} {}→{}",
                    c.field.chinese(),
                    c.from.as_deref().unwrap_or("∅"),
                    c.to.as_deref().unwrap_or("∅")
                )
            })
            .collect();
        println!(
            "  {}{} {} [{}] 记录 {} {} 来源 {}{}",
            if later { "(之后) " } else { "" },
            e.effective_date,
            e.kind.chinese(),
            changes.join("; "),
            e.recorded_at.format("%Y-%m-%d %H:%M"),
            e.recorder,
            e.source,
            e.note
                .as_deref()
                .map(|n| format!(" 备注 {n}"))
                .unwrap_or_default()
        );
    }
}
