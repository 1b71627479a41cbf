//! Verification tasks that the register itself answers, on both engines: a
//! death registered on the person's page settles the "dead, not
//! deregistered" task and the status conflict with it, and a person the
//! source no longer lists can be recorded as dead or moved out from the task.

mod common;

use axum::http::StatusCode;
use common::{page_text, post_form, setup, user_session};
use renkou_domain::{LifeStatus, PersonId, RegionCode, Role};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104195003120010,李老汉,1,1950-03-12,510104017001,H1,02\n\
                      b,510104198807070024,王芳,2,1988-07-07,510104017001,H2,02\n";

/// The police record 李老汉's death; 王芳 is not in their extract.
const POLICE: &str = "record_id,id_number,name,sex,birth_date,region_code,status,death_date\n\
                      P1,510104195003120010,李老汉,1,1950-03-12,510104017001,dead,2026-08-01\n";

async fn open_kinds(db: &TestDb) -> Vec<String> {
    let village = RegionCode::parse("510104017001").unwrap();
    let mut kinds: Vec<String> = db
        .store
        .tasks_in(&village, false, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|t| format!("{} {}", t.kind, t.field).trim().to_string())
        .collect();
    kinds.sort();
    kinds
}

async fn a_death_registered_on_the_page_settles_the_tasks_it_answers(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    db.reconcile_csv("police", "510104000000", POLICE).await;
    let before = open_kinds(db).await;
    assert!(before.contains(&"deceased".to_string()), "{before:?}");
    let cun = user_session(db, &app, "cun", Role::VillageCollector, "510104017001").await;
    let old = common::person_id(&app, &cun, "510104195003120010").await;
    let (status, _) = post_form(
        &app,
        &format!("/persons/{old}/events/death"),
        &cun,
        &[("date", "2026-08-01")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let after = open_kinds(db).await;
    assert!(
        !after
            .iter()
            .any(|k| k.starts_with("deceased") || k == "conflict status"),
        "the death answered them: {after:?}"
    );
    let settled = db
        .store
        .tasks_in(&RegionCode::parse("510104017001").unwrap(), true, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.kind == "deceased")
        .unwrap();
    assert_eq!(settled.resolution.as_deref(), Some("answered_by_event"));
    assert_eq!(
        settled.reason.as_deref(),
        Some("已由死亡登记处理（2026-08-01）")
    );
    let page = page_text(&app, "/tasks", &cun).await;
    assert!(
        !page.contains("李老汉"),
        "nothing left to do about him: {page}"
    );
}

async fn a_person_the_source_lacks_is_recorded_as_moved_out_from_the_task(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    db.reconcile_csv("police", "510104000000", POLICE).await;
    let cun = user_session(db, &app, "cun", Role::VillageCollector, "510104017001").await;
    let page = page_text(&app, "/tasks", &cun).await;
    assert!(page.contains(">登记迁出本省</option>") && page.contains(">登记死亡</option>"));
    assert!(page.contains("name=\"event_date\""));
    let village = RegionCode::parse("510104017001").unwrap();
    let task = db
        .store
        .tasks_in(&village, false, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.kind == "missing_in_source")
        .unwrap();
    let uri = format!("/tasks/{}/resolve", task.id);
    // Without a date the collector is asked for one, beside the task.
    let (status, to) = post_form(
        &app,
        &uri,
        &cun,
        &[
            ("resolution", "record_move_out"),
            ("reason", "已随夫迁往重庆"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.contains("missing=date"), "{to}");
    let back = page_text(&app, &to, &cun).await;
    assert!(back.contains("请填写死亡或迁出的日期"));
    let (status, _) = post_form(
        &app,
        &uri,
        &cun,
        &[
            ("resolution", "record_move_out"),
            ("event_date", "2026-06-01"),
            ("reason", "已随夫迁往重庆"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let person = db
        .store
        .person(PersonId(task.person_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.status, LifeStatus::MovedOut);
    assert_eq!(
        db.store.task(task.id).await.unwrap().unwrap().status,
        "resolved"
    );
}

on_both_engines!(
    a_death_registered_on_the_page_settles_the_tasks_it_answers,
    a_person_the_source_lacks_is_recorded_as_moved_out_from_the_task,
);
