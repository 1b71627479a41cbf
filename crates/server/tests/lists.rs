//! Person lists as a township operator uses them, over HTTP on both engines:
//! the whole list's total, numbered pages, sorting by a column, filters,
//! search by part of a name, surname or pinyin, and the whole list printed
//! and exported — every person shown audited.

mod common;

use axum::http::StatusCode;
use common::{fetch, session, setup, test_key};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

const SURNAMES: [&str; 6] = ["张", "王", "李", "赵", "陈", "刘"];
const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"];

/// 120 persons in two villages of the operator's township (60 each, men
/// and women alternating, born 1950–2009), and 5 in another township.
fn register() -> String {
    let mut csv = String::from("record_id,id_number,name,sex,birth_date,region_code\n");
    for i in 0..125 {
        let village = match i {
            0..60 => "510104017001",
            60..120 => "510104017002",
            _ => "510104018001",
        };
        let name = format!(
            "{}{}{}",
            SURNAMES[i % 6],
            GIVEN[(i / 6) % 10],
            GIVEN[(i / 60) % 10]
        );
        let sex = if i % 2 == 0 { 1 } else { 2 };
        let year = 1950 + (i % 60);
        csv.push_str(&format!("r{i},,{name},{sex},{year}-06-01,{village}\n"));
    }
    csv
}

async fn page(app: &axum::Router, uri: &str, cookie: &str) -> String {
    let (status, _, body) = fetch(app, uri, cookie).await;
    assert_eq!(status, StatusCode::OK, "{uri}");
    String::from_utf8(body).unwrap()
}

/// The persons' names in the order the page lists them.
fn names(html: &str) -> Vec<String> {
    html.split("href=\"/persons/")
        .skip(1)
        .filter_map(|rest| rest.split('>').nth(1)?.split('<').next())
        .map(str::to_string)
        .collect()
}

async fn a_township_list_shows_its_whole_total_and_pages_to_the_last(db: &TestDb) {
    let app = setup(db, &register()).await;
    let cookie = session(&app).await;
    let first = page(&app, "/regions/510104017000", &cookie).await;
    assert!(first.contains("共 120 人"), "the total, not the page size");
    assert!(first.contains("第 1 / 3 页"));
    assert!(first.contains("末页"));
    assert!(
        first.contains("锦官驿街道"),
        "the breadcrumb names the township"
    );
    assert!(first.contains("水井坊社区居委会"), "residence by name");
    assert!(
        !first.contains(">510104017001<"),
        "no village code as a value"
    );
    assert_eq!(names(&first).len(), 50);
    let last = page(&app, "/regions/510104017000?page=3", &cookie).await;
    assert_eq!(names(&last).len(), 20);
    assert!(last.contains("上一页") && !last.contains("下一页"));
    let printed = page(&app, "/regions/510104017000?format=print", &cookie).await;
    assert_eq!(names(&printed).len(), 120, "printing prints the whole list");
}

async fn a_list_sorts_by_a_column_and_filters_by_sex_age_and_village(db: &TestDb) {
    let app = setup(db, &register()).await;
    let cookie = session(&app).await;
    let oldest = page(&app, "/regions/510104017000?sort=birth_date", &cookie).await;
    assert!(oldest.contains("1950-06-01"));
    let youngest = page(
        &app,
        "/regions/510104017000?sort=birth_date&desc=1",
        &cookie,
    )
    .await;
    let first_row = youngest.split("<tbody>").nth(1).unwrap();
    assert!(first_row.find("2009-06-01") < first_row.find("1950-06-01").or(Some(usize::MAX)));
    // Women aged 20 to 29 in the second village.
    let women = page(
        &app,
        "/regions/510104017000?sex=2&age_from=20&age_to=29&within=510104017002",
        &cookie,
    )
    .await;
    let count = women
        .split("共 ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap();
    assert_eq!(count, "5", "{women}");
    assert!(women.contains("selected"), "the form keeps the filter");
    let wrong = page(&app, "/regions/510104017000?age_from=30&age_to=20", &cookie).await;
    assert!(wrong.contains("起始年龄不能大于截止年龄"));
    let elsewhere = page(&app, "/regions/510104017000?within=510104018001", &cookie).await;
    assert!(elsewhere.contains("所选区划不在本名单范围内"));
}

async fn a_person_is_found_by_surname_part_of_the_name_or_pinyin(db: &TestDb) {
    let app = setup(db, &register()).await;
    let cookie = session(&app).await;
    let surname = page(&app, "/search?q=%E8%B5%B5", &cookie).await; // 赵
    assert!(surname.contains("共 20 人"), "赵 in the township only");
    assert!(names(&surname).iter().all(|n| n.starts_with('赵')));
    let pinyin = page(&app, "/search?q=zhao", &cookie).await;
    assert!(pinyin.contains("共 20 人"));
    let initials = page(&app, "/search?q=zww", &cookie).await; // 张伟伟, 赵伟伟
    assert_eq!(names(&initials), ["张伟伟", "赵伟伟"]);
    let typed = page(&app, "/search?q=Zhang%20Weiw", &cookie).await;
    assert_eq!(names(&typed), ["张伟伟"]);
    let part = page(&app, "/search?q=%E4%BC%9F%E4%BC%9F", &cookie).await; // 伟伟
    assert!(names(&part).iter().all(|n| n.ends_with("伟伟")));
    assert!(!names(&part).is_empty());
}

async fn the_whole_list_exports_with_chinese_headings_and_every_row_is_audited(db: &TestDb) {
    let app = setup(db, &register()).await;
    let cookie = session(&app).await;
    let (status, kind, csv) = fetch(&app, "/regions/510104017001?format=csv", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"));
    assert!(csv.starts_with("\u{feff}".as_bytes()), "Excel reads UTF-8");
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains("姓名,性别,出生日期"));
    assert_eq!(text.lines().count(), 61, "heading and the 60 villagers");
    assert!(text.contains("水井坊社区居委会"));
    let (_, _, keys) = fetch(&app, "/regions/510104017001?format=csv&keys=1", &cookie).await;
    assert!(keys.starts_with(b"name,sex,birth_date"));
    let (status, _, xlsx) = fetch(&app, "/regions/510104017001?format=xlsx", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(common::xlsx_part(&xlsx, "xl/sharedStrings.xml").contains("与户主关系"));
    db.store.chain_pending_audit(&test_key()).await.unwrap();
    let reads = db
        .store
        .audit_entries(&renkou_store::AuditFilter {
            person_id: None,
            actor: Some("wang".into()),
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "read_person")
        .count();
    assert_eq!(reads, 180, "each export read the 60 persons it holds");
}

async fn another_townships_people_stay_out_of_every_list(db: &TestDb) {
    let app = setup(db, &register()).await;
    let cookie = session(&app).await;
    let county = page(&app, "/regions/510104000000", &cookie).await;
    assert!(
        county.contains("共 120 人"),
        "a county list shows the operator's part"
    );
    let other = page(&app, "/regions/510104018000", &cookie).await;
    assert!(other.contains("共 0 人"));
    let (_, _, csv) = fetch(&app, "/regions/510104018001?format=csv", &cookie).await;
    assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 1);
}

on_both_engines!(
    a_township_list_shows_its_whole_total_and_pages_to_the_last,
    a_list_sorts_by_a_column_and_filters_by_sex_age_and_village,
    a_person_is_found_by_surname_part_of_the_name_or_pinyin,
    the_whole_list_exports_with_chinese_headings_and_every_row_is_audited,
    another_townships_people_stay_out_of_every_list,
);
