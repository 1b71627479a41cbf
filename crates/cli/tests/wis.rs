//! The county's conversion of its old WIS cards from the command line: a
//! noisy export of the demo's women goes in, the summary names what became
//! of every card, the cards land on the right women, the errors file says
//! where each unreadable value is, and the same files again change nothing.

mod common;

use std::collections::HashMap;

use common::{renkou, stdout, summary};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_card_export_is_converted_onto_the_right_women_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    stdout(&renkou(&db, &["init", "--regions-prefix", "5101"]));
    stdout(&renkou(&db, &["demo", "--people", "6000", "--seed", "3"]));
    let export = dir.path().join("export");
    let written = stdout(&renkou(
        &db,
        &["demo", "--wis-export", export.to_str().unwrap()],
    ));
    assert!(written.contains("legacy WIS export"), "{written}");
    let women = export.join("women.csv");
    let children = export.join("children.csv");
    let args = [
        "wis",
        "import",
        women.to_str().unwrap(),
        children.to_str().unwrap(),
        "--source",
        "old-wis",
    ];
    let first = stdout(&renkou(&db, &args));
    let counts = summary(&first);
    let truth = std::fs::read_to_string(export.join("truth.csv")).unwrap();
    let cards: Vec<Vec<&str>> = truth
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let kind = |k: &str| cards.iter().filter(|c| c[2] == k).count();
    assert_eq!(
        counts["converted"] + counts["unmatched"] + counts["unreadable"],
        cards.len(),
        "every card is accounted for: {first}"
    );
    assert_eq!(counts["unreadable"], kind("unreadable"), "{first}");
    assert!(counts["unmatched"] >= kind("absent"), "{first}");
    assert!(counts["conflicting"] > 0, "{first}");

    // The links against the truth the export was written from.
    let store = renkou_store::Store::open(&db).await.unwrap();
    let links: HashMap<String, i64> = store
        .converted_cards("old-wis")
        .await
        .unwrap()
        .into_iter()
        .map(|(card, person)| (card, person.0))
        .collect();
    let right = cards
        .iter()
        .filter(|c| links.get(c[0]).is_some_and(|p| p.to_string() == c[1]))
        .count();
    let linkable = cards
        .iter()
        .filter(|c| !c[1].is_empty() && c[2] != "unreadable")
        .count();
    assert!(
        right as f64 / links.len() as f64 >= 0.99,
        "precision {right} of {}",
        links.len()
    );
    assert!(
        right as f64 / linkable as f64 >= 0.97,
        "recall {right} of {linkable}"
    );

    // Every unreadable value is placed: file, line, column, reason.
    let errors = std::fs::read_to_string(export.join("women.errors.csv")).unwrap();
    assert!(errors.starts_with("file,line,column,value,reason"));
    assert!(errors.lines().count() > counts["unreadable"]);

    let again = stdout(&renkou(&db, &args));
    assert_eq!(summary(&again), counts, "the same summary");
    assert!(
        again.contains("0 events recorded, 0 tasks raised"),
        "{again}"
    );
    let verify = stdout(&renkou(&db, &["stats", "verify"]));
    assert!(verify.contains(" 0 differences"), "{verify}");
}
