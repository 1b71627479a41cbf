//! Citizens' requests over HTTP, on both engines: a village records a
//! request, cannot answer it and sends it up; the township answers; the
//! answer is back with the village, which tells the citizen; a request left
//! unanswered goes up by itself; another township cannot see it, and the
//! county cannot answer for the township; every word is Chinese.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::{grant_session, post_form, send_json, setup};
use renkou_domain::account::{Grant, Subsystem, Subsystems};
use renkou_domain::cases::DeadlineRule;
use renkou_domain::{RegionCode, Role};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

const VILLAGE: &str = "510104017001";
const TOWNSHIP: &str = "510104017000";
const COUNTY: &str = "510104000000";

async fn staff(db: &TestDb, app: &axum::Router, name: &str, role: Role, region: &str) -> String {
    let grant = Grant::new(role, RegionCode::parse(region).unwrap())
        .unwrap()
        .with_subsystems(Subsystems::of(&[Subsystem::Registry, Subsystem::Requests]));
    grant_session(db, app, name, grant).await
}

async fn a_request_climbs_until_answered_and_the_answer_comes_back_down(db: &TestDb) {
    let app = setup(db, "record_id,id_number,name,sex,birth_date,region_code\n").await;
    let village = staff(db, &app, "cun001", Role::VillageCollector, VILLAGE).await;
    let township = staff(db, &app, "xz017", Role::TownshipOperator, TOWNSHIP).await;
    let county = staff(db, &app, "xian104", Role::CountyManager, COUNTY).await;

    let home = common::page_text(&app, "/", &village).await;
    assert!(
        home.contains("href=\"/requests\""),
        "one click from home: {home}"
    );
    let (status, location) = post_form(
        &app,
        "/requests",
        &village,
        &[
            ("office", VILLAGE),
            ("citizen", "王大妈"),
            ("contact", "13800001111"),
            ("topic", "奖励扶助"),
            ("content", "询问今年奖励扶助金何时发放"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let page = common::page_text(&app, &location, &village).await;
    assert!(
        page.contains("王大妈") && page.contains("本级无法答复，上报上级"),
        "{page}"
    );
    assert!(
        common::english_words(&page).is_empty(),
        "{:?}",
        common::english_words(&page)
    );

    // The county cannot answer what the village has; another township
    // cannot even read it.
    let answer = serde_json::json!({ "text": "已于本月发放" });
    let (status, _, _) = common::call(
        &app,
        send_json(
            "POST",
            &format!("/api/v1/requests/{id}/answer"),
            &county,
            answer.clone(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other = staff(db, &app, "xz018", Role::TownshipOperator, "510104018000").await;
    let (status, _, _) =
        common::call(&app, common::get(&format!("/api/v1/requests/{id}"), &other)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = post_form(
        &app,
        &format!("/requests/{id}/forward"),
        &village,
        &[("text", "发放时间由乡镇掌握")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let waiting = common::page_text(&app, "/requests", &township).await;
    assert!(
        waiting.contains("待办理（1）") && waiting.contains("王大妈"),
        "{waiting}"
    );
    let (status, _, answered) = common::call(
        &app,
        send_json(
            "POST",
            &format!("/api/v1/requests/{id}/answer"),
            &township,
            answer.clone(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(
        answered["owner_region"], VILLAGE,
        "the answer is back with the village"
    );
    let (status, _, _) = common::call(
        &app,
        send_json(
            "POST",
            &format!("/api/v1/requests/{id}/answer"),
            &township,
            answer,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the township has it no more");

    let back = common::page_text(&app, "/requests", &village).await;
    assert!(back.contains("已答复待告知群众（1）"), "{back}");
    let (status, _) = post_form(
        &app,
        &format!("/requests/{id}/tell"),
        &village,
        &[("text", "电话告知")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, view) = common::call(
        &app,
        common::get(&format!("/api/v1/requests/{id}"), &county),
    )
    .await;
    let steps: Vec<&str> = view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["applied", "forwarded", "answered", "answered", "told"]
    );
    assert!(view["case"]["closed_at"].is_string());

    let times = common::page_text(
        &app,
        &format!("/requests/times?region={COUNTY}&level=township"),
        &county,
    )
    .await;
    assert!(times.contains("群众需求响应时效"), "{times}");
    let (_, _, rows) = common::call(
        &app,
        common::get(
            &format!("/api/v1/requests/response-times?region={COUNTY}&level=township"),
            &county,
        ),
    )
    .await;
    assert_eq!(rows[0]["answered"], 1, "{rows}");
}

async fn a_request_nobody_answers_goes_up_by_itself(db: &TestDb) {
    let app = setup(db, "record_id,id_number,name,sex,birth_date,region_code\n").await;
    let village = staff(db, &app, "cun001", Role::VillageCollector, VILLAGE).await;
    let body = serde_json::json!({ "office": VILLAGE, "citizen": "李四", "topic": "政策咨询", "content": "再生育政策" });
    let (status, _, case) =
        common::call(&app, send_json("POST", "/api/v1/requests", &village, body)).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let later = Utc::now() + Duration::days(40);
    db.store
        .escalate_overdue(later, &DeadlineRule::default())
        .await
        .unwrap();
    let township = staff(db, &app, "xz017", Role::TownshipOperator, TOWNSHIP).await;
    let (_, _, view) = common::call(
        &app,
        common::get(&format!("/api/v1/requests/{}", case["id"]), &township),
    )
    .await;
    assert_eq!(view["case"]["owner_region"], TOWNSHIP, "{view}");
    assert_eq!(view["case"]["escalations"], 1);
    // Naming a person the village may not read is refused like the subject.
    let stranger = serde_json::json!({ "office": VILLAGE, "person_id": 999999, "citizen": "某", "topic": "其他", "content": "某事" });
    let (status, _, _) = common::call(
        &app,
        send_json("POST", "/api/v1/requests", &village, stranger),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_request_for_a_certificate_turns_into_its_application(db: &TestDb) {
    let people = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                  a,510104199001010019,赵刚,1,1990-01-01,510104017001,H1,02\n\
                  b,510104199203030026,钱丽,2,1992-03-03,510104017001,H1,10\n";
    let app = setup(db, people).await;
    let grant = Grant::new(Role::VillageCollector, RegionCode::parse(VILLAGE).unwrap())
        .unwrap()
        .with_subsystems(Subsystems::of(&[
            Subsystem::Registry,
            Subsystem::Requests,
            Subsystem::Certificates,
        ]));
    let village = grant_session(db, &app, "cun001", grant).await;
    let he = common::person_id(&app, &village, "510104199001010019").await;
    let she = common::person_id(&app, &village, "510104199203030026").await;
    let meta = renkou_store::EventMeta {
        recorder: "村信息员".into(),
        source: "web".into(),
    };
    let (a, b) = (renkou_domain::PersonId(he), renkou_domain::PersonId(she));
    let date = chrono::NaiveDate::from_ymd_opt(2016, 5, 1).unwrap();
    db.store
        .record(
            &renkou_domain::rules::Command::Marriage { a, b, date },
            &meta,
        )
        .await
        .unwrap();
    let child = renkou_domain::rules::NewPerson::new(
        renkou_domain::PersonName::parse("赵一").unwrap(),
        renkou_domain::Sex::Female,
        chrono::NaiveDate::from_ymd_opt(2018, 2, 1).unwrap(),
        RegionCode::parse(VILLAGE).unwrap(),
    );
    let birth = renkou_domain::rules::Command::Birth {
        child,
        mother: Some(b),
        father: Some(a),
        details: Default::default(),
    };
    db.store.record(&birth, &meta).await.unwrap();

    let body = serde_json::json!({ "office": VILLAGE, "person_id": she, "citizen": "钱丽", "topic": "证明办理", "content": "申领独生子女父母光荣证" });
    let (status, _, request) =
        common::call(&app, send_json("POST", "/api/v1/requests", &village, body)).await;
    assert_eq!(status, StatusCode::OK, "{request}");
    let id = request["id"].as_i64().unwrap();
    let (status, _) = post_form(
        &app,
        &format!("/requests/{id}/service"),
        &village,
        &[("service", "certificate")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, view) = common::call(
        &app,
        common::get(&format!("/api/v1/requests/{id}"), &village),
    )
    .await;
    assert_eq!(view["case"]["state"], "answered", "{view}");
    let service = view["case"]["reply"]["turned_into"]
        .as_i64()
        .expect("the service's case");
    let (status, _, application) = common::call(
        &app,
        common::get(
            &format!("/api/v1/certificates/applications/{service}"),
            &village,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{application}");
    assert_eq!(application["case"]["owner_region"], TOWNSHIP);
}

on_both_engines!(
    a_request_for_a_certificate_turns_into_its_application,
    a_request_climbs_until_answered_and_the_answer_comes_back_down,
    a_request_nobody_answers_goes_up_by_itself,
);
