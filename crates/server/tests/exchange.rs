//! The exchange feed as another department's system reads it, on both
//! engines: every committed event of its region once, in order, page after
//! page from where it stopped; nothing of another region; only its fields;
//! what is recorded later comes on the next poll.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use common::{call, setup};
use renkou_domain::rules::Command;
use renkou_domain::{Field, RegionCode};
use renkou_server::token_hash;
use renkou_store::testing::TestDb;
use renkou_store::{EventMeta, on_both_engines};

/// Two in 锦江区 (510104), one in 武侯区 (510107).
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n\
                      b,510107199001010026,赵丽,2,1990-01-01,510107001004,H3,02\n";

const SECRET: &str = "rk_police_feed_test_secret";

fn bearer(uri: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {SECRET}"))
        .body(Body::empty())
        .unwrap()
}

/// Reads the feed a page of `limit` at a time until `expected` events have
/// come and the feed is at its end, polling as a subscriber does (on
/// PostgreSQL a transaction still running anywhere in the cluster — another
/// test's — holds the feed back for a moment): the events and the cursor.
async fn read_all(
    app: &axum::Router,
    mut after: String,
    limit: usize,
    expected: usize,
) -> (Vec<serde_json::Value>, String) {
    let mut events = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (status, _, body) = call(
            app,
            bearer(&format!(
                "/api/v1/exchange/feed?after={after}&limit={limit}"
            )),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page = body["items"].as_array().unwrap().clone();
        let next = body["next"].as_str().unwrap().to_string();
        let at_end = next == after;
        events.extend(page);
        after = next;
        if at_end && (events.len() >= expected || std::time::Instant::now() > deadline) {
            return (events, after);
        }
        if at_end {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

async fn a_department_reads_its_regions_events_once_in_order_and_resumes(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    db.store
        .add_api_token(
            "police-feed",
            &token_hash(SECRET),
            &RegionCode::parse("510104000000").unwrap(),
            &[
                Field::Name,
                Field::Sex,
                Field::BirthDate,
                Field::Residence,
                Field::Status,
            ],
            "test",
            Utc::now() + Duration::days(30),
        )
        .await
        .unwrap();
    let meta = EventMeta {
        recorder: "cun017".into(),
        source: "web".into(),
    };
    let person = |number: &str| {
        let number = renkou_domain::IdNumber::parse(number).unwrap();
        async move {
            db.store
                .person_by_id_number(&number)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (li, wang, zhao) = (
        person("510104198503120010").await,
        person("510104198807070024").await,
        person("510107199001010026").await,
    );
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let village = |code: &str| RegionCode::parse(code).unwrap();
    for command in [
        Command::MoveWithin {
            person: li,
            to: village("510104018001"),
            date: day(10, 1),
        },
        Command::MoveWithin {
            person: zhao,
            to: village("510107001005"),
            date: day(10, 2),
        },
        Command::MoveWithin {
            person: wang,
            to: village("510104018001"),
            date: day(10, 3),
        },
    ] {
        db.store.record(&command, &meta).await.unwrap();
    }
    let (first, cursor) = read_all(&app, String::new(), 1, 2).await;
    let ids: Vec<i64> = first.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "each event once, in order");
    assert_eq!(
        first.len(),
        2,
        "the moves of 锦江区 and nothing of 武侯区: {first:?}"
    );
    assert!(
        first
            .iter()
            .all(|e| e["region_code"].as_str().unwrap().starts_with("510104"))
    );
    // Only its fields.
    for e in &first {
        for change in e["changes"].as_array().unwrap() {
            let field = change["field"].as_str().unwrap();
            assert!(
                ["name", "sex", "birth_date", "residence", "status"].contains(&field),
                "{field}"
            );
        }
    }

    assert_eq!(first[0]["person_id"].as_i64(), Some(li.0));

    // A death recorded now comes on the next poll, and only it.
    db.store
        .record(
            &Command::Death {
                person: li,
                date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            },
            &meta,
        )
        .await
        .unwrap();
    let (later, _) = read_all(&app, cursor.clone(), 500, 1).await;
    assert_eq!(later.len(), 1, "{later:?}");
    assert_eq!(later[0]["kind"], "death");

    let (status, _, body) = call(&app, bearer("/api/v1/exchange/feed?after=xyz")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "after");
}

on_both_engines!(a_department_reads_its_regions_events_once_in_order_and_resumes);

async fn a_department_reports_migrants_once_however_often_it_sends_them(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let jsz = common::user_session(
        db,
        &app,
        "jsz107",
        renkou_domain::Role::FamilyPlanningOfficer,
        "510107001000",
    )
    .await;
    let lines = "{\"record_id\":\"p1\",\"id_number\":\"510104198503120010\",\"name\":\"李明\",\"sex\":\"1\",\"birth_date\":\"1985-03-12\",\"region_code\":\"510107001004\",\"hukou_region\":\"510104017001\",\"arrival_date\":\"2026-06-01\",\"reason\":\"1\"}\n\
                 {\"record_id\":\"p2\",\"name\":\"钱新\",\"sex\":\"1\",\"birth_date\":\"1990-05-05\",\"region_code\":\"510104018001\",\"hukou_region\":\"500103000000\",\"arrival_date\":\"2026-06-01\"}\n\
                 {\"record_id\":\"p3\",\"name\":\"孙红\",\"sex\":\"2\",\"birth_date\":\"1992-02-30\",\"region_code\":\"510107001004\",\"hukou_region\":\"510104017001\",\"arrival_date\":\"2026-06-01\"}\n";
    let post = |body: &'static str, kind: &'static str| {
        Request::post("/api/v1/exchange/migrants?source=police-107")
            .header(header::COOKIE, jsz.clone())
            .header(header::CONTENT_TYPE, kind)
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, first) = call(&app, post(lines, "application/x-ndjson")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["rows"], 3, "{first}");
    assert_eq!(first["unreadable"], 1, "{first}");
    assert_eq!(first["problems"][0]["line"], 3, "{first}");
    assert_eq!(first["problems"][0]["column"], "birth_date", "{first}");
    // 钱新 lives in 锦江区, outside the sender's district: left out.
    assert_eq!(first["outside"], serde_json::json!([2]), "{first}");
    assert_eq!(
        first["matched"].as_u64().unwrap()
            + first["new"].as_u64().unwrap()
            + first["unsure"].as_u64().unwrap(),
        1,
        "{first}"
    );
    let (status, _, again) = call(&app, post(lines, "application/x-ndjson")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["events"], 0, "delivered twice, handled once: {again}");
    assert_eq!(again["new"], 0, "{again}");

    // A file that is not one is refused whole; a token cannot send.
    let (status, _, refused) = call(&app, post("record_id,name\nx,y\n", "text/csv")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("表头缺少"),
        "{refused}"
    );
    db.store
        .add_api_token(
            "police-send",
            &token_hash(SECRET),
            &RegionCode::parse("510107000000").unwrap(),
            &[Field::Name],
            "test",
            Utc::now() + Duration::days(30),
        )
        .await
        .unwrap();
    let by_token = Request::post("/api/v1/exchange/migrants?source=x")
        .header(header::AUTHORIZATION, format!("Bearer {SECRET}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(lines))
        .unwrap();
    let (status, _, _) = call(&app, by_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_engines!(a_department_reports_migrants_once_however_often_it_sends_them);
