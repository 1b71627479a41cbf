//! Reward and special support over HTTP, on both engines: a township's
//! officer makes the year's roll from the register, one click from home;
//! its page says why each person is in or out and the reasons add up; the
//! county passes it up and the city approves it; the payment list is a
//! workbook; another township's officer, a county without the support
//! grant, and an API token cannot touch it; every word is Chinese.

mod common;

use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use common::{grant_session, post_form, send_json, setup};
use renkou_domain::account::{Grant, Subsystem, Subsystems};
use renkou_domain::codes::HukouType;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{PersonId, PersonName, RegionCode, Role, Sex};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

const VILLAGE: &str = "510104017001";
const TOWNSHIP: &str = "510104017000";
const COUNTY: &str = "510104000000";
const CITY: &str = "510100000000";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

async fn record(db: &TestDb, command: Command) -> PersonId {
    let meta = renkou_store::EventMeta {
        recorder: "村信息员".into(),
        source: "web".into(),
    };
    db.store.record(&command, &meta).await.unwrap().person_id
}

async fn villager(db: &TestDb, name: &str, sex: Sex, born: i32) -> PersonId {
    let newcomer = NewPerson {
        hukou_region: Some(code(VILLAGE)),
        hukou_type: Some(HukouType::parse("2").unwrap()),
        ..NewPerson::new(
            PersonName::parse(name).unwrap(),
            sex,
            NaiveDate::from_ymd_opt(born, 3, 1).unwrap(),
            code(VILLAGE),
        )
    };
    let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    record(db, Command::Registration { newcomer, date }).await
}

/// 张大山 and 李秀英, past sixty, rural, one son.
async fn rural_parents_of_one(db: &TestDb) -> (PersonId, PersonId) {
    let year = chrono::Utc::now().year();
    let he = villager(db, "张大山", Sex::Male, year - 66).await;
    let she = villager(db, "李秀英", Sex::Female, year - 64).await;
    let date = NaiveDate::from_ymd_opt(year - 40, 5, 1).unwrap();
    record(
        db,
        Command::Marriage {
            a: he,
            b: she,
            date,
        },
    )
    .await;
    let son = NewPerson {
        hukou_region: Some(code(VILLAGE)),
        ..NewPerson::new(
            PersonName::parse("张小明").unwrap(),
            Sex::Male,
            NaiveDate::from_ymd_opt(year - 38, 6, 1).unwrap(),
            code(VILLAGE),
        )
    };
    record(
        db,
        Command::Birth {
            child: son,
            mother: Some(she),
            father: Some(he),
            details: Default::default(),
        },
    )
    .await;
    (he, she)
}

async fn officer(db: &TestDb, app: &axum::Router, name: &str, role: Role, region: &str) -> String {
    let grant = Grant::new(role, code(region))
        .unwrap()
        .with_subsystems(Subsystems::of(&[Subsystem::Registry, Subsystem::Support]));
    grant_session(db, app, name, grant).await
}

async fn a_townships_roll_is_made_reviewed_and_approved_up_to_the_city(db: &TestDb) {
    let app = setup(db, "record_id,id_number,name,sex,birth_date,region_code\n").await;
    let (he, _) = rural_parents_of_one(db).await;
    let township = officer(db, &app, "xz017", Role::TownshipOperator, TOWNSHIP).await;
    let county = officer(db, &app, "xian104", Role::CountyManager, COUNTY).await;
    let city = officer(db, &app, "shi0100", Role::CityManager, CITY).await;
    let year = chrono::Utc::now().year().to_string();

    // One click from home, then the form.
    let home = common::page_text(&app, "/", &township).await;
    assert!(home.contains("href=\"/support\""), "{home}");
    let page = common::page_text(&app, "/support", &township).await;
    assert!(page.contains("生成并报送"), "{page}");
    let (status, location) = post_form(
        &app,
        "/support/rolls",
        &township,
        &[("program", "reward"), ("year", &year), ("region", TOWNSHIP)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let roll_page = common::page_text(&app, &location, &township).await;
    for text in [
        "张大山",
        "李秀英",
        "现存一个子女",
        "未满60周岁",
        "已报送",
        "审核通过",
    ] {
        assert!(roll_page.contains(text), "{text}: {roll_page}");
    }
    assert!(
        common::english_words(&roll_page).is_empty(),
        "{:?}",
        common::english_words(&roll_page)
    );
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();

    // The API tells the same: reasons add up, the persons are the couple.
    let (status, _, view) = common::call(
        &app,
        common::get(&format!("/api/v1/support/rolls/{id}"), &county),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let reasons = view["roll"]["reasons"].as_array().unwrap();
    let eligible: i64 = reasons
        .iter()
        .filter(|r| r["eligible"] == true)
        .map(|r| r["count"].as_i64().unwrap())
        .sum();
    let all: i64 = reasons.iter().map(|r| r["count"].as_i64().unwrap()).sum();
    assert_eq!(eligible, view["roll"]["eligible"].as_i64().unwrap());
    assert_eq!(all, view["roll"]["considered"].as_i64().unwrap());
    let (_, _, entries) = common::call(
        &app,
        common::get(&format!("/api/v1/support/rolls/{id}/entries"), &county),
    )
    .await;
    let ids: Vec<i64> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["person_id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&he.0) && ids.len() == 2, "{entries}");
    let case = view["roll"]["case_id"].as_i64().unwrap();

    // The county cannot decide before the township passes it up.
    let pass = serde_json::json!({ "pass": true });
    let (status, _, _) = common::call(
        &app,
        send_json(
            "POST",
            &format!("/api/v1/cases/{case}/decide"),
            &county,
            pass.clone(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post_form(
        &app,
        &format!("/support/rolls/{id}/decide"),
        &township,
        &[("decision", "pass"), ("reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Now it waits on the county's support page.
    let waiting = common::page_text(&app, "/support", &county).await;
    assert!(waiting.contains("待我审核（1）"), "{waiting}");
    let (status, _, bare) = common::call(
        &app,
        send_json(
            "POST",
            &format!("/api/v1/cases/{case}/decide"),
            &county,
            serde_json::json!({ "pass": false }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bare}");
    assert!(
        bare["message"]
            .as_str()
            .unwrap_or_default()
            .contains("理由"),
        "{bare}"
    );
    let (status, _, moved) = common::call(
        &app,
        send_json(
            "POST",
            &format!("/api/v1/cases/{case}/decide"),
            &county,
            pass.clone(),
        ),
    )
    .await;
    assert_eq!(
        (status, moved["owner_region"].as_str()),
        (StatusCode::OK, Some(CITY))
    );
    let (status, _, approved) = common::call(
        &app,
        send_json(
            "POST",
            &format!("/api/v1/cases/{case}/decide"),
            &city,
            pass.clone(),
        ),
    )
    .await;
    assert_eq!(
        (status, approved["state"].as_str()),
        (StatusCode::OK, Some("approved"))
    );
    let (status, _, again) = common::call(
        &app,
        send_json("POST", &format!("/api/v1/cases/{case}/decide"), &city, pass),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");

    // The payment list.
    let (status, kind, book) =
        common::fetch(&app, &format!("/support/rolls/{id}/payment.xlsx"), &county).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let strings = common::xlsx_part(&book, "xl/sharedStrings.xml");
    assert!(
        strings.contains("张大山")
            && strings.contains("已批准")
            && strings.contains("现存一个子女"),
        "{strings}"
    );
}

async fn only_the_region_and_the_grant_open_a_roll(db: &TestDb) {
    let app = setup(db, "record_id,id_number,name,sex,birth_date,region_code\n").await;
    rural_parents_of_one(db).await;
    let township = officer(db, &app, "xz017", Role::TownshipOperator, TOWNSHIP).await;
    let year = chrono::Utc::now().year();
    let body = serde_json::json!({ "program": "reward", "year": year, "region": TOWNSHIP });
    let (status, _, made) = common::call(
        &app,
        send_json("POST", "/api/v1/support/rolls", &township, body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let id = made["id"].as_i64().unwrap();

    // Another township's officer.
    let other = officer(db, &app, "xz018", Role::TownshipOperator, "510104018000").await;
    let (status, _, _) = common::call(
        &app,
        common::get(&format!("/api/v1/support/rolls/{id}"), &other),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, refused) = common::call(
        &app,
        send_json("POST", "/api/v1/support/rolls", &other, body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    // A county manager without the support grant.
    let plain = common::user_session(db, &app, "xian104", Role::CountyManager, COUNTY).await;
    let (status, _, _) = common::call(
        &app,
        common::get(&format!("/api/v1/support/rolls/{id}"), &plain),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = common::call(&app, common::get("/support", &plain)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A village roll, a program nobody configured, a year far off.
    for (field, wrong) in [
        ("region", serde_json::json!(VILLAGE)),
        ("program", serde_json::json!("bonus")),
        ("year", serde_json::json!(1990)),
    ] {
        let mut b = body.clone();
        b[field] = wrong;
        let (status, _, e) = common::call(
            &app,
            send_json("POST", "/api/v1/support/rolls", &township, b),
        )
        .await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::FORBIDDEN,
            "{field}: {status} {e}"
        );
    }
}

async fn an_excluded_citizen_appeals_and_the_county_upholds_it(db: &TestDb) {
    let app = setup(
        db,
        "record_id,id_number,name,sex,birth_date,region_code\n\
         a,510104195003120010,孙志强,1,1950-03-12,510104017001\n",
    )
    .await;
    rural_parents_of_one(db).await;
    let township = officer(db, &app, "xz017", Role::TownshipOperator, TOWNSHIP).await;
    let county = officer(db, &app, "xian104", Role::CountyManager, COUNTY).await;
    let village = officer(db, &app, "cun001", Role::VillageCollector, VILLAGE).await;
    let year = chrono::Utc::now().year();
    let body = serde_json::json!({ "program": "reward", "year": year, "region": TOWNSHIP });
    let (_, _, made) = common::call(
        &app,
        send_json("POST", "/api/v1/support/rolls", &township, body),
    )
    .await;
    let roll = made["id"].as_i64().unwrap();
    let (status, location) = post_form(
        &app,
        &format!("/support/rolls/{roll}/appeals"),
        &village,
        &[
            ("id_number", "510104195003120010"),
            ("statement", "户口类别漏登，实为农业户口"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let page = common::page_text(&app, &location, &township).await;
    assert!(
        page.contains("户口类别不详") && page.contains("审核通过"),
        "{page}"
    );
    assert!(
        common::english_words(&page).is_empty(),
        "{:?}",
        common::english_words(&page)
    );
    let appeal = location.rsplit('/').next().unwrap().to_string();
    let decide = format!("/support/appeals/{appeal}/decide");
    let (status, _) = post_form(
        &app,
        &decide,
        &township,
        &[("decision", "pass"), ("reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = post_form(
        &app,
        &decide,
        &county,
        &[("decision", "pass"), ("reason", "户口簿属实")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, book) = common::fetch(
        &app,
        &format!("/support/rolls/{roll}/payment.xlsx"),
        &county,
    )
    .await;
    let strings = common::xlsx_part(&book, "xl/sharedStrings.xml");
    assert!(
        strings.contains("孙志强") && strings.contains("申诉成立"),
        "{strings}"
    );
}

on_both_engines!(
    an_excluded_citizen_appeals_and_the_county_upholds_it,
    a_townships_roll_is_made_reviewed_and_approved_up_to_the_city,
    only_the_region_and_the_grant_open_a_roll,
);
