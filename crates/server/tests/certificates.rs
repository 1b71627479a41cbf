//! Only-child parents' certificates over HTTP, on both engines: a village
//! officer hands in an application by the applicant's number, one click
//! from home; the township passes it and the county issues the numbered
//! certificate, printable; a second child's birth puts the revocation on
//! the township's list; another village cannot apply for the couple and
//! every word is Chinese.

mod common;

use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use common::{grant_session, post_form, setup};
use renkou_domain::account::{Grant, Subsystem, Subsystems};
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{PersonId, PersonName, RegionCode, Role, Sex};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

const VILLAGE: &str = "510104017001";
const TOWNSHIP: &str = "510104017000";
const COUNTY: &str = "510104000000";

/// 赵刚 and 钱丽, married, in village 017001.
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104199001010019,赵刚,1,1990-01-01,510104017001,H1,02\n\
                      b,510104199203030026,钱丽,2,1992-03-03,510104017001,H1,10\n";

async fn staff(db: &TestDb, app: &axum::Router, name: &str, role: Role, region: &str) -> String {
    let grant = Grant::new(role, RegionCode::parse(region).unwrap())
        .unwrap()
        .with_subsystems(Subsystems::of(&[
            Subsystem::Registry,
            Subsystem::Certificates,
        ]));
    grant_session(db, app, name, grant).await
}

async fn birth(db: &TestDb, name: &str, year: i32, father: PersonId, mother: PersonId) {
    let child = NewPerson::new(
        PersonName::parse(name).unwrap(),
        Sex::Female,
        NaiveDate::from_ymd_opt(year, 2, 1).unwrap(),
        RegionCode::parse(VILLAGE).unwrap(),
    );
    let meta = renkou_store::EventMeta {
        recorder: "村信息员".into(),
        source: "web".into(),
    };
    let command = Command::Birth {
        child,
        mother: Some(mother),
        father: Some(father),
        details: Default::default(),
    };
    db.store.record(&command, &meta).await.unwrap();
}

async fn a_certificate_is_applied_for_issued_and_its_revocation_raised(db: &TestDb) {
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
    let marriage = Command::Marriage {
        a: he,
        b: she,
        date: NaiveDate::from_ymd_opt(2016, 5, 1).unwrap(),
    };
    db.store.record(&marriage, &meta).await.unwrap();
    birth(db, "赵一", 2018, he, she).await;

    let home = common::page_text(&app, "/", &village).await;
    assert!(home.contains("href=\"/certificates\""), "{home}");
    // Another village's officer cannot hand in for them.
    let other = staff(db, &app, "cun002", Role::VillageCollector, "510104017002").await;
    let (status, _) = post_form(
        &app,
        "/certificates/applications",
        &other,
        &[("id_number", "510104199203030026")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, location) = post_form(
        &app,
        "/certificates/applications",
        &village,
        &[("id_number", "510104199203030026")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    // The township's home page lists it; her page shows it.
    let home = common::page_text(&app, "/", &township).await;
    assert!(home.contains("待办理：独生子女父母光荣证申领"), "{home}");
    let hers = common::page_text(&app, &format!("/persons/{}", she.0), &village).await;
    assert!(
        hers.contains("办件") && hers.contains(&format!("/certificates/applications/{id}")),
        "{hers}"
    );
    let page = common::page_text(&app, &location, &township).await;
    assert!(
        page.contains("钱丽") && page.contains("赵一") && page.contains("夫妻只生育一个子女"),
        "{page}"
    );
    assert!(page.contains("审核通过"), "the township decides: {page}");
    assert!(
        common::english_words(&page).is_empty(),
        "{:?}",
        common::english_words(&page)
    );

    let (status, _) = post_form(
        &app,
        &format!("/certificates/applications/{id}/decide"),
        &township,
        &[("decision", "pass"), ("reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let list = common::page_text(&app, "/certificates", &county).await;
    assert!(list.contains("待我审核（1）"), "{list}");
    let (status, _) = post_form(
        &app,
        &format!("/certificates/applications/{id}/decide"),
        &county,
        &[("decision", "pass"), ("reason", "材料齐全")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, view) = common::call(
        &app,
        common::get(&format!("/api/v1/certificates/applications/{id}"), &county),
    )
    .await;
    let number = view["certificate"]["number"].as_str().unwrap().to_string();
    assert_eq!(
        number,
        format!("510104-{}-00001", chrono::Utc::now().year())
    );
    let certificate = view["certificate"]["id"].as_i64().unwrap();
    let printed = common::page_text(&app, &format!("/certificates/{certificate}"), &village).await;
    assert!(
        printed.contains(&number) && printed.contains("赵刚") && printed.contains("锦江区"),
        "{printed}"
    );
    assert!(
        common::english_words(&printed).is_empty(),
        "{:?}",
        common::english_words(&printed)
    );
    let (status, _, _) = common::call(
        &app,
        common::get(&format!("/api/v1/certificates/{certificate}"), &other),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another village does not read it"
    );

    // A second child: the township finds the revocation waiting.
    birth(db, "赵二", chrono::Utc::now().year(), he, she).await;
    let waiting = common::page_text(&app, "/certificates", &township).await;
    assert!(waiting.contains("独生子女父母光荣证收回"), "{waiting}");
}

on_both_engines!(a_certificate_is_applied_for_issued_and_its_revocation_raised);
