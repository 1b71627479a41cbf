//! The HTTP API as staff meet it, on both engines: logging in, being locked
//! out, and seeing only the people of one's own region.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{audit_intact, call, get, login, session, setup, user_session};
use renkou_domain::Role;
use renkou_store::testing::TestDb;
use renkou_store::{AuditFilter, on_both_engines};
use serde_json::{Value, json};

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001\n\
                      b,510107199001010026,王芳,2,1990-01-01,510107001004\n";

async fn logging_in_sets_a_strict_http_only_cookie(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (status, cookie, body) = call(&app, login("renkou2026pw")).await;
    assert_eq!(status, StatusCode::OK);
    let cookie = cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_eq!(body["username"], "wang");
    let (status, _, body) = call(&app, login("wrong-password1")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"error": "login_failed", "message": "用户名或密码错误"})
    );
}

async fn five_wrong_passwords_lock_the_account(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    for _ in 0..5 {
        assert_eq!(
            call(&app, login("wrong-password1")).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, _, body) = call(&app, login("renkou2026pw")).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    assert_eq!(body["error"], "locked");
}

async fn a_township_operator_cannot_see_another_townships_people(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let (status, _, mine) = call(
        &app,
        get("/api/v1/persons?id_number=510104198503120010", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["items"][0]["name"], "李明");
    let (status, _, theirs) = call(
        &app,
        get("/api/v1/persons?id_number=510107199001010026", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        theirs["items"],
        json!([]),
        "the same answer as for nobody at all"
    );
    let (_, _, nobody) = call(
        &app,
        get("/api/v1/persons?id_number=110105194910010189", &cookie),
    )
    .await;
    assert_eq!(nobody, theirs);
}

async fn without_a_session_nothing_is_shown_and_logout_ends_it(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (status, _, body) = call(
        &app,
        get("/api/v1/persons?id_number=510104198503120010", ""),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "请先登录");
    let cookie = session(&app).await;
    let request = Request::delete("/api/v1/session")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&app, request).await.0, StatusCode::NO_CONTENT);
    let (status, _, _) = call(
        &app,
        get("/api/v1/persons?id_number=510104198503120010", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old cookie is dead");
}

async fn a_bad_identity_number_is_a_400_naming_the_field(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let (status, _, body) = call(
        &app,
        get("/api/v1/persons?id_number=510104198503120011", &cookie),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "id_number");
    assert_eq!(body["error"], "invalid");
}

async fn health_and_readiness_answer(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (status, _, _) = call(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(&app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
}

async fn every_read_of_a_person_is_audited(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    call(
        &app,
        get("/api/v1/persons?id_number=510104198503120010", &cookie),
    )
    .await;
    let entries = db
        .store
        .audit_entries(&AuditFilter {
            person_id: None,
            actor: Some("wang".into()),
        })
        .await
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["login", "read_person"]);
    assert!(entries[1].person_id.is_some());
    assert_eq!(audit_intact(db).await, 2);
}

async fn an_analyst_sees_identity_numbers_masked(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = user_session(db, &app, "zhou", Role::ProvinceAnalyst, "510000000000").await;
    let (_, _, body) = call(
        &app,
        get("/api/v1/persons?id_number=510107199001010026", &cookie),
    )
    .await;
    assert_eq!(body["items"][0]["id_number"], "510107********0026");
    let operator = session(&app).await;
    let (_, _, body) = call(
        &app,
        get("/api/v1/persons?id_number=510104198503120010", &operator),
    )
    .await;
    assert_eq!(
        body["items"][0]["id_number"], "510104198503120010",
        "the operator who enters records sees them whole"
    );
}

async fn a_person_outside_ones_regions_is_not_found_like_nobody(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let (_, _, mine) = call(
        &app,
        get("/api/v1/persons?id_number=510104198503120010", &cookie),
    )
    .await;
    let my_id = mine["items"][0]["id"].as_i64().unwrap();
    let (status, _, detail) = call(&app, get(&format!("/api/v1/persons/{my_id}"), &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["person"]["name"], "李明");
    let other = db
        .store
        .person_by_id_number(&"510107199001010026".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let (status, _, body) =
        call(&app, get(&format!("/api/v1/persons/{}", other.id), &cookie)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, nobody) = call(&app, get("/api/v1/persons/999999", &cookie)).await;
    assert_eq!((status, nobody), (StatusCode::NOT_FOUND, body));
}

async fn a_malformed_login_is_a_400_naming_the_field(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"username": "wang"}"#))
        .unwrap();
    let (status, _, body) = call(&app, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (body["error"].as_str(), body["field"].as_str()),
        (Some("invalid_body"), Some("password"))
    );
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"username": 7, "password": "x"}"#))
        .unwrap();
    assert_eq!(
        call(&app, request).await.0,
        StatusCode::BAD_REQUEST,
        "a wrong type is a 4xx, never a 5xx"
    );
}

async fn a_region_list_shows_only_ones_own_region(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let (status, _, mine) = call(&app, get("/api/v1/persons?region=510104017000", &cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["next"], Value::Null);
    let (_, _, county) = call(&app, get("/api/v1/persons?region=510107", &cookie)).await;
    assert_eq!(county["items"], json!([]), "another district lists nobody");
    let (status, _, body) = call(&app, get("/api/v1/persons?region=5101x", &cookie)).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("region"))
    );
}

/// A login as it reaches the server from `peer`, with the header a
/// balancer (or a forger) wrote.
fn login_from(peer: &str, forwarded_for: &str) -> Request<Body> {
    let mut request = login("renkou2026pw");
    let peer: std::net::SocketAddr = peer.parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    request
        .headers_mut()
        .insert("x-forwarded-for", forwarded_for.parse().unwrap());
    request
}

async fn behind_a_trusted_balancer_the_audit_records_the_users_address(db: &TestDb) {
    let mut settings = renkou_server::Settings::default();
    settings.server.trusted_proxies = vec!["10.0.0.2".parse().unwrap()];
    let app = common::setup_with(db, PEOPLE, settings).await;
    let through_balancer = login_from("10.0.0.2:41000", "203.0.113.9, 192.168.7.7");
    assert_eq!(call(&app, through_balancer).await.0, StatusCode::OK);
    // From anywhere else the header is the client's own word: ignored.
    let forged = login_from("10.9.9.9:41000", "192.168.8.8");
    assert_eq!(call(&app, forged).await.0, StatusCode::OK);
    db.store
        .chain_pending_audit(&common::test_key())
        .await
        .unwrap();
    let addresses: Vec<Option<String>> = db
        .store
        .audit_entries(&AuditFilter {
            person_id: None,
            actor: Some("wang".into()),
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login")
        .map(|e| e.address)
        .collect();
    assert_eq!(
        addresses,
        [
            Some("192.168.7.7".to_string()),
            Some("10.9.9.9".to_string())
        ]
    );
}

on_both_engines!(
    behind_a_trusted_balancer_the_audit_records_the_users_address,
    a_region_list_shows_only_ones_own_region,
    a_malformed_login_is_a_400_naming_the_field,
    a_person_outside_ones_regions_is_not_found_like_nobody,
    every_read_of_a_person_is_audited,
    an_analyst_sees_identity_numbers_masked,
    logging_in_sets_a_strict_http_only_cookie,
    five_wrong_passwords_lock_the_account,
    a_township_operator_cannot_see_another_townships_people,
    without_a_session_nothing_is_shown_and_logout_ends_it,
    a_bad_identity_number_is_a_400_naming_the_field,
    health_and_readiness_answer,
);
