//! Scores a WIS card conversion against the truth of `renkou demo
//! --wis-export`: precision and recall of the card-to-person links.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use renkou_store::Store;

/// Prints precision, recall and F1 of the links of `source`, and what the
/// missed and wrong cards were.
pub async fn score(db: &str, source: &str, truth: &Path) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let mut reader = csv::Reader::from_path(truth)
        .with_context(|| format!("cannot read {}", truth.display()))?;
    // card id → (person id, kind)
    let mut cards: HashMap<String, (Option<i64>, String)> = HashMap::new();
    for row in reader.records() {
        let row = row?;
        let person = row.get(1).and_then(|p| p.parse().ok());
        cards.insert(row[0].to_string(), (person, row[2].to_string()));
    }
    let links = store.converted_cards(source).await?;
    let mut right = 0usize;
    let mut wrong: HashMap<&str, usize> = HashMap::new();
    let mut linked = std::collections::HashSet::new();
    for (card, person) in &links {
        linked.insert(card.as_str());
        match cards.get(card) {
            Some((Some(p), _)) if *p == person.0 => right += 1,
            Some((_, kind)) => *wrong.entry(kind.as_str()).or_default() += 1,
            None => *wrong.entry("not in truth").or_default() += 1,
        }
    }
    // Every readable card of a woman the register holds should be linked.
    let mut missed: HashMap<&str, usize> = HashMap::new();
    let mut linkable = 0usize;
    for (card, (person, kind)) in &cards {
        if person.is_none() || kind == "unreadable" {
            continue;
        }
        linkable += 1;
        if !linked.contains(card.as_str()) {
            *missed.entry(kind.as_str()).or_default() += 1;
        }
    }
    let precision = right as f64 / links.len().max(1) as f64;
    let recall = right as f64 / linkable.max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE);
    println!(
        "card links: {} of {} cards ({} linkable); precision {:.4}, recall {:.4}, F1 {:.4}",
        links.len(),
        cards.len(),
        linkable,
        precision,
        recall,
        f1
    );
    println!("  wrong links by card kind: {wrong:?}; missed by kind: {missed:?}");
    Ok(())
}
