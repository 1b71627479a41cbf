//! Reward and special support rolls (奖励扶助 / 特别扶助) on both engines:
//! the register decides who is paid, each verdict has its reason, the
//! reasons add up, the same register gives the same roll, last year's roll
//! shows who is new and who left, and a township's roll goes up for review
//! township → county → city.

use chrono::NaiveDate;
use renkou_domain::cases::DeadlineRule;
use renkou_domain::codes::HukouType;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::support::SupportProgram;
use renkou_domain::{PersonId, PersonName, RegionCode, Sex};
use renkou_store::testing::TestDb;
use renkou_store::{Change, Decision, EventMeta, Scope, StoreError, on_both_engines};

const VILLAGE: &str = "510104017001";
const TOWNSHIP: &str = "510104017000";
const COUNTY: &str = "510104000000";
const CITY: &str = "510100000000";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn program(key: &str) -> SupportProgram {
    SupportProgram::defaults()
        .into_iter()
        .find(|p| p.key == key)
        .unwrap()
}

async fn record(db: &TestDb, command: Command) -> PersonId {
    let meta = EventMeta {
        recorder: "collector1".into(),
        source: "web".into(),
    };
    db.store
        .record_at(&command, &meta, day(2026, 12, 1))
        .await
        .unwrap()
        .person_id
}

async fn person(db: &TestDb, name: &str, sex: Sex, born: i32, hukou: &str) -> PersonId {
    let newcomer = NewPerson {
        hukou_region: Some(code(VILLAGE)),
        hukou_type: Some(HukouType::parse(hukou).unwrap()),
        ..NewPerson::new(
            PersonName::parse(name).unwrap(),
            sex,
            day(born, 3, 1),
            code(VILLAGE),
        )
    };
    record(
        db,
        Command::Registration {
            newcomer,
            date: day(2000, 1, 1),
        },
    )
    .await
}

async fn couple(db: &TestDb, names: [&str; 2], born: [i32; 2]) -> (PersonId, PersonId) {
    let husband = person(db, names[0], Sex::Male, born[0], "2").await;
    let wife = person(db, names[1], Sex::Female, born[1], "2").await;
    record(
        db,
        Command::Marriage {
            a: husband,
            b: wife,
            date: day(born[0].max(born[1]) + 25, 5, 1),
        },
    )
    .await;
    (husband, wife)
}

async fn child(
    db: &TestDb,
    parents: (PersonId, PersonId),
    name: &str,
    sex: Sex,
    born: i32,
) -> PersonId {
    let child = NewPerson {
        hukou_region: Some(code(VILLAGE)),
        ..NewPerson::new(
            PersonName::parse(name).unwrap(),
            sex,
            day(born, 6, 1),
            code(VILLAGE),
        )
    };
    record(
        db,
        Command::Birth {
            child,
            mother: Some(parents.1),
            father: Some(parents.0),
            details: Default::default(),
        },
    )
    .await
}

fn verdict(roll: &renkou_store::Roll, person: PersonId) -> (bool, &str) {
    let e = roll
        .entries
        .iter()
        .find(|e| e.person_id == person.0)
        .expect("the person is on the roll");
    (e.eligible, e.reason.as_str())
}

async fn rural_parents_of_one_child_are_rewarded_and_every_other_verdict_says_why(db: &TestDb) {
    let one = couple(db, ["张大山", "李秀英"], [1960, 1962]).await;
    child(db, one, "张小明", Sex::Male, 1988).await;
    let two = couple(db, ["王建国", "赵桂兰"], [1958, 1960]).await;
    child(db, two, "王小兵", Sex::Male, 1986).await;
    child(db, two, "王小红", Sex::Female, 1989).await;
    let girls = couple(db, ["刘长水", "陈玉梅"], [1963, 1967]).await;
    child(db, girls, "刘丽", Sex::Female, 1990).await;
    child(db, girls, "刘芳", Sex::Female, 1992).await;
    let urban = person(db, "孙志强", Sex::Male, 1950, "1").await;

    let reward = program("reward");
    let roll = db
        .store
        .compute_roll(&reward, 2026, &code(TOWNSHIP))
        .await
        .unwrap();
    assert_eq!(verdict(&roll, one.0), (true, "现存一个子女"));
    assert_eq!(verdict(&roll, one.1), (true, "现存一个子女"));
    assert_eq!(verdict(&roll, girls.0), (true, "现存两个女孩"));
    assert!(verdict(&roll, two.0).1.starts_with("子女情况不符"));
    assert_eq!(verdict(&roll, urban), (false, "本人非农业户口"));
    assert_eq!(
        verdict(&roll, girls.1),
        (false, "未满60周岁"),
        "she is 59 in 2026: born 1967"
    );
    assert_eq!(roll.eligible().count(), 3);
    assert_eq!(roll.total_amount(), 3 * 960);
    let reasons = roll.reasons();
    let sum = |eligible: bool| -> i64 {
        reasons
            .iter()
            .filter(|r| r.eligible == eligible)
            .map(|r| r.count)
            .sum()
    };
    assert_eq!(sum(true), 3);
    assert_eq!(sum(true) + sum(false), roll.entries.len() as i64);
    let again = db
        .store
        .compute_roll(&reward, 2026, &code(TOWNSHIP))
        .await
        .unwrap();
    assert_eq!(again, roll, "the same register gives the same roll");
    // Another township holds none of them.
    let other = db
        .store
        .compute_roll(&reward, 2026, &code("510104018000"))
        .await
        .unwrap();
    assert!(other.entries.is_empty());
}

async fn parents_whose_only_child_died_get_special_support(db: &TestDb) {
    let bereaved = couple(db, ["周德福", "吴秀兰"], [1970, 1974]).await;
    let son = child(db, bereaved, "周小龙", Sex::Male, 1996).await;
    record(
        db,
        Command::Death {
            person: son,
            date: day(2020, 8, 1),
        },
    )
    .await;
    let roll = db
        .store
        .compute_roll(&program("special"), 2026, &code(VILLAGE))
        .await
        .unwrap();
    assert_eq!(verdict(&roll, bereaved.0), (true, "独生子女死亡"));
    let paid = roll
        .entries
        .iter()
        .find(|e| e.person_id == bereaved.1.0)
        .unwrap();
    assert_eq!(paid.amount, 5400);
    // The reward program is a separate roll: they are under 60.
    let reward = db
        .store
        .compute_roll(&program("reward"), 2026, &code(VILLAGE))
        .await
        .unwrap();
    assert_eq!(verdict(&reward, bereaved.0), (false, "未满60周岁"));
}

async fn this_years_roll_shows_who_is_new_and_who_left_last_years_with_the_reason(db: &TestDb) {
    let deadline = DeadlineRule::default();
    let reward = program("reward");
    let one = couple(db, ["张大山", "李秀英"], [1960, 1962]).await;
    child(db, one, "张小明", Sex::Male, 1988).await;
    // Sixty in 2026, fifty-nine in 2025.
    let turning = couple(db, ["郑永年", "黄淑珍"], [1966, 1966]).await;
    child(db, turning, "郑佳", Sex::Female, 1992).await;
    let last = db
        .store
        .compute_roll(&reward, 2025, &code(TOWNSHIP))
        .await
        .unwrap();
    db.store
        .save_roll(&last, "township1", &deadline)
        .await
        .unwrap();
    record(
        db,
        Command::Death {
            person: one.0,
            date: day(2026, 2, 1),
        },
    )
    .await;

    let roll = db
        .store
        .compute_roll(&reward, 2026, &code(TOWNSHIP))
        .await
        .unwrap();
    let saved = db
        .store
        .save_roll(&roll, "township1", &deadline)
        .await
        .unwrap();
    assert_eq!(
        saved.eligible, 3,
        "his widow and the couple who turned sixty"
    );
    assert_eq!(saved.state.as_deref(), Some("applied"));
    let changes = db.store.roll_changes(&saved).await.unwrap();
    let of = |p: PersonId| {
        changes
            .iter()
            .find(|c| c.person_id == p.0)
            .map(|c| (c.change, c.reason.as_str()))
    };
    assert_eq!(of(one.0), Some((Change::Removed, "已死亡或已迁出")));
    assert_eq!(of(turning.0), Some((Change::New, "现存一个子女")));
    assert_eq!(of(one.1), None, "his widow stays on the roll");
    assert_eq!(changes.len(), 3);
}

async fn a_townships_roll_is_reviewed_by_the_county_and_approved_by_the_city(db: &TestDb) {
    let deadline = DeadlineRule::default();
    let one = couple(db, ["张大山", "李秀英"], [1960, 1962]).await;
    child(db, one, "张小明", Sex::Male, 1988).await;
    let roll = db
        .store
        .compute_roll(&program("reward"), 2026, &code(TOWNSHIP))
        .await
        .unwrap();
    let saved = db
        .store
        .save_roll(&roll, "township1", &deadline)
        .await
        .unwrap();
    let case = saved.case_id.unwrap();
    let pass = |actor: &str| Decision {
        refuse: false,
        pass: true,
        reason: None,
        actor: actor.into(),
    };
    let township = Scope::new([code(TOWNSHIP)]);
    let county = Scope::new([code(COUNTY)]);
    let city = Scope::new([code(CITY)]);

    // The county cannot decide what the township has not sent up, nor can
    // another county.
    let skipped = db
        .store
        .decide_case(case, &pass("county1"), &county, &deadline)
        .await;
    assert!(
        matches!(skipped, Err(StoreError::OutsideScope(_))),
        "{skipped:?}"
    );
    let early = db
        .store
        .decide_case(
            case,
            &pass("county1"),
            &Scope::new([code("510105000000")]),
            &deadline,
        )
        .await;
    assert!(matches!(early, Err(StoreError::NotFound(_))), "{early:?}");
    let up = db
        .store
        .decide_case(case, &pass("township1"), &township, &deadline)
        .await
        .unwrap();
    assert_eq!(
        (up.state.as_str(), up.owner_region.as_str()),
        ("forwarded", COUNTY)
    );
    // Returned by the county: a reason is required, and it goes back down.
    let bare = Decision {
        refuse: false,
        pass: false,
        reason: Some(" ".into()),
        actor: "county1".into(),
    };
    assert!(matches!(
        db.store.decide_case(case, &bare, &county, &deadline).await,
        Err(StoreError::Invalid(_))
    ));
    let back = Decision {
        refuse: false,
        pass: false,
        reason: Some("请核实张小明是否健在".into()),
        actor: "county1".into(),
    };
    let returned = db
        .store
        .decide_case(case, &back, &county, &deadline)
        .await
        .unwrap();
    assert_eq!(
        (returned.state.as_str(), returned.owner_region.as_str()),
        ("returned", TOWNSHIP)
    );
    // The township makes it again and sends it up; county and city pass it.
    let again = db
        .store
        .save_roll(&roll, "township1", &deadline)
        .await
        .unwrap();
    assert_eq!(again.case_id, Some(case));
    assert_eq!(again.state.as_deref(), Some("applied"));
    db.store
        .decide_case(case, &pass("township1"), &township, &deadline)
        .await
        .unwrap();
    let at_city = db
        .store
        .decide_case(case, &pass("county1"), &county, &deadline)
        .await
        .unwrap();
    assert_eq!(at_city.owner_region, CITY);
    let approved = db
        .store
        .decide_case(case, &pass("city1"), &city, &deadline)
        .await
        .unwrap();
    assert_eq!(approved.state, "approved");
    assert!(approved.due_at.is_none() && approved.closed_at.is_some());
    // Approved: it is not made again.
    let late = db.store.save_roll(&roll, "township1", &deadline).await;
    assert!(
        matches!(late, Err(StoreError::Invalid(ref m)) if m.contains("已批准")),
        "{late:?}"
    );
    let (_, steps) = db.store.case(case, &city).await.unwrap().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(
        names,
        [
            "applied",
            "forwarded",
            "returned",
            "applied",
            "forwarded",
            "forwarded",
            "approved"
        ]
    );
    assert_eq!(steps[2].note.as_deref(), Some("请核实张小明是否健在"));
}

async fn an_excluded_citizens_appeal_upheld_by_the_county_puts_them_on_the_payment_list(
    db: &TestDb,
) {
    let deadline = DeadlineRule::default();
    let reward = program("reward");
    let one = couple(db, ["张大山", "李秀英"], [1960, 1962]).await;
    child(db, one, "张小明", Sex::Male, 1988).await;
    // Urban on the register, rural in truth: excluded.
    let wrong = person(db, "孙志强", Sex::Male, 1950, "1").await;
    let roll = db
        .store
        .compute_roll(&reward, 2026, &code(TOWNSHIP))
        .await
        .unwrap();
    let saved = db
        .store
        .save_roll(&roll, "township1", &deadline)
        .await
        .unwrap();
    let village = Scope::new([code(VILLAGE)]);
    let on_roll = db
        .store
        .appeal_exclusion(
            saved.id, one.0, "再核", "cun001", &village, &reward, &deadline,
        )
        .await;
    assert!(
        matches!(on_roll, Err(StoreError::Invalid(_))),
        "{on_roll:?}"
    );
    let appeal = db
        .store
        .appeal_exclusion(
            saved.id,
            wrong,
            "本人实为农业户口，户口簿可证",
            "cun001",
            &village,
            &reward,
            &deadline,
        )
        .await
        .unwrap();
    assert_eq!(
        appeal.facts.as_ref().unwrap().0["exclusion"],
        "本人非农业户口"
    );
    let pass = |actor: &str| Decision {
        refuse: false,
        pass: true,
        reason: Some("户口簿属实".into()),
        actor: actor.into(),
    };
    db.store
        .decide_case(
            appeal.id,
            &pass("xz017"),
            &Scope::new([code(TOWNSHIP)]),
            &deadline,
        )
        .await
        .unwrap();
    assert!(
        db.store.upheld_appeals(saved.id).await.unwrap().is_empty(),
        "not before the county decides"
    );
    db.store
        .decide_case(
            appeal.id,
            &pass("xian104"),
            &Scope::new([code(COUNTY)]),
            &deadline,
        )
        .await
        .unwrap();
    let upheld = db.store.upheld_appeals(saved.id).await.unwrap();
    assert_eq!(upheld.len(), 1);
    assert_eq!((upheld[0].person_id, upheld[0].amount), (wrong.0, 960));
    assert!(upheld[0].reason.contains("本人非农业户口"));
    // The roll as the register made it is unchanged: its reasons still add up.
    let kept = db.store.saved_roll(saved.id).await.unwrap().unwrap();
    assert_eq!(kept.eligible, saved.eligible);
}

on_both_engines!(
    an_excluded_citizens_appeal_upheld_by_the_county_puts_them_on_the_payment_list,
    rural_parents_of_one_child_are_rewarded_and_every_other_verdict_says_why,
    parents_whose_only_child_died_get_special_support,
    this_years_roll_shows_who_is_new_and_who_left_last_years_with_the_reason,
    a_townships_roll_is_reviewed_by_the_county_and_approved_by_the_city,
);
