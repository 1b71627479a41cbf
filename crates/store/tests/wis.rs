//! A woman's card (WIS) on both engines: a pregnancy registered, checked and
//! ended in twins who are born in the register with their birth order; a
//! method started, changed and stopped; the rules that refuse what cannot
//! be; and the counters still equal to a recount after all of it.

use chrono::NaiveDate;
use renkou_domain::event::{EventDetails, EventKind};
use renkou_domain::rules::{Command, NewPerson, RuleViolation};
use renkou_domain::wis::rules::{ContraceptionAction, WisCommand};
use renkou_domain::wis::{CheckResult, IudCheckResult, Method, Outcome, WisRefusal};
use renkou_domain::{IdNumber, PersonId, PersonName, RegionCode, Sex};
use renkou_store::testing::TestDb;
use renkou_store::{EventMeta, StoreError, on_both_engines, person_as_of};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    day(2026, 11, 29)
}

fn meta() -> EventMeta {
    EventMeta {
        recorder: "jsz".into(),
        source: "test".into(),
    }
}

const VILLAGE: &str = "510104017001";

fn person(name: &str, sex: Sex, birth: NaiveDate, seq: Option<u16>) -> NewPerson {
    let village = RegionCode::parse(VILLAGE).unwrap();
    NewPerson {
        id_number: seq.map(|s| IdNumber::from_parts("510104", birth, s).unwrap()),
        ..NewPerson::new(PersonName::parse(name).unwrap(), sex, birth, village)
    }
}

async fn record(db: &TestDb, command: Command) -> Result<PersonId, StoreError> {
    db.store
        .record_at(&command, &meta(), today())
        .await
        .map(|r| r.person_id)
}

async fn woman(db: &TestDb) -> PersonId {
    record(
        db,
        Command::MoveIn {
            newcomer: person("王芳", Sex::Female, day(1992, 3, 4), Some(24)),
            date: day(2010, 1, 1),
            origin: None,
        },
    )
    .await
    .unwrap()
}

fn wis(command: WisCommand) -> Command {
    Command::Wis(command)
}

fn refusal(result: Result<PersonId, StoreError>) -> WisRefusal {
    match result {
        Err(StoreError::Rule(RuleViolation::Wis(r))) => r,
        other => panic!("expected a WIS refusal, got {other:?}"),
    }
}

async fn twins_are_born_of_a_pregnancy_with_their_birth_order(db: &TestDb) {
    let her = woman(db).await;
    // Her first child, registered as an ordinary birth.
    let first = Command::Birth {
        child: person("李一", Sex::Male, day(2018, 6, 1), None),
        mother: Some(her),
        father: None,
        details: Default::default(),
    };
    let first = record(db, first).await.unwrap();
    let pregnancy = WisCommand::Pregnancy {
        woman: her,
        last_period: day(2026, 1, 10),
        expected: None,
        date: day(2026, 3, 1),
    };
    record(db, wis(pregnancy.clone())).await.unwrap();
    let open = db.store.person(her).await.unwrap().unwrap();
    assert_eq!(open.pregnant_since, Some(day(2026, 1, 10)));
    assert_eq!(
        open.expected_delivery,
        Some(day(2026, 10, 17)),
        "280 days on"
    );
    // A second open pregnancy is refused.
    assert!(matches!(
        refusal(record(db, wis(pregnancy)).await),
        WisRefusal::OpenPregnancy { .. }
    ));
    record(
        db,
        wis(WisCommand::PregnancyCheck {
            woman: her,
            date: day(2026, 5, 1),
            result: CheckResult::parse("1").unwrap(),
            facility: None,
        }),
    )
    .await
    .unwrap();
    // An outcome before the pregnancy is refused, in Chinese.
    let early = refusal(
        record(
            db,
            wis(WisCommand::PregnancyOutcome {
                woman: her,
                date: day(2025, 12, 1),
                outcome: Outcome::parse("3").unwrap(),
                children: Vec::new(),
                father: None,
                health: None,
                facility: None,
                details: Default::default(),
            }),
        )
        .await,
    );
    assert_eq!(
        early.chinese(),
        "日期 2025-12-01 早于本次妊娠的末次月经 2026-01-10"
    );
    let born = day(2026, 10, 9);
    record(
        db,
        wis(WisCommand::PregnancyOutcome {
            woman: her,
            date: born,
            outcome: Outcome::live_birth(),
            children: vec![
                person("李二", Sex::Female, born, None),
                person("李三", Sex::Female, born, None),
            ],
            father: None,
            health: None,
            facility: None,
            details: Default::default(),
        }),
    )
    .await
    .unwrap();
    let ended = db.store.person(her).await.unwrap().unwrap();
    assert_eq!(
        (ended.pregnant_since, ended.expected_delivery),
        (None, None)
    );
    let children = db.store.children_of(her).await.unwrap();
    let orders: Vec<(String, Option<u8>)> = children
        .iter()
        .map(|c| (c.name.to_string(), c.birth_order))
        .collect();
    assert_eq!(
        orders,
        [
            ("李一".to_string(), Some(1)),
            ("李二".into(), Some(2)),
            ("李三".into(), Some(3))
        ],
        "twins each counted after her first child"
    );
    assert!(children.iter().all(|c| c.mother_id == Some(her)));
    let _ = first;
    // The outcome keeps what it was.
    let history = db.store.events_of(her).await.unwrap();
    let outcome = history
        .iter()
        .find(|e| e.kind == EventKind::PregnancyOutcome)
        .unwrap();
    let Some(EventDetails::Wis(details)) = &outcome.details else {
        panic!("the outcome's details are kept");
    };
    assert_eq!(details.outcome, Some(Outcome::live_birth()));
    assert_eq!(details.live_born, Some(2));
    let verify = db.store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:?}", verify.differences);
}

async fn a_method_is_started_changed_checked_and_stopped_by_its_rules(db: &TestDb) {
    let her = woman(db).await;
    let method = |action, code: Option<&str>, date| {
        wis(WisCommand::Contraception {
            woman: her,
            action,
            method: code.map(|c| Method::parse(c).unwrap()),
            facility: None,
            date,
        })
    };
    // Not before her fifteenth birthday.
    let young = refusal(
        record(
            db,
            method(ContraceptionAction::Start, Some("05"), day(2006, 1, 1)),
        )
        .await,
    );
    assert_eq!(
        young.chinese(),
        "避孕开始日期 2006-01-01 早于本人满 15 周岁（2007-03-04）"
    );
    // Nothing to change or stop yet; "none" is no method.
    assert_eq!(
        refusal(record(db, method(ContraceptionAction::Stop, None, day(2020, 1, 1))).await),
        WisRefusal::NoMethod
    );
    assert_eq!(
        refusal(
            record(
                db,
                method(ContraceptionAction::Start, Some("00"), day(2020, 1, 1))
            )
            .await
        ),
        WisRefusal::MethodMissing
    );
    record(
        db,
        method(ContraceptionAction::Start, Some("05"), day(2020, 1, 1)),
    )
    .await
    .unwrap();
    assert!(matches!(
        refusal(
            record(
                db,
                method(ContraceptionAction::Start, Some("03"), day(2021, 1, 1))
            )
            .await
        ),
        WisRefusal::MethodInUse(_)
    ));
    // An IUD check of a woman on the pill is refused; after the change it is not.
    let check = |date| {
        wis(WisCommand::IudCheck {
            woman: her,
            date,
            result: IudCheckResult::parse("1").unwrap(),
            facility: None,
        })
    };
    assert_eq!(
        refusal(record(db, check(day(2021, 1, 1))).await),
        WisRefusal::NotIud
    );
    record(
        db,
        method(ContraceptionAction::Change, Some("03"), day(2022, 5, 1)),
    )
    .await
    .unwrap();
    record(db, check(day(2022, 8, 1))).await.unwrap();
    let now = db.store.person(her).await.unwrap().unwrap();
    assert_eq!(now.contraception.map(|m| m.name()), Some("宫内节育器"));
    assert_eq!(now.contraception_since, Some(day(2022, 5, 1)));
    record(db, method(ContraceptionAction::Stop, None, day(2025, 1, 1)))
        .await
        .unwrap();
    let stopped = db.store.person(her).await.unwrap().unwrap();
    assert_eq!(stopped.contraception, None);
    // The card as it was: on the pill in 2021.
    let history = db.store.events_of(her).await.unwrap();
    let then = person_as_of(&stopped, &history, day(2021, 12, 31)).unwrap();
    assert_eq!(then.contraception.map(|m| m.code()), Some("05"));
    // A man has no card.
    let man = record(
        db,
        Command::MoveIn {
            newcomer: person("李明", Sex::Male, day(1990, 1, 1), Some(13)),
            date: day(2010, 1, 1),
            origin: None,
        },
    )
    .await
    .unwrap();
    let refused = refusal(
        record(
            db,
            wis(WisCommand::Visit {
                woman: man,
                date: day(2026, 1, 1),
                result: None,
            }),
        )
        .await,
    );
    assert_eq!(refused, WisRefusal::NotAWoman);
    let verify = db.store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:?}", verify.differences);
}

on_both_engines!(
    twins_are_born_of_a_pregnancy_with_their_birth_order,
    a_method_is_started_changed_checked_and_stopped_by_its_rules,
);

async fn the_contraception_and_births_reports_count_what_was_recorded(db: &TestDb) {
    use renkou_domain::report::{Cell, ReportName};
    use renkou_domain::wis::PolicyRule;
    use renkou_store::{ReportRequest, Scope, WriteContext};
    let today = renkou_domain::date::today_in_china();
    let her = woman(db).await;
    let husband = record(
        db,
        Command::MoveIn {
            newcomer: person("李明", Sex::Male, day(1990, 1, 1), Some(13)),
            date: day(2010, 1, 1),
            origin: None,
        },
    )
    .await
    .unwrap();
    db.store
        .record_at(
            &Command::Marriage {
                a: her,
                b: husband,
                date: day(2015, 5, 1),
            },
            &meta(),
            today,
        )
        .await
        .unwrap();
    let village = RegionCode::parse(VILLAGE).unwrap();
    let context = WriteContext {
        rules: renkou_store::Rules {
            policies: PolicyRule::defaults(),
            ..Default::default()
        },
        ..WriteContext::default()
    };
    let scope = Scope::new([village]);
    for (name, born) in [
        ("李一", day(2016, 3, 1)),
        ("李二", day(2019, 3, 1)),
        ("李三", day(2023, 3, 1)),
        ("李四", day(2025, 3, 1)),
    ] {
        let birth = Command::Birth {
            child: person(name, Sex::Female, born, None),
            mother: Some(her),
            father: Some(husband),
            details: Default::default(),
        };
        db.store
            .record_in(&birth, &meta(), &scope, &context)
            .await
            .unwrap();
    }
    record(
        db,
        wis(WisCommand::Contraception {
            woman: her,
            action: ContraceptionAction::Start,
            method: Method::parse("02").ok(),
            facility: None,
            date: day(2025, 6, 1),
        }),
    )
    .await
    .unwrap();
    let report = |name, period: Option<&str>| ReportRequest {
        name,
        region: RegionCode::parse("510104000000").unwrap(),
        level: Some(renkou_domain::RegionLevel::Township),
        date: None,
        period: period.map(|p| renkou_domain::Period::parse(p).unwrap()),
        today,
    };
    let contraception = db
        .store
        .report(&report(ReportName::Contraception, None))
        .await
        .unwrap();
    let total = &contraception.total;
    assert_eq!(total.get("married_women"), Some(Cell::Count(1)));
    assert_eq!(total.get("m02"), Some(Cell::Count(1)));
    assert_eq!(total.get("cpr"), Some(Cell::Ratio(Some(100.0))));
    // The province by county reads the county counters (on PostgreSQL their
    // arrays by birth year): the same woman.
    let province = db
        .store
        .report(&ReportRequest {
            region: RegionCode::parse("510000000000").unwrap(),
            level: Some(renkou_domain::RegionLevel::County),
            ..report(ReportName::Contraception, None)
        })
        .await
        .unwrap();
    assert_eq!(province.total.get("m02"), Some(Cell::Count(1)));
    let jinjiang = province
        .rows
        .iter()
        .find(|r| r.region_code.as_str() == "510104000000")
        .unwrap();
    let married = jinjiang.cells.iter().find(|(k, _)| k == "married_women");
    assert_eq!(married.map(|(_, c)| c), Some(&Cell::Count(1)));
    // On the day before the method started, she counted as not contracepting.
    let before = db
        .store
        .report(&ReportRequest {
            date: Some(day(2025, 5, 31)),
            ..report(ReportName::Contraception, None)
        })
        .await
        .unwrap();
    assert_eq!(before.total.get("cpr"), Some(Cell::Ratio(Some(0.0))));
    let births = db
        .store
        .report(&report(ReportName::Births, Some("2025")))
        .await
        .unwrap();
    let t = &births.total;
    assert_eq!(t.get("births"), Some(Cell::Count(1)));
    assert_eq!(
        t.get("order_3_plus"),
        Some(Cell::Count(1)),
        "her fourth child"
    );
    assert_eq!(
        t.get("mother_30_34"),
        Some(Cell::Count(1)),
        "born 1992, a mother of 33"
    );
    assert_eq!(
        t.get("policy_compliant"),
        Some(Cell::Count(0)),
        "a fourth birth is not"
    );
    assert_eq!(t.get("policy_compliant_rate"), Some(Cell::Ratio(Some(0.0))));
    let earlier = db
        .store
        .report(&report(ReportName::Births, Some("2016")))
        .await
        .unwrap();
    assert_eq!(
        earlier.total.get("policy_compliant_rate"),
        Some(Cell::Ratio(Some(100.0)))
    );
    let verify = db.store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:?}", verify.differences);
}

on_both_engines!(the_contraception_and_births_reports_count_what_was_recorded);
