//! Converting a legacy WIS export (换) on both engines: a card found in the
//! register brings what the register lacked (a child, a stillbirth, her
//! method) and nothing twice; a card found nowhere is a task for its
//! village to enter her (补录); a card that disagrees with the register is
//! a task to verify (核); a row that cannot be read is kept for correction;
//! and a run cut short is taken up where it stopped.

use chrono::NaiveDate;
use renkou_domain::event::EventKind;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::wis::rules::{ContraceptionAction, WisCommand};
use renkou_domain::wis::{Method, PolicyRule};
use renkou_domain::{IdNumber, PersonId, PersonName, RegionCode, Sex};
use renkou_store::testing::TestDb;
use renkou_store::{ConversionInput, EventMeta, on_both_engines};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const TODAY: (i32, u32, u32) = (2026, 11, 29);

fn today() -> NaiveDate {
    day(TODAY.0, TODAY.1, TODAY.2)
}

const VILLAGE: &str = "510104017001";

fn id(birth: NaiveDate, seq: u16) -> IdNumber {
    IdNumber::from_parts("510104", birth, seq).unwrap()
}

async fn enter(db: &TestDb, command: Command) -> PersonId {
    let meta = EventMeta {
        recorder: "jsz".into(),
        source: "test".into(),
    };
    db.store
        .record_at(&command, &meta, today())
        .await
        .unwrap()
        .person_id
}

async fn move_in(db: &TestDb, name: &str, sex: Sex, birth: NaiveDate, seq: u16) -> PersonId {
    let village = RegionCode::parse(VILLAGE).unwrap();
    let newcomer = NewPerson {
        id_number: Some(id(birth, seq)),
        ..NewPerson::new(PersonName::parse(name).unwrap(), sex, birth, village)
    };
    enter(
        db,
        Command::MoveIn {
            newcomer,
            date: day(2010, 1, 1),
            origin: None,
        },
    )
    .await
}

/// The register before the conversion: 王芳 married to 李强 with their son
/// 李一; 张丽 on the IUD; and enough other women for the linkage engine to
/// learn what a match looks like.
async fn register(db: &TestDb) -> (PersonId, PersonId) {
    let wang = move_in(db, "王芳", Sex::Female, day(1992, 3, 4), 24).await;
    let li = move_in(db, "李强", Sex::Male, day(1990, 7, 8), 13).await;
    enter(
        db,
        Command::Marriage {
            a: wang,
            b: li,
            date: day(2016, 5, 1),
        },
    )
    .await;
    let village = RegionCode::parse(VILLAGE).unwrap();
    let son = NewPerson::new(
        PersonName::parse("李一").unwrap(),
        Sex::Male,
        day(2018, 6, 1),
        village,
    );
    enter(
        db,
        Command::Birth {
            child: son,
            mother: Some(wang),
            father: Some(li),
            details: Default::default(),
        },
    )
    .await;
    let zhang = move_in(db, "张丽", Sex::Female, day(1988, 9, 10), 42).await;
    enter(
        db,
        Command::Wis(WisCommand::Contraception {
            woman: zhang,
            action: ContraceptionAction::Start,
            method: Method::parse("02").ok(),
            facility: None,
            date: day(2015, 1, 1),
        }),
    )
    .await;
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
    ];
    for (k, name) in others.iter().enumerate() {
        let birth = day(1980 + k as i32, 1 + k as u32, 3 + k as u32);
        move_in(db, name, Sex::Female, birth, 100 + 2 * k as u16).await;
    }
    (wang, zhang)
}

fn export() -> (String, String) {
    let wang = id(day(1992, 3, 4), 24);
    let zhang = id(day(1988, 9, 10), 42);
    let mut women = String::from(
        "card_id,id_number,name,birth_date,region_code,marital_status,marriage_date,spouse_name,spouse_id_number,method,method_start,pregnant_since,old_note\n",
    );
    // 王芳 with her number in the old 15-digit form and her date in Chinese.
    let old = format!("{}{}", &wang.as_str()[..6], &wang.as_str()[8..17]);
    women +=
        &format!("K1,{old},王芳,1992年3月4日,{VILLAGE},20,2016-05-01,李强,,03,2019-01-05,,老卡\n");
    women += &format!("K2,,刘小梅,1995-02-02,{VILLAGE},20,,,,07,2022-01-01,,\n");
    women += &format!("K3,{zhang},张丽,1988-09-10,{VILLAGE},20,,,,03,2015-01-01,,\n");
    women += &format!("K4,,陈晓,1990-02-30,{VILLAGE},10,,,,,,,\n");
    let children = "card_id,name,id_number,sex,birth_date,outcome,health,alive\n\
        K1,李一,,1,2018-06-02,1,1,1\n\
        K1,,,2,2016-12-01,2,,0\n\
        K1,李二,,2,2025-03-01,1,1,1\n\
        K3,赵某,,男,不详,1,,1\n"
        .to_string();
    (women, children)
}

fn input(women: &str, children: &str) -> ConversionInput {
    ConversionInput::read(
        women.as_bytes(),
        "women.csv",
        children.as_bytes(),
        "children.csv",
        "xian",
        "jsz",
    )
    .unwrap()
}

async fn a_card_brings_what_the_register_lacked_and_disagreements_become_tasks(db: &TestDb) {
    let (wang, zhang) = register(db).await;
    let (women, children) = export();
    let policies = PolicyRule::defaults();
    let report = db
        .store
        .convert_wis_cards(input(&women, &children), &policies, today())
        .await
        .unwrap();
    assert_eq!(
        (
            report.cards,
            report.converted,
            report.unmatched,
            report.conflicting,
            report.unreadable
        ),
        (4, 2, 1, 1, 1),
        "{report:?}"
    );
    assert_eq!(report.unreadable_children, 1);
    let placed: Vec<(&str, u64, &str)> = report
        .problems
        .iter()
        .map(|p| (p.file.as_str(), p.line, p.column.as_str()))
        .collect();
    assert!(
        placed.contains(&("women.csv", 5, "birth_date")),
        "{placed:?}"
    );
    assert!(
        placed.contains(&("children.csv", 5, "birth_date")),
        "{placed:?}"
    );

    // 王芳: her second child born in the register with birth order 2, her
    // stillbirth on her history, her method started — and 李一 not again.
    let her = db.store.person(wang).await.unwrap().unwrap();
    let kids = db.store.card(her.clone()).await.unwrap().children;
    let orders: Vec<(String, Option<u8>)> = kids
        .iter()
        .map(|c| (c.name.to_string(), c.birth_order))
        .collect();
    assert_eq!(
        orders,
        [("李一".to_string(), Some(1)), ("李二".to_string(), Some(2))]
    );
    assert_eq!(her.contraception.map(|m| m.code()), Some("03"));
    let kinds: Vec<EventKind> = db
        .store
        .events_of(wang)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.source == "wis:xian")
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Pregnancy,
            EventKind::PregnancyOutcome,
            EventKind::ContraceptionStart
        ]
    );
    // The card's unknown column stays with her link.
    let (linked, extra) = db
        .store
        .source_record("wis:xian", "K1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked, wang);
    assert_eq!(extra.unwrap()["old_note"], "老卡");

    // 张丽's card says IUD where the register says sterilisation: verify, not overwrite.
    let zhang_now = db.store.person(zhang).await.unwrap().unwrap();
    assert_eq!(zhang_now.contraception.map(|m| m.code()), Some("02"));
    let village = RegionCode::parse(VILLAGE).unwrap();
    let tasks = db.store.tasks_in(&village, true, 100).await.unwrap();
    let mut found: Vec<(&str, &str, &str)> = tasks
        .iter()
        .filter(|t| t.source == "wis:xian")
        .map(|t| (t.kind.as_str(), t.record_id.as_str(), t.field.as_str()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("conflict", "K3", "contraception"),
            ("conflict", "K3", "marital_status"),
            ("missing_in_registry", "K2", "")
        ],
        "the village verifies 张丽's method and the marriage her card says she has, and enters 刘小梅"
    );
    // The unreadable card and child row are kept for correction.
    assert_eq!(db.store.counts().await.unwrap().pending, 2);

    // The same files again change nothing.
    let events = db.store.counts().await.unwrap().events;
    let again = db
        .store
        .convert_wis_cards(input(&women, &children), &policies, today())
        .await
        .unwrap();
    assert_eq!(
        (
            again.converted,
            again.unchanged,
            again.conflicting,
            again.unmatched
        ),
        (2, 2, 1, 1)
    );
    assert_eq!((again.events, again.tasks), (0, 0));
    assert_eq!(db.store.counts().await.unwrap().events, events);
    assert_eq!(db.store.counts().await.unwrap().pending, 2);
    let verify = db.store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:?}", verify.differences);
}

async fn a_conversion_cut_short_is_taken_up_where_it_stopped(db: &TestDb) {
    let (wang, _) = register(db).await;
    let (women, children) = export();
    let policies = PolicyRule::defaults();
    // The first run got through 王芳's card only.
    let first: String = women.lines().take(2).map(|l| format!("{l}\n")).collect();
    db.store
        .convert_wis_cards(input(&first, &children), &policies, today())
        .await
        .unwrap();
    let events = db.store.events_of(wang).await.unwrap().len();
    let rest = db
        .store
        .convert_wis_cards(input(&women, &children), &policies, today())
        .await
        .unwrap();
    assert_eq!(rest.unchanged, 1, "王芳's card is not converted twice");
    assert_eq!(rest.converted, 2);
    assert_eq!(db.store.events_of(wang).await.unwrap().len(), events);
}

on_both_engines!(
    a_card_brings_what_the_register_lacked_and_disagreements_become_tasks,
    a_conversion_cut_short_is_taken_up_where_it_stopped,
);
