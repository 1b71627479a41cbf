//! The exchange of notices with another province's system (an exchanging
//! API token), on both engines: its notice that one of our registered
//! persons lives there is opened once however often delivered, matched by
//! the identity number and answered by the village of registration, the
//! answer read back by the sender; a notice it cannot be sure of is matched
//! by the office of registration; a notice we sent there is listed for it
//! and answered by it once; a token that only reads, or a place outside the
//! token's region, is refused.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use common::{send, send_json, setup, user_session};
use renkou_domain::{Field, RegionCode, Role};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use serde_json::{Value, json};

/// 李明 in village 017001 of 锦江区.
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n";

fn with_token(method: &str, uri: &str, secret: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {secret}"));
    match body {
        Some(b) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

/// 重庆's system: reads names in its province, and exchanges (unless `reads_only`).
async fn chongqing(db: &TestDb, name: &str, reads_only: bool) -> String {
    let secret = format!("rk_{name}");
    db.store
        .add_api_token(
            name,
            &renkou_server::token_hash(&secret),
            &RegionCode::parse("500000000000").unwrap(),
            &[Field::Name],
            "test",
            Utc::now() + Duration::days(30),
        )
        .await
        .unwrap();
    if !reads_only {
        assert!(db.store.set_token_exchanges(name, true).await.unwrap());
    }
    secret
}

fn notice(message: &str, number: Option<&str>, name: &str) -> Value {
    json!({
        "message_id": message,
        "id_number": number,
        "name": name,
        "sex": "1",
        "birth_date": "1985-03-12",
        "hukou_region": "510104017001",
        "residence": "500103001001",
        "arrival_date": "2026-04-01",
        "details": {"workplace": "重庆某电子厂"},
    })
}

async fn json_of(app: &axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    let (status, _, body) = send(app, request).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn a_notice_from_another_province_is_answered_by_the_village_of_registration(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let chongqing_regions = renkou_store::embedded_region_table(Some("500103")).unwrap();
    db.store.load_regions(&chongqing_regions).await.unwrap();
    let secret = chongqing(db, "chongqing", false).await;
    let post = |body: Value| with_token("POST", "/api/v1/exchange/notices", &secret, Some(body));

    let (status, case) = json_of(
        &app,
        post(notice("cq-1", Some("510104198503120010"), "李明")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["state"], "assigned");
    assert_eq!(case["owner_region"], "510104017001");
    assert_eq!(case["confidence"], 1.0);
    // Delivered again: the same notice.
    let (_, again) = json_of(
        &app,
        post(notice("cq-1", Some("510104198503120010"), "李明")),
    )
    .await;
    assert_eq!(again["id"], case["id"]);
    // A place of residence outside the token's province: refused.
    let mut elsewhere = notice("cq-2", None, "李明");
    elsewhere["residence"] = json!("510107001004");
    let (status, _) = json_of(&app, post(elsewhere)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A token that only reads may not send.
    let reader = chongqing(db, "chongqing-reader", true).await;
    let (status, _) = json_of(
        &app,
        with_token(
            "POST",
            "/api/v1/exchange/notices",
            &reader,
            Some(notice("cq-3", None, "李明")),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The village answers; the sender reads the answer back.
    let home = user_session(
        db,
        &app,
        "jsy017",
        Role::FamilyPlanningOfficer,
        "510104017001",
    )
    .await;
    let id = case["id"].as_i64().unwrap();
    let (status, _, _) = send(
        &app,
        send_json(
            "POST",
            &format!("/api/v1/cases/{id}/handle"),
            &home,
            json!({"note": "其家属确认在重庆务工"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, view) = json_of(
        &app,
        with_token("GET", "/api/v1/exchange/notices/cq-1", &secret, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["case"]["state"], "answered");
    assert_eq!(view["case"]["reply"]["note"], "其家属确认在重庆务工");
    let steps: Vec<&str> = view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "sent", "received", "matched", "assigned", "handled", "answered"
        ]
    );

    // Without a number, his name miswritten: the reconciliation engine
    // finds him where he is registered.
    let (_, engine) = json_of(&app, post(notice("cq-5", None, "李名"))).await;
    assert_eq!(engine["state"], "assigned", "{engine}");
    assert!(engine["confidence"].as_f64().unwrap() < 1.0);
    // A name the register lacks: left to the office of registration, which
    // finds the person.
    let (_, unsure) = json_of(&app, post(notice("cq-4", None, "张伟"))).await;
    assert_eq!(unsure["state"], "received", "{unsure}");
    let village_office = user_session(
        db,
        &app,
        "js017001",
        Role::FamilyPlanningOfficer,
        "510104017001",
    )
    .await;
    let uid_page = format!("/migrants/notices/{}", unsure["id"]);
    let (_, _, page) = common::fetch(&app, &uid_page, &village_office).await;
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("张伟（来文所述，待匹配）"), "{page}");
    let li = db
        .store
        .person_by_id_number(&"510104198503120010".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let uid = unsure["id"].as_i64().unwrap();
    let (status, _, body) = send(
        &app,
        send_json(
            "POST",
            &format!("/api/v1/cases/{uid}/match"),
            &village_office,
            json!({"person_id": li.0}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let matched: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (matched["state"].as_str(), matched["person_id"].as_i64()),
        (Some("assigned"), Some(li.0))
    );
}

async fn a_notice_sent_to_another_province_is_answered_by_its_system_once(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let chongqing_regions = renkou_store::embedded_region_table(Some("500103")).unwrap();
    db.store.load_regions(&chongqing_regions).await.unwrap();
    let secret = chongqing(db, "chongqing", false).await;
    // 刘小梅, registered in 渝中区, registered here as a migrant.
    let newcomer = renkou_domain::rules::NewPerson {
        hukou_region: Some(RegionCode::parse("500103000000").unwrap()),
        ..renkou_domain::rules::NewPerson::new(
            renkou_domain::PersonName::parse("刘小梅").unwrap(),
            renkou_domain::Sex::Female,
            chrono::NaiveDate::from_ymd_opt(1995, 2, 2).unwrap(),
            RegionCode::parse("510107001004").unwrap(),
        )
    };
    let meta = renkou_store::EventMeta {
        recorder: "武侯区计生办".into(),
        source: "web".into(),
    };
    let liu = db
        .store
        .record(
            &renkou_domain::rules::Command::Registration {
                newcomer,
                date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            },
            &meta,
        )
        .await
        .unwrap()
        .person_id;
    let arrival =
        renkou_domain::rules::Command::MigrantArrival(renkou_domain::migrants::rules::Arrival {
            person: liu,
            to: None,
            hukou_region: None,
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap(),
            details: Default::default(),
        });
    db.store.record(&arrival, &meta).await.unwrap();

    let (status, page) = json_of(
        &app,
        with_token(
            "GET",
            "/api/v1/cases?mailbox=addressed&region=500000000000",
            &secret,
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let id = page["items"][0]["id"]
        .as_i64()
        .expect("the notice sent to 重庆");
    let answer =
        json!({"confirmed": true, "note": "户籍地已核实", "registration": {"children": 0}});
    let uri = format!("/api/v1/exchange/answers/{id}");
    let (status, done) = json_of(
        &app,
        with_token("POST", &uri, &secret, Some(answer.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "answered");
    let (status, _) = json_of(&app, with_token("POST", &uri, &secret, Some(answer))).await;
    assert_eq!(status, StatusCode::CONFLICT, "answered once");
    let wuhou = user_session(
        db,
        &app,
        "js510107",
        Role::FamilyPlanningOfficer,
        "510107000000",
    )
    .await;
    let (_, _, body) = common::fetch(&app, &format!("/api/v1/cases/{id}"), &wuhou).await;
    let view: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(view["case"]["reply"]["note"], "户籍地已核实");
}

on_both_engines!(
    a_notice_from_another_province_is_answered_by_the_village_of_registration,
    a_notice_sent_to_another_province_is_answered_by_its_system_once
);
