//! Statistics over HTTP on both engines: every level sees its own region's
//! figures, one row per region below it, exported as CSV and XLSX, drawn as
//! SVG; nobody sees another region's.

mod common;

use axum::http::StatusCode;
use common::{call, fetch, get, session, setup, user_session};
use renkou_domain::Role;
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

/// Two persons in township 017, one in township 018, one in 510107.
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n\
                      d,510104199202020029,赵丽,2,1992-02-02,510104018001,H2,02\n\
                      e,510107199001010026,孙红,2,1990-01-01,510107001004,H3,02\n";

async fn a_county_manager_sees_one_row_per_township(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let manager = user_session(db, &app, "zhou", Role::CountyManager, "510104000000").await;
    let (status, _, body) = call(
        &app,
        get("/api/v1/reports/population?region=510104000000", &manager),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["region"]["code"], "510104000000");
    let rows = body["rows"].as_array().unwrap();
    let row = |code: &str| {
        rows.iter()
            .find(|r| r["region_code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(row("510104017000")["total"], 2);
    assert_eq!(row("510104017000")["male"], 1);
    assert_eq!(row("510104017000")["female"], 1);
    assert_eq!(row("510104018000")["total"], 1);
    assert!(row("510104017000")["region_name"].as_str().unwrap().len() > 1);
    assert_eq!(
        body["total"]["total"], 3,
        "510107's resident is not counted in 510104"
    );
    // Households and the change report answer too.
    let (status, _, body) = call(
        &app,
        get(
            "/api/v1/reports/households?region=510104000000&level=county",
            &manager,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["rows"][0]["households"], 2);
    assert_eq!(body["rows"][0]["average_size"], 1.5);
    let (status, _, body) = call(
        &app,
        get(
            "/api/v1/reports/changes?region=510104000000&period=2026",
            &manager,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["period"], "2026");
}

async fn a_township_operator_cannot_see_another_townships_statistics(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let wang = session(&app).await;
    let (status, _, body) = call(
        &app,
        get("/api/v1/reports/population?region=510104018000", &wang),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap().contains("管辖范围"));
    let (status, _, _) = call(
        &app,
        get("/api/v1/reports/population?region=510104000000", &wang),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor the county around it");
    // Without a region, their own township.
    let (status, _, body) = call(&app, get("/api/v1/reports/population", &wang)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["region"]["code"], "510104017000");
    assert_eq!(body["total"]["total"], 2);
}

async fn bad_parameters_are_named(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let wang = session(&app).await;
    for (uri, field) in [
        ("/api/v1/reports/changes?period=2026-13", "period"),
        ("/api/v1/reports/population?date=2026-02-30", "date"),
        ("/api/v1/reports/population?level=planet", "level"),
        ("/api/v1/reports/population?format=pdf", "format"),
    ] {
        let (status, _, body) = call(&app, get(uri, &wang)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["field"], field, "{uri}");
    }
    let (status, _, _) = call(&app, get("/api/v1/reports/nonsense", &wang)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn reports_export_as_csv_and_xlsx_with_chinese_headings(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let wang = session(&app).await;
    let (status, kind, body) = fetch(&app, "/api/v1/reports/population?format=csv", &wang).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"));
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.starts_with("\u{feff}区划代码,区划名称,总人口"),
        "Chinese headings after the byte order mark Excel needs: {text}"
    );
    assert!(text.lines().last().unwrap().contains("(合计)"));
    let (status, _, body) = fetch(
        &app,
        "/api/v1/reports/population?format=csv&headings=keys",
        &wang,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.starts_with("region_code,region_name,total,male,female"),
        "keys on request, for programs: {text}"
    );
    let (status, kind, body) = fetch(&app, "/api/v1/reports/population?format=xlsx", &wang).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.contains("spreadsheetml"));
    assert_eq!(&body[..2], b"PK", "an XLSX file is a zip");
    // The headings and the frozen pane are in the sheet's XML.
    let strings = common::xlsx_part(&body, "xl/sharedStrings.xml");
    assert!(strings.contains("总人口") && strings.contains("区划名称"));
    let sheet = common::xlsx_part(&body, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("state=\"frozen\""));
}

async fn the_report_page_drills_down_and_draws_its_charts(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let manager = user_session(db, &app, "zhou", Role::CountyManager, "510104000000").await;
    let (status, _, body) = fetch(&app, "/reports/population?region=510104000000", &manager).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("人口性别年龄结构"));
    assert!(
        html.contains("/reports/population?region=510104017000"),
        "each township row drills down"
    );
    assert!(html.contains("导出 Excel"));
    assert!(html.contains("/charts/pyramid.svg?region=510104000000"));
    let (status, kind, body) =
        fetch(&app, "/charts/pyramid.svg?region=510104000000", &manager).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("image/svg+xml"));
    let svg = String::from_utf8(body).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("35-39"));
    assert!(svg.len() < 8_000, "a small chart: {} bytes", svg.len());
    let (status, kind, _) = fetch(
        &app,
        "/charts/births-deaths.svg?region=510104000000&period=2026",
        &manager,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("image/svg+xml"));
    let (status, _, _) = fetch(&app, "/reports", &manager).await;
    assert_eq!(status, StatusCode::OK);
}

on_both_engines!(
    a_county_manager_sees_one_row_per_township,
    a_township_operator_cannot_see_another_townships_statistics,
    bad_parameters_are_named,
    reports_export_as_csv_and_xlsx_with_chinese_headings,
    the_report_page_drills_down_and_draws_its_charts,
);

/// A household without a head, two records of one person, and records
/// without ethnicity (no such column).
const MESSY: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                     a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                     b,510104198807070024,王芳,2,1988-07-07,510104017001,H9,10\n\
                     c,,李明,1,1985-03-12,510104017002,H3,02\n";

async fn the_quality_report_counts_problems_and_lists_the_people_behind_them(db: &TestDb) {
    let app = setup(db, MESSY).await;
    let wang = session(&app).await;
    let (status, _, body) = call(&app, get("/api/v1/reports/quality", &wang)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let total = &body["total"];
    assert_eq!(total["living"], 3);
    assert_eq!(total["missing_ethnicity"], 3);
    assert_eq!(total["missing_id_number"], 1);
    assert_eq!(total["incomplete"], 3);
    assert_eq!(total["complete_rate"], 0.0);
    assert_eq!(
        total["household_without_head"], 1,
        "王芳's household H9 has no head"
    );
    assert_eq!(total["possible_duplicate"], 2, "李明 twice");
    // Each count links to its list; the list names the persons (and is audited).
    let (status, _, page) = fetch(&app, "/reports/quality", &wang).await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("/quality/possible_duplicate?region=510104017000"),
        "{page}"
    );
    let (status, _, list) = fetch(
        &app,
        "/quality/household_without_head?region=510104017000",
        &wang,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let list = String::from_utf8(list).unwrap();
    assert!(list.contains("王芳") && !list.contains("李明"), "{list}");
    let (status, _, _) = fetch(
        &app,
        "/quality/possible_duplicate?region=510104018000",
        &wang,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not another township's list");
}

on_both_engines!(the_quality_report_counts_problems_and_lists_the_people_behind_them);

async fn the_monthly_change_report_lists_each_event_of_the_month_by_kind(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let wang = session(&app).await;
    let li = common::person_id(&app, &wang, "510104198503120010").await;
    let mother = common::person_id(&app, &wang, "510104198807070024").await;
    let today = renkou_domain::date::today_in_china();
    let month = today.format("%Y-%m").to_string();
    let birth = serde_json::json!({"birth": {
        "child": {"name": "李小明", "sex": "1", "birth_date": today.to_string(), "residence": "510104017001"},
        "mother": mother
    }});
    let (status, _, body) = call(
        &app,
        common::send_json("POST", "/api/v1/events", &wang, birth),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let moving = serde_json::json!({"move_within": {"person": li, "to": "510104018001", "date": today.to_string()}});
    let (status, _, body) = call(
        &app,
        common::send_json("POST", "/api/v1/events", &wang, moving),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The village left behind lists the move, as does the one moved to.
    let (status, _, page) = fetch(
        &app,
        &format!("/change-report?region=510104017001&period={month}"),
        &wang,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("信息变更报告单"));
    assert!(
        page.contains("出生（1）") && page.contains("李小明"),
        "{page}"
    );
    assert!(page.contains("省内迁移（1）") && page.contains("李明"));
    assert!(page.contains("逾期登记（期末之后才录入）0 件"));
    let county = user_session(db, &app, "zhou", Role::CountyManager, "510104000000").await;
    let (_, _, page) = fetch(
        &app,
        &format!("/change-report?region=510104018001&period={month}"),
        &county,
    )
    .await;
    assert!(String::from_utf8(page).unwrap().contains("省内迁移（1）"));
    // Progress: one person entered and one changed in township 017 today.
    let (status, _, page) = fetch(
        &app,
        &format!("/progress?region=510104000000&period={month}"),
        &county,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.contains("锦官驿街道") || page.contains("东湖街道"),
        "{page}"
    );
    // A township operator may not open another township's change report.
    let (status, _, _) = fetch(
        &app,
        &format!("/change-report?region=510104018001&period={month}"),
        &wang,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_engines!(the_monthly_change_report_lists_each_event_of_the_month_by_kind);

async fn a_report_says_the_date_it_shows(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let wang = session(&app).await;
    for name in ["registration", "households", "quality"] {
        let uri = format!("/api/v1/reports/{name}?date=2015-01-01");
        let (status, _, body) = call(&app, get(&uri, &wang)).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{name} exists only as of today, so an earlier date is refused: {body}"
        );
        assert!(
            body["message"].as_str().unwrap().contains("只有当前数据"),
            "{body}"
        );
        let (status, _, bytes) = fetch(&app, &format!("/reports/{name}"), &wang).await;
        let page = String::from_utf8_lossy(&bytes);
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("当前数据（"), "the page says so: {page}");
        assert!(
            !page.contains("name=\"date\""),
            "and offers no date: {page}"
        );
    }
    // The changes report covers the last full month, not the days of this one.
    let (status, _, body) = call(&app, get("/api/v1/reports/changes", &wang)).await;
    assert_eq!(status, StatusCode::OK);
    let today = renkou_domain::date::today_in_china();
    let expected = renkou_domain::Period::last_full_month(today).to_string();
    assert_eq!(body["period"].as_str(), Some(expected.as_str()), "{body}");
}

on_both_engines!(a_report_says_the_date_it_shows);
