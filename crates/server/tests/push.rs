//! Push delivery of the feed to a department's webhook, on both engines:
//! each delivery carries what the department's token may read, signed with
//! its secret; a page refused by the receiver is sent again, under the same
//! delivery name, after a wait; only what is new goes next time; a receiver
//! that keeps failing is paused, shown on the administrators' page, and
//! resumed there.

mod common;

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use chrono::{Duration, Utc};
use common::{csrf_of, form, setup, test_key, user_session};
use renkou_domain::{Field, RegionCode, Role};
use renkou_server::push::{deliver_due, signature};
use renkou_server::{AppState, Settings};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use tower::ServiceExt;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      b,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n";

const SECRET: &str = "whsec_test";

/// What the receiver was sent: (delivery name, signature, body).
type Received = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

/// A receiver on loopback answering each delivery with the next status of
/// `answers` (the last one from then on).
async fn receiver(answers: Vec<u16>) -> (String, Received) {
    let received: Received = Arc::default();
    let answers = Arc::new(Mutex::new(answers));
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (seen, answers) = (seen.clone(), answers.clone());
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                seen.lock().unwrap().push((
                    header("x-renkou-delivery"),
                    header("x-renkou-signature"),
                    body.to_vec(),
                ));
                let mut answers = answers.lock().unwrap();
                let status = if answers.len() > 1 {
                    answers.remove(0)
                } else {
                    answers[0]
                };
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn state(db: &TestDb) -> AppState {
    let mut settings = Settings::default();
    settings.exchange.push_backoff_seconds = 60;
    settings.exchange.push_max_failures = 3;
    AppState::with(db.store.clone(), settings, test_key(), None)
}

/// Both persons move to another village of 锦江区: two events for the police.
async fn two_moves(db: &TestDb) {
    let meta = renkou_store::EventMeta {
        recorder: "t".into(),
        source: "t".into(),
    };
    for number in ["510104198503120010", "510104198807070024"] {
        let person = db
            .store
            .person_by_id_number(&number.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .id;
        let command = renkou_domain::rules::Command::MoveWithin {
            person,
            to: RegionCode::parse("510104018001").unwrap(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        };
        db.store.record(&command, &meta).await.unwrap();
    }
}

/// Delivers from `at` on, ten seconds later each time, until the receiver
/// has `n` deliveries (on PostgreSQL a commit reaches the feed's horizon a
/// moment later); returns the time reached.
async fn deliver_until(
    state: &AppState,
    received: &Received,
    n: usize,
    mut at: chrono::DateTime<Utc>,
) -> chrono::DateTime<Utc> {
    for _ in 0..100 {
        deliver_due(state, at).await.unwrap();
        if received.lock().unwrap().len() >= n {
            return at;
        }
        at += Duration::seconds(10);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no delivery");
}

async fn police_token(db: &TestDb) {
    db.store
        .add_api_token(
            "police",
            &renkou_server::token_hash("rk_police"),
            &RegionCode::parse("510104000000").unwrap(),
            &[Field::Name, Field::Residence],
            "test",
            Utc::now() + Duration::days(30),
        )
        .await
        .unwrap();
}

async fn a_departments_webhook_gets_what_its_token_reads_signed_and_again_after_a_failure(
    db: &TestDb,
) {
    let _app = setup(db, PEOPLE).await;
    police_token(db).await;
    let (url, received) = receiver(vec![500, 200]).await;
    let subscription = db
        .store
        .add_subscription("police", &url, SECRET, "test")
        .await
        .unwrap();
    let state = state(db);
    two_moves(db).await;
    let now = deliver_until(&state, &received, 1, Utc::now()).await;
    assert_eq!(
        deliver_due(&state, now).await.unwrap(),
        0,
        "not again before the wait"
    );
    assert_eq!(received.lock().unwrap().len(), 1);
    let mut delivered = deliver_due(&state, now + Duration::seconds(61))
        .await
        .unwrap();
    let sent = received.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].0, sent[1].0,
        "the same page under the same delivery name"
    );
    // On PostgreSQL the second move may reach the feed a moment later.
    let mut at = now + Duration::seconds(61);
    while delivered < 2 {
        at += Duration::seconds(10);
        delivered += deliver_due(&state, at).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(delivered, 2, "both persons' moves, once");
    let sent = received.lock().unwrap().clone();
    for (_, signed, body) in &sent {
        assert_eq!(
            signed,
            &signature(SECRET, body),
            "signed with the subscription's secret"
        );
    }
    let text: String = sent[1..]
        .iter()
        .map(|(_, _, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(
        text.contains("move_within") && text.contains("510104018001"),
        "{text}"
    );
    assert!(
        !text.contains("510104198503120010"),
        "no identity number: the token does not read it"
    );

    // Only what is new goes next time.
    let arrival =
        renkou_domain::rules::Command::MigrantArrival(renkou_domain::migrants::rules::Arrival {
            person: db
                .store
                .person_by_id_number(&"510104198503120010".parse().unwrap())
                .await
                .unwrap()
                .unwrap()
                .id,
            to: Some(RegionCode::parse("510107001004").unwrap()),
            hukou_region: Some(RegionCode::parse("510104017001").unwrap()),
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            details: Default::default(),
        });
    let meta = renkou_store::EventMeta {
        recorder: "t".into(),
        source: "t".into(),
    };
    db.store.record(&arrival, &meta).await.unwrap();
    // A change commits on PostgreSQL ahead of the feed's horizon: poll.
    let mut more = 0;
    for k in 0..50 {
        more += deliver_due(&state, at + Duration::seconds(120 + k))
            .await
            .unwrap();
        if more > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        more, 0,
        "he moved out of the token's county: not its to read"
    );
    let s = db
        .store
        .subscription(subscription.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.state.as_str(), s.failures), ("active", 0));
    assert!(s.delivered >= 2);
}

async fn a_receiver_that_keeps_failing_is_paused_and_an_administrator_resumes_it(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    police_token(db).await;
    let (url, received) = receiver(vec![503]).await;
    let subscription = db
        .store
        .add_subscription("police", &url, SECRET, "test")
        .await
        .unwrap();
    let state = state(db);
    two_moves(db).await;
    let mut at = deliver_until(&state, &received, 1, Utc::now()).await;
    for _ in 0..2 {
        at += Duration::days(2);
        deliver_due(&state, at).await.unwrap();
    }
    let s = db
        .store
        .subscription(subscription.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.state.as_str(), s.failures), ("paused", 3));
    assert!(s.last_error.unwrap().contains("503"));

    let admin = user_session(db, &app, "admin01", Role::Admin, "510000000000").await;
    let (status, _, body) = common::fetch(&app, "/admin/subscriptions", &admin).await;
    assert_eq!(status, StatusCode::OK);
    let body = String::from_utf8_lossy(&body).into_owned();
    assert!(
        body.contains("已暂停") && body.contains("恢复推送"),
        "{body}"
    );
    let resume = form(
        &format!("/admin/subscriptions/{}/resume", subscription.id),
        &admin,
        &[("csrf", &csrf_of(&body))],
    );
    assert_eq!(
        app.clone().oneshot(resume).await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let s = db
        .store
        .subscription(subscription.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.state.as_str(), s.failures), ("active", 0));
    // Not for anyone else.
    let operator = user_session(db, &app, "cun017", Role::VillageCollector, "510104017001").await;
    let (status, _, _) = common::fetch(&app, "/admin/subscriptions", &operator).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_engines!(
    a_departments_webhook_gets_what_its_token_reads_signed_and_again_after_a_failure,
    a_receiver_that_keeps_failing_is_paused_and_an_administrator_resumes_it
);
