//! What a probe of the running server found, each a test on both engines:
//! ids an event names are checked against the writer's regions like its
//! subject, corrections keep to the register's rules, a retried write records
//! once, the lockout holds under parallel guessing, and bodies and headers
//! answer as a browser and a client expect.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{audit_intact, call, person_id, send_json, session, setup, test_key, user_session};
use renkou_domain::{LifeStatus, PersonId, Role};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use serde_json::{Value, json};

/// Two townships of one district: a couple and a woman in 510104017 (wang's),
/// a man and a woman in 510104018.
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n\
                      e,510104199505050049,赵丽,2,1995-05-05,510104017001,H1,20\n\
                      d,510104199202020029,王芳,2,1992-02-02,510104018001,H2,02\n\
                      f,510104199003030013,陈刚,1,1990-03-03,510104018001,H2,10\n";

/// Someone of the other township, found by the county manager.
async fn other_township(db: &TestDb, app: &axum::Router, id_number: &str) -> i64 {
    let county = user_session(db, app, "zhao", Role::CountyManager, "510104000000").await;
    person_id(app, &county, id_number).await
}

fn correction(person: i64, field: &str, value: Value) -> Value {
    json!({"correction": {"person": person, "field": field, "value": value,
        "date": "2026-10-01", "reason": "probe"}})
}

async fn post(app: &axum::Router, cookie: &str, body: Value) -> (StatusCode, Value) {
    let (status, _, answer) = call(app, send_json("POST", "/api/v1/events", cookie, body)).await;
    (status, answer)
}

async fn a_correction_cannot_name_another_townships_person_as_spouse_or_mother(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let own = person_id(&app, &cookie, "510104199505050049").await;
    let theirs = other_township(db, &app, "510104199202020029").await;
    let (status, body) = post(
        &app,
        &cookie,
        correction(own, "spouse", json!(theirs.to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = post(
        &app,
        &cookie,
        correction(own, "mother", json!(theirs.to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "looks like nobody: {body}");
    let after = db.store.person(PersonId(own)).await.unwrap().unwrap();
    assert_eq!((after.spouse_id, after.mother_id), (None, None));
}

async fn another_townships_household_is_not_found_for_a_newborn_or_a_correction(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let own = person_id(&app, &cookie, "510104199505050049").await;
    let mother = person_id(&app, &cookie, "510104198807070024").await;
    let theirs = other_township(db, &app, "510104199202020029").await;
    let their_household = db
        .store
        .person(PersonId(theirs))
        .await
        .unwrap()
        .unwrap()
        .household_id
        .unwrap();
    let (status, body) = post(
        &app,
        &cookie,
        correction(own, "household", json!(their_household.to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let birth = json!({"birth": {"child": {"name": "李小明", "sex": "1", "birth_date": "2026-11-01",
        "residence": "510104017001", "household_id": their_household}, "mother": mother}});
    let (status, body) = post(&app, &cookie, birth).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let members = db
        .store
        .household_in(
            their_household,
            &renkou_store::Scope::new([renkou_domain::RegionCode::parse("510104000000").unwrap()]),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        members.members.len(),
        2,
        "nobody was added to their household"
    );
}

async fn a_correction_cannot_change_status_and_a_move_stays_in_the_province(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let own = person_id(&app, &cookie, "510104199505050049").await;
    let death = json!({"death": {"person": own, "date": "2026-09-01"}});
    assert_eq!(post(&app, &cookie, death).await.0, StatusCode::CREATED);
    let (status, body) = post(&app, &cookie, correction(own, "status", json!("active"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("人员状态"));
    let (status, _) = post(&app, &cookie, correction(own, "status", json!("merged"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let after = db.store.person(PersonId(own)).await.unwrap().unwrap();
    assert_eq!(after.status, LifeStatus::Dead);

    let living = person_id(&app, &cookie, "510104198807070024").await;
    db.store
        .load_regions(&[renkou_store::RegionRow {
            code: "110101001001".into(),
            name: "东华门社区".into(),
            level: "village".into(),
            parent: Some("110101001000".into()),
            valid_from: None,
            valid_to: None,
            replaced_by: None,
        }])
        .await
        .unwrap();
    let beijing =
        json!({"move_within": {"person": living, "to": "110101001001", "date": "2026-10-01"}});
    let (status, body) = post(&app, &cookie, beijing).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("不在本省"),
        "{body}"
    );
    let (status, _) = post(
        &app,
        &cookie,
        correction(living, "death_date", json!("2026-01-01")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a living person has no death date"
    );
}

async fn a_birth_sent_twice_with_one_idempotency_key_is_recorded_once(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let mother = person_id(&app, &cookie, "510104198807070024").await;
    let birth = json!({"birth": {"child": {"name": "李小明", "sex": "1", "birth_date": "2026-11-01",
        "residence": "510104017001"}, "mother": mother}});
    let with_key = |body: &Value, key: &str| {
        Request::post("/api/v1/events")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let (first, _, a) = call(&app, with_key(&birth, "birth-2026-11-01-a")).await;
    let (again, _, b) = call(&app, with_key(&birth, "birth-2026-11-01-a")).await;
    assert_eq!((first, again), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(a, b, "the retry gets the first answer");
    let other = json!({"death": {"person": mother, "date": "2026-11-02"}});
    let (reused, _, body) = call(&app, with_key(&other, "birth-2026-11-01-a")).await;
    assert_eq!(reused, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let births = db
        .store
        .events_of(PersonId(a["person_id"].as_i64().unwrap()))
        .await
        .unwrap();
    assert_eq!(births.len(), 1);
    db.store.chain_pending_audit(&test_key()).await.unwrap();
    let recorded = db
        .store
        .audit_entries(&renkou_store::AuditFilter {
            person_id: a["person_id"].as_i64(),
            actor: Some("wang".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        recorded
            .iter()
            .filter(|e| e.action == "record_event")
            .count(),
        1,
        "one event, one audit entry"
    );
    audit_intact(db).await;
}

async fn parallel_guesses_are_counted_before_the_password_is_checked(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let guess = |password: &str| {
        Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": "wang", "password": password}).to_string(),
            ))
            .unwrap()
    };
    let mut attempts = Vec::new();
    for n in 0..39 {
        attempts.push(call(&app, guess(&format!("wrong-{n}"))));
    }
    let answers = futures::future::join_all(attempts).await;
    let checked = answers
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    assert!(checked <= 5, "{checked} wrong passwords were checked");
    let (right, cookie, _) = call(&app, guess("renkou2026pw")).await;
    assert_eq!(
        right,
        StatusCode::TOO_MANY_REQUESTS,
        "the lock holds for the right one too"
    );
    assert!(cookie.is_none());
}

async fn a_name_without_an_account_locks_like_a_real_one(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let guess = |name: &str| {
        Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": name, "password": "wrong-password-1"}).to_string(),
            ))
            .unwrap()
    };
    let mut statuses = Vec::new();
    for name in ["wang", "nosuchuser"] {
        let mut seen = Vec::new();
        for _ in 0..6 {
            seen.push(call(&app, guess(name)).await.0);
        }
        statuses.push(seen);
    }
    assert_eq!(
        statuses[0], statuses[1],
        "the answers do not tell which name exists"
    );
    assert_eq!(statuses[0][5], StatusCode::TOO_MANY_REQUESTS);
}

async fn bodies_too_large_or_not_json_get_the_error_envelope(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let big = format!("{{\"death\": {{\"note\": \"{}\"}}}}", "x".repeat(3 << 20));
    let request = Request::post("/api/v1/events")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(big))
        .unwrap();
    let (status, _, body) = call(&app, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"], "invalid_body");
    let request = Request::post("/api/v1/events")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        call(&app, request).await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let (status, _, body) = call(
        &app,
        common::get("/api/v1/persons/99999999999999999999", &cookie),
    )
    .await;
    assert!(status.is_client_error());
    assert!(
        body["error"].is_string(),
        "an id past i64 answers in the envelope: {body}"
    );
}

async fn every_answer_carries_the_security_headers(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    for uri in ["/login", "/api/v1/openapi.json", "/healthz"] {
        let response =
            tower::ServiceExt::oneshot(app.clone(), Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
        let h = response.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{uri}"
        );
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(h.contains_key(header::REFERRER_POLICY));
    }
}

async fn a_possible_duplicate_is_listed_only_when_both_copies_are_in_the_readers_regions(
    db: &TestDb,
) {
    // The same 王芳 in both townships: to wang's township neither is a
    // duplicate (the other copy is not hers to know of); to the county both are.
    let people = format!("{PEOPLE}g,,王芳,2,1992-02-02,510104017001,H1,20\n");
    let app = setup(db, &people).await;
    let cookie = session(&app).await;
    let (status, _, page) = common::fetch(
        &app,
        "/quality/possible_duplicate?region=510104017000",
        &cookie,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8_lossy(&page);
    assert!(!page.contains("1992-02-02"), "{page}");
    let county = user_session(db, &app, "zhao", Role::CountyManager, "510104000000").await;
    let (_, _, page) = common::fetch(
        &app,
        "/quality/possible_duplicate?region=510104000000",
        &county,
    )
    .await;
    let page = String::from_utf8_lossy(&page);
    assert_eq!(page.matches("1992-02-02").count(), 2, "{page}");
}

async fn an_event_form_that_shows_a_person_is_audited_as_a_read(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let own = person_id(&app, &cookie, "510104199505050049").await;
    let (status, _, _) =
        common::fetch(&app, &format!("/persons/{own}/events/marriage"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let entries = db
        .store
        .audit_entries(&renkou_store::AuditFilter {
            person_id: Some(own),
            actor: Some("wang".into()),
        })
        .await
        .unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "read_person" && e.detail.contains("event form")),
        "{entries:?}"
    );
}

on_both_engines!(
    a_possible_duplicate_is_listed_only_when_both_copies_are_in_the_readers_regions,
    an_event_form_that_shows_a_person_is_audited_as_a_read,
    a_correction_cannot_name_another_townships_person_as_spouse_or_mother,
    another_townships_household_is_not_found_for_a_newborn_or_a_correction,
    a_correction_cannot_change_status_and_a_move_stays_in_the_province,
    a_birth_sent_twice_with_one_idempotency_key_is_recorded_once,
    parallel_guesses_are_counted_before_the_password_is_checked,
    a_name_without_an_account_locks_like_a_real_one,
    bodies_too_large_or_not_json_get_the_error_envelope,
    every_answer_carries_the_security_headers
);
