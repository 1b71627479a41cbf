//! The hand-off between regions in the web interface and the API, on both
//! engines: a migrant registered where he lives reaches his village of
//! registration as a notice on its home page; it is handled there in one
//! form and the answer is read by the sender; another village cannot even
//! see it; a second answer is refused; the response times count it.

mod common;

use axum::http::StatusCode;
use common::{csrf_of, form, send_json, setup, user_session};
use renkou_domain::{PersonId, RegionCode, Role};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use tower::ServiceExt;

/// 李明 in village 017001 of 锦江区.
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n";

async fn page(app: &axum::Router, uri: &str, cookie: &str) -> (StatusCode, String) {
    let (status, _, body) = common::fetch(app, uri, cookie).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// 李明, registered in 017001, registered as a migrant in 武侯区.
async fn li_ming_moves_to_wuhou(db: &TestDb) -> PersonId {
    let number = renkou_domain::IdNumber::parse("510104198503120010").unwrap();
    let li = db
        .store
        .person_by_id_number(&number)
        .await
        .unwrap()
        .unwrap()
        .id;
    let arrival =
        renkou_domain::rules::Command::MigrantArrival(renkou_domain::migrants::rules::Arrival {
            person: li,
            to: Some(RegionCode::parse("510107001004").unwrap()),
            hukou_region: Some(RegionCode::parse("510104017001").unwrap()),
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            details: renkou_domain::migrants::MigrantDetails {
                workplace: Some("电子厂".into()),
                ..Default::default()
            },
        });
    let meta = renkou_store::EventMeta {
        recorder: "武侯区计生办".into(),
        source: "web".into(),
    };
    db.store.record(&arrival, &meta).await.unwrap();
    li
}

async fn the_village_of_registration_answers_a_notice_and_the_sender_reads_the_answer(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let li = li_ming_moves_to_wuhou(db).await;
    let home = user_session(
        db,
        &app,
        "jsy017",
        Role::FamilyPlanningOfficer,
        "510104017001",
    )
    .await;
    let wuhou = user_session(
        db,
        &app,
        "js510107",
        Role::FamilyPlanningOfficer,
        "510107001000",
    )
    .await;

    // One click from home.
    let (_, body) = page(&app, "/", &home).await;
    assert!(body.contains("待办理的通报"), "{body}");
    assert!(
        body.contains("/migrants/notices?region=510104017001"),
        "{body}"
    );
    let (status, body) = page(&app, "/migrants/notices", &home).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("李明") && body.contains("已分派"), "{body}");
    let id = db.store.cases_of_person(li).await.unwrap()[0].id;
    let (_, body) = page(&app, &format!("/migrants/notices/{id}"), &home).await;
    assert!(
        body.contains("电子厂") && body.contains("办结并反馈发送方"),
        "{body}"
    );
    assert!(
        common::english_words(&body).is_empty(),
        "{:?}",
        common::english_words(&body)
    );

    // His village of registration lists him as gone, and opens his page.
    let (status, body) = page(&app, "/migrants/outflow", &home).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("流出人口名单") && body.contains("李明"),
        "{body}"
    );
    assert!(
        body.contains("计划生育情况"),
        "a reader of WIS records sees the family-planning column"
    );
    let (status, body) = page(&app, &format!("/persons/{}", li.0), &home).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !body.contains("登记事件"),
        "read, not changed, from the place of registration"
    );

    // Another village of the same township cannot see it.
    let other = user_session(
        db,
        &app,
        "jsy002",
        Role::FamilyPlanningOfficer,
        "510104017002",
    )
    .await;
    let (status, _) = page(&app, &format!("/migrants/notices/{id}"), &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The sender reads it but has no step to take.
    let (_, body) = page(&app, &format!("/migrants/notices/{id}"), &wuhou).await;
    assert!(!body.contains("办结并反馈发送方"), "{body}");

    let (_, body) = page(&app, &format!("/migrants/notices/{id}"), &home).await;
    let handle = form(
        &format!("/migrants/notices/{id}/handle"),
        &home,
        &[
            ("csrf", &csrf_of(&body)),
            ("confirmed", "1"),
            ("note", "已电话核实，家中情况正常"),
        ],
    );
    assert_eq!(
        app.clone().oneshot(handle).await.unwrap().status(),
        StatusCode::SEE_OTHER
    );

    // The sender's outbox: answered, with the answer.
    let (_, body) = page(&app, "/migrants/notices?mailbox=outbox", &wuhou).await;
    assert!(body.contains("已反馈"), "{body}");
    let (_, body) = page(&app, &format!("/migrants/notices/{id}"), &wuhou).await;
    assert!(
        body.contains("户籍地反馈") && body.contains("家中情况正常"),
        "{body}"
    );
    // On his page, where he lives: the notice and its state.
    let (_, body) = page(&app, &format!("/persons/{}", li.0), &wuhou).await;
    assert!(
        body.contains("流动人口信息交换") && body.contains("已反馈"),
        "{body}"
    );

    // Answered twice through the API: refused, in Chinese.
    let again = send_json(
        "POST",
        &format!("/api/v1/cases/{id}/handle"),
        &home,
        serde_json::json!({"note": "再次"}),
    );
    let (status, _, body) = common::send(&app, again).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(String::from_utf8_lossy(&body).contains("已反馈"));
    let (status, _, body) = common::fetch(&app, "/api/v1/cases?mailbox=outbox", &wuhou).await;
    assert_eq!(status, StatusCode::OK);
    let page_json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page_json["items"][0]["state"], "answered");

    // The response times of 锦江区's villages: one notice, answered, on time.
    let county = user_session(
        db,
        &app,
        "js510104",
        Role::FamilyPlanningOfficer,
        "510104000000",
    )
    .await;
    let (status, body) = page(&app, "/migrants/notices/times?level=village", &county).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("响应时效") && body.contains("0.0%"), "{body}");
    assert!(
        common::english_words(&body).is_empty(),
        "{:?}",
        common::english_words(&body)
    );
}

async fn an_overdue_notice_is_on_the_townships_list_which_assigns_it_back(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let li = li_ming_moves_to_wuhou(db).await;
    let id = db.store.cases_of_person(li).await.unwrap()[0].id;
    let later = chrono::Utc::now() + chrono::Duration::days(16);
    let rule = renkou_domain::cases::DeadlineRule::default();
    assert_eq!(db.store.escalate_overdue(later, &rule).await.unwrap(), 1);
    let township = user_session(
        db,
        &app,
        "js017000",
        Role::FamilyPlanningOfficer,
        "510104017000",
    )
    .await;
    let (_, body) = page(&app, "/migrants/notices", &township).await;
    assert!(body.contains("已升级"), "{body}");
    let (_, body) = page(&app, &format!("/migrants/notices/{id}"), &township).await;
    assert!(
        body.contains("升级至") && body.contains("分派至村（居）"),
        "{body}"
    );
    let assign = form(
        &format!("/migrants/notices/{id}/assign"),
        &township,
        &[("csrf", &csrf_of(&body)), ("village", "510104017001")],
    );
    assert_eq!(
        app.clone().oneshot(assign).await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let case = db.store.cases_of_person(li).await.unwrap().remove(0);
    assert_eq!(
        (case.owner_region.as_str(), case.state.as_str()),
        ("510104017001", "assigned")
    );
}

on_both_engines!(
    the_village_of_registration_answers_a_notice_and_the_sender_reads_the_answer,
    an_overdue_notice_is_on_the_townships_list_which_assigns_it_back
);
