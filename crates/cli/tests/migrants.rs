//! Incoming migrant records from the command line (the contract other
//! systems rely on): a noisy file of the demo's residents now living in
//! another county and of newcomers from other provinces goes in; the
//! summary ends `matched N, new N, unsure N, unreadable N` and accounts for
//! every row; each resident lands on the right person; the `migrants`
//! report counts inflow and outflow per county; the same file again changes
//! nothing.

mod common;

use std::collections::HashMap;

use common::{renkou, stdout, summary};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reported_migrants_land_on_the_right_persons_and_in_the_report_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    stdout(&renkou(&db, &["demo", "--people", "4000", "--seed", "3"]));
    let file = dir.path().join("migrants.csv");
    let written = stdout(&renkou(
        &db,
        &[
            "demo",
            "--migrant-export",
            file.to_str().unwrap(),
            "--records",
            "800",
        ],
    ));
    assert!(written.contains("migrant records"), "{written}");
    let args = [
        "migrants",
        "import",
        file.to_str().unwrap(),
        "--source",
        "police",
    ];
    let first = stdout(&renkou(&db, &args));
    let counts = summary(&first);
    let truth = std::fs::read_to_string(dir.path().join("migrants.truth.csv")).unwrap();
    let records: Vec<Vec<&str>> = truth
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let kind = |k: &str| records.iter().filter(|r| r[2] == k).count();
    assert_eq!(
        counts["matched"] + counts["new"] + counts["unsure"] + counts["unreadable"],
        records.len(),
        "every record is accounted for: {first}"
    );
    assert_eq!(counts["unreadable"], kind("unreadable"), "{first}");
    assert_eq!(counts["new"], kind("new"), "{first}");

    // Every resident's record on that resident.
    let store = renkou_store::Store::open(&db).await.unwrap();
    let links: HashMap<String, i64> = store
        .source_links_of("migrants:police")
        .await
        .unwrap()
        .into_iter()
        .map(|(r, p)| (r, p.0))
        .collect();
    for r in records.iter().filter(|r| r[2] == "register") {
        if let Some(linked) = links.get(r[0]) {
            assert_eq!(linked.to_string(), r[1], "record {}", r[0]);
        }
    }

    // The report other systems read: inflow and outflow per county.
    let report = stdout(&renkou(
        &db,
        &[
            "report",
            "migrants",
            "--region",
            "510100000000",
            "--level",
            "county",
            "--format",
            "json",
        ],
    ));
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .all(|r| r["region_code"].is_string() && r["inflow"].is_i64() && r["outflow"].is_i64())
    );
    assert!(json["total"]["inflow"].as_i64().unwrap() > 0, "{report}");

    // The same file again: nothing recorded, nobody entered twice.
    let again = stdout(&renkou(&db, &args));
    assert!(again.contains(" 0 events recorded"), "{again}");
    assert_eq!(summary(&again)["new"], 0, "{again}");
}
