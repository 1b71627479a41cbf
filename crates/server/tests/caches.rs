//! The caches in front of the database (issue 17): two servers on one
//! PostgreSQL share a Redis of their own; what changes in the database —
//! through either server or past both — is never served stale once its
//! notice is in (milliseconds), and stopping Redis costs speed, never
//! correctness. PostgreSQL only: SQLite sends no change notices, so nothing
//! is cached on it.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{call, get, session, setup, test_key};
use renkou_server::{AppState, Caches, Settings, router};
use renkou_store::testing::TestDb;
use renkou_store::{ImportInput, Store};

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n";
const REPORT: &str = "/api/v1/reports/population?region=510104017000";

/// A Redis server of the test's own, on a free port.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start(port: Option<u16>) -> Redis {
        let port = port.unwrap_or_else(|| {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        });
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A server with its own connections and caches, once it follows the notices.
async fn server(db: &TestDb, redis: &str) -> (axum::Router, Caches) {
    let store = Store::open(&db.url).await.unwrap();
    let caches = Caches::new(16, Some(redis));
    let state =
        AppState::with(store, Settings::default(), test_key(), None).with_caches(caches.clone());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !caches.stats().live {
        assert!(Instant::now() < deadline, "the caches never went live");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (router(state), caches)
}

/// The township's resident total as a server reports it.
async fn residents(app: &axum::Router, cookie: &str) -> i64 {
    let (status, _, body) = call(app, get(REPORT, cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["total"]["total"].as_i64().unwrap()
}

/// Asks until `answer` gives `want`; the notice of a commit takes
/// milliseconds, so a second is plenty.
async fn eventually<T: PartialEq + std::fmt::Debug>(
    want: T,
    mut answer: impl AsyncFnMut() -> T,
) -> Duration {
    let started = Instant::now();
    loop {
        let got = answer().await;
        if got == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "still {got:?}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Registers a resident of the township straight in the database, past
/// both servers (as `renkou import` would).
async fn register_past_the_servers(db: &TestDb, record: &str, id_number: &str) {
    let csv = format!(
        "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
         {record},{id_number},新人,2,1990-01-01,510104017001,H9,02\n"
    );
    let input = ImportInput::read(csv.as_bytes(), "more.csv", "police", "test").unwrap();
    assert_eq!(db.store.import(input).await.unwrap().inserted, 1);
}

fn logout(cookie: &str) -> Request<Body> {
    Request::delete("/api/v1/session")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_on_one_server_is_refused_by_the_other() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let _plain = setup(&db, PEOPLE).await; // the people and the user; the servers come below
    let redis = Redis::start(None);
    let (a, _) = server(&db, &redis.url()).await;
    let (b, b_caches) = server(&db, &redis.url()).await;
    let cookie = session(&a).await;
    residents(&b, &cookie).await;
    residents(&b, &cookie).await;
    assert!(
        b_caches.stats().local_hits >= 2,
        "the session and the report came from B's memory: {:?}",
        b_caches.stats()
    );
    let (status, _, _) = call(&a, logout(&cookie)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    eventually(StatusCode::UNAUTHORIZED, async || {
        call(&b, get(REPORT, &cookie)).await.0
    })
    .await;
    // Not for a moment on the server that ended it.
    assert_eq!(
        call(&a, get(REPORT, &cookie)).await.0,
        StatusCode::UNAUTHORIZED
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_follows_a_change_made_past_both_servers() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let _plain = setup(&db, PEOPLE).await; // the people and the user; the servers come below
    let redis = Redis::start(None);
    let (a, a_caches) = server(&db, &redis.url()).await;
    let (b, _) = server(&db, &redis.url()).await;
    let cookie = session(&a).await;
    assert_eq!(residents(&b, &cookie).await, 2);
    assert_eq!(residents(&a, &cookie).await, 2);
    assert!(
        a_caches.stats().shared_hits >= 1,
        "A found B's report in Redis: {:?}",
        a_caches.stats()
    );
    register_past_the_servers(&db, "n1", "510104199001010027").await;
    eventually(3, async || residents(&a, &cookie).await).await;
    eventually(3, async || residents(&b, &cookie).await).await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_redis_costs_speed_never_correctness() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let _plain = setup(&db, PEOPLE).await; // the people and the user; the servers come below
    let mut redis = Redis::start(None);
    let (a, a_caches) = server(&db, &redis.url()).await;
    let (b, b_caches) = server(&db, &redis.url()).await;
    let cookie = session(&a).await;
    assert_eq!(residents(&a, &cookie).await, 2);
    assert_eq!(residents(&b, &cookie).await, 2);

    redis.stop();
    register_past_the_servers(&db, "n1", "510104199001010027").await;
    eventually(3, async || residents(&a, &cookie).await).await;
    eventually(3, async || residents(&b, &cookie).await).await;
    assert!(!a_caches.stats().shared_up && !b_caches.stats().shared_up);
    // Each server still keeps what it read.
    let hits = b_caches.stats().local_hits;
    assert_eq!(residents(&b, &cookie).await, 3);
    assert!(b_caches.stats().local_hits > hits);

    // Back (empty, on the same port): trusted again, and still right.
    let _redis = Redis::start(Some(redis.port));
    register_past_the_servers(&db, "n2", "510104199001010043").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    eventually(4, async || residents(&a, &cookie).await).await;
    eventually(4, async || residents(&b, &cookie).await).await;
    let (status, _, _) = call(&a, logout(&cookie)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    eventually(StatusCode::UNAUTHORIZED, async || {
        call(&b, get(REPORT, &cookie)).await.0
    })
    .await;
    assert!(a_caches.stats().shared_up, "{:?}", a_caches.stats());
    db.finish().await;
}

#[tokio::test]
async fn nothing_is_cached_on_sqlite() {
    let db = TestDb::sqlite().await;
    let _plain = setup(&db, PEOPLE).await; // the people and the user; the servers come below
    let caches = Caches::new(16, None);
    let state = AppState::with(db.store.clone(), Settings::default(), test_key(), None)
        .with_caches(caches.clone());
    let app = router(state);
    let cookie = session(&app).await;
    assert_eq!(residents(&app, &cookie).await, 2);
    assert_eq!(residents(&app, &cookie).await, 2);
    let stats = caches.stats();
    assert!(!stats.live && stats.local_hits == 0, "{stats:?}");
}
