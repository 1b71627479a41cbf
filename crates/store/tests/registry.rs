//! The registry's behaviour, the same on both engines: births, deaths,
//! marriages, moves and corrections as events, the rules that refuse
//! impossible ones, and the record as it was on an earlier day.

use chrono::NaiveDate;
use renkou_domain::event::{EventKind, Field};
use renkou_domain::rules::{Command, NewPerson, RuleViolation};
use renkou_domain::{IdNumber, LifeStatus, MaritalStatus, PersonId, PersonName, RegionCode, Sex};
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
        recorder: "wang".into(),
        source: "test".into(),
    }
}

const VILLAGE: &str = "510104017001";
const OTHER_VILLAGE: &str = "510107001004";

fn newcomer(name: &str, sex: Sex, birth: NaiveDate, id_seq: Option<u16>) -> NewPerson {
    NewPerson {
        id_number: id_seq.map(|s| IdNumber::from_parts("510104", birth, s).unwrap()),
        name: PersonName::parse(name).unwrap(),
        sex,
        birth_date: birth,
        ethnicity: None,
        residence: RegionCode::parse(VILLAGE).unwrap(),
        hukou_region: Some(RegionCode::parse(VILLAGE).unwrap()),
        hukou_type: None,
        household_id: None,
        relation: None,
        marital_status: None,
        education: None,
        birth_order: None,
    }
}

/// Registers an adult who moved in on 2000-01-01.
async fn adult(db: &TestDb, name: &str, sex: Sex, birth: NaiveDate, seq: u16) -> PersonId {
    let date = day(2000, 1, 1).max(birth);
    let command = Command::MoveIn {
        origin: None,
        newcomer: newcomer(name, sex, birth, Some(seq)),
        date,
    };
    db.store
        .record_at(&command, &meta(), today())
        .await
        .unwrap()
        .person_id
}

fn rule(err: StoreError) -> RuleViolation {
    match err {
        StoreError::Rule(r) => r,
        other => panic!("expected a rule violation, got {other}"),
    }
}

async fn a_birth_links_the_child_to_both_parents_and_starts_its_history(db: &TestDb) {
    let mother = adult(db, "王芳", Sex::Female, day(1990, 1, 1), 2).await;
    let father = adult(db, "李明", Sex::Male, day(1988, 5, 6), 1).await;
    let birth = Command::Birth {
        details: Default::default(),
        child: newcomer("李小龙", Sex::Male, day(2024, 3, 1), None),
        mother: Some(mother),
        father: Some(father),
    };
    let child = db
        .store
        .record_at(&birth, &meta(), today())
        .await
        .unwrap()
        .person_id;
    let person = db.store.person(child).await.unwrap().unwrap();
    assert_eq!(
        (person.mother_id, person.father_id),
        (Some(mother), Some(father))
    );
    let events = db.store.events_of(child).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Birth);
    assert_eq!(events[0].effective_date, day(2024, 3, 1));
    assert_eq!(events[0].recorder, "wang");
}

async fn no_event_is_recorded_after_death(db: &TestDb) {
    let p = adult(db, "张伟", Sex::Male, day(1950, 1, 1), 3).await;
    let death = Command::Death {
        person: p,
        date: day(2025, 6, 1),
    };
    db.store.record_at(&death, &meta(), today()).await.unwrap();
    let dead = db.store.person(p).await.unwrap().unwrap();
    assert_eq!(
        (dead.status, dead.death_date),
        (LifeStatus::Dead, Some(day(2025, 6, 1)))
    );
    let to = RegionCode::parse(OTHER_VILLAGE).unwrap();
    let err = db
        .store
        .record_at(
            &Command::MoveWithin {
                person: p,
                to,
                date: day(2025, 7, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap_err();
    assert!(matches!(rule(err), RuleViolation::AfterDeath { .. }));
    // Nothing half-written: still one death event only.
    assert_eq!(db.store.events_of(p).await.unwrap().len(), 2);
}

async fn a_mother_must_be_between_12_and_60(db: &TestDb) {
    let old = adult(db, "赵兰", Sex::Female, day(1950, 1, 1), 4).await;
    let birth = Command::Birth {
        details: Default::default(),
        child: newcomer("赵小", Sex::Female, day(2020, 1, 1), None),
        mother: Some(old),
        father: None,
    };
    let err = db
        .store
        .record_at(&birth, &meta(), today())
        .await
        .unwrap_err();
    assert_eq!(
        rule(err),
        RuleViolation::MotherAge {
            mother: old,
            age: 70
        }
    );
    let young = adult(db, "钱红", Sex::Female, day(2010, 6, 1), 6).await;
    let birth = Command::Birth {
        details: Default::default(),
        child: newcomer("钱小", Sex::Female, day(2021, 1, 1), None),
        mother: Some(young),
        father: None,
    };
    assert!(matches!(
        rule(
            db.store
                .record_at(&birth, &meta(), today())
                .await
                .unwrap_err()
        ),
        RuleViolation::MotherAge { age: 10, .. }
    ));
    assert_eq!(
        db.store.counts().await.unwrap().persons,
        2,
        "no child was registered"
    );
}

async fn nobody_marries_under_the_legal_age(db: &TestDb) {
    let man = adult(db, "孙强", Sex::Male, day(2004, 1, 1), 5).await;
    let woman = adult(db, "周丽", Sex::Female, day(2005, 1, 1), 8).await;
    let err = db
        .store
        .record_at(
            &Command::Marriage {
                a: man,
                b: woman,
                date: day(2025, 6, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        rule(err),
        RuleViolation::UnderMarriageAge {
            person: man,
            age: 21,
            minimum: 22
        }
    );
    db.store
        .record_at(
            &Command::Marriage {
                a: man,
                b: woman,
                date: day(2026, 1, 2),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap();
    let husband = db.store.person(man).await.unwrap().unwrap();
    assert_eq!(husband.spouse_id, Some(woman));
    assert_eq!(
        husband.marital_status,
        Some(MaritalStatus::first_marriage())
    );
}

async fn two_living_persons_cannot_share_an_identity_number(db: &TestDb) {
    adult(db, "吴刚", Sex::Male, day(1980, 2, 2), 11).await;
    let twin = Command::MoveIn {
        origin: None,
        newcomer: newcomer("吴强", Sex::Male, day(1980, 2, 2), Some(11)),
        date: day(2001, 1, 1),
    };
    let err = db
        .store
        .record_at(&twin, &meta(), today())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DuplicateIdNumber { .. }), "{err}");
}

async fn death_leaves_the_spouse_widowed(db: &TestDb) {
    let man = adult(db, "郑国", Sex::Male, day(1950, 1, 1), 13).await;
    let woman = adult(db, "冯梅", Sex::Female, day(1952, 1, 1), 14).await;
    db.store
        .record_at(
            &Command::Marriage {
                a: man,
                b: woman,
                date: day(1975, 1, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap();
    db.store
        .record_at(
            &Command::Death {
                person: man,
                date: day(2024, 1, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap();
    let widow = db.store.person(woman).await.unwrap().unwrap();
    assert_eq!(
        (widow.marital_status, widow.spouse_id),
        (Some(MaritalStatus::widowed()), None)
    );
}

async fn the_record_as_of_an_earlier_day_is_rebuilt_from_events(db: &TestDb) {
    let p = adult(db, "陈静", Sex::Female, day(1995, 3, 3), 16).await;
    let to = RegionCode::parse(OTHER_VILLAGE).unwrap();
    db.store
        .record_at(
            &Command::MoveWithin {
                person: p,
                to,
                date: day(2022, 5, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap();
    let fix = Command::Correction {
        person: p,
        field: Field::Name,
        value: Some("陈晶".into()),
        date: day(2023, 1, 1),
        reason: "户口簿为准".into(),
    };
    db.store.record_at(&fix, &meta(), today()).await.unwrap();
    let now = db.store.person(p).await.unwrap().unwrap();
    let events = db.store.events_of(p).await.unwrap();
    let before = person_as_of(&now, &events, day(2021, 12, 31)).unwrap();
    assert_eq!(
        (before.residence.as_str(), before.name.as_str()),
        (VILLAGE, "陈静")
    );
    let between = person_as_of(&now, &events, day(2022, 12, 31)).unwrap();
    assert_eq!(
        (between.residence.as_str(), between.name.as_str()),
        (OTHER_VILLAGE, "陈静")
    );
    assert_eq!(person_as_of(&now, &events, day(2026, 1, 1)).unwrap(), now);
    assert_eq!(
        person_as_of(&now, &events, day(1999, 1, 1)),
        None,
        "not yet moved in"
    );
}

async fn a_move_to_a_region_not_in_the_table_is_refused(db: &TestDb) {
    let p = adult(db, "褚亮", Sex::Male, day(1970, 1, 1), 17).await;
    let nowhere = RegionCode::parse("510104999999").unwrap();
    let err = db
        .store
        .record_at(
            &Command::MoveWithin {
                person: p,
                to: nowhere,
                date: day(2020, 1, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Region { .. }), "{err}");
}

async fn a_person_is_found_by_identity_number(db: &TestDb) {
    let p = adult(db, "卫东", Sex::Male, day(1966, 6, 6), 19).await;
    let number = db
        .store
        .person(p)
        .await
        .unwrap()
        .unwrap()
        .id_number
        .unwrap();
    let found = db
        .store
        .person_by_id_number(&number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, p);
}

async fn a_divorce_needs_two_spouses_and_frees_both_to_remarry(db: &TestDb) {
    let man = adult(db, "蒋文", Sex::Male, day(1980, 1, 1), 21).await;
    let woman = adult(db, "沈雪", Sex::Female, day(1982, 1, 1), 22).await;
    let other = adult(db, "韩梅", Sex::Female, day(1985, 1, 1), 24).await;
    let err = db
        .store
        .record_at(
            &Command::Divorce {
                a: man,
                b: woman,
                date: day(2010, 1, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap_err();
    assert_eq!(rule(err), RuleViolation::NotSpouses { a: man, b: woman });
    db.store
        .record_at(
            &Command::Marriage {
                a: man,
                b: woman,
                date: day(2005, 1, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap();
    let bigamy = db
        .store
        .record_at(
            &Command::Marriage {
                a: man,
                b: other,
                date: day(2008, 1, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap_err();
    assert_eq!(rule(bigamy), RuleViolation::AlreadyMarried(man));
    db.store
        .record_at(
            &Command::Divorce {
                a: man,
                b: woman,
                date: day(2010, 1, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap();
    db.store
        .record_at(
            &Command::Marriage {
                a: man,
                b: other,
                date: day(2012, 1, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap();
    let husband = db.store.person(man).await.unwrap().unwrap();
    assert_eq!(
        (husband.spouse_id, husband.marital_status),
        (Some(other), Some(MaritalStatus::remarried()))
    );
    let divorced = db.store.person(woman).await.unwrap().unwrap();
    assert_eq!(
        (divorced.spouse_id, divorced.marital_status),
        (None, Some(MaritalStatus::divorced()))
    );
}

async fn moving_out_of_the_province_and_back_keeps_one_record(db: &TestDb) {
    let p = adult(db, "杨帆", Sex::Male, day(1990, 1, 1), 25).await;
    let out = Command::MoveOut {
        person: p,
        date: day(2015, 3, 1),
        destination: Some("广东省深圳市".into()),
    };
    db.store.record_at(&out, &meta(), today()).await.unwrap();
    assert_eq!(
        db.store.person(p).await.unwrap().unwrap().status,
        LifeStatus::MovedOut
    );
    let elsewhere = RegionCode::parse(OTHER_VILLAGE).unwrap();
    let within = Command::MoveWithin {
        person: p,
        to: elsewhere,
        date: day(2016, 1, 1),
    };
    assert!(matches!(
        rule(
            db.store
                .record_at(&within, &meta(), today())
                .await
                .unwrap_err()
        ),
        RuleViolation::MovedOut { .. }
    ));
    let back = Command::MoveBack {
        person: p,
        to: elsewhere,
        date: day(2020, 6, 1),
    };
    db.store.record_at(&back, &meta(), today()).await.unwrap();
    let person = db.store.person(p).await.unwrap().unwrap();
    assert_eq!(
        (person.status, person.residence.as_str()),
        (LifeStatus::Active, OTHER_VILLAGE)
    );
    let kinds: Vec<EventKind> = db
        .store
        .events_of(p)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![EventKind::MoveIn, EventKind::MoveOut, EventKind::MoveIn]
    );
}

async fn a_registration_change_moves_the_hukou_not_the_residence(db: &TestDb) {
    let p = adult(db, "朱丽", Sex::Female, day(1992, 2, 2), 26).await;
    let hukou = RegionCode::parse(OTHER_VILLAGE).unwrap();
    let change = Command::RegistrationChange {
        person: p,
        hukou_region: Some(hukou),
        hukou_type: None,
        date: day(2021, 1, 1),
    };
    db.store.record_at(&change, &meta(), today()).await.unwrap();
    let person = db.store.person(p).await.unwrap().unwrap();
    assert_eq!(
        (person.hukou_region, person.residence.as_str()),
        (Some(hukou), VILLAGE)
    );
    assert!(
        person.is_migrant(),
        "living outside the hukou village makes a migrant"
    );
    let same = db
        .store
        .record_at(&change, &meta(), today())
        .await
        .unwrap_err();
    assert_eq!(rule(same), RuleViolation::NoChange);
}

async fn a_village_list_is_counted_sorted_filtered_and_found_by_pinyin(db: &TestDb) {
    use renkou_store::{NameMatch, PersonFilter, Scope, SortKey};
    let zhang = adult(db, "张三", Sex::Male, day(1980, 1, 1), 11).await;
    let zhao = adult(db, "赵丽", Sex::Female, day(1990, 1, 1), 12).await;
    let li = adult(db, "李四", Sex::Male, day(1950, 1, 1), 13).await;
    adult(db, "张%五", Sex::Male, day(1970, 1, 1), 14).await;
    db.store
        .record_at(
            &Command::Death {
                person: li,
                date: day(2025, 1, 1),
            },
            &meta(),
            today(),
        )
        .await
        .unwrap();
    let village = RegionCode::parse(VILLAGE).unwrap();
    let scope = Scope::new([village]);
    let list = async |filter: PersonFilter, sort, descending, offset, limit| {
        db.store
            .list_persons(
                Some(&village),
                &scope,
                &filter,
                sort,
                descending,
                offset,
                limit,
            )
            .await
            .unwrap()
    };
    let names = |page: &renkou_store::PersonPage| {
        page.persons
            .iter()
            .map(|p| p.name.to_string())
            .collect::<Vec<_>>()
    };
    // The total is the whole list's, not the page's.
    let first = list(PersonFilter::default(), SortKey::Name, false, 0, 2).await;
    assert_eq!(
        (first.total, names(&first)),
        (4, vec!["李四".to_string(), "张%五".into()])
    );
    let last = list(PersonFilter::default(), SortKey::Name, false, 2, 2).await;
    assert_eq!(names(&last), ["张三", "赵丽"]);
    let oldest_last = list(PersonFilter::default(), SortKey::BirthDate, true, 0, 1).await;
    assert_eq!(oldest_last.persons[0].id, zhao);
    // The living men born after 1960.
    let living_men = PersonFilter {
        status: Some(LifeStatus::Active),
        sex: Some(Sex::Male),
        born_from: Some(day(1960, 1, 1)),
        ..PersonFilter::default()
    };
    assert_eq!(
        names(&list(living_men, SortKey::Name, false, 0, 10).await),
        ["张%五", "张三"]
    );
    // Pinyin, initials, surname, part of a name; `%` typed means itself.
    let named = async |m: NameMatch| {
        names(
            &list(
                PersonFilter {
                    name: Some(m),
                    ..PersonFilter::default()
                },
                SortKey::Name,
                false,
                0,
                10,
            )
            .await,
        )
    };
    assert_eq!(named(NameMatch::Pinyin("zhangs".into())).await, ["张三"]);
    assert_eq!(named(NameMatch::Pinyin("zl".into())).await, ["赵丽"]);
    assert_eq!(
        named(NameMatch::StartsWith("张".into())).await,
        ["张%五", "张三"]
    );
    assert_eq!(named(NameMatch::Contains("%".into())).await, ["张%五"]);
    assert_eq!(named(NameMatch::Contains("三".into())).await, ["张三"]);
    // Another village's operator sees none of them.
    let other = Scope::new([RegionCode::parse(OTHER_VILLAGE).unwrap()]);
    let none = db
        .store
        .list_persons(
            Some(&village),
            &other,
            &PersonFilter::default(),
            SortKey::Name,
            false,
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!((none.total, none.persons.len()), (0, 0));
    let _ = zhang;
}

on_both_engines!(
    a_village_list_is_counted_sorted_filtered_and_found_by_pinyin,
    a_divorce_needs_two_spouses_and_frees_both_to_remarry,
    moving_out_of_the_province_and_back_keeps_one_record,
    a_registration_change_moves_the_hukou_not_the_residence,
    a_birth_links_the_child_to_both_parents_and_starts_its_history,
    no_event_is_recorded_after_death,
    a_mother_must_be_between_12_and_60,
    nobody_marries_under_the_legal_age,
    two_living_persons_cannot_share_an_identity_number,
    death_leaves_the_spouse_widowed,
    the_record_as_of_an_earlier_day_is_rebuilt_from_events,
    a_move_to_a_region_not_in_the_table_is_refused,
    a_person_is_found_by_identity_number,
);
