//! What every HTTP test needs: a database with people and an operator, and
//! requests sent straight to the router.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use renkou_domain::password::hash_password;
use renkou_domain::{Grant, RegionCode, Role, Username};
use renkou_server::{AppState, router};
use renkou_store::ImportInput;
use renkou_store::testing::TestDb;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A database holding `people` (a register CSV) and `wang`, an operator
/// for township 510104017000 (password `renkou2026pw`).
pub async fn setup(db: &TestDb, people: &str) -> axum::Router {
    setup_with(db, people, renkou_server::Settings::default()).await
}

/// [`setup`] with other settings (e.g. a smaller upload limit).
pub async fn setup_with(
    db: &TestDb,
    people: &str,
    settings: renkou_server::Settings,
) -> axum::Router {
    let input = ImportInput::read(people.as_bytes(), "people.csv", "police", "test").unwrap();
    db.store.import(input).await.unwrap();
    let grant = Grant::new(
        Role::TownshipOperator,
        RegionCode::parse("510104017000").unwrap(),
    )
    .unwrap();
    let hash = hash_password("renkou2026pw").unwrap();
    db.store
        .add_user(
            &Username::parse("wang").unwrap(),
            Some("王"),
            &hash,
            &[grant],
            "test",
        )
        .await
        .unwrap();
    router(AppState::with(db.store.clone(), settings, test_key(), None))
}

/// The audit key the test servers chain with.
pub fn test_key() -> renkou_store::AuditKey {
    renkou_store::AuditKey::from_bytes([7; 32])
}

/// Whether the audit chain verifies with the test key, and how many entries
/// it holds once the pending ones are chained.
pub async fn audit_intact(db: &TestDb) -> u64 {
    db.store.chain_pending_audit(&test_key()).await.unwrap();
    let found = db.store.verify_audit(&test_key(), &[]).await.unwrap();
    assert_eq!(found.broken, None);
    found.entries
}

pub async fn call(
    app: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, Option<String>, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        cookie,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

pub fn login(password: &str) -> Request<Body> {
    Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": "wang", "password": password}).to_string(),
        ))
        .unwrap()
}

pub fn get(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

/// Logs in and returns the `name=value` part of the session cookie.
pub async fn session(app: &axum::Router) -> String {
    let (status, cookie, _) = call(app, login("renkou2026pw")).await;
    assert_eq!(status, StatusCode::OK);
    cookie.unwrap().split(';').next().unwrap().to_string()
}

/// A JSON request with the session cookie.
pub fn send_json(method: &str, uri: &str, cookie: &str, body: Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Adds a user with one role and returns their session cookie.
pub async fn user_session(
    db: &TestDb,
    app: &axum::Router,
    name: &str,
    role: Role,
    region: &str,
) -> String {
    let grant = Grant::new(role, RegionCode::parse(region).unwrap()).unwrap();
    grant_session(db, app, name, grant).await
}

/// Adds a user with one grant and returns their session cookie.
pub async fn grant_session(db: &TestDb, app: &axum::Router, name: &str, grant: Grant) -> String {
    let password = "another2026pw";
    let hash = hash_password(password).unwrap();
    db.store
        .add_user(
            &Username::parse(name).unwrap(),
            None,
            &hash,
            &[grant],
            "test",
        )
        .await
        .unwrap();
    let request = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": name, "password": password}).to_string(),
        ))
        .unwrap();
    let (status, cookie, _) = call(app, request).await;
    assert_eq!(status, StatusCode::OK);
    cookie.unwrap().split(';').next().unwrap().to_string()
}

/// The id of the person with this identity number, as the caller finds it.
pub async fn person_id(app: &axum::Router, cookie: &str, id_number: &str) -> i64 {
    let (_, _, body) = call(
        app,
        get(&format!("/api/v1/persons?id_number={id_number}"), cookie),
    )
    .await;
    body["items"][0]["id"].as_i64().expect("person found")
}

/// A part of an XLSX workbook as text (`xl/sharedStrings.xml`, a sheet's XML).
#[allow(dead_code)] // not every test file reads workbooks
pub fn xlsx_part(workbook: &[u8], part: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(workbook)).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(part).unwrap(), &mut text).unwrap();
    text
}

/// Status, content type and body bytes of a GET.
#[allow(dead_code)] // not every test file fetches raw bodies
pub async fn fetch(app: &axum::Router, uri: &str, cookie: &str) -> (StatusCode, String, Vec<u8>) {
    send(app, get(uri, cookie)).await
}

/// Status, content type and body bytes of any request.
#[allow(dead_code)]
pub async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, kind, bytes)
}

/// A form POST, as a browser sends it.
pub fn form(uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    Request::post(uri)
        .header(axum::http::header::COOKIE, cookie)
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(Body::from(body))
        .unwrap()
}

/// The CSRF token of a page the session fetched.
pub fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// Words allowed on a page: the file formats a link offers.
const ALLOWED: [&str; 3] = ["Excel", "CSV", "XLSX"];

/// The English words a reader would see in a page's text (tags, styles and
/// entities removed); a word is two or more Latin letters in a row.
pub fn english_words(html: &str) -> Vec<String> {
    let mut text = String::new();
    let mut rest = html;
    // Drop the style sheet link's and any inline style's content.
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        text.push(' ');
        rest = &rest[end..];
    }
    text.push_str(rest);
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars().chain([' ']) {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            // A letter run glued to digits is a code (H1, Q510012345).
            let code = c.is_ascii_digit();
            if word.len() >= 2 && !code && !ALLOWED.contains(&word.as_str()) {
                words.push(std::mem::take(&mut word));
            }
            word.clear();
        }
    }
    words.sort();
    words.dedup();
    words
}

/// A page's text, which must answer 200.
pub async fn page_text(app: &axum::Router, uri: &str, cookie: &str) -> String {
    let (status, _, body) = fetch(app, uri, cookie).await;
    assert_eq!(status, StatusCode::OK, "{uri}");
    String::from_utf8(body).unwrap()
}

/// Posts a form as the session's browser does (with the CSRF token of its
/// home page): the status, and the address it redirects to or the page.
pub async fn post_form(
    app: &axum::Router,
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let csrf = csrf_of(&page_text(app, "/", cookie).await);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let response = tower::ServiceExt::oneshot(app.clone(), form(uri, cookie, &all))
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        location.unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
    )
}

#[allow(dead_code)]
/// A multipart form as a browser sends an upload: text fields, then files
/// as (field, file name, content).
pub fn multipart(
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str)],
) -> axum::http::Request<axum::body::Body> {
    let boundary = "renkou-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    for (name, file_name, content) in files {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/csv\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    axum::http::Request::post(uri)
        .header(axum::http::header::COOKIE, cookie)
        .header(
            axum::http::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .unwrap()
}
