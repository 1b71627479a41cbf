//! The web interface as staff use it, over HTTP on both engines: logging
//! in with the form, finding people, registering a birth, and the caching
//! that keeps pages light on a slow link.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{form, setup};
use http_body_util::BodyExt;
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use tower::ServiceExt;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n\
                      d,510104199202020029,赵丽,2,1992-02-02,510104018001,H2,02\n";

/// An answer: status, headers, body text.
struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn send(app: &axum::Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn page(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

impl Answer {
    /// The `name=value` part of the cookie the answer sets.
    fn cookie(&self) -> String {
        self.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }
}

/// Posts the login form as a browser would: with the token of the login
/// page it was shown, and that page's cookie.
async fn post_login(app: &axum::Router, password: &str) -> Answer {
    let shown = send(app, page("/login", "")).await;
    let cookie = shown.cookie();
    let token = shown
        .text
        .split("name=\"login_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    send(
        app,
        form(
            "/login",
            &cookie,
            &[
                ("username", "wang"),
                ("password", password),
                ("login_token", &token),
            ],
        ),
    )
    .await
}

/// Logs `wang` in through the form; returns the cookie and the CSRF token.
async fn log_in(app: &axum::Router) -> (String, String) {
    let answer = post_login(app, "renkou2026pw").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/");
    let cookie = answer.cookie();
    let home = send(app, page("/", &cookie)).await;
    let csrf = home
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    (cookie, csrf)
}

/// The page address of the person a search by identity number opens.
async fn found_by_number(app: &axum::Router, cookie: &str, number: &str) -> String {
    let found = send(app, page(&format!("/search?q={number}"), cookie)).await;
    assert_eq!(
        found.status,
        StatusCode::SEE_OTHER,
        "one number opens one record"
    );
    found.location().to_string()
}

async fn a_user_logs_in_with_the_form_and_sees_their_township(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (cookie, _) = log_in(&app).await;
    let home = send(&app, page("/", &cookie)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("<html lang=\"zh-CN\">"));
    assert!(home.text.contains("现有人口"), "headline counts");
    assert!(
        home.text.contains("<b>2</b>"),
        "two people live in the township"
    );
    let wrong = post_login(&app, "nope").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text.contains("用户名或密码错误"));
}

async fn a_login_form_posted_from_another_site_is_refused(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    // No login page was shown to this browser: no token, no cookie.
    let forged = send(
        &app,
        form(
            "/login",
            "",
            &[("username", "wang"), ("password", "renkou2026pw")],
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        forged
            .headers
            .get(header::SET_COOKIE)
            .is_none_or(|c| !c.to_str().unwrap().starts_with("renkou_session="))
    );
}

async fn without_a_session_a_page_sends_the_browser_to_login(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let answer = send(&app, page("/search?q=%E6%9D%8E%E6%98%8E", "")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/login");
    assert!(!answer.text.contains("李明"));
}

async fn a_birth_entered_in_the_form_appears_on_the_childs_page(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (cookie, csrf) = log_in(&app).await;
    let mother = found_by_number(&app, &cookie, "510104198807070024").await;
    let answer = send(
        &app,
        form(
            &format!("{mother}/events/birth"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("name", "李小明"),
                ("sex", "1"),
                ("birth_date", "2026-11-01"),
                ("ethnicity", "01"),
                ("residence", "510104017001"),
                ("other_parent", "510104198503120010"),
            ],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text);
    let child = send(&app, page(answer.location(), &cookie)).await;
    assert!(child.text.contains("<h1>李小明"), "{}", child.text);
    assert!(child.text.contains("出生"), "the timeline shows the birth");
    // Related persons by name and the household by its number, never by id.
    assert!(child.text.contains("母亲：— → 王芳"), "{}", child.text);
    assert!(child.text.contains("父亲：— → 李明"), "{}", child.text);
    assert!(child.text.contains("户：— → 户号 H1"), "{}", child.text);
    assert!(!child.text.contains("（active）"), "statuses by label only");
    assert!(
        child.text.contains("<td data-label=\"登记人\">王</td>")
            && !child.text.contains(">wang</td>"),
        "the recorder by the name the account shows: {}",
        child.text
    );
}

async fn a_refused_birth_form_keeps_what_was_typed_and_names_each_wrong_field(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (cookie, csrf) = log_in(&app).await;
    let mother = found_by_number(&app, &cookie, "510104198807070024").await;
    let answer = send(
        &app,
        form(
            &format!("{mother}/events/birth"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("name", "李小红"),
                ("sex", "2"),
                ("birth_date", "2026-02-30"),
                ("ethnicity", "01"),
                ("residence", "510104017001"),
                ("other_parent", "510104199202020029"),
            ],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text.contains("value=\"李小红\""), "{}", answer.text);
    assert!(answer.text.contains("id=\"birth_date-error\""));
    // 赵丽 lives in another township: not found, as if she were not there.
    assert!(answer.text.contains("id=\"other_parent-error\""));
    assert!(answer.text.contains("在您的管辖范围内未找到此人"));
    let mother_page = send(&app, page(&mother, &cookie)).await;
    assert!(!mother_page.text.contains("李小红"), "no child recorded");
}

async fn an_address_that_names_nothing_answers_in_chinese(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (cookie, _) = log_in(&app).await;
    let person = found_by_number(&app, &cookie, "510104198807070024").await;
    let answer = send(&app, page(&format!("{person}/events/adoption"), &cookie)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.text.contains("未找到该页面"), "{}", answer.text);
    let answer = send(&app, page("/api/v1/nothing", &cookie)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(
        answer.text.contains("\"error\":\"not_found\""),
        "{}",
        answer.text
    );
}

async fn after_a_move_out_of_her_regions_the_operator_is_told_it_was_done(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (cookie, csrf) = log_in(&app).await;
    let person = found_by_number(&app, &cookie, "510104198503120010").await;
    let answer = send(
        &app,
        form(
            &format!("{person}/events/move_within"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("to", "510104018001"),
                ("date", "2026-11-20"),
            ],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text);
    let shown = send(&app, page(answer.location(), &cookie)).await;
    assert_eq!(shown.status, StatusCode::OK, "not 未找到: {}", shown.text);
    assert!(
        shown
            .text
            .contains("已完成：省内迁移登记。此人现住地已不在您的管辖区域内。"),
        "{}",
        shown.text
    );
    assert!(shown.text.contains("href=\"/search\""), "the menu is there");

    // A death, of a person who stays: the person's page says so.
    let person = found_by_number(&app, &cookie, "510104198807070024").await;
    let answer = send(
        &app,
        form(
            &format!("{person}/events/death"),
            &cookie,
            &[("csrf", &csrf), ("date", "2026-11-21")],
        ),
    )
    .await;
    let shown = send(&app, page(answer.location(), &cookie)).await;
    assert!(shown.text.contains("已完成：死亡登记。"), "{}", shown.text);
    assert!(shown.text.contains("王芳"));

    // An error page keeps the way home and onward.
    let missing = send(&app, page("/persons/999999", &cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.text.contains("href=\"/search\"") && missing.text.contains("href=\"/tasks\""),
        "{}",
        missing.text
    );
}

async fn a_wrong_date_is_shown_next_to_its_field_and_nothing_is_recorded(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (cookie, csrf) = log_in(&app).await;
    let person = found_by_number(&app, &cookie, "510104198503120010").await;
    let answer = send(
        &app,
        form(
            &format!("{person}/events/death"),
            &cookie,
            &[("csrf", &csrf), ("date", "2026-13-45")],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text.contains("id=\"date-error\""), "{}", answer.text);
    assert!(answer.text.contains("日期有误"));
    let page_after = send(&app, page(&person, &cookie)).await;
    assert!(page_after.text.contains("正常"), "still alive");
}

async fn a_form_post_without_the_csrf_token_is_refused(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (cookie, _) = log_in(&app).await;
    let person = found_by_number(&app, &cookie, "510104198503120010").await;
    let answer = send(
        &app,
        form(
            &format!("{person}/events/death"),
            &cookie,
            &[("csrf", "forged"), ("date", "2026-01-01")],
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let page_after = send(&app, page(&person, &cookie)).await;
    assert!(!page_after.text.contains("死亡日期</th><td>2026"));
}

async fn another_townships_person_page_is_not_found(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (cookie, _) = log_in(&app).await;
    let search = send(&app, page("/search?q=510104199202020029", &cookie)).await;
    assert!(
        search.text.contains("未找到"),
        "赵丽 lives in another township"
    );
    let id = db
        .store
        .person_by_id_number(&renkou_domain::IdNumber::parse("510104199202020029").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let answer = send(&app, page(&format!("/persons/{id}"), &cookie)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(!answer.text.contains("赵丽"));
}

async fn a_repeat_visit_gets_304_and_the_stylesheet_is_cached_for_a_year(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let (cookie, _) = log_in(&app).await;
    let first = send(&app, page("/", &cookie)).await;
    let tag = first.headers[header::ETAG].to_str().unwrap().to_string();
    let again = Request::get("/")
        .header(header::COOKIE, &cookie)
        .header(header::IF_NONE_MATCH, &tag)
        .body(Body::empty())
        .unwrap();
    let again = send(&app, again).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.text.is_empty());
    let css = first
        .text
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap();
    assert!(css.starts_with("/static/renkou.") && css.ends_with(".css"));
    let sheet = send(&app, page(css, "")).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert_eq!(
        sheet.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let stale = send(&app, page("/static/renkou.000000000000.css", "")).await;
    assert_eq!(stale.status, StatusCode::NOT_FOUND);
}

async fn the_home_page_lists_people_without_an_identity_number_as_work_to_do(db: &TestDb) {
    let people = format!("{PEOPLE}e,,张小军,1,2019-05-05,510104017001,H1,30\n");
    let app = setup(db, &people).await;
    let (cookie, _) = log_in(&app).await;
    let home = send(&app, page("/", &cookie)).await;
    assert!(home.text.contains("待办"), "{}", home.text);
    assert!(
        home.text.contains(
            "<a href=\"/regions/510104017000?missing=id_number\">缺少公民身份号码，请核实补录</a> <b>1</b> 人"
        ),
        "{}",
        home.text
    );
    let list = send(
        &app,
        page("/regions/510104017000?missing=id_number", &cookie),
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("张小军"));
    assert!(!list.text.contains("李明"), "only those without a number");
}

on_both_engines!(
    the_home_page_lists_people_without_an_identity_number_as_work_to_do,
    a_user_logs_in_with_the_form_and_sees_their_township,
    a_login_form_posted_from_another_site_is_refused,
    without_a_session_a_page_sends_the_browser_to_login,
    a_birth_entered_in_the_form_appears_on_the_childs_page,
    a_wrong_date_is_shown_next_to_its_field_and_nothing_is_recorded,
    a_refused_birth_form_keeps_what_was_typed_and_names_each_wrong_field,
    an_address_that_names_nothing_answers_in_chinese,
    after_a_move_out_of_her_regions_the_operator_is_told_it_was_done,
    a_form_post_without_the_csrf_token_is_refused,
    another_townships_person_page_is_not_found,
    a_repeat_visit_gets_304_and_the_stylesheet_is_cached_for_a_year,
);
