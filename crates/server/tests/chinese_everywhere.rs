//! Every page and export a member of staff opens reads in Chinese, on both
//! engines: a walk through every page of the web interface as a collector,
//! a township operator and a county manager, with tasks, a birth, a review
//! and a merge candidate on record, fails on any English word a user would
//! read (codes, numbers and dates are fine; so are the names of the file
//! formats offered, Excel and CSV). Every page is also under 5 KB compressed.

mod common;

use std::io::Write;

use axum::http::StatusCode;
use common::{english_words, fetch, post_form, setup_with};
use renkou_domain::password::hash_password;
use renkou_domain::{Grant, RegionCode, Role, Username};
use renkou_server::Settings;
use renkou_server::settings::ReviewSettings;
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation,marital_status\n\
                      a,510104195003120010,李老汉,1,1950-03-12,510104017001,H1,02,20\n\
                      b,510104198503120010,李明,1,1985-03-12,510104017001,H1,20,20\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,38,20\n\
                      d,,李明,1,1985-03-12,510104017001,H3,02,\n\
                      e,510104199202020029,赵丽,2,1992-02-02,510104017002,H2,02,10\n";

/// The police: 李老汉 dead, 王芳 written 王芳芳, 赵丽 not listed, a newcomer.
const POLICE: &str = "record_id,id_number,name,sex,birth_date,region_code,status,death_date\n\
                      P1,510104195003120010,李老汉,1,1950-03-12,510104017001,dead,2026-08-01\n\
                      P2,510104198503120010,李明,1,1985-03-12,510104017001,active,\n\
                      P3,510104198807070024,王芳芳,2,1988-07-07,510104017001,active,\n\
                      P4,510104201906010013,钱新,1,2019-06-01,510104017001,active,\n";

async fn staff(
    db: &TestDb,
    app: &axum::Router,
    name: &str,
    shown: &str,
    role: Role,
    region: &str,
) -> String {
    let grant = Grant::new(role, RegionCode::parse(region).unwrap()).unwrap();
    db.store
        .add_user(
            &Username::parse(name).unwrap(),
            Some(shown),
            &hash_password("another2026pw").unwrap(),
            &[grant],
            "test",
        )
        .await
        .unwrap();
    let request = axum::http::Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            serde_json::json!({"username": name, "password": "another2026pw"}).to_string(),
        ))
        .unwrap();
    let (status, cookie, _) = common::call(app, request).await;
    assert_eq!(status, StatusCode::OK);
    cookie.unwrap().split(';').next().unwrap().to_string()
}

/// The size of a body gzipped, as a browser receives it.
fn gzipped(body: &[u8]) -> usize {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(body).unwrap();
    z.finish().unwrap().len()
}

async fn every_page_and_export_reads_in_chinese(db: &TestDb) {
    let settings = Settings {
        review: ReviewSettings {
            collector_entries: true,
        },
        ..Settings::default()
    };
    let app = setup_with(db, PEOPLE, settings).await;
    db.reconcile_csv("公安", "510104000000", POLICE).await;
    let cun = staff(
        db,
        &app,
        "cun",
        "张采集",
        Role::VillageCollector,
        "510104017001",
    )
    .await;
    let township = staff(
        db,
        &app,
        "xiang",
        "刘操作",
        Role::TownshipOperator,
        "510104017000",
    )
    .await;
    let county = staff(
        db,
        &app,
        "xian",
        "陈主任",
        Role::CountyManager,
        "510104000000",
    )
    .await;
    let jsz = staff(
        db,
        &app,
        "jsz",
        "周专干",
        Role::FamilyPlanningOfficer,
        "510104017000",
    )
    .await;
    let mother = common::person_id(&app, &cun, "510104198807070024").await;
    let (status, _) = post_form(
        &app,
        &format!("/persons/{mother}/events/birth"),
        &cun,
        &[
            ("name", "李小红"),
            ("sex", "2"),
            ("birth_date", "2026-10-01"),
            ("ethnicity", "01"),
            ("certificate", "Q510012345"),
            ("residence", "510104017001"),
            ("household", "join"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let household = db
        .store
        .person(renkou_domain::PersonId(mother))
        .await
        .unwrap()
        .unwrap()
        .household_id
        .unwrap();
    let task = db
        .store
        .tasks_in(&RegionCode::parse("510104017001").unwrap(), false, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.kind == "duplicate")
        .map(|t| t.id);
    let month = renkou_domain::date::today_in_china()
        .format("%Y-%m")
        .to_string();
    let mut pages: Vec<(String, &str)> = vec![
        ("/".into(), &cun),
        ("/".into(), &township),
        ("/".into(), &county),
        ("/dashboard".into(), &county),
        ("/dashboard".into(), &township),
        ("/search".into(), &cun),
        ("/search?q=%E6%9D%8E".into(), &cun),
        ("/search?q=li".into(), &cun),
        ("/search?q=51010419880707002".into(), &cun),
        ("/search?q=%E6%9D%8E1".into(), &cun),
        (format!("/persons/{mother}"), &cun),
        (format!("/persons/{mother}"), &county),
        (format!("/households/{household}"), &cun),
        ("/regions/510104017000".into(), &township),
        ("/regions/510104017000?format=print".into(), &township),
        (
            "/regions/510104017000?age_from=30&age_to=20".into(),
            &township,
        ),
        ("/regions/510104017000?missing=id_number".into(), &township),
        ("/tasks".into(), &cun),
        ("/tasks".into(), &county),
        ("/tasks/upload".into(), &township),
        ("/reports".into(), &county),
        ("/reports/population?region=510104000000".into(), &county),
        ("/reports/registration?region=510104000000".into(), &county),
        ("/reports/households?region=510104000000".into(), &county),
        ("/reports/changes?region=510104000000".into(), &county),
        ("/reports/women?region=510104000000".into(), &county),
        ("/reports/quality?region=510104000000".into(), &county),
        ("/reports/contraception?region=510104000000".into(), &county),
        (
            "/reports/births?region=510104000000&period=2026".into(),
            &county,
        ),
        (
            "/reports/registration?region=510104000000&date=2015-01-01".into(),
            &county,
        ),
        (
            "/quality/missing_id_number?region=510104017000".into(),
            &township,
        ),
        (
            format!("/change-report?region=510104017001&period={month}"),
            &cun,
        ),
        (
            format!("/progress?region=510104000000&period={month}"),
            &county,
        ),
        ("/reviews".into(), &township),
        ("/reviews?state=returned".into(), &cun),
        ("/password".into(), &cun),
        ("/events/move_in".into(), &cun),
        ("/persons/999999".into(), &cun),
        ("/regions/51010401700".into(), &cun),
    ];
    for kind in [
        "birth",
        "death",
        "marriage",
        "move_within",
        "move_out",
        "registration_change",
        "correction",
    ] {
        pages.push((format!("/persons/{mother}/events/{kind}"), &cun));
    }
    pages.push((
        format!("/persons/{mother}/events/correction?field=relation"),
        &cun,
    ));
    if let Some(task) = task {
        pages.push((format!("/tasks/{task}/merge"), &cun));
    }
    // The women's cards, their forms, lists and conversion.
    pages.push((format!("/persons/{mother}/card"), &jsz));
    pages.push((format!("/persons/{mother}/card?format=print"), &jsz));
    pages.push(("/wis/lists?region=510104017000".into(), &jsz));
    pages.push(("/wis/import".into(), &jsz));
    pages.push(("/wis/import".into(), &cun));
    // The migrants: the inflow register, printed, and refused without the grant.
    pages.push(("/migrants?region=510104017000".into(), &jsz));
    pages.push(("/migrants?region=510104017000&format=print".into(), &jsz));
    pages.push(("/migrants".into(), &cun));
    for kind in renkou_domain::wis::ListKind::ALL {
        pages.push((
            format!("/wis/lists?region=510104017000&kind={}", kind.as_str()),
            &jsz,
        ));
    }
    for kind in [
        "pregnancy",
        "pregnancy_check",
        "pregnancy_outcome",
        "contraception_start",
        "contraception_change",
        "contraception_stop",
        "iud_check",
        "visit",
        "health_service",
    ] {
        pages.push((format!("/persons/{mother}/events/{kind}"), &jsz));
    }
    let mut problems = Vec::new();
    let mut heaviest = (0, String::new());
    for (uri, cookie) in &pages {
        let (_, kind, body) = fetch(&app, uri, cookie).await;
        assert!(kind.starts_with("text/html"), "{uri}: {kind}");
        let html = String::from_utf8_lossy(&body);
        let words = english_words(&html);
        if !words.is_empty() {
            problems.push(format!("{uri}: {words:?}"));
        }
        let size = gzipped(&body);
        if size > heaviest.0 {
            heaviest = (size, uri.clone());
        }
    }
    // The login page, without a session.
    let (_, _, login) = fetch(&app, "/login", "").await;
    let words = english_words(&String::from_utf8_lossy(&login));
    if !words.is_empty() {
        problems.push(format!("/login: {words:?}"));
    }
    assert!(
        problems.is_empty(),
        "English on pages:\n{}",
        problems.join("\n")
    );
    assert!(
        heaviest.0 < 5 * 1024,
        "{} is {} bytes gzipped",
        heaviest.1,
        heaviest.0
    );

    // Exports: headings and values in Chinese.
    for (uri, cookie) in [
        ("/regions/510104017000?format=csv", &township),
        (
            "/reports/population?region=510104000000&format=csv",
            &county,
        ),
    ] {
        let (status, _, body) = fetch(&app, uri, cookie).await;
        let api = uri.replace("/reports/", "/api/v1/reports/");
        let body = if status == StatusCode::NOT_FOUND {
            fetch(&app, &api, cookie).await.2
        } else {
            body
        };
        let words = english_words(&String::from_utf8_lossy(&body));
        assert!(words.is_empty(), "{uri}: {words:?}");
    }
    for (uri, cookie) in [
        ("/regions/510104017000?format=xlsx", &township),
        ("/tasks.xlsx?region=510104017000", &township),
        (
            "/api/v1/reports/quality?region=510104000000&format=xlsx",
            &county,
        ),
    ] {
        let (status, _, body) = fetch(&app, uri, cookie).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let strings = common::xlsx_part(&body, "xl/sharedStrings.xml");
        let words = english_words(&strings);
        assert!(words.is_empty(), "{uri}: {words:?}");
    }
}

on_both_engines!(every_page_and_export_reads_in_chinese);

#[test]
fn the_walk_would_catch_an_english_message_but_not_a_code() {
    assert_eq!(
        english_words("<p class=\"error\">check digit 8 should be 7</p>"),
        ["be", "check", "digit", "should"]
    );
    assert!(
        english_words("<td>户号 H1</td><td>Q510012345</td><a href=\"/x?format=csv\">导出 CSV</a>")
            .is_empty()
    );
    assert_eq!(english_words("<td>正常（active）</td>"), ["active"]);
}
