//! Verification tasks in the web interface, on both engines: each village
//! sees the findings it must verify, and no other village's.

mod common;

use axum::http::StatusCode;
use common::{csrf_of, form, setup, user_session};
use http_body_util::BodyExt;
use renkou_domain::{PersonId, RegionCode, Role};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use tower::ServiceExt;

/// 李明 and 王芳 in village 017001, 赵丽 in 018001.
const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n\
                      d,510104199202020029,赵丽,2,1992-02-02,510104018001,H2,02\n";

/// The police extract: 王芳 written 王芳芳, 赵丽 missing, a newcomer in 018001.
const POLICE: &str = "record_id,id_number,name,sex,birth_date,region_code\n\
                      P1,510104198503120010,李明,1,1985-03-12,510104017001\n\
                      P2,510104198807070024,王芳芳,2,1988-07-07,510104017001\n\
                      P3,,钱新,1,2020-06-01,510104018001\n";

/// Reconciles the police extract with county 510104.
async fn reconcile_police(db: &TestDb) -> renkou_store::SourceReconciliation {
    db.reconcile_csv("police", "510104000000", POLICE).await
}

async fn page(app: &axum::Router, uri: &str, cookie: &str) -> (StatusCode, String) {
    let (status, _, body) = common::fetch(app, uri, cookie).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn a_village_sees_the_findings_it_must_verify_and_no_other_villages(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let outcome = reconcile_police(db).await;
    assert_eq!(outcome.matched, 2);
    assert_eq!(outcome.tasks.raised, 3, "{outcome:?}");

    let village = user_session(db, &app, "cun017", Role::VillageCollector, "510104017001").await;
    let (status, body) = page(&app, "/tasks", &village).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("核查任务") && body.contains("信息不一致"),
        "{body}"
    );
    assert!(
        body.contains("王芳芳"),
        "the value the police wrote is shown: {body}"
    );
    assert!(
        body.contains("\">王芳</a></td>") && body.contains("<td data-label=\"项目\">姓名</td>"),
        "the person by name and the field by its label: {body}"
    );
    assert!(!body.contains(">name</td>"), "{body}");
    assert!(
        !body.contains("钱新"),
        "018001's newcomer is not 017001's task"
    );

    let other = user_session(db, &app, "cun018", Role::VillageCollector, "510104018001").await;
    let (_, body) = page(&app, "/tasks", &other).await;
    assert!(
        body.contains("钱新") && body.contains("库中未登记"),
        "{body}"
    );
    assert!(
        body.contains("来源中缺失"),
        "赵丽, whom the police lack: {body}"
    );
    assert!(!body.contains("王芳芳"));
    let (status, _) = page(&app, "/tasks?region=510104017001", &other).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another village's tasks are refused"
    );
    let (status, _) = page(&app, "/tasks.xlsx?region=510104017001", &other).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor exported");

    // The village's list as a workbook, to take along.
    let (status, _, body) = common::fetch(&app, "/tasks.xlsx", &other).await;
    assert_eq!(status, StatusCode::OK);
    let strings = common::xlsx_part(&body, "xl/sharedStrings.xml");
    assert!(
        strings.contains("钱新")
            && strings.contains("库中未登记")
            && strings.contains("村（社区）"),
        "{strings}"
    );

    let city = user_session(db, &app, "shi", Role::CityManager, "510100000000").await;
    let (_, body) = page(&app, "/tasks?region=510104018001", &city).await;
    assert!(
        body.contains("钱新") && !body.contains("510104199202020029"),
        "a city manager sees who, with the identity number masked: {body}"
    );

    let county_manager = user_session(db, &app, "xian", Role::CountyManager, "510104000000").await;
    let (status, body) = page(&app, "/tasks?region=510104000000", &county_manager).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("/tasks?region=510104017000") && body.contains("/tasks?region=510104018000"),
        "the county sees the progress of each township, with a link down: {body}"
    );
}

on_both_engines!(a_village_sees_the_findings_it_must_verify_and_no_other_villages);

async fn status_of(
    app: &axum::Router,
    request: axum::http::Request<axum::body::Body>,
) -> StatusCode {
    app.clone().oneshot(request).await.unwrap().status()
}

async fn a_collector_settles_a_task_and_a_correction_is_an_event(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    reconcile_police(db).await;
    let village017 = RegionCode::parse("510104017001").unwrap();
    let village018 = RegionCode::parse("510104018001").unwrap();
    let conflict = db
        .store
        .tasks_in(&village017, false, 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (conflict.kind.as_str(), conflict.field.as_str()),
        ("conflict", "name")
    );
    let missing = db
        .store
        .tasks_in(&village018, false, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.kind == "missing_in_source")
        .unwrap();

    let cun017 = user_session(db, &app, "cun017", Role::VillageCollector, "510104017001").await;
    let (_, body) = page(&app, "/tasks", &cun017).await;
    let csrf = csrf_of(&body);
    assert!(
        body.contains("按来源更正"),
        "a name conflict may be corrected from the source"
    );
    let resolve = format!("/tasks/{}/resolve", conflict.id);
    let no_reason = form(
        &resolve,
        &cun017,
        &[("csrf", &csrf), ("resolution", "correct"), ("reason", " ")],
    );
    let answer = app.clone().oneshot(no_reason).await.unwrap();
    assert_eq!(
        answer.status(),
        StatusCode::SEE_OTHER,
        "a reason is required"
    );
    let back = answer.headers()["location"].to_str().unwrap().to_string();
    assert!(back.ends_with(&format!("#task-{}", conflict.id)), "{back}");
    let (_, list) = page(&app, &back, &cun017).await;
    assert!(
        list.contains("<p class=\"error\" role=\"alert\">请填写核查说明</p>"),
        "the reason asked for beside the task, on the list: {list}"
    );
    assert!(
        list.contains("<option value=\"\" selected>请选择处理方式</option>"),
        "no choice is made for the collector: {list}"
    );
    let no_choice = form(&resolve, &cun017, &[("csrf", &csrf), ("reason", "核实")]);
    let answer = app.clone().oneshot(no_choice).await.unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let (_, list) = page(
        &app,
        answer.headers()["location"].to_str().unwrap(),
        &cun017,
    )
    .await;
    assert!(list.contains("请选择处理方式</p>"), "{list}");
    let death = form(
        &resolve,
        &cun017,
        &[
            ("csrf", &csrf),
            ("resolution", "record_death"),
            ("reason", "x"),
        ],
    );
    assert_eq!(
        status_of(&app, death).await,
        StatusCode::BAD_REQUEST,
        "a name conflict is no death"
    );
    let correct = form(
        &resolve,
        &cun017,
        &[
            ("csrf", &csrf),
            ("resolution", "correct"),
            ("reason", "户口本上为王芳芳"),
        ],
    );
    assert_eq!(status_of(&app, correct).await, StatusCode::SEE_OTHER);
    let person = db
        .store
        .person(PersonId(conflict.person_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        person.name.as_str(),
        "王芳芳",
        "the registry now says what the source said"
    );
    let history = db
        .store
        .events_of(PersonId(conflict.person_id))
        .await
        .unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.source.starts_with("verification:police")),
        "the correction is an event naming the reconciliation"
    );
    assert!(
        db.store
            .tasks_in(&village017, false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = form(
        &resolve,
        &cun017,
        &[
            ("csrf", &csrf),
            ("resolution", "keep_registry"),
            ("reason", "再次"),
        ],
    );
    assert_eq!(
        status_of(&app, again).await,
        StatusCode::CONFLICT,
        "a task is settled once"
    );

    // Another village's task is not there for this collector.
    let other = form(
        &format!("/tasks/{}/resolve", missing.id),
        &cun017,
        &[
            ("csrf", &csrf),
            ("resolution", "keep_registry"),
            ("reason", "x"),
        ],
    );
    assert_eq!(status_of(&app, other).await, StatusCode::NOT_FOUND);
    let cun018 = user_session(db, &app, "cun018", Role::VillageCollector, "510104018001").await;
    let (_, body) = page(&app, "/tasks", &cun018).await;
    let keep = form(
        &format!("/tasks/{}/resolve", missing.id),
        &cun018,
        &[
            ("csrf", &csrf_of(&body)),
            ("resolution", "keep_registry"),
            ("reason", "本人在村，派出所漏报"),
        ],
    );
    assert_eq!(status_of(&app, keep).await, StatusCode::SEE_OTHER);
    let settled = db
        .store
        .tasks_in(&village018, true, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.id == missing.id)
        .unwrap();
    assert_eq!(settled.status, "resolved");
    assert_eq!(settled.resolved_by.as_deref(), Some("cun018"));
    assert_eq!(settled.reason.as_deref(), Some("本人在村，派出所漏报"));
    let history = db
        .store
        .events_of(PersonId(missing.person_id))
        .await
        .unwrap();
    let checked = history
        .iter()
        .find(|e| e.kind == renkou_domain::EventKind::Verification)
        .expect("keeping the registry's record is an event of the person's history");
    assert!(checked.changes.is_empty(), "that changes nothing");
    assert_eq!(checked.recorder, "cun018");
}

on_both_engines!(a_collector_settles_a_task_and_a_correction_is_an_event);

/// The police extract upload: text fields and one CSV file.
fn upload(
    cookie: &str,
    fields: &[(&str, &str)],
    file: &str,
) -> axum::http::Request<axum::body::Body> {
    common::multipart(
        "/tasks/upload",
        cookie,
        fields,
        &[("file", "police.csv", file)],
    )
}

async fn a_county_uploads_a_police_extract_and_the_villages_get_its_findings(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let police = "record_id,id_number,name,sex,birth_date,region_code\n\
                  P1,510104198503120010,李明,1,1985-03-12,510104017001\n\
                  P2,510104198807070024,王芳芳,2,1988-07-07,510104017001\n\
                  P3,,钱新,1,2020-13-01,510104018001\n";
    let county = user_session(db, &app, "xian2", Role::CountyManager, "510104000000").await;
    let (_, form_page) = page(&app, "/tasks/upload", &county).await;
    let csrf = csrf_of(&form_page);
    let fields = [
        ("csrf", csrf.as_str()),
        ("source", "公安户籍"),
        ("region", "510104000000"),
    ];
    let answer = app
        .clone()
        .oneshot(upload(&county, &fields, police))
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("匹配 2 人"), "{body}");
    assert!(
        body.contains("2020-13-01"),
        "the unreadable date is listed with its line: {body}"
    );
    let village = RegionCode::parse("510104017001").unwrap();
    let tasks = db.store.tasks_in(&village, false, 10).await.unwrap();
    assert!(
        tasks
            .iter()
            .any(|t| t.kind == "conflict" && t.field == "name"),
        "{tasks:?}"
    );

    // The same extract again, from the township: nothing new is raised.
    let town = user_session(db, &app, "zhen017", Role::TownshipOperator, "510104017000").await;
    let (_, form_page) = page(&app, "/tasks/upload", &town).await;
    let csrf = csrf_of(&form_page);
    let fields = [
        ("csrf", csrf.as_str()),
        ("source", "公安户籍"),
        ("region", "510104017000"),
    ];
    let answer = app
        .clone()
        .oneshot(upload(&town, &fields, police))
        .await
        .unwrap();
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("新生成核查任务 0 条"));

    let not_csv = [
        ("csrf", csrf.as_str()),
        ("source", "x"),
        ("region", "510104017000"),
    ];
    let answer = app
        .clone()
        .oneshot(upload(&town, &not_csv, "id,name\n1,王\n"))
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        StatusCode::BAD_REQUEST,
        "a file without the register's columns is refused whole"
    );
    let outside = [
        ("csrf", csrf.as_str()),
        ("source", "x"),
        ("region", "510107000000"),
    ];
    let answer = app
        .clone()
        .oneshot(upload(&town, &outside, police))
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        StatusCode::FORBIDDEN,
        "not another district"
    );
    let analyst = user_session(db, &app, "sheng", Role::ProvinceAnalyst, "510000000000").await;
    let (_, form_page) = page(&app, "/tasks/upload", &analyst).await;
    assert!(
        form_page.contains("只能查询"),
        "an analyst reads figures, starts nothing"
    );
}

on_both_engines!(a_county_uploads_a_police_extract_and_the_villages_get_its_findings);

/// Sends an upload as the township operator of 510104017000 and gives the
/// status and page.
async fn upload_as_township(app: &axum::Router, cookie: &str, file: &str) -> (StatusCode, String) {
    let (_, form_page) = page(app, "/tasks/upload", cookie).await;
    let csrf = csrf_of(&form_page);
    let fields = [
        ("csrf", csrf.as_str()),
        ("source", "公安户籍"),
        ("region", "510104017000"),
    ];
    let answer = app
        .clone()
        .oneshot(upload(cookie, &fields, file))
        .await
        .unwrap();
    let status = answer.status();
    let body = answer.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Every open task of the district, whoever's village.
async fn open_tasks(db: &TestDb) -> usize {
    let district = RegionCode::parse("510100000000").unwrap();
    db.store
        .tasks_in(&district, false, 1000)
        .await
        .unwrap()
        .len()
}

async fn a_broken_upload_is_refused_whole_and_raises_nothing(db: &TestDb) {
    let mut settings = renkou_server::Settings::default();
    settings.server.max_upload_mib = 1;
    let app = common::setup_with(db, PEOPLE, settings).await;
    let town = user_session(db, &app, "zhen017", Role::TownshipOperator, "510104017000").await;
    let header = "record_id,id_number,name,sex,birth_date,region_code\n";
    let mut rows = String::new();
    for i in 0..20 {
        rows.push_str(&format!("P{i},,张{i},1,1980-01-01,510104017001\n"));
    }
    let stray_quote = format!("{header}P0,,\"李明,1,1985-03-12,510104017001\n{rows}");
    let oversized = format!(
        "{header}P0,,{},1,1985-03-12,510104017001\n",
        "长".repeat(5000)
    );
    let quote_to_the_end =
        format!("{header}P0,,李明,1,1985-03-12,\"510104017001\nP1,,王,1,1985-03-12,5101");
    for (what, file) in [
        ("a stray quote", stray_quote.as_str()),
        ("an oversized field", oversized.as_str()),
        ("a quote never closed", quote_to_the_end.as_str()),
        ("a header only", header),
    ] {
        let (status, body) = upload_as_township(&app, &town, file).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        assert_eq!(open_tasks(db).await, 0, "{what} raised tasks");
    }
    let too_large = format!("{header}{}", rows.repeat(5000));
    let (status, _) = upload_as_township(&app, &town, &too_large).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(open_tasks(db).await, 0);
}

async fn rows_outside_the_uploaders_regions_are_reported_and_raise_nothing(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    let town = user_session(db, &app, "zhen017", Role::TownshipOperator, "510104017000").await;
    let file = "record_id,id_number,name,sex,birth_date,region_code\n\
                P1,,钱新,1,1980-01-01,510104018001\n\
                P2,,孙立,1,1981-01-01,510100000000\n\
                P3,,周文,1,1982-01-01,510104017001\n";
    let (status, body) = upload_as_township(&app, &town, file).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("不在比对范围内的记录（2）"), "{body}");
    let elsewhere = RegionCode::parse("510104018000").unwrap();
    assert!(
        db.store
            .tasks_in(&elsewhere, false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let city = RegionCode::parse("510100000000").unwrap();
    let on_city_code = db.store.tasks_in(&city, false, 100).await.unwrap();
    assert!(
        on_city_code
            .iter()
            .all(|t| t.region_code.starts_with("510104017")),
        "{on_city_code:?}"
    );
}

async fn no_stored_value_can_break_the_task_list_or_its_workbook(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    // A name past Excel's 32,767 characters, as an old system's extract read
    // by the command line might hold (the web upload refuses such fields).
    let long = "长".repeat(40_000);
    let file =
        "record_id,id_number,name,sex,birth_date,region_code\nP1,,王,1,1980-01-01,510104017001\n";
    let reader = renkou_formats::RegisterReader::new(file.as_bytes(), "old.csv").unwrap();
    let (mut records, _) = renkou_store::source_records(reader).unwrap();
    records[0].name = long;
    let village = RegionCode::parse("510104017001").unwrap();
    db.store
        .reconcile_source("旧系统", &village, records)
        .await
        .unwrap();
    let county = user_session(db, &app, "xian2", Role::CountyManager, "510104000000").await;
    let (status, body) = page(&app, "/tasks?region=510104000000", &county).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !body.contains(&"长".repeat(201)),
        "the value is cut on the page"
    );
    let (status, _, workbook) =
        common::fetch(&app, "/tasks.xlsx?region=510104000000", &county).await;
    assert_eq!(status, StatusCode::OK);
    assert!(workbook.starts_with(b"PK"));
}

on_both_engines!(
    a_broken_upload_is_refused_whole_and_raises_nothing,
    rows_outside_the_uploaders_regions_are_reported_and_raise_nothing,
    no_stored_value_can_break_the_task_list_or_its_workbook,
);

async fn a_collector_finds_her_villages_open_work_on_the_home_page(db: &TestDb) {
    let app = setup(db, PEOPLE).await;
    reconcile_police(db).await;

    let village = user_session(db, &app, "cun018", Role::VillageCollector, "510104018001").await;
    let (status, home) = page(&app, "/", &village).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!home.contains("暂无待办事项"), "{home}");
    for (kind, label) in [
        ("missing_in_registry", "库中未登记"),
        ("missing_in_source", "来源中缺失"),
    ] {
        let link = format!("/tasks?region=510104018001&amp;kind={kind}");
        assert!(
            home.contains(&link) && home.contains(label),
            "{label} with a link to its list: {home}"
        );
    }
    assert!(
        !home.contains("信息不一致"),
        "017001's conflict is not her work"
    );
    // The link opens the tasks of that kind only.
    let (status, list) = page(
        &app,
        "/tasks?region=510104018001&kind=missing_in_registry",
        &village,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("钱新"), "{list}");
    assert!(list.contains("待核查：库中未登记（1）"), "{list}");
    let (status, _) = page(&app, "/tasks?kind=nonsense", &village).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let township = user_session(db, &app, "xiang", Role::TownshipOperator, "510104017000").await;
    let (_, home) = page(&app, "/", &township).await;
    assert!(
        home.contains("/tasks?region=510104017000&amp;kind=conflict")
            && home.contains("信息不一致"),
        "the township sees its villages' work: {home}"
    );

    let city = user_session(db, &app, "shi", Role::CityManager, "510100000000").await;
    let (_, home) = page(&app, "/", &city).await;
    assert!(
        !home.contains("/events/move_in"),
        "a city manager, who records no event, is not offered the move-in form: {home}"
    );
}

on_both_engines!(a_collector_finds_her_villages_open_work_on_the_home_page);
