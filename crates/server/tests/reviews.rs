//! The township's review of collectors' entries and the managers'
//! dashboard, over HTTP on both engines: where the province switches the
//! review on, a collector's birth waits on the township's list, is returned
//! with a reason, corrected and sent again, and approved; a county manager
//! sees the county's figures month by month and each township's open work.

mod common;

use axum::http::StatusCode;
use common::{fetch, page_text, post_form, setup, setup_with, user_session};
use renkou_domain::Role;
use renkou_server::Settings;
use renkou_server::settings::ReviewSettings;
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n";

/// A birth entered by the collector of 017001.
async fn collector_registers_a_birth(app: &axum::Router, cun: &str) {
    let mother = common::person_id(app, cun, "510104198807070024").await;
    let (status, _) = post_form(
        app,
        &format!("/persons/{mother}/events/birth"),
        cun,
        &[
            ("name", "李小红"),
            ("sex", "2"),
            ("birth_date", "2026-10-01"),
            ("ethnicity", "01"),
            ("residence", "510104017001"),
            ("household", "join"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

fn the_review_switched_on() -> Settings {
    Settings {
        review: ReviewSettings {
            collector_entries: true,
        },
        ..Settings::default()
    }
}

async fn a_collectors_birth_waits_for_the_township_and_comes_back_when_returned(db: &TestDb) {
    let app = setup_with(db, PEOPLE, the_review_switched_on()).await;
    let cun = user_session(db, &app, "cun", Role::VillageCollector, "510104017001").await;
    let township = common::session(&app).await;
    collector_registers_a_birth(&app, &cun).await;

    let home = page_text(&app, "/", &township).await;
    assert!(home.contains("采集员登记待审核"), "{home}");
    assert!(
        !page_text(&app, "/", &cun).await.contains("待审核"),
        "the collector does not approve her own entries"
    );
    let list = page_text(
        &app,
        "/reviews?region=510104017000&state=pending",
        &township,
    )
    .await;
    assert!(list.contains("李小红") && list.contains("出生"), "{list}");
    let id: i64 = list
        .split("id=\"review-")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .parse()
        .unwrap();

    // Returning needs a reason, asked for beside the entry.
    let (status, _) = post_form(
        &app,
        &format!("/reviews/{id}/decide"),
        &township,
        &[("decision", "return"), ("reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let asked = page_text(
        &app,
        &format!("/reviews?state=pending&refused={id}"),
        &township,
    )
    .await;
    assert!(asked.contains("退回时请填写原因"));
    let (status, _) = post_form(
        &app,
        &format!("/reviews/{id}/decide"),
        &township,
        &[("decision", "return"), ("reason", "出生医学证明编号未填")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let home = page_text(&app, "/", &cun).await;
    assert!(home.contains("被退回的登记"), "{home}");
    let returned = page_text(&app, "/reviews?state=returned", &cun).await;
    assert!(returned.contains("出生医学证明编号未填") && returned.contains("重新提交"));

    // Corrected and sent again, then approved.
    let (status, _) = post_form(
        &app,
        &format!("/reviews/{id}/resubmit"),
        &cun,
        &[("reason", "已补填编号")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = post_form(
        &app,
        &format!("/reviews/{id}/decide"),
        &township,
        &[("decision", "approve"), ("reason", "")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let home = page_text(&app, "/", &township).await;
    assert!(!home.contains("待审核"), "nothing waits: {home}");
    // A collector cannot approve.
    let (status, _) = post_form(
        &app,
        &format!("/reviews/{id}/decide"),
        &cun,
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn without_the_switch_entries_need_no_review(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cun = user_session(db, &app, "cun", Role::VillageCollector, "510104017001").await;
    collector_registers_a_birth(&app, &cun).await;
    let township = common::session(&app).await;
    let list = page_text(&app, "/reviews?region=510104017000", &township).await;
    assert!(list.contains("暂无待审核的登记"), "{list}");
}

async fn a_county_manager_sees_the_year_month_by_month_and_each_townships_work(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cun = user_session(db, &app, "cun", Role::VillageCollector, "510104017001").await;
    collector_registers_a_birth(&app, &cun).await;
    db.reconcile_csv(
        "police",
        "510104000000",
        "record_id,id_number,name,sex,birth_date,region_code\n\
         P1,510104198503120010,李明,1,1985-03-12,510104017001\n",
    )
    .await;
    let county = user_session(db, &app, "xian", Role::CountyManager, "510104000000").await;
    let page = page_text(&app, "/dashboard", &county).await;
    assert!(page.contains("锦江区综合情况"), "{page}");
    assert!(page.contains("近十二个月人口变动") && page.contains("<polyline"));
    assert_eq!(
        page.matches("/reports/changes?region=510104000000&amp;period=")
            .count(),
        12
    );
    assert!(page.contains("各地待办") && page.contains("锦官驿街道"));
    assert!(
        page.contains("/tasks?region=510104017000"),
        "work links to where it is done"
    );
    assert!(page.contains("本月录入进度"));
    // A township operator cannot open the county's.
    let township = common::session(&app).await;
    let (status, _, _) = fetch(&app, "/dashboard?region=510104000000", &township).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_engines!(
    a_collectors_birth_waits_for_the_township_and_comes_back_when_returned,
    without_the_switch_entries_need_no_review,
    a_county_manager_sees_the_year_month_by_month_and_each_townships_work,
);
