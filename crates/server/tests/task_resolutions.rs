//! Settling verification tasks with an event, on both engines: a person the
//! registry lacks is entered from the source, two records of one person are
//! merged into one, and the merge can be undone.

mod common;

use axum::http::StatusCode;
use common::{csrf_of, fetch, form, setup, user_session};
use renkou_domain::{LifeStatus, PersonId, RegionCode, Role};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use renkou_store::{EventMeta, Task};
use tower::ServiceExt;

/// 李明 is in village 017001 twice: once with his number, once without
/// (entered again by another collector); 赵丽 lives in 018001.
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      b,,李明,1,1985-03-12,510104017001,H3,02\n\
                      d,510104199202020029,赵丽,2,1992-02-02,510104018001,H2,02\n";

/// The police know 李明 and 赵丽, and 钱新, a newcomer in 018001.
const POLICE: &str = "record_id,id_number,name,sex,birth_date,region_code,ethnicity\n\
                      P1,510104198503120010,李明,1,1985-03-12,510104017001,01\n\
                      P2,510104199202020029,赵丽,2,1992-02-02,510104018001,01\n\
                      P3,510104201906010013,钱新,1,2019-06-01,510104018001,01\n";

async fn reconcile_police(db: &TestDb) {
    db.reconcile_csv("police", "510104000000", POLICE).await;
}

async fn task_of(db: &TestDb, village: &str, kind: &str) -> Task {
    let village = RegionCode::parse(village).unwrap();
    let tasks = db.store.tasks_in(&village, false, 50).await.unwrap();
    tasks
        .iter()
        .find(|t| t.kind == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} task in {village}: {tasks:?}"))
}

async fn page(app: &axum::Router, uri: &str, cookie: &str) -> (StatusCode, String) {
    let (status, _, body) = fetch(app, uri, cookie).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Settles a task from the task page's form, the way a collector does.
async fn resolve(
    app: &axum::Router,
    task: &Task,
    cookie: &str,
    page_seen: &str,
    fields: &[(&str, &str)],
) -> StatusCode {
    let csrf = csrf_of(page_seen);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    post(app, &format!("/tasks/{}/resolve", task.id), cookie, &all).await
}

async fn post(app: &axum::Router, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> StatusCode {
    let answer = app
        .clone()
        .oneshot(form(uri, cookie, fields))
        .await
        .unwrap();
    answer.status()
}

/// Every statistics counter still equals a recount from the persons.
async fn counters_agree(db: &TestDb) {
    let report = db.store.verify_counters(None).await.unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
}

async fn a_collector_registers_the_newcomer_the_police_know_and_the_registry_lacks(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    reconcile_police(db).await;
    let task = task_of(db, "510104018001", "missing_in_registry").await;
    assert_eq!(task.record_id, "P3");

    let cun018 = user_session(db, &app, "cun018", Role::VillageCollector, "510104018001").await;
    let (_, body) = page(&app, "/tasks", &cun018).await;
    assert!(body.contains("补录入库"), "{body}");
    let status = resolve(
        &app,
        &task,
        &cun018,
        &body,
        &[
            ("resolution", "register"),
            ("reason", "入户核实，2023 年随父母迁来"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let number = renkou_domain::IdNumber::parse("510104201906010013").unwrap();
    let person = db
        .store
        .person_by_id_number(&number)
        .await
        .unwrap()
        .expect("钱新 is in the registry now");
    assert_eq!(
        (person.name.as_str(), person.residence.as_str()),
        ("钱新", "510104018001")
    );
    let events = db.store.events_of(person.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, renkou_domain::EventKind::Registration);
    assert_eq!(events[0].source, "verification:police");
    assert_eq!(
        db.store.task(task.id).await.unwrap().unwrap().status,
        "resolved",
        "the task is settled with the event"
    );
    counters_agree(db).await;
}

on_both_engines!(a_collector_registers_the_newcomer_the_police_know_and_the_registry_lacks);

async fn a_resolution_whose_event_is_refused_leaves_the_task_open(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    reconcile_police(db).await;
    let task = task_of(db, "510104018001", "missing_in_registry").await;
    // Someone registers 钱新 by hand first: the number is taken.
    let meta = EventMeta {
        recorder: "test".into(),
        source: "test".into(),
    };
    let newcomer: renkou_domain::rules::NewPerson = serde_json::from_value(serde_json::json!({
        "id_number": "510104201906010013", "name": "钱新", "sex": "1",
        "birth_date": "2019-06-01", "ethnicity": null, "residence": "510104018001",
        "hukou_region": null, "hukou_type": null, "household_id": null, "relation": null,
        "marital_status": null, "education": null
    }))
    .unwrap();
    db.store
        .record(
            &renkou_domain::rules::Command::MoveIn {
                origin: None,
                newcomer,
                date: chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(),
            },
            &meta,
        )
        .await
        .unwrap();
    let cun018 = user_session(db, &app, "cun018", Role::VillageCollector, "510104018001").await;
    let (_, body) = page(&app, "/tasks", &cun018).await;
    let status = resolve(
        &app,
        &task,
        &cun018,
        &body,
        &[("resolution", "register"), ("reason", "补录")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "the number is registered");
    assert_eq!(
        db.store.task(task.id).await.unwrap().unwrap().status,
        "open",
        "no event, so the task stays open"
    );
}

on_both_engines!(a_resolution_whose_event_is_refused_leaves_the_task_open);

async fn two_records_of_one_person_are_merged_and_the_merge_can_be_undone(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    reconcile_police(db).await;
    let task = task_of(db, "510104017001", "duplicate").await;
    let (first, second) = (
        PersonId(task.person_id),
        PersonId(task.registry_value.as_deref().unwrap().parse().unwrap()),
    );
    let numbered = |p: &renkou_domain::Person| p.id_number.is_some();
    let p1 = db.store.person(first).await.unwrap().unwrap();
    // Keep the record without a number and take the number from the other.
    let (keep, fold) = if numbered(&p1) {
        (second, first)
    } else {
        (first, second)
    };

    let cun017 = user_session(db, &app, "cun017", Role::VillageCollector, "510104017001").await;
    let (status, body) = page(&app, &format!("/tasks/{}/merge", task.id), &cun017).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("保留此记录") && body.contains("pick_id_number"),
        "both records side by side, the differing number to pick: {body}"
    );
    let county = RegionCode::parse("510104000000").unwrap();
    let today = renkou_domain::date::today_in_china();
    let before = db.store.summary(&county, today).await.unwrap();
    let status = resolve(
        &app,
        &task,
        &cun017,
        &body,
        &[
            ("resolution", "merge"),
            ("survivor", &keep.to_string()),
            ("pick_id_number", &fold.to_string()),
            ("reason", "同一人重复登记"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let kept = db.store.person(keep).await.unwrap().unwrap();
    let folded = db.store.person(fold).await.unwrap().unwrap();
    assert_eq!(
        kept.id_number.map(|n| n.to_string()).as_deref(),
        Some("510104198503120010"),
        "the kept record took the number picked"
    );
    assert_eq!(folded.status, LifeStatus::Merged);
    let after = db.store.summary(&county, today).await.unwrap();
    assert_eq!(after.living, before.living - 1, "one person, counted once");
    counters_agree(db).await;

    // The kept record's page shows both histories; the merged one says where it went.
    let (_, body) = page(&app, &format!("/persons/{keep}"), &cun017).await;
    assert!(
        body.contains("重复记录合并") && body.contains("已合并的重复记录的事件"),
        "{body}"
    );
    let (_, merged_page) = page(&app, &format!("/persons/{fold}"), &cun017).await;
    assert!(merged_page.contains("已合并至"), "{merged_page}");

    // No event on the merged record; events go on the kept one.
    let move_merged = serde_json::json!({"move_within": {"person": fold.0, "to": "510104017002", "date": "2026-01-05"}});
    let (status, _, answer) = common::call(
        &app,
        common::send_json("POST", "/api/v1/events", &cun017, move_merged),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let rename = serde_json::json!({"correction": {"person": keep.0, "field": "name", "value": "李明明", "date": "2026-01-05", "reason": "户口本"}});
    let (status, _, answer) = common::call(
        &app,
        common::send_json("POST", "/api/v1/events", &cun017, rename),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");

    // Undo: both are persons again; the number goes back, the later name stays.
    let status = post(
        &app,
        &format!("/persons/{fold}/unmerge"),
        &cun017,
        &[
            ("csrf", &csrf_of(&merged_page)),
            ("reason", "核实为同名同生日的两人"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let kept = db.store.person(keep).await.unwrap().unwrap();
    let restored = db.store.person(fold).await.unwrap().unwrap();
    assert_eq!(restored.status, LifeStatus::Active);
    assert_eq!(
        restored.id_number.map(|n| n.to_string()).as_deref(),
        Some("510104198503120010")
    );
    assert_eq!(kept.id_number, None, "the number taken over is given back");
    assert_eq!(
        kept.name.as_str(),
        "李明明",
        "an event recorded since the merge stays"
    );
    let kinds: Vec<_> = db
        .store
        .events_of(keep)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert!(
        kinds.ends_with(&["merge", "correction", "unmerge"]),
        "{kinds:?}"
    );
    assert_eq!(
        db.store.summary(&county, today).await.unwrap().living,
        before.living
    );
    counters_agree(db).await;
}

on_both_engines!(two_records_of_one_person_are_merged_and_the_merge_can_be_undone);
