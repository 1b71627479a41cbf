//! API tokens as another department's system uses them: one region, a list
//! of fields, read-only, revocable, audited under the token's name.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use common::{call, setup};
use renkou_domain::{Field, RegionCode};
use renkou_server::token_hash;
use renkou_store::testing::TestDb;
use renkou_store::{AuditFilter, on_both_engines};
use serde_json::json;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      b,510107199001010026,王芳,2,1990-01-01,510107001004,H3,02\n";

const SECRET: &str = "rk_civil_affairs_test_secret";

async fn issue(db: &TestDb, fields: &[Field]) {
    db.store
        .add_api_token(
            "civil-affairs",
            &token_hash(SECRET),
            &RegionCode::parse("510104000000").unwrap(),
            fields,
            "test",
            Utc::now() + Duration::days(30),
        )
        .await
        .unwrap();
}

fn bearer(method: &str, uri: &str, body: Option<serde_json::Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {SECRET}"));
    match body {
        Some(b) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

async fn a_token_reads_only_its_region_and_its_fields(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    issue(db, &[Field::Name, Field::Sex, Field::BirthDate]).await;
    let (status, _, body) = call(
        &app,
        bearer("GET", "/api/v1/persons?name=%E6%9D%8E%E6%98%8E", None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let person = body["items"][0].as_object().unwrap();
    let mut keys: Vec<&str> = person.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["birth_date", "id", "name", "sex"]);
    let (_, _, other) = call(
        &app,
        bearer("GET", "/api/v1/persons?name=%E7%8E%8B%E8%8A%B3", None),
    )
    .await;
    assert_eq!(
        other["items"],
        json!([]),
        "another district is not its region"
    );
    let id = person["id"].as_i64().unwrap();
    let (_, _, detail) = call(&app, bearer("GET", &format!("/api/v1/persons/{id}"), None)).await;
    assert!(detail["person"].get("id_number").is_none());
    assert!(detail["person"].get("residence").is_none());
    // Its events: only the changes to its fields, nothing of where or whom.
    for event in detail["events"].as_array().unwrap() {
        assert_eq!(event["region_code"], "", "{event}");
        assert!(event["related_id"].is_null(), "{event}");
        for change in event["changes"].as_array().unwrap() {
            let field = change["field"].as_str().unwrap();
            assert!(["name", "sex", "birth_date"].contains(&field), "{event}");
        }
    }
}

async fn a_token_searches_only_by_its_fields_and_reads_no_households(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    issue(db, &[Field::Name, Field::Sex, Field::BirthDate]).await;
    let (status, _, _) = call(
        &app,
        bearer("GET", "/api/v1/persons?id_number=510104198503120010", None),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no id_number field, no search by it"
    );
    let (status, _, _) = call(
        &app,
        bearer("GET", "/api/v1/persons?region=510104017001", None),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no residence field, no list of a village"
    );
    let household = db
        .store
        .person_by_id_number(&renkou_domain::IdNumber::parse("510104198503120010").unwrap())
        .await
        .unwrap()
        .unwrap()
        .household_id
        .unwrap();
    let (status, _, _) = call(
        &app,
        bearer("GET", &format!("/api/v1/households/{household}"), None),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no household field, no household"
    );
}

async fn a_token_cannot_register_events_search_names_it_lacks_or_open_pages(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    issue(db, &[Field::Sex]).await;
    // Its own region it may list: its one person there.
    let (_, _, found) = call(
        &app,
        bearer("GET", "/api/v1/persons?region=510104000000", None),
    )
    .await;
    let id = found["items"][0]["id"].as_i64().unwrap();
    let death = json!({"death": {"person": id, "date": "2026-10-01"}});
    let (status, _, _) = call(&app, bearer("POST", "/api/v1/events", Some(death))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "read-only");
    let (status, _, _) = call(
        &app,
        bearer("GET", "/api/v1/persons?name=%E6%9D%8E%E6%98%8E", None),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no name field, no search by name"
    );
    let (status, _, _) = call(&app, bearer("GET", "/", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "pages are for people");
}

async fn a_revoked_token_is_refused_and_reads_are_audited_under_its_name(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    issue(db, &[Field::Name, Field::IdNumber]).await;
    let (status, _, _) = call(
        &app,
        bearer("GET", "/api/v1/persons?id_number=510104198503120010", None),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let entries = db
        .store
        .audit_entries(&AuditFilter {
            person_id: None,
            actor: Some("token:civil-affairs".into()),
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "read_person");
    assert!(db.store.revoke_api_token("civil-affairs").await.unwrap());
    let (status, _, body) = call(
        &app,
        bearer("GET", "/api/v1/persons?id_number=510104198503120010", None),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

on_both_engines!(
    a_token_reads_only_its_region_and_its_fields,
    a_token_searches_only_by_its_fields_and_reads_no_households,
    a_token_cannot_register_events_search_names_it_lacks_or_open_pages,
    a_revoked_token_is_refused_and_reads_are_audited_under_its_name,
);
