//! Re-birth approvals over HTTP, on both engines: a village hands in the
//! application by number, one click from home; the township passes it; the
//! county adds the documents, checks them against the originals and
//! approves; the decision letter says so, in Chinese; another village
//! cannot read the application or its documents.

mod common;

use axum::http::StatusCode;
use chrono::NaiveDate;
use common::{grant_session, post_form, setup};
use renkou_domain::account::{Grant, Subsystem, Subsystems};
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{PersonId, PersonName, RegionCode, Role, Sex};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

const VILLAGE: &str = "510104017001";
const TOWNSHIP: &str = "510104017000";
const COUNTY: &str = "510104000000";

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104199001010019,吴军,1,1990-01-01,510104017001,H1,02\n\
                      b,510104199203030026,郑红,2,1992-03-03,510104017001,H1,10\n";

async fn staff(db: &TestDb, app: &axum::Router, name: &str, role: Role, region: &str) -> String {
    let grant = Grant::new(role, RegionCode::parse(region).unwrap())
        .unwrap()
        .with_subsystems(Subsystems::of(&[Subsystem::Registry, Subsystem::Rebirth]));
    grant_session(db, app, name, grant).await
}

async fn send(
    app: &axum::Router,
    request: axum::http::Request<axum::body::Body>,
) -> (StatusCode, String) {
    let (status, _, body) = common::send(app, request).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn a_couple_is_approved_with_every_document_checked_and_gets_the_letter(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let village = staff(db, &app, "cun001", Role::VillageCollector, VILLAGE).await;
    let township = staff(db, &app, "xz017", Role::TownshipOperator, TOWNSHIP).await;
    let county = staff(db, &app, "xian104", Role::CountyManager, COUNTY).await;
    let he = PersonId(common::person_id(&app, &village, "510104199001010019").await);
    let she = PersonId(common::person_id(&app, &village, "510104199203030026").await);
    let meta = renkou_store::EventMeta {
        recorder: "村信息员".into(),
        source: "web".into(),
    };
    db.store
        .record(
            &Command::Marriage {
                a: he,
                b: she,
                date: NaiveDate::from_ymd_opt(2015, 5, 1).unwrap(),
            },
            &meta,
        )
        .await
        .unwrap();
    for (name, year) in [("吴一", 2016), ("吴二", 2018), ("吴三", 2020)] {
        let child = NewPerson::new(
            PersonName::parse(name).unwrap(),
            Sex::Male,
            NaiveDate::from_ymd_opt(year, 2, 1).unwrap(),
            RegionCode::parse(VILLAGE).unwrap(),
        );
        db.store
            .record(
                &Command::Birth {
                    child,
                    mother: Some(she),
                    father: Some(he),
                    details: Default::default(),
                },
                &meta,
            )
            .await
            .unwrap();
    }

    let home = common::page_text(&app, "/", &village).await;
    assert!(home.contains("href=\"/rebirth\""), "{home}");
    let (status, location) = post_form(
        &app,
        "/rebirth",
        &village,
        &[
            ("id_number", "510104199001010019"),
            ("reason", "长子重病，申请再生育"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let (status, _) = post_form(
        &app,
        &format!("/rebirth/{id}/decide"),
        &township,
        &[("decision", "pass"), ("reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The county adds a document; approving before checking it is refused.
    let page = common::page_text(&app, &format!("/rebirth/{id}"), &county).await;
    let csrf = common::csrf_of(&page);
    let upload = common::multipart(
        &format!("/rebirth/{id}/documents"),
        &county,
        &[("csrf", &csrf), ("name", "结婚证")],
        &[("file", "结婚证.pdf", "%PDF-1.4\n%%EOF\n")],
    );
    let (status, body) = send(&app, upload).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (status, refused) = post_form(
        &app,
        &format!("/rebirth/{id}/decide"),
        &county,
        &[("decision", "pass"), ("reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(refused.contains("核验"), "{refused}");
    let (_, _, view) = common::call(
        &app,
        common::get(&format!("/api/v1/rebirth/applications/{id}"), &county),
    )
    .await;
    let document = view["documents"][0]["id"].as_i64().unwrap();
    assert_eq!(view["documents"][0]["content_type"], "application/pdf");
    let (status, kind, bytes) =
        common::fetch(&app, &format!("/rebirth/documents/{document}"), &county).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    assert!(bytes.starts_with(b"%PDF"));
    let other = staff(db, &app, "cun002", Role::VillageCollector, "510104017002").await;
    let (status, _, _) =
        common::fetch(&app, &format!("/rebirth/documents/{document}"), &other).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another village does not read it"
    );
    let (status, _) = post_form(
        &app,
        &format!("/rebirth/documents/{document}/check"),
        &county,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = post_form(
        &app,
        &format!("/rebirth/{id}/decide"),
        &county,
        &[("decision", "pass"), ("reason", "材料属实")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let letter = common::page_text(&app, &format!("/rebirth/{id}/letter"), &village).await;
    assert!(
        letter.contains("决定批准")
            && letter.contains("吴军")
            && letter.contains("郑红")
            && letter.contains("材料属实"),
        "{letter}"
    );
    assert!(
        common::english_words(&letter).is_empty(),
        "{:?}",
        common::english_words(&letter)
    );
    let page = common::page_text(&app, &format!("/rebirth/{id}"), &village).await;
    assert!(
        page.contains("已批准") && page.contains("人口库核查"),
        "{page}"
    );
    assert!(
        common::english_words(&page).is_empty(),
        "{:?}",
        common::english_words(&page)
    );
}

on_both_engines!(a_couple_is_approved_with_every_document_checked_and_gets_the_letter);
