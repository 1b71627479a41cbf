//! Registering events and finding people and households over the API, on
//! both engines, always inside the caller's own regions.

mod common;

use axum::http::StatusCode;
use common::{call, get, login, person_id, send_json, session, setup, user_session};
use renkou_domain::Role;
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use serde_json::{Value, json};

/// A couple in one household of township 510104017, a namesake of the wife
/// in another township of the same district, and a woman in another district.
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n\
                      d,510104199202020029,王芳,2,1992-02-02,510104018001,H2,02\n\
                      b,510107199001010026,王芳,2,1990-01-01,510107001004,H3,02\n";

fn birth(mother: i64, residence: &str, sex: &str) -> Value {
    json!({"birth": {
        "child": {
            "name": "李小明", "sex": sex, "birth_date": "2026-11-01",
            "residence": residence, "ethnicity": "01"
        },
        "mother": mother
    }})
}

async fn an_operator_registers_a_birth_and_sees_it_on_the_childs_page(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let mother = person_id(&app, &cookie, "510104198807070024").await;
    let (status, _, recorded) = call(
        &app,
        send_json(
            "POST",
            "/api/v1/events",
            &cookie,
            birth(mother, "510104017001", "1"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    let child = recorded["person_id"].as_i64().unwrap();
    let (status, _, page) = call(&app, get(&format!("/api/v1/persons/{child}"), &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["person"]["name"], "李小明");
    assert_eq!(page["person"]["mother_id"], mother);
    assert_eq!(page["events"][0]["kind"], "birth");
    assert_eq!(page["events"][0]["recorder"], "wang");
}

async fn an_operator_cannot_register_a_death_in_another_township(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let county = user_session(db, &app, "zhao", Role::CountyManager, "510104000000").await;
    let other = person_id(&app, &county, "510104199202020029").await;
    let death = json!({"death": {"person": other, "date": "2026-10-01"}});
    let (status, _, body) = call(&app, send_json("POST", "/api/v1/events", &cookie, death)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "looks like nobody: {body}");
    let still = db
        .store
        .person(renkou_domain::PersonId(other))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, renkou_domain::LifeStatus::Active);
}

async fn a_birth_in_another_township_is_refused_naming_the_residence(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let mother = person_id(&app, &cookie, "510104198807070024").await;
    let (status, _, body) = call(
        &app,
        send_json(
            "POST",
            "/api/v1/events",
            &cookie,
            birth(mother, "510104018001", "1"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["field"], "residence");
}

async fn a_bad_code_or_a_broken_rule_is_a_4xx_in_chinese_naming_the_field(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let mother = person_id(&app, &cookie, "510104198807070024").await;
    let (status, _, body) = call(
        &app,
        send_json(
            "POST",
            "/api/v1/events",
            &cookie,
            birth(mother, "510104017001", "7"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "birth.child.sex", "{body}");
    let father = person_id(&app, &cookie, "510104198503120010").await;
    let (status, _, body) = call(
        &app,
        send_json(
            "POST",
            "/api/v1/events",
            &cookie,
            birth(father, "510104017001", "1"),
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a man is no mother"
    );
    assert_eq!(body["field"], "mother");
    assert!(body["message"].as_str().unwrap().contains("男性"), "{body}");
}

async fn an_analyst_reads_but_cannot_register(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let analyst = user_session(db, &app, "zhou", Role::ProvinceAnalyst, "510000000000").await;
    let mother = person_id(&app, &analyst, "510104198807070024").await;
    let (status, _, body) = call(
        &app,
        send_json(
            "POST",
            "/api/v1/events",
            &analyst,
            birth(mother, "510104017001", "2"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

async fn a_name_search_finds_only_namesakes_in_ones_own_township(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let (status, _, body) = call(
        &app,
        get("/api/v1/persons?name=%E7%8E%8B%E8%8A%B3", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let births: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["birth_date"].as_str().unwrap())
        .collect();
    assert_eq!(births, ["1988-07-07"], "three 王芳, one in wang's township");
    let county = user_session(db, &app, "zhao", Role::CountyManager, "510104000000").await;
    let (_, _, body) = call(
        &app,
        get("/api/v1/persons?name=%E7%8E%8B%E8%8A%B3", &county),
    )
    .await;
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        2,
        "the county sees both of its own"
    );
}

async fn a_county_list_asked_by_a_township_operator_shows_the_township(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let (status, _, body) = call(&app, get("/api/v1/persons?region=510104000000", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let mut names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["李明", "王芳"],
        "the township's part of the county, no more"
    );
}

async fn a_household_page_lists_its_members_head_first(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let (_, _, found) = call(
        &app,
        get("/api/v1/persons?id_number=510104198807070024", &cookie),
    )
    .await;
    let household = found["items"][0]["household_id"].as_i64().unwrap();
    let (status, _, body) = call(
        &app,
        get(&format!("/api/v1/households/{household}"), &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["household_no"], "H1");
    let names: Vec<&str> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["李明", "王芳"]);
    let county = user_session(db, &app, "zhao", Role::CountyManager, "510104000000").await;
    let (_, _, other) = call(
        &app,
        get("/api/v1/persons?id_number=510104199202020029", &county),
    )
    .await;
    let other = other["items"][0]["household_id"].as_i64().unwrap();
    let (status, _, _) = call(&app, get(&format!("/api/v1/households/{other}"), &cookie)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another township's household"
    );
}

async fn the_region_tree_opens_one_level_at_a_time(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let (_, _, own) = call(&app, get("/api/v1/regions", &cookie)).await;
    assert_eq!(own["items"][0]["code"], "510104017000");
    let (status, _, children) =
        call(&app, get("/api/v1/regions?parent=510104017000", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let items = children["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|r| r["level"] == "village"));
}

async fn a_password_change_needs_the_current_one_and_ends_other_sessions(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let other_device = session(&app).await;
    let change = |current: &str, new: &str| {
        send_json(
            "PUT",
            "/api/v1/session/password",
            &cookie,
            json!({"current_password": current, "new_password": new}),
        )
    };
    let (status, _, body) = call(&app, change("wrong-password1", "newpassword2026")).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("current_password"))
    );
    let (status, _, body) = call(&app, change("renkou2026pw", "short1")).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("new_password"))
    );
    let (status, _, _) = call(&app, change("renkou2026pw", "newpassword2026")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(&app, login("renkou2026pw")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is gone");
    let (status, _, _) = call(&app, login("newpassword2026")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(&app, get("/api/v1/regions", &other_device)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the other device is logged out"
    );
    let (status, _, _) = call(&app, get("/api/v1/regions", &cookie)).await;
    assert_eq!(status, StatusCode::OK, "this device stays logged in");
}

async fn a_phone_is_whole_for_the_operator_masked_for_an_analyst_and_set_only_at_home(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let id = person_id(&app, &cookie, "510104198503120010").await;
    let uri = format!("/api/v1/persons/{id}/phone");
    let set = |phone: &str| send_json("PUT", &uri, &cookie, json!({ "phone": phone }));
    let (status, _, body) = call(&app, set("+86 138-1234-5678")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, _, detail) = call(&app, get(&format!("/api/v1/persons/{id}"), &cookie)).await;
    assert_eq!(detail["phone"], "13812345678");
    let analyst = user_session(db, &app, "zhou", Role::ProvinceAnalyst, "510000000000").await;
    let (_, _, seen) = call(&app, get(&format!("/api/v1/persons/{id}"), &analyst)).await;
    assert_eq!(seen["phone"], "138****5678");
    let (status, _, body) = call(&app, set("12345")).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("phone"))
    );
    let county = user_session(db, &app, "zhao", Role::CountyManager, "510104000000").await;
    let other = person_id(&app, &county, "510104199202020029").await;
    let (status, _, _) = call(
        &app,
        send_json(
            "PUT",
            &format!("/api/v1/persons/{other}/phone"),
            &cookie,
            json!({"phone": "13900000000"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another township's person");
}

on_both_engines!(
    a_phone_is_whole_for_the_operator_masked_for_an_analyst_and_set_only_at_home,
    an_operator_registers_a_birth_and_sees_it_on_the_childs_page,
    an_operator_cannot_register_a_death_in_another_township,
    a_birth_in_another_township_is_refused_naming_the_residence,
    a_bad_code_or_a_broken_rule_is_a_4xx_in_chinese_naming_the_field,
    an_analyst_reads_but_cannot_register,
    a_name_search_finds_only_namesakes_in_ones_own_township,
    a_county_list_asked_by_a_township_operator_shows_the_township,
    a_household_page_lists_its_members_head_first,
    the_region_tree_opens_one_level_at_a_time,
    a_password_change_needs_the_current_one_and_ends_other_sessions,
);
