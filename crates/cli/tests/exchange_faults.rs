//! The exchange survives its server being killed (SIGKILL) at random
//! moments, again and again, on both engines: a flow of migrants' records
//! from the place of residence, each answered by the place of registration,
//! ends with every message handled exactly once — one arrival, one notice,
//! one answer each; none lost, none doubled. (`renkou-bench exchange`
//! runs the same flow with 10,000 messages and prints the counts.)

use std::time::Duration;

use renkou_bench::exchange_flow::{FlowOptions, run};
use renkou_store::testing::TestDb;

async fn every_message_is_handled_once_however_often_the_server_is_killed(db: &TestDb) {
    let dir = tempfile::tempdir().expect("a folder");
    let options = FlowOptions {
        renkou: env!("CARGO_BIN_EXE_renkou").into(),
        db: db.url.clone(),
        workdir: dir.path().to_path_buf(),
        messages: 2_000,
        chunk: 50,
        handlers: 4,
        kill_every: Some((Duration::from_millis(150), Duration::from_millis(600))),
        seed: 7,
    };
    let report = run(&options).await.expect("the flow ran");
    eprintln!("{} kills: {report:?}", db.url);
    assert!(
        report.kills >= 3,
        "the server was killed on the way: {report:?}"
    );
    assert!(report.exactly_once(), "{report:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_handled_once_on_both_engines() {
    let db = TestDb::sqlite().await;
    every_message_is_handled_once_however_often_the_server_is_killed(&db).await;
    db.finish().await;
    if let Some(db) = TestDb::postgres().await {
        every_message_is_handled_once_however_often_the_server_is_killed(&db).await;
        db.finish().await;
    }
}
