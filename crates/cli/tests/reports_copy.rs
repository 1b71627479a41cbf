//! The decision-support copy: a read replica of the primary (set up by
//! `scripts/pg-mirror.sh` beside the hot mirror) from which the server reads
//! its reports when `database.reports_url` names it. The reports say how old
//! their figures are, follow the primary's entries within moments, the
//! administrators' system page shows both standbys and the copy's lag, and
//! `renkou stats verify` checks the counters on the copy.
//!
//! Needs root and Debian's postgresql-common (as CI has); it runs with the
//! PostgreSQL half of the suite (`RENKOU_TEST_PG`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use renkou_bench::renkou_process::{Renkou, free_port, pg_mirror};
use serde_json::{Value, json};

const PASSWORD: &str = "copy2026pw!";

fn mirror(args: &[&str]) -> anyhow::Result<()> {
    pg_mirror(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-mirror.sh"),
        args,
    )
}

/// The clusters, dropped however the test ends.
struct Clusters(String);

impl Drop for Clusters {
    fn drop(&mut self) {
        let _ = mirror(&["down", &self.0]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_come_from_the_decision_support_copy_and_say_how_old_they_are() {
    if std::env::var_os("RENKOU_TEST_PG").is_none() {
        eprintln!("RENKOU_TEST_PG is not set: the replica test needs PostgreSQL");
        return;
    }
    let name = format!("renkou-copy-{}", std::process::id());
    let ports = [
        free_port().unwrap(),
        free_port().unwrap(),
        free_port().unwrap(),
    ];
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    mirror(&["up", &name, &ports[0], &ports[1], &ports[2]]).expect("the clusters are set up");
    let _clusters = Clusters(name);
    let copy_url = format!("postgres://postgres@127.0.0.1:{}/renkou", ports[2]);
    let workdir = tempfile::tempdir().unwrap();
    let renkou = Renkou {
        binary: env!("CARGO_BIN_EXE_renkou").into(),
        db: format!("postgres://postgres@127.0.0.1:{}/renkou", ports[0]),
        workdir: workdir.path().to_path_buf(),
        env: vec![("RENKOU_DATABASE__REPORTS_URL".into(), copy_url.clone())],
    };
    renkou.run(&["demo", "--people", "2000"]).unwrap();
    for (user, role) in [("admin01", "admin"), ("analyst01", "county_manager")] {
        renkou
            .run(&[
                "user",
                "add",
                user,
                "--password",
                PASSWORD,
                "--role",
                role,
                "--region",
                "510104000000",
            ])
            .unwrap();
    }
    let port = free_port().unwrap();
    let mut server = renkou.serve(port).await.unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let login = |user: &'static str| {
        let base = base.clone();
        async move {
            let http = reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap();
            let answer = http
                .post(format!("{base}/api/v1/session"))
                .json(&json!({"username": user, "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            assert!(answer.status().is_success(), "{user} logs in");
            http
        }
    };
    let admin = login("admin01").await;
    let manager = login("analyst01").await;

    // The administrators' page lists the mirror (synchronous) and the copy.
    let health: Value = admin
        .get(format!("{base}/api/v1/system/database"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let standbys = health["standbys"].as_array().unwrap();
    let sync_of = |name: &str| {
        standbys
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["sync_state"].as_str().unwrap().to_string())
    };
    assert_eq!(sync_of("mirror").as_deref(), Some("quorum"), "{health}");
    assert_eq!(sync_of("reports").as_deref(), Some("async"), "{health}");
    assert_eq!(health["reports"]["replica"], true, "{health}");
    let page = admin
        .get(format!("{base}/admin/system"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("决策支持库") && page.contains("热备库"),
        "{page}"
    );
    let refused = manager
        .get(format!("{base}/api/v1/system/database"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);

    // A report read from the copy says how old it is.
    let report = |http: reqwest::Client| {
        let base = base.clone();
        async move {
            let report: Value = http
                .get(format!(
                    "{base}/api/v1/reports/population?region=510104000000"
                ))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            report
        }
    };
    let before = report(manager.clone()).await;
    assert!(before["copy"]["as_of"].is_string(), "{before}");
    assert!(
        before["copy"]["lag_ms"].as_i64().unwrap() < 10_000,
        "{before}"
    );
    let page = manager
        .get(format!("{base}/reports/population?region=510104000000"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("本表取自决策支持库，数据截至"), "{page}");

    // An entry on the primary reaches the copy's report within moments.
    let total = |r: &Value| r["total"]["total"].as_i64().unwrap_or_default();
    let village = "510104017001";
    let answer = manager
        .post(format!("{base}/api/v1/events"))
        .json(
            &json!({"move_in": {"newcomer": {"name": "赵新来", "sex": "2",
            "birth_date": "1990-01-01", "residence": village}, "date": "2026-12-01"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        reqwest::StatusCode::CREATED,
        "{}",
        answer.text().await.unwrap()
    );
    let started = Instant::now();
    loop {
        let now = report(manager.clone()).await;
        if total(&now) == total(&before) + 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{before} then {now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The counters' check reads the copy, and agrees.
    let out = renkou.command().args(["stats", "verify"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("checking the read replica") && said.contains(" 0 differences"),
        "{said}"
    );
    let _ = server.kill();
    let _ = server.wait();
}
