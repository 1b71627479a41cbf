//! The hot mirror takes over mid-load: a primary and its synchronous mirror
//! (two clusters set up by `scripts/pg-mirror.sh`), one server given both
//! hosts in its URL. While operators register newcomers and read them back,
//! the primary is crashed and the mirror promoted: service resumes on the
//! mirror, and every registration the operators were told was recorded is
//! there, once. (`renkou-bench failover` runs it longer and prints it.)
//!
//! Needs root and Debian's postgresql-common (as CI has); it runs with the
//! PostgreSQL half of the suite (`RENKOU_TEST_PG`).

use std::path::PathBuf;
use std::time::Duration;

use renkou_bench::failover::{FailoverOptions, run};
use renkou_bench::renkou_process::{free_port, pg_mirror};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_registration_is_lost_when_the_mirror_takes_over() {
    if std::env::var_os("RENKOU_TEST_PG").is_none() {
        eprintln!("RENKOU_TEST_PG is not set: the failover test needs PostgreSQL");
        return;
    }
    let workdir = tempfile::tempdir().expect("a folder");
    let options = FailoverOptions {
        renkou: env!("CARGO_BIN_EXE_renkou").into(),
        script: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-mirror.sh"),
        name: format!("renkou-test-{}", std::process::id()),
        primary_port: free_port().expect("a port"),
        mirror_port: free_port().expect("a port"),
        workdir: workdir.path().to_path_buf(),
        writers: 3,
        readers: 3,
        before: Duration::from_secs(3),
        after: Duration::from_secs(4),
        promote_delay: Duration::from_millis(500),
    };
    let report = run(&options).await;
    let _ = pg_mirror(&options.script, &["down", &options.name]);
    let report = report.expect("the load ran through the failover");
    eprintln!(
        "failover: {:.2} s without an answer, {report:?}",
        report.unavailable_seconds
    );
    assert!(
        report.acknowledged_after > 0,
        "writes resumed on the mirror: {report:?}"
    );
    assert!(report.nothing_lost(), "{report:#?}");
    assert!(report.unavailable_seconds < 30.0, "{report:#?}");
}
