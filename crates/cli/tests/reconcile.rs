//! `renkou reconcile` as a county's data office runs it: two register files
//! in, the seven finding files out, scored against the generator's truth.

use std::path::Path;
use std::process::{Command, Output};

fn renkou(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_renkou"))
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
