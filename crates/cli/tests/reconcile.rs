//! `renkou reconcile` as a county's data office runs it: two register files
//! in, the seven finding files out, scored against the generator's truth.

use std::path::Path;
use std::process::{Command, Output};

fn renkou(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_renkou"))
        // A PostgreSQL database keeps its audit key in the working directory.
        .current_dir(std::env::temp_dir())
        .args(args)
        .output()
        .expect("run renkou")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn header(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("file written")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn two_noisy_registers_are_reconciled_almost_perfectly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    let made = renkou(&[
        "reconcile-data",
        "--people",
        "20000",
        "--seed",
        "7",
        "--out",
        data.to_str().expect("utf-8"),
    ]);
    assert!(made.status.success(), "{}", text(&made));
    let run = renkou(&[
        "reconcile",
        "--left",
        data.join("left.csv").to_str().expect("utf-8"),
        "--right",
        data.join("right.csv").to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(run.status.success(), "{}", text(&run));
    assert!(
        text(&run).contains("matched"),
        "a summary is printed: {}",
        text(&run)
    );
    for (file, head) in [
        ("matches.csv", "left_record_id,right_record_id,score"),
        ("only_left.csv", "left_record_id,"),
        ("only_right.csv", "right_record_id,"),
        ("duplicates_left.csv", "record_id_a,record_id_b,score"),
        ("duplicates_right.csv", "record_id_a,record_id_b,score"),
        (
            "conflicts.csv",
            "left_record_id,right_record_id,field,left_value,right_value",
        ),
        (
            "deceased_active.csv",
            "left_record_id,right_record_id,dead_side,death_date",
        ),
        (
            "problems_left.csv",
            "file,line,record_id,column,value,reason",
        ),
    ] {
        assert!(
            header(&out.join(file)).starts_with(head),
            "{file}: {}",
            header(&out.join(file))
        );
    }
    let scored = renkou(&[
        "reconcile-score",
        "--truth",
        data.join("truth").to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(scored.status.success(), "{}", text(&scored));
    let report = text(&scored);
    let f1 = |file: &str| -> f64 {
        report
            .lines()
            .find(|l| l.starts_with(file))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|x| x.parse().ok())
            .unwrap_or_else(|| panic!("{file} scored: {report}"))
    };
    assert!(f1("matches.csv") >= 0.999, "{report}");
    assert!(f1("deceased_active.csv") >= 0.99, "{report}");
    assert!(f1("conflicts.csv") >= 0.99, "{report}");
    assert!(f1("only_left.csv") >= 0.99, "{report}");
}

#[test]
fn a_file_without_a_required_column_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let left = dir.path().join("police.csv");
    std::fs::write(
        &left,
        "record_id,name,sex,birth_date\nA1,王芳,2,1990-01-01\n",
    )
    .expect("write");
    let run = renkou(&[
        "reconcile",
        "--left",
        left.to_str().expect("utf-8"),
        "--right",
        left.to_str().expect("utf-8"),
        "--out",
        dir.path().join("out").to_str().expect("utf-8"),
    ]);
    assert!(!run.status.success());
    let message = text(&run);
    assert!(
        message.contains("police.csv") && message.contains("region_code"),
        "{message}"
    );
}

/// Both engines, one after the other (PostgreSQL when RENKOU_TEST_PG is set).
async fn each_engine(test: impl AsyncFn(&renkou_store::testing::TestDb)) {
    let db = renkou_store::testing::TestDb::sqlite().await;
    test(&db).await;
    db.finish().await;
    if let Some(db) = renkou_store::testing::TestDb::postgres().await {
        test(&db).await;
        db.finish().await;
    }
}

fn with_db(db: &str, args: &[&str]) -> Output {
    let mut all = vec!["--db", db];
    all.extend_from_slice(args);
    renkou(&all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_finding_of_a_police_extract_becomes_one_task_for_its_village() {
    each_engine(async |db| {
        let made = with_db(&db.url, &["demo", "--people", "1500", "--seed", "3"]);
        assert!(made.status.success(), "{}", text(&made));
        let exported = with_db(&db.url, &["export", "--region", "510104"]);
        assert!(exported.status.success(), "{}", text(&exported));
        // The police extract: the registry as exported, with what police
        // registers really differ in.
        let mut reader = csv::Reader::from_reader(exported.stdout.as_slice());
        let header = reader.headers().expect("a header").clone();
        let col = |name: &str| header.iter().position(|h| h == name).expect("a column");
        let mut rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.expect("a row").iter().map(str::to_string).collect())
            .collect();
        // The living first: they are the ones changed below.
        rows.sort_by_key(|r: &Vec<String>| r[col("status")] != "active");
        assert!(rows.len() > 20, "the demo put people in 510104");
        let dropped = rows.remove(0); // not in the police extract
        rows[0][col("name")] = "测试改名".into(); // another name, same number
        rows[1][col("status")] = "dead".into(); // the police know of a death
        rows[1][col("death_date")] = "2025-05-05".into();
        let mut twice = rows[2].clone(); // entered twice
        twice[col("record_id")] = "P-again".into();
        rows.push(twice);
        let mut newcomer = rows[3].clone(); // someone the registry lacks
        newcomer[col("record_id")] = "P-new".into();
        newcomer[col("id_number")] = String::new();
        newcomer[col("name")] = "司马新来".into();
        newcomer[col("birth_date")] = "2021-02-03".into();
        rows.push(newcomer);
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("police.csv");
        let mut w = csv::Writer::from_path(&file).expect("write");
        w.write_record(&header).expect("header");
        for r in &rows {
            w.write_record(r).expect("row");
        }
        w.flush().expect("flush");
        let path = file.to_str().expect("utf-8");

        let raised = with_db(
            &db.url,
            &[
                "tasks", "raise", path, "--source", "police", "--region", "510104",
            ],
        );
        assert!(raised.status.success(), "{}", text(&raised));
        let summary = text(&raised);
        for expected in [
            "库中未登记 1",
            "来源中缺失 1",
            "死亡未注销 1",
            "疑似重复 1",
            "tasks raised 6,",
        ] {
            assert!(summary.contains(expected), "{expected:?} in {summary}");
        }
        // name + status conflicts: the renamed person, the dead one's status.
        assert!(summary.contains("信息不一致 2"), "{summary}");

        // The same extract again, through `renkou import --reconcile`.
        let again = with_db(
            &db.url,
            &[
                "import",
                path,
                "--source",
                "police",
                "--reconcile",
                "510104",
            ],
        );
        let again = text(&again);
        assert!(
            again.contains("tasks raised 0,"),
            "a second extract raises nothing already known: {again}"
        );
        assert!(
            again.contains("kept from the last run unchanged; compared 2 records with 1 persons"),
            "only what nobody matched is compared again (the duplicate and the newcomer; the person the police lack): {again}"
        );

        let listed = with_db(&db.url, &["tasks", "list", "--region", "510104"]);
        let list = text(&listed);
        assert_eq!(list.lines().count(), 6, "{list}");
        let dropped_id = &dropped[col("record_id")];
        let dropped_village = &dropped[col("region_code")];
        assert!(
            list.lines().any(|l| l.contains("来源中缺失")
                && l.contains(&format!("person {dropped_id}\t"))
                && l.contains(dropped_village.as_str())),
            "the person the police lack is a task of their own village: {list}"
        );
        let progress = with_db(&db.url, &["tasks", "progress", "--region", "510104"]);
        assert!(text(&progress).contains("open"), "{}", text(&progress));
    })
    .await;
}
