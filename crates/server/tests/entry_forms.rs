//! The entry forms as a township operator fills them, over HTTP on both
//! engines: a birth carries what a birth registration carries and the
//! newborn joins the household complete; villages are picked by name, never
//! typed as codes; a correction offers the field's own labels.

mod common;

use axum::http::StatusCode;
use common::{call, page_text, post_form, session, setup};
use renkou_domain::quality::Check;
use renkou_domain::{PersonId, RegionCode};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation,marital_status,hukou_type\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02,20,1\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10,20,1\n";

async fn mother(app: &axum::Router, cookie: &str) -> i64 {
    common::person_id(app, cookie, "510104198807070024").await
}

async fn a_newborn_joins_the_household_as_the_heads_child_and_is_complete(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let mother = mother(&app, &cookie).await;
    let blank = page_text(&app, &format!("/persons/{mother}/events/birth"), &cookie).await;
    assert!(blank.contains("出生医学证明编号") && blank.contains("出生地"));
    assert!(blank.contains("与户主关系") && blank.contains("随本人入户"));
    assert!(
        blank.contains("<optgroup label=\"锦官驿街道\">")
            && blank.contains(">水井坊社区居委会</option>"),
        "the operator's villages offered by name"
    );
    let (status, to) = post_form(
        &app,
        &format!("/persons/{mother}/events/birth"),
        &cookie,
        &[
            ("name", "李小红"),
            ("sex", "2"),
            ("birth_date", "2026-10-01"),
            ("ethnicity", "01"),
            ("birthplace", "四川省成都市锦江区妇幼保健院"),
            ("certificate", "q510012345"),
            ("residence", "510104017001"),
            ("household", "join"),
            ("relation", ""),
            ("other_parent", "510104198503120010"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let child_page = page_text(&app, &to, &cookie).await;
    assert!(
        child_page.contains("出生医学证明编号：Q510012345"),
        "{child_page}"
    );
    assert!(child_page.contains("出生地：四川省成都市锦江区妇幼保健院"));
    let child: i64 = to
        .trim_start_matches("/persons/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let record = db.store.person(PersonId(child)).await.unwrap().unwrap();
    assert_eq!(record.relation.map(|r| r.name()), Some("女"));
    assert_eq!(record.marital_status.map(|m| m.name()), Some("未婚"));
    assert_eq!(
        record.hukou_type,
        Some(renkou_domain::HukouType::parse("1").unwrap())
    );
    // The newborn fails none of the quality checks that count missing items.
    let village = RegionCode::parse("510104017001").unwrap();
    let failing = db
        .store
        .list_persons(
            Some(&village),
            &renkou_store::Scope::new([village]),
            &renkou_store::PersonFilter {
                failing: Some(Check::Missing(renkou_domain::Field::Relation)),
                ..Default::default()
            },
            renkou_store::SortKey::Name,
            false,
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!(failing.total, 0, "nobody lacks a relation");

    // The household lists the relation of each and marks the head.
    let household = record.household_id.unwrap();
    let page = page_text(&app, &format!("/households/{household}"), &cookie).await;
    assert!(page.contains("<th>与户主关系</th>"));
    assert!(page.contains("户主：李明"));
    assert!(page.contains("<strong class=\"badge\">户主</strong>"));
    assert!(page.contains("李小红") && page.contains(">女<"));
    assert!(page.contains("水井坊社区居委会"), "regions by name");
    assert!(!page.contains(">510104017001<"));
}

async fn a_bad_certificate_number_is_named_beside_its_field(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let mother = mother(&app, &cookie).await;
    let (status, page) = post_form(
        &app,
        &format!("/persons/{mother}/events/birth"),
        &cookie,
        &[
            ("name", "李小红"),
            ("sex", "2"),
            ("birth_date", "2026-10-01"),
            ("ethnicity", "01"),
            ("certificate", "12345"),
            ("residence", "510104017001"),
            ("household", "join"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"certificate-error\""), "{page}");
    assert!(page.contains("应为 1 个字母加 9 位数字"));
}

async fn a_move_is_entered_by_village_name_and_a_shared_name_offers_a_choice(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let mother = mother(&app, &cookie).await;
    let uri = format!("/persons/{mother}/events/move_within");
    // 永兴社区 is the name of a community in 锦江区 and another in 武侯区.
    let (status, page) = post_form(
        &app,
        &uri,
        &cookie,
        &[("to", "永兴社区"), ("date", "2026-10-01")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("对应 2 个区划，请从列表中选择"), "{page}");
    assert!(page.contains("<option value=\"510104018003\">"), "{page}");
    assert!(page.contains("<option value=\"510107014003\">"));
    // Part of the path says which.
    let (status, to) = post_form(
        &app,
        &uri,
        &cookie,
        &[("to", "东湖街道永兴"), ("date", "2026-10-01")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let moved = db.store.person(PersonId(mother)).await.unwrap().unwrap();
    assert_eq!(moved.residence.as_str(), "510104018003");
    // A name nobody has.
    let (status, page) = post_form(
        &app,
        &format!(
            "/persons/{}/events/move_within",
            common::person_id(&app, &cookie, "510104198503120010").await
        ),
        &cookie,
        &[("to", "不存在的社区"), ("date", "2026-10-01")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("未找到名为“不存在的社区”的区划"));
}

async fn a_newcomer_is_entered_with_where_from_and_where_registered(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let blank = page_text(&app, "/events/move_in", &cookie).await;
    assert!(blank.contains("迁出地") && blank.contains("户籍地"));
    let (status, to) = post_form(
        &app,
        "/events/move_in",
        &cookie,
        &[
            ("name", "周强"),
            ("sex", "1"),
            ("birth_date", "1990-05-05"),
            ("ethnicity", "01"),
            ("residence", "510104017002"),
            ("hukou_region", "锦里社区"),
            ("origin", "重庆市渝中区解放碑街道"),
            ("date", "2026-09-01"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let page = page_text(&app, &to, &cookie).await;
    assert!(page.contains("迁出地：重庆市渝中区解放碑街道"), "{page}");
    assert!(page.contains("锦里社区居委会"), "the hukou region by name");
}

async fn a_correction_asks_for_the_field_first_then_offers_its_labels(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let cookie = session(&app).await;
    let mother = mother(&app, &cookie).await;
    let first = page_text(
        &app,
        &format!("/persons/{mother}/events/correction"),
        &cookie,
    )
    .await;
    assert!(first.contains("method=\"get\"") && first.contains("下一步"));
    let second = page_text(
        &app,
        &format!("/persons/{mother}/events/correction?field=marital_status"),
        &cookie,
    )
    .await;
    assert!(
        second.contains("<output id=\"field\">婚姻状况</output>"),
        "{second}"
    );
    assert!(second.contains(">丧偶</option>"), "the code table by label");
    assert!(!second.contains("代码或日期"));
    let education = page_text(
        &app,
        &format!("/persons/{mother}/events/correction?field=education"),
        &cookie,
    )
    .await;
    assert!(
        education.contains(">大学本科</option>") || education.contains(">大学本科毕业</option>")
    );
    let (status, to) = post_form(
        &app,
        &format!("/persons/{mother}/events/correction"),
        &cookie,
        &[
            ("field", "ethnicity"),
            ("value", "02"),
            ("date", "2026-10-01"),
            ("reason", "户口簿为蒙古族"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, _, person) = call(
        &app,
        common::get(&format!("/api/v1/persons/{mother}"), &cookie),
    )
    .await;
    assert_eq!(person["person"]["ethnicity"], "02", "{person}");
}

on_both_engines!(
    a_newborn_joins_the_household_as_the_heads_child_and_is_complete,
    a_bad_certificate_number_is_named_beside_its_field,
    a_move_is_entered_by_village_name_and_a_shared_name_offers_a_choice,
    a_newcomer_is_entered_with_where_from_and_where_registered,
    a_correction_asks_for_the_field_first_then_offers_its_labels,
);
