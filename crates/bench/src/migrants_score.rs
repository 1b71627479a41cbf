//! Scores a migrant import against the truth of `renkou demo
//! --migrant-export`: precision and recall of the record-to-person links,
//! how the newcomers were entered, and what was left unsure.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Context;
use renkou_store::Store;

/// One record's truth.
struct Truth {
    person: Option<i64>,
    kind: String,
    same_as: String,
}

/// Prints precision, recall and F1 of the links to persons the register
/// held, and how newcomers fared (entered once, reported twice as one).
pub async fn score(db: &str, source: &str, truth: &Path) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let mut reader = csv::Reader::from_path(truth)
        .with_context(|| format!("cannot read {}", truth.display()))?;
    let mut records: HashMap<String, Truth> = HashMap::new();
    for row in reader.records() {
        let row = row?;
        records.insert(
            row[0].to_string(),
            Truth {
                person: row.get(1).and_then(|p| p.parse().ok()),
                kind: row[2].to_string(),
                same_as: row.get(3).unwrap_or("").to_string(),
            },
        );
    }
    let links: HashMap<String, i64> = store
        .source_links_of(&format!("migrants:{source}"))
        .await?
        .into_iter()
        .map(|(r, p)| (r, p.0))
        .collect();
    let entered: HashSet<i64> = store
        .persons_entered_by(source)
        .await?
        .into_iter()
        .collect();
    let unsure = store.unsure_migrant_records(source).await?;
    // Links to persons the register held before the import.
    let (mut right, mut wrong) = (0usize, HashMap::<&str, usize>::new());
    let mut to_register = 0usize;
    for (record, person) in &links {
        if entered.contains(person) {
            continue;
        }
        to_register += 1;
        match records.get(record) {
            Some(t) if t.person == Some(*person) => right += 1,
            Some(t) => *wrong.entry(t.kind.as_str()).or_default() += 1,
            None => *wrong.entry("not in truth").or_default() += 1,
        }
    }
    let linkable = records
        .values()
        .filter(|t| t.person.is_some() && t.kind != "unreadable")
        .count();
    let precision = right as f64 / to_register.max(1) as f64;
    let recall = right as f64 / linkable.max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE);
    println!(
        "links to the register's persons: {to_register} of {} records ({linkable} linkable); \
         precision {precision:.4}, recall {recall:.4}, F1 {f1:.4}",
        records.len()
    );
    println!("  wrong links by record kind: {wrong:?}");
    // Newcomers: entered as new persons, a second report of one the same person.
    let newcomers: Vec<(&String, &Truth)> =
        records.iter().filter(|(_, t)| t.kind == "new").collect();
    let entered_right = newcomers
        .iter()
        .filter(|(r, _)| links.get(*r).is_some_and(|p| entered.contains(p)))
        .count();
    let seconds: Vec<(&String, &Truth)> = records
        .iter()
        .filter(|(_, t)| t.kind == "new_duplicate")
        .collect();
    let seconds_right = seconds
        .iter()
        .filter(|(r, t)| links.contains_key(*r) && links.get(*r) == links.get(&t.same_as))
        .count();
    println!(
        "newcomers entered as new persons: {entered_right} of {}; reported twice and kept as one: {seconds_right} of {}; \
         persons entered in all: {}",
        newcomers.len(),
        seconds.len(),
        entered.len()
    );
    let unsure_right = unsure
        .iter()
        .filter(|(r, p)| records.get(r).is_some_and(|t| t.person == Some(*p)))
        .count();
    println!(
        "left to a person to decide: {} (the candidate is the right person in {unsure_right})",
        unsure.len()
    );
    Ok(())
}
