//! Migrants in the web interface, on both engines: a record the import
//! could not be sure of reaches the village where the candidate lives as a
//! task, and settling it as the same person records his arrival where he
//! lives now; the migrants report is a page like every report.

mod common;

use axum::http::StatusCode;
use common::{csrf_of, form, setup, user_session};
use renkou_domain::{PersonId, RegionCode, Role};
use renkou_store::testing::TestDb;
use renkou_store::{NewTask, on_both_engines};
use tower::ServiceExt;

/// 李明 in village 017001 of 锦江区.
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n";

async fn page(app: &axum::Router, uri: &str, cookie: &str) -> (StatusCode, String) {
    let (status, _, body) = common::fetch(app, uri, cookie).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// 李明's record.
async fn li_ming(db: &TestDb) -> PersonId {
    let number = renkou_domain::IdNumber::parse("510104198503120010").unwrap();
    db.store
        .person_by_id_number(&number)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn an_unsure_migrant_record_is_settled_where_the_person_lives(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let village = RegionCode::parse("510104017001").unwrap();
    let li = li_ming(db).await;
    // What the import raises for a record it could not be sure was him.
    let record = serde_json::json!({
        "record_id": "r9", "name": "李铭", "sex": "1", "birth_date": "1985-03-12",
        "region_code": "510107001004", "hukou_region": "510104017001",
        "arrival_date": "2026-06-01", "reason": "1", "workplace": "电子厂",
    });
    db.store
        .raise_tasks(
            "migrants:police",
            &[NewTask {
                kind: renkou_domain::verification::TaskKind::UnsureMatch,
                region: village,
                person: Some(li),
                record_id: Some("r9".into()),
                field: None,
                registry_value: None,
                source_value: Some("李铭 1985-03-12".into()),
                source_record: Some(record.to_string()),
            }],
        )
        .await
        .unwrap();
    let task = db
        .store
        .tasks_in(&village, false, 10)
        .await
        .unwrap()
        .remove(0);

    let cun = user_session(db, &app, "cun017", Role::VillageCollector, "510104017001").await;
    let (_, body) = page(&app, "/tasks", &cun).await;
    assert!(body.contains("待确认是否同一人"), "{body}");
    assert!(body.contains("是同一人，登记流入"), "{body}");
    let settle = form(
        &format!("/tasks/{}/resolve", task.id),
        &cun,
        &[
            ("csrf", &csrf_of(&body)),
            ("resolution", "same_person"),
            ("reason", "电话核实，本人在武侯区务工"),
        ],
    );
    let status = app.clone().oneshot(settle).await.unwrap().status();
    assert_eq!(status, StatusCode::SEE_OTHER);
    let him = db.store.person(li).await.unwrap().unwrap();
    assert_eq!(him.residence.as_str(), "510107001004");
    assert_eq!(him.hukou_region, Some(village));
    assert_eq!(
        him.arrived_on.map(|d| d.to_string()).as_deref(),
        Some("2026-06-01")
    );
    let history = db.store.events_of(PersonId(li.0)).await.unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.kind == renkou_domain::EventKind::MigrantArrival && e.recorder == "cun017")
    );

    // The report page: Chinese headings, the outflow where he is registered.
    let (status, body) = page(&app, "/reports/migrants?region=510104000000", &cun).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a collector reads her own village's figures only"
    );
    let _ = body;
    let (status, body) = page(&app, "/reports/migrants?region=510104017001", &cun).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("流出人口") && body.contains("流入人口"),
        "{body}"
    );
}

async fn a_family_planning_officer_lists_who_lives_here_registered_elsewhere(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let li = li_ming(db).await;
    let arrival =
        renkou_domain::rules::Command::MigrantArrival(renkou_domain::migrants::rules::Arrival {
            person: li,
            to: Some(RegionCode::parse("510107001004").unwrap()),
            hukou_region: Some(RegionCode::parse("510104017001").unwrap()),
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            details: Default::default(),
        });
    let meta = renkou_store::EventMeta {
        recorder: "t".into(),
        source: "t".into(),
    };
    db.store.record(&arrival, &meta).await.unwrap();
    let jsz = user_session(db, &app, "jsz", Role::FamilyPlanningOfficer, "510107001000").await;
    let (status, body) = page(&app, "/migrants", &jsz).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("流入人口名单") && body.contains("李明"),
        "{body}"
    );
    assert!(body.contains("流动人口"), "the menu leads here: {body}");
    let (status, _, xlsx) = common::fetch(&app, "/migrants?format=xlsx", &jsz).await;
    assert_eq!(status, StatusCode::OK);
    assert!(xlsx.starts_with(b"PK"), "a workbook");
    // A collector of his old village reads the registry, not the migrants' pages.
    let cun = user_session(db, &app, "cun017", Role::VillageCollector, "510104017001").await;
    let (status, _) = page(&app, "/migrants", &cun).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_engines!(
    an_unsure_migrant_record_is_settled_where_the_person_lives,
    a_family_planning_officer_lists_who_lives_here_registered_elsewhere
);
