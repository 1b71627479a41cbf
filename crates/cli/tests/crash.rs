//! A server that dies between committing a change and answering it: the
//! client's retry with the same idempotency key records nothing more, and the
//! change has exactly one audit entry — on both engines.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use renkou_store::testing::TestDb;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,ethnicity,region_code,household_no,relation,status,death_date\n\
                      c,510104198807070024,王芳,2,1988-07-07,01,510104017001,H1,10,active,\n";

fn renkou(db: &str, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_renkou"))
        // A PostgreSQL database keeps its audit key in the working directory.
        .current_dir(std::env::temp_dir())
        .env("RENKOU_DB", db)
        .env("RENKOU_AUDIT__KEY_FILE", dir.join("audit.key"))
        .args(args)
        .output()
        .expect("run renkou")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `renkou serve` and waits until it answers.
fn serve(db: &str, dir: &std::path::Path, port: u16, fault: bool) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_renkou"));
    command
        .current_dir(std::env::temp_dir())
        .env("RENKOU_DB", db)
        .env("RENKOU_AUDIT__KEY_FILE", dir.join("audit.key"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if fault {
        command.env("RENKOU_TEST_FAULT", "abort_after_commit");
    }
    let child = command.spawn().expect("start the server");
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// One HTTP/1.1 request; the whole answer as text ("" if the connection dropped).
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

async fn a_retry_after_a_crash_between_commit_and_answer_records_once(db: &TestDb) {
    let dir = tempfile::tempdir().expect("a folder");
    let people = dir.path().join("people.csv");
    std::fs::write(&people, PEOPLE).expect("write people");
    let people = people.to_str().expect("a path");
    assert!(
        renkou(
            &db.url,
            dir.path(),
            &["import", people, "--source", "police"]
        )
        .status
        .success()
    );
    let added = renkou(
        &db.url,
        dir.path(),
        &[
            "user",
            "add",
            "wang",
            "--password",
            "renkou2026pw",
            "--role",
            "township_operator",
            "--region",
            "510104017000",
        ],
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let mother = db
        .store
        .person_by_id_number(&"510104198807070024".parse().expect("a number"))
        .await
        .expect("read")
        .expect("the mother")
        .id
        .0;
    let birth = format!(
        r#"{{"birth": {{"child": {{"name": "李小明", "sex": "1", "birth_date": "2026-11-01", "residence": "510104017001"}}, "mother": {mother}}}}}"#
    );
    let login = r#"{"username": "wang", "password": "renkou2026pw"}"#;
    let cookie_of = |answer: &str| {
        answer
            .lines()
            .find_map(|l| {
                l.strip_prefix("set-cookie: ")
                    .or_else(|| l.strip_prefix("Set-Cookie: "))
            })
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_string()
    };

    let port = free_port();
    let mut dying = serve(&db.url, dir.path(), port, true);
    let cookie = cookie_of(&http(port, "POST", "/api/v1/session", &[], login));
    let key = [
        ("Cookie", cookie.as_str()),
        ("Idempotency-Key", "birth-of-li-xiaoming"),
    ];
    let lost = http(port, "POST", "/api/v1/events", &key, &birth);
    assert!(
        !lost.starts_with("HTTP/1.1 201"),
        "the server died before answering: {lost}"
    );
    let _ = dying.wait();

    let port = free_port();
    let mut server = serve(&db.url, dir.path(), port, false);
    let cookie = cookie_of(&http(port, "POST", "/api/v1/session", &[], login));
    let key = [
        ("Cookie", cookie.as_str()),
        ("Idempotency-Key", "birth-of-li-xiaoming"),
    ];
    let retried = http(port, "POST", "/api/v1/events", &key, &birth);
    assert!(retried.starts_with("HTTP/1.1 201"), "{retried}");
    let _ = server.kill();
    let _ = server.wait();

    let children = db.store.counts().await.expect("counts").persons - 1;
    assert_eq!(children, 1, "one birth, not two");
    let verified = renkou(&db.url, dir.path(), &["audit", "verify"]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
    let shown = renkou(&db.url, dir.path(), &["audit", "show", "--user", "wang"]);
    let entries = String::from_utf8_lossy(&shown.stdout).into_owned();
    assert_eq!(
        entries
            .lines()
            .filter(|l| l.contains("record_event"))
            .count(),
        1,
        "one audit entry for the one event:\n{entries}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_a_crash_records_once_on_both_engines() {
    let db = TestDb::sqlite().await;
    a_retry_after_a_crash_between_commit_and_answer_records_once(&db).await;
    db.finish().await;
    if let Some(db) = TestDb::postgres().await {
        a_retry_after_a_crash_between_commit_and_answer_records_once(&db).await;
        db.finish().await;
    }
}
