//! Women of childbearing age over HTTP, on both engines: the card's events
//! are recorded and read only under a grant that opens the `wis`
//! subsystem; everyone else sees the woman without them.

mod common;

use axum::http::StatusCode;
use common::{call, get, send_json, setup, user_session};
use renkou_domain::Role;
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use serde_json::json;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation,marital_status\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02,20\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10,20\n";

async fn a_pregnancy_is_recorded_by_the_family_planning_officer_and_hidden_from_others(
    db: &TestDb,
) {
    let app = setup(db, PEOPLE).await;
    let operator = common::session(&app).await;
    let officer = user_session(db, &app, "jsz", Role::FamilyPlanningOfficer, "510104017000").await;
    let her = common::person_id(&app, &operator, "510104198807070024").await;
    let pregnancy = json!({"wis": {"pregnancy": {
        "woman": her, "last_period": "2026-09-01", "date": "2026-10-20"}}});
    // The township operator's grant does not open the cards.
    let (status, _, body) = call(
        &app,
        send_json("POST", "/api/v1/events", &operator, pregnancy.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["message"], "您没有育龄妇女信息的登记权限");
    let (status, _, body) = call(
        &app,
        send_json("POST", "/api/v1/events", &officer, pregnancy.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A second one is refused in Chinese, naming nothing but the rule.
    let (status, _, body) = call(
        &app,
        send_json("POST", "/api/v1/events", &officer, pregnancy),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        "已登记在孕（末次月经 2026-09-01），请先登记本次妊娠的结局"
    );

    let uri = format!("/api/v1/persons/{her}");
    let (_, _, seen) = call(&app, get(&uri, &officer)).await;
    assert_eq!(seen["person"]["pregnant_since"], "2026-09-01");
    assert!(
        seen["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "pregnancy")
    );
    let (_, _, hidden) = call(&app, get(&uri, &operator)).await;
    assert_eq!(hidden["person"]["pregnant_since"], serde_json::Value::Null);
    assert!(
        !hidden["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "pregnancy"),
        "{hidden}"
    );
    let (_, _, page) = common::fetch(&app, &format!("/persons/{her}"), &operator).await;
    assert!(!String::from_utf8(page).unwrap().contains("孕情登记"));
}

on_both_engines!(a_pregnancy_is_recorded_by_the_family_planning_officer_and_hidden_from_others);
