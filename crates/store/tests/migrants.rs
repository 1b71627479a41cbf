//! Incoming migrant records on both engines: a resident reported living in
//! another county is matched and moved there, with the day he came and why;
//! a newcomer from another province is entered once however often reported;
//! a broken row is kept for correction; the inflow is counted where they
//! live and the outflow where they are registered, at any date; and the
//! same file again changes nothing.

use chrono::NaiveDate;
use renkou_domain::event::{EventDetails, EventKind};
use renkou_domain::report::ReportName;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{IdNumber, PersonId, PersonName, RegionCode, RegionLevel, Sex};
use renkou_store::testing::TestDb;
use renkou_store::{EventMeta, MigrantImportInput, ReportRequest, on_both_engines};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    day(2026, 11, 29)
}

/// Where they are registered and lived until now (锦江区).
const HOME: &str = "510104017001";
/// Where the worker lives now (武侯区, another county).
const WORK: &str = "510107001004";

fn id(birth: NaiveDate, seq: u16) -> IdNumber {
    IdNumber::from_parts("510104", birth, seq).unwrap()
}

async fn resident(db: &TestDb, name: &str, sex: Sex, birth: NaiveDate, seq: u16) -> PersonId {
    let home = RegionCode::parse(HOME).unwrap();
    let newcomer = NewPerson {
        id_number: Some(id(birth, seq)),
        hukou_region: Some(home),
        ..NewPerson::new(PersonName::parse(name).unwrap(), sex, birth, home)
    };
    let meta = EventMeta {
        recorder: "jsz".into(),
        source: "test".into(),
    };
    db.store
        .record_at(
            &Command::Registration {
                newcomer,
                date: day(2010, 1, 1),
            },
            &meta,
            today(),
        )
        .await
        .unwrap()
        .person_id
}

/// The worker 王小军 and enough other residents for the linkage engine to
/// learn what a match looks like.
async fn register(db: &TestDb) -> PersonId {
    // A county of another province, for the newcomer's registration.
    let chongqing = renkou_store::embedded_region_table(Some("500103")).unwrap();
    db.store.load_regions(&chongqing).await.unwrap();
    let worker = resident(db, "王小军", Sex::Male, day(1990, 7, 8), 13).await;
    let others = [
        "赵敏",
        "钱静",
        "孙娟",
        "周霞",
        "吴秀英",
        "郑玲",
        "冯桂英",
        "陈燕",
        "褚萍",
        "卫红",
        "蒋伟",
        "沈阳",
    ];
    for (k, name) in others.iter().enumerate() {
        let birth = day(1975 + k as i32, 1 + k as u32, 3 + k as u32);
        resident(db, name, Sex::Female, birth, 100 + 2 * k as u16).await;
    }
    worker
}

fn records() -> String {
    let worker = id(day(1990, 7, 8), 13);
    let newcomer = IdNumber::from_parts("500103", day(1995, 2, 2), 22).unwrap();
    let mut text = String::from(
        "record_id,id_number,name,sex,birth_date,region_code,hukou_region,arrival_date,reason,workplace,employer_phone\n",
    );
    // The worker, his number in lower case with spaces, his date in Chinese.
    text += &format!(
        " r1,{},王小军,1,1990年7月8日,{WORK},{HOME},2026-05-01,1,建筑工地,028-1234\n",
        worker.as_str()
    );
    // A woman from 重庆 the register never had, reported twice (once without her number).
    text += &format!(
        "r2,{},刘小梅,2,1995-02-02,{WORK},500103000000,2026-03-15,4,,\n",
        newcomer.as_str()
    );
    text += &format!("r3,,刘小梅,2,1995-02-02,{WORK},500103000000,2026-03-15,4,,\n");
    // A row without a readable arrival.
    text += &format!("r4,,李四,1,1980-01-01,{WORK},{HOME},不详,1,,\n");
    text
}

fn input(text: &str) -> MigrantImportInput {
    MigrantImportInput::read(text.as_bytes(), "migrants.csv", "police", "jsz").unwrap()
}

async fn county_row(db: &TestDb, date: Option<NaiveDate>, county: &str, key: &str) -> i64 {
    let report = db
        .store
        .report(&ReportRequest {
            name: ReportName::Migrants,
            region: RegionCode::parse("510100000000").unwrap(),
            level: Some(RegionLevel::County),
            date,
            period: None,
            today: today(),
        })
        .await
        .unwrap();
    report
        .rows
        .iter()
        .find(|r| r.region_code.as_str().starts_with(county))
        .and_then(|r| r.get(key))
        .and_then(|c| c.count())
        .unwrap_or(0)
}

async fn a_reported_migrant_is_matched_moved_and_counted_on_both_sides(db: &TestDb) {
    let worker = register(db).await;
    let report = db
        .store
        .import_migrants(input(&records()), today())
        .await
        .unwrap();
    assert_eq!(
        (report.matched, report.new, report.unsure, report.unreadable),
        (2, 1, 0, 1),
        "{report:?}"
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.line == 5 && p.column == "arrival_date"),
        "{:?}",
        report.problems
    );

    // The worker lives where he works now, since the day he came, and why.
    let him = db.store.person(worker).await.unwrap().unwrap();
    assert_eq!(him.residence.as_str(), WORK);
    assert_eq!(him.arrived_on, Some(day(2026, 5, 1)));
    let events = db.store.events_of(worker).await.unwrap();
    let arrival = events
        .iter()
        .find(|e| e.kind == EventKind::MigrantArrival)
        .expect("an arrival on his history");
    assert_eq!(arrival.source, "migrants:police");
    match &arrival.details {
        Some(EventDetails::Migrant(d)) => {
            assert_eq!(d.reason.map(|r| r.name()), Some("务工经商"));
            assert_eq!(d.workplace.as_deref(), Some("建筑工地"));
        }
        other => panic!("arrival details {other:?}"),
    }

    // Inflow where they live (the newcomer from outside the province too),
    // outflow where he is registered; before they came, nobody.
    assert_eq!(county_row(db, None, "510107", "inflow").await, 2);
    assert_eq!(
        county_row(db, None, "510107", "inflow_from_outside").await,
        1
    );
    assert_eq!(county_row(db, None, "510107", "inflow_6_12m").await, 2);
    assert_eq!(county_row(db, None, "510104", "outflow").await, 1);
    assert_eq!(
        county_row(db, Some(day(2026, 1, 1)), "510107", "inflow").await,
        0
    );
    assert_eq!(
        county_row(db, Some(day(2026, 1, 1)), "510104", "outflow").await,
        0
    );
    let verify = db.store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:?}", verify.differences);
    // The broken row is kept for correction.
    assert_eq!(db.store.counts().await.unwrap().pending, 1);

    // The same file again: nothing recorded, nobody entered twice.
    let again = db
        .store
        .import_migrants(input(&records()), today())
        .await
        .unwrap();
    assert_eq!(
        (again.events, again.new, again.unchanged),
        (0, 0, 3),
        "{again:?}"
    );
    assert_eq!(county_row(db, None, "510107", "inflow").await, 2);
}

async fn a_record_left_to_a_person_is_not_decided_by_a_later_run(db: &TestDb) {
    let worker = register(db).await;
    // An earlier delivery left record r1 to the village to decide.
    db.store
        .raise_tasks(
            "migrants:police",
            &[renkou_store::NewTask {
                kind: renkou_domain::verification::TaskKind::UnsureMatch,
                region: RegionCode::parse(HOME).unwrap(),
                person: Some(worker),
                record_id: Some("r1".into()),
                field: None,
                registry_value: None,
                source_value: Some("王小军 1990-07-08".into()),
                source_record: None,
            }],
        )
        .await
        .unwrap();
    // Sent again, now with his number: still the village's to decide.
    let report = db
        .store
        .import_migrants(input(&records()), today())
        .await
        .unwrap();
    assert_eq!(report.unsure, 1, "{report:?}");
    let him = db.store.person(worker).await.unwrap().unwrap();
    assert_eq!(
        him.residence.as_str(),
        HOME,
        "not moved behind the village's back"
    );
    assert!(
        !db.store
            .events_of(worker)
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::MigrantArrival)
    );
}

on_both_engines!(
    a_reported_migrant_is_matched_moved_and_counted_on_both_sides,
    a_record_left_to_a_person_is_not_decided_by_a_later_run
);
