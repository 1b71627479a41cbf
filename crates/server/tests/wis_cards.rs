//! Women of childbearing age over HTTP, on both engines: the card's events
//! are recorded and read only under a grant that opens the `wis`
//! subsystem; everyone else sees the woman without them.

mod common;

use axum::http::StatusCode;
use common::{call, get, page_text, post_form, send_json, setup, user_session};
use renkou_domain::Role;
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use serde_json::json;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation,marital_status\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02,20\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10,20\n";

async fn a_pregnancy_is_recorded_by_the_family_planning_officer_and_hidden_from_others(
    db: &TestDb,
) {
    let app = setup(db, PEOPLE).await;
    let operator = common::session(&app).await;
    let officer = user_session(db, &app, "jsz", Role::FamilyPlanningOfficer, "510104017000").await;
    let her = common::person_id(&app, &operator, "510104198807070024").await;
    let pregnancy = json!({"wis": {"pregnancy": {
        "woman": her, "last_period": "2026-09-01", "date": "2026-10-20"}}});
    // The township operator's grant does not open the cards.
    let (status, _, body) = call(
        &app,
        send_json("POST", "/api/v1/events", &operator, pregnancy.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["message"], "您没有育龄妇女信息的登记权限");
    let (status, _, body) = call(
        &app,
        send_json("POST", "/api/v1/events", &officer, pregnancy.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A second one is refused in Chinese, naming nothing but the rule.
    let (status, _, body) = call(
        &app,
        send_json("POST", "/api/v1/events", &officer, pregnancy),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["message"],
        "已登记在孕（末次月经 2026-09-01），请先登记本次妊娠的结局"
    );

    let uri = format!("/api/v1/persons/{her}");
    let (_, _, seen) = call(&app, get(&uri, &officer)).await;
    assert_eq!(seen["person"]["pregnant_since"], "2026-09-01");
    assert!(
        seen["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "pregnancy")
    );
    let (_, _, hidden) = call(&app, get(&uri, &operator)).await;
    assert_eq!(hidden["person"]["pregnant_since"], serde_json::Value::Null);
    assert!(
        !hidden["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "pregnancy"),
        "{hidden}"
    );
    let (_, _, page) = common::fetch(&app, &format!("/persons/{her}"), &operator).await;
    assert!(!String::from_utf8(page).unwrap().contains("孕情登记"));
}

async fn the_officer_keeps_the_card_through_pregnancy_twins_and_a_method(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let officer = user_session(db, &app, "jsz", Role::FamilyPlanningOfficer, "510104017000").await;
    let her = common::person_id(&app, &officer, "510104198807070024").await;
    let card = format!("/persons/{her}/card");
    let blank = page_text(&app, &card, &officer).await;
    assert!(blank.contains("育龄妇女信息卡") && blank.contains("未孕") && blank.contains("未避孕"));
    assert!(
        blank.contains(&format!("/persons/{her}/events/pregnancy\"")),
        "{blank}"
    );
    let person_page = page_text(&app, &format!("/persons/{her}"), &officer).await;
    assert!(
        person_page.contains("育龄妇女信息卡"),
        "one click from her page"
    );

    let (status, to) = post_form(
        &app,
        &format!("/persons/{her}/events/pregnancy"),
        &officer,
        &[
            ("last_period", "2026-01-20"),
            ("expected", ""),
            ("date", "2026-03-01"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert!(to.starts_with(&card), "back to the card: {to}");
    let pregnant = page_text(&app, &to, &officer).await;
    assert!(pregnant.contains("已完成：孕情登记"));
    assert!(
        pregnant.contains("在孕：末次月经 2026-01-20，预产期 2026-10-27"),
        "{pregnant}"
    );
    // Twins, born on the day of the outcome, join her household.
    let (status, to) = post_form(
        &app,
        &format!("/persons/{her}/events/pregnancy_outcome"),
        &officer,
        &[
            ("outcome", "1"),
            ("date", "2026-10-20"),
            ("child1_name", "李大宝"),
            ("child1_sex", "1"),
            ("child2_name", "李二宝"),
            ("child2_sex", "2"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let born = page_text(&app, &card, &officer).await;
    assert!(born.contains("未孕") && born.contains("李大宝") && born.contains("李二宝"));
    assert!(
        born.contains("<td data-label=\"孩次\">2</td>"),
        "twins each counted: {born}"
    );
    assert!(born.contains("活产 2 胎"));
    // A method, then an IUD check refused for a woman on the pill, beside its field.
    let (status, _) = post_form(
        &app,
        &format!("/persons/{her}/events/contraception_start"),
        &officer,
        &[("method", "05"), ("date", "2026-12-01")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, refused) = post_form(
        &app,
        &format!("/persons/{her}/events/iud_check"),
        &officer,
        &[("date", "2026-12-02"), ("result", "1")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("现用避孕方法不是宫内节育器"), "{refused}");

    // The card in the API, to the officer only.
    let (status, _, body) = call(&app, get(&format!("/api/v1/wis/cards/{her}"), &officer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["present_children"], 2);
    assert_eq!(body["children"][1]["birth_order"], 2);
    assert_eq!(body["woman"]["contraception"], "05");
    let operator = common::session(&app).await;
    let (status, _, _) = call(&app, get(&format!("/api/v1/wis/cards/{her}"), &operator)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = common::fetch(&app, &card, &operator).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_engines!(
    a_pregnancy_is_recorded_by_the_family_planning_officer_and_hidden_from_others,
    the_officer_keeps_the_card_through_pregnancy_twins_and_a_method,
);

/// Records a command as the officer; panics when refused.
async fn recorded(app: &axum::Router, cookie: &str, command: serde_json::Value) -> i64 {
    let (status, _, body) = call(app, send_json("POST", "/api/v1/events", cookie, command)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["person_id"].as_i64().unwrap()
}

async fn the_month_s_work_lists_name_who_is_due_and_reach_the_home_page(db: &TestDb) {
    use chrono::{Datelike, Months};
    let app = setup(db, PEOPLE).await;
    let officer = user_session(db, &app, "jsz", Role::FamilyPlanningOfficer, "510104017000").await;
    let today = renkou_domain::date::today_in_china();
    let first = today.with_day(1).unwrap();
    // 王芳 delivers this month.
    let wang = common::person_id(&app, &officer, "510104198807070024").await;
    let expected = first + chrono::Duration::days(14);
    let lmp = expected - chrono::Duration::days(280);
    recorded(
        &app,
        &officer,
        json!({"wis": {"pregnancy": {
        "woman": wang, "last_period": lmp, "date": today}}}),
    )
    .await;
    // 赵丽 had an IUD put in three months before this month's sixth.
    let zhao = recorded(
        &app,
        &officer,
        json!({"move_in": {"newcomer": {
        "name": "赵丽", "sex": "2", "birth_date": "1993-04-04", "residence": "510104017002"},
        "date": "2015-01-01"}}),
    )
    .await;
    let inserted = (first + chrono::Duration::days(5))
        .checked_sub_months(Months::new(3))
        .unwrap();
    recorded(
        &app,
        &officer,
        json!({"wis": {"contraception": {
        "woman": zhao, "action": "start", "method": "03", "date": inserted}}}),
    )
    .await;
    // 孙倩 married a month ago and has no method.
    let sun = recorded(
        &app,
        &officer,
        json!({"move_in": {"newcomer": {
        "name": "孙倩", "sex": "2", "birth_date": "1998-02-02", "residence": "510104017001"},
        "date": "2015-01-01"}}),
    )
    .await;
    let groom = recorded(
        &app,
        &officer,
        json!({"move_in": {"newcomer": {
        "name": "周强", "sex": "1", "birth_date": "1996-02-02", "residence": "510104017001"},
        "date": "2015-01-01"}}),
    )
    .await;
    let wedding = today - chrono::Duration::days(30);
    recorded(
        &app,
        &officer,
        json!({"marriage": {"a": sun, "b": groom, "date": wedding}}),
    )
    .await;
    // 钱小妹 turns fifteen this month.
    let born = first.with_year(first.year() - 15).unwrap();
    recorded(
        &app,
        &officer,
        json!({"move_in": {"newcomer": {
        "name": "钱小妹", "sex": "2", "birth_date": born, "residence": "510104017001"},
        "date": born}}),
    )
    .await;

    let home = page_text(&app, "/", &officer).await;
    for title in [
        "本月预产及逾期未报妊娠结局",
        "节育器检查到期",
        "新婚未落实避孕措施",
        "本月满15周岁",
    ] {
        assert!(home.contains(title), "{title} on the home page: {home}");
    }
    let index = page_text(&app, "/wis/lists?region=510104017000", &officer).await;
    assert!(index.contains("育龄妇女工作清单"));
    let delivery = page_text(
        &app,
        "/wis/lists?region=510104017000&kind=delivery",
        &officer,
    )
    .await;
    assert!(
        delivery.contains("王芳") && delivery.contains(&format!("预产期：{expected}")),
        "{delivery}"
    );
    assert!(delivery.contains("共 1 人"));
    let iud = page_text(
        &app,
        "/wis/lists?region=510104017000&kind=iud_check",
        &officer,
    )
    .await;
    assert!(iud.contains("赵丽") && iud.contains("本月"), "{iud}");
    let (status, kind, xlsx) = common::fetch(
        &app,
        "/wis/lists?region=510104017000&kind=newly_married&format=xlsx",
        &officer,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.contains("spreadsheetml"));
    assert!(common::xlsx_part(&xlsx, "xl/sharedStrings.xml").contains("孙倩"));
    // Without the wis grant: no lists, no counts.
    let operator = common::session(&app).await;
    assert!(!page_text(&app, "/", &operator).await.contains("育龄妇女"));
    let (status, _, _) = common::fetch(&app, "/wis/lists?region=510104017000", &operator).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_engines!(the_month_s_work_lists_name_who_is_due_and_reach_the_home_page);

/// A register of a few women of two townships, numbers made valid.
fn register_of_women() -> String {
    let mut csv = String::from(
        "record_id,id_number,name,sex,birth_date,region_code,household_no,relation,marital_status\n",
    );
    let women = [
        ("王芳", "1988-07-07", "510104017001"),
        ("赵敏", "1985-01-03", "510104017001"),
        ("钱静", "1990-02-04", "510104017002"),
        ("孙娟", "1992-03-05", "510104017002"),
        ("周霞", "1986-04-06", "510104017001"),
        ("吴燕", "1991-05-07", "510104018001"),
    ];
    for (k, (name, birth, village)) in women.iter().enumerate() {
        let day = chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
        let id = renkou_domain::IdNumber::from_parts("510104", day, 20 + 2 * k as u16).unwrap();
        csv += &format!("w{k},{id},{name},2,{birth},{village},H{k},02,20\n");
    }
    csv
}

async fn a_township_officer_converts_the_old_cards_of_her_villages_only(db: &TestDb) {
    let people = register_of_women();
    let app = setup(db, &people).await;
    let officer = user_session(db, &app, "jsz", Role::FamilyPlanningOfficer, "510104017000").await;
    let wang = people
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_string();
    let wu = people
        .lines()
        .nth(6)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_string();
    let women = format!(
        "card_id,id_number,name,birth_date,region_code,marital_status,method,method_start\n\
         K1,{wang},王芳,1988-07-07,510104017001,20,03,2020-04-01\n\
         K2,,刘梅,1993-06-06,510104017002,20,,\n\
         K3,{wu},吴燕,1991-05-07,510104018001,20,05,2021-01-01\n\
         K4,,陈晓,1990-02-30,510104017001,10,,\n"
    );
    let children = "card_id,name,sex,birth_date,outcome,alive\nK1,李小龙,1,2019-05-05,1,1\n";
    let form = page_text(&app, "/wis/import", &officer).await;
    let csrf = common::csrf_of(&form);
    let fields = [("csrf", csrf.as_str()), ("source", "原县计生系统")];
    let files = [
        ("women", "women.csv", women.as_str()),
        ("children", "children.csv", children),
    ];
    let (status, _, body) = common::send(
        &app,
        common::multipart("/wis/import", &officer, &fields, &files),
    )
    .await;
    let body = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("读取信息卡 4 张"), "{body}");
    assert!(body.contains("转换 1 张"), "{body}");
    assert!(
        body.contains("未找到本人 1 张"),
        "刘梅 is for her village to enter: {body}"
    );
    assert!(body.contains("无法读取 1 张"), "{body}");
    assert!(
        body.contains("1990-02-30"),
        "the bad date is shown with its line: {body}"
    );
    assert!(
        body.contains("不在您管辖范围内的信息卡（1）") && body.contains("K3"),
        "吴燕 lives in another township: {body}"
    );
    // 王芳's card: her son is born in the register, her IUD recorded.
    let her = common::person_id(&app, &officer, &wang).await;
    let (_, _, card) = call(&app, get(&format!("/api/v1/wis/cards/{her}"), &officer)).await;
    assert_eq!(card["children"][0]["name"], "李小龙", "{card}");
    assert_eq!(card["woman"]["contraception"], "03", "{card}");
    // 吴燕 of the other township is untouched.
    let wu_person = db
        .store
        .person_by_id_number(&renkou_domain::IdNumber::parse(&wu).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(wu_person.contraception, None);

    // A township operator without the cards' grant converts nothing.
    let operator = common::session(&app).await;
    let refused = page_text(&app, "/wis/import", &operator).await;
    assert!(refused.contains("您没有录入育龄妇女信息的权限"));
    let csrf = common::csrf_of(&refused);
    let fields = [("csrf", csrf.as_str()), ("source", "原县计生系统")];
    let (status, _, _) = common::send(
        &app,
        common::multipart("/wis/import", &operator, &fields, &files),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_engines!(a_township_officer_converts_the_old_cards_of_her_villages_only);
