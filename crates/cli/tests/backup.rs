//! Backups (the contract `renkou backup --db URL --out FILE` and `renkou
//! restore FILE --db URL`) on both engines: a restored database exports
//! the same register, its counters verify, its audit chain verifies with the
//! key that travelled beside the file; a backup never overwrites and a
//! restore never replaces data without --force.

mod common;

use common::{renkou, stdout};

fn round_trip(source: &str, target: &str, dir: &std::path::Path) {
    stdout(&renkou(source, &["demo", "--people", "600", "--seed", "9"]));
    // Something in the audit log to verify.
    stdout(&renkou(
        source,
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
    let file = dir.join("renkou.backup");
    let out = stdout(&renkou(
        source,
        &["backup", "--out", file.to_str().unwrap()],
    ));
    assert!(out.contains("backup"), "{out}");
    let again = renkou(source, &["backup", "--out", file.to_str().unwrap()]);
    assert!(!again.status.success(), "a backup never overwrites");

    let restored = stdout(&renkou(target, &["restore", file.to_str().unwrap()]));
    assert!(restored.contains("0 differences"), "{restored}");
    let twice = renkou(target, &["restore", file.to_str().unwrap()]);
    assert!(
        !twice.status.success(),
        "data is not replaced without --force"
    );
    stdout(&renkou(
        target,
        &["restore", file.to_str().unwrap(), "--force"],
    ));

    assert_eq!(
        stdout(&renkou(source, &["export"])),
        stdout(&renkou(target, &["export"])),
        "the same register"
    );
    stdout(&renkou(target, &["stats", "verify"]));
    let audit = stdout(&renkou(target, &["audit", "verify"]));
    assert!(!audit.is_empty());
}

#[test]
fn a_sqlite_database_comes_back_whole_from_its_backup() {
    let dir = tempfile::tempdir().unwrap();
    let source = format!("sqlite://{}", dir.path().join("live.db").display());
    let target = format!("sqlite://{}", dir.path().join("restored.db").display());
    round_trip(&source, &target, dir.path());
}

#[test]
fn a_postgres_database_comes_back_whole_from_its_backup() {
    let Ok(base) = std::env::var("RENKOU_TEST_PG") else {
        eprintln!("RENKOU_TEST_PG unset: PostgreSQL half skipped");
        return;
    };
    if base == "skip" {
        return;
    }
    let server = base
        .rsplit_once('/')
        .map_or(base.as_str(), |(s, _)| s)
        .to_string();
    let suffix = std::process::id();
    let (live, restored) = (
        format!("renkou_backup_live_{suffix}"),
        format!("renkou_backup_restored_{suffix}"),
    );
    let psql = |sql: &str| {
        std::process::Command::new("psql")
            .args(["-q", "-c", sql, &format!("{server}/postgres")])
            .output()
            .expect("psql")
    };
    psql(&format!("CREATE DATABASE {live}"));
    let dir = tempfile::tempdir().unwrap();
    round_trip(
        &format!("{server}/{live}"),
        &format!("{server}/{restored}"),
        dir.path(),
    );
    for db in [live, restored] {
        psql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    }
}
