//! The yearly support roll from the command line (the contract the checks
//! use): `renkou roll compute … --format csv` writes `person_id,eligible,
//! reason` for every person considered, the same twice, and its reasons add
//! up; disability certificates from the federation go in by file, a row
//! that cannot be used listed with file, line, column and reason.

mod common;

use std::collections::HashMap;

use common::{renkou, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roll_is_one_row_per_person_considered_with_a_reason_and_the_same_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    stdout(&renkou(&db, &["demo", "--people", "3000", "--seed", "5"]));
    let args = [
        "roll",
        "compute",
        "--program",
        "reward",
        "--year",
        "2026",
        "--region",
        "510000",
        "--format",
        "csv",
    ];
    let first = stdout(&renkou(&db, &args));
    let second = stdout(&renkou(&db, &args));
    assert_eq!(first, second, "the same register gives the same roll");
    let mut lines = first.lines();
    assert_eq!(lines.next(), Some("person_id,eligible,reason"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.splitn(3, ',').collect()).collect();
    assert!(
        rows.len() > 2_500,
        "every living person registered there: {}",
        rows.len()
    );
    let mut reasons: HashMap<(&str, &str), usize> = HashMap::new();
    for r in &rows {
        assert!(r[0].parse::<i64>().is_ok(), "{r:?}");
        assert!(r[1] == "1" || r[1] == "0", "{r:?}");
        assert!(!r[2].is_empty(), "every verdict has its reason: {r:?}");
        *reasons.entry((r[1], r[2])).or_default() += 1;
    }
    assert!(reasons.contains_key(&("0", "未满60周岁")), "{reasons:?}");
    let table = stdout(&renkou(
        &db,
        &[
            "roll",
            "compute",
            "--program",
            "reward",
            "--year",
            "2026",
            "--region",
            "510000",
        ],
    ));
    let eligible = rows.iter().filter(|r| r[1] == "1").count();
    assert!(table.contains(&format!("eligible\t{eligible}")), "{table}");
    let unknown = renkou(
        &db,
        &[
            "roll",
            "compute",
            "--program",
            "bonus",
            "--year",
            "2026",
            "--region",
            "510000",
        ],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("bonus"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disability_certificates_go_in_and_a_bad_row_is_listed_for_correction() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    stdout(&renkou(&db, &["demo", "--people", "500", "--seed", "5"]));
    let store = renkou_store::Store::open(&db).await.unwrap();
    let someone = store
        .persons_by_ids(&(1..50).collect::<Vec<i64>>())
        .await
        .unwrap();
    let number = someone
        .values()
        .find_map(|p| p.id_number)
        .expect("a demo person with a number")
        .to_string();
    let file = dir.path().join("canlian.csv");
    std::fs::write(
        &file,
        format!("id_number,grade,certificate_no\n{number},2,C1\n{number},7,C2\n110101199001011234,1,C3\n"),
    )
    .unwrap();
    let out = stdout(&renkou(
        &db,
        &["roll", "disabilities", file.to_str().unwrap()],
    ));
    assert!(out.contains("recorded 1, unusable 2"), "{out}");
    let errors = std::fs::read_to_string(dir.path().join("canlian.errors.csv")).unwrap();
    assert!(errors.contains(",3,grade,7,"), "{errors}");
    assert!(errors.contains(",4,id_number,"), "{errors}");
}
