//! The OpenAPI document other departments build their clients from: served
//! without a session, generated from the code, and covering every endpoint.

mod common;

use axum::http::StatusCode;
use common::{call, get, setup};
use renkou_store::testing::TestDb;

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let db = TestDb::sqlite().await;
    let app = setup(&db, "record_id,id_number,name,sex,birth_date,region_code\n").await;
    let (status, _, doc) = call(&app, get("/api/v1/openapi.json", "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for expected in [
        "/api/v1/session",
        "/api/v1/session/password",
        "/api/v1/regions",
        "/api/v1/persons",
        "/api/v1/persons/{id}",
        "/api/v1/households/{id}",
        "/api/v1/events",
        "/api/v1/reports/{name}",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains(&expected), "{expected} is documented");
    }
    let sexes = &doc["components"]["schemas"]["Sex"]["enum"];
    assert_eq!(sexes, &serde_json::json!(["0", "1", "2", "9"]));
    insta::assert_json_snapshot!("openapi", doc);
    db.finish().await;
}
