//! Real-time statistics: the counters move with every event, a recount always
//! agrees with them, and the reports built on them balance month to month.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use proptest::prelude::*;
use renkou_domain::event::Field;
use renkou_domain::report::{Cell, Report, ReportName};
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{
    LifeStatus, MaritalStatus, Period, Person, PersonId, PersonName, RegionCode, RegionLevel, Sex,
};
use renkou_store::testing::TestDb;
use renkou_store::{EventMeta, ReportRequest, Store, person_as_of};

/// Two villages of one township, one of another township, one of another county.
const VILLAGES: [&str; 4] = [
    "510104017001",
    "510104017002",
    "510104018001",
    "510107001004",
];
const COUNTY: &str = "510104000000";

fn village(i: usize) -> RegionCode {
    RegionCode::parse(VILLAGES[i % VILLAGES.len()]).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn meta() -> EventMeta {
    EventMeta {
        recorder: "stats-test".into(),
        source: "test".into(),
    }
}

fn newcomer(i: usize, sex: Sex, birth: NaiveDate, residence: RegionCode) -> NewPerson {
    let names = [
        "王一", "李二", "张三", "刘四", "陈五", "杨六", "赵七", "黄八",
    ];
    NewPerson {
        id_number: None,
        name: PersonName::parse(names[i % names.len()]).unwrap(),
        sex,
        birth_date: birth,
        ethnicity: None,
        residence,
        hukou_region: Some(residence),
        hukou_type: None,
        household_id: None,
        relation: None,
        marital_status: Some(MaritalStatus::never_married()),
        education: None,
        birth_order: None,
    }
}

/// What a clerk might record; many are refused by the rules, which is fine.
#[derive(Debug, Clone)]
enum Op {
    Birth { mother: usize, sex: bool, v: usize },
    Die(usize),
    Marry(usize, usize),
    Divorce(usize, usize),
    Move(usize, usize),
    MoveOut(usize),
    MoveBack(usize, usize),
    CorrectSex(usize),
    CorrectBirthYear(usize, i32),
    CorrectResidence(usize, usize),
    ChangeHukou(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0usize..12;
    let v = 0usize..4;
    prop_oneof![
        3 => (p.clone(), any::<bool>(), v.clone()).prop_map(|(mother, sex, v)| Op::Birth { mother, sex, v }),
        1 => p.clone().prop_map(Op::Die),
        2 => (p.clone(), p.clone()).prop_map(|(a, b)| Op::Marry(a, b)),
        1 => (p.clone(), p.clone()).prop_map(|(a, b)| Op::Divorce(a, b)),
        2 => (p.clone(), v.clone()).prop_map(|(a, v)| Op::Move(a, v)),
        1 => p.clone().prop_map(Op::MoveOut),
        1 => (p.clone(), v.clone()).prop_map(|(a, v)| Op::MoveBack(a, v)),
        1 => p.clone().prop_map(Op::CorrectSex),
        1 => (p.clone(), -3i32..3).prop_map(|(a, y)| Op::CorrectBirthYear(a, y)),
        1 => (p.clone(), v.clone()).prop_map(|(a, v)| Op::CorrectResidence(a, v)),
        1 => (p, v).prop_map(|(a, v)| Op::ChangeHukou(a, v)),
    ]
}

/// A small register: eight adults of both sexes in the four villages.
async fn founders(store: &Store, start: NaiveDate, today: NaiveDate) -> Vec<PersonId> {
    let mut ids = Vec::new();
    for i in 0..8usize {
        let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
        let birth = NaiveDate::from_ymd_opt(1975 + i as i32 * 2, 1 + i as u32, 10).unwrap();
        let command = Command::MoveIn {
            origin: None,
            newcomer: newcomer(i, sex, birth, village(i)),
            date: start,
        };
        ids.push(
            store
                .record_at(&command, &meta(), today)
                .await
                .unwrap()
                .person_id,
        );
    }
    ids
}

/// Records one op on `date`; births join the list of persons.
async fn apply(store: &Store, ids: &mut Vec<PersonId>, op: &Op, date: NaiveDate, today: NaiveDate) {
    let pick = |i: usize| ids[i % ids.len()];
    let command = match op.clone() {
        Op::Birth { mother, sex, v } => Command::Birth {
            details: Default::default(),
            child: newcomer(
                ids.len(),
                if sex { Sex::Male } else { Sex::Female },
                date,
                village(v),
            ),
            mother: Some(pick(mother)),
            father: None,
        },
        Op::Die(a) => Command::Death {
            person: pick(a),
            date,
        },
        Op::Marry(a, b) => Command::Marriage {
            a: pick(a),
            b: pick(b),
            date,
        },
        Op::Divorce(a, b) => Command::Divorce {
            a: pick(a),
            b: pick(b),
            date,
        },
        Op::Move(a, v) => Command::MoveWithin {
            person: pick(a),
            to: village(v),
            date,
        },
        Op::MoveOut(a) => Command::MoveOut {
            person: pick(a),
            date,
            destination: None,
        },
        Op::MoveBack(a, v) => Command::MoveBack {
            person: pick(a),
            to: village(v),
            date,
        },
        Op::CorrectSex(a) => {
            let current = store.person(pick(a)).await.unwrap().unwrap();
            let to = if current.sex == Sex::Male { "2" } else { "1" };
            correction(pick(a), Field::Sex, to, date)
        }
        Op::CorrectBirthYear(a, years) => {
            let current = store.person(pick(a)).await.unwrap().unwrap();
            let born = current
                .birth_date
                .with_year(current.birth_date.year() + years)
                .unwrap_or(current.birth_date);
            correction(pick(a), Field::BirthDate, &born.to_string(), date)
        }
        Op::CorrectResidence(a, v) => correction(pick(a), Field::Residence, VILLAGES[v], date),
        Op::ChangeHukou(a, v) => Command::RegistrationChange {
            person: pick(a),
            hukou_region: Some(village(v)),
            hukou_type: None,
            date,
        },
    };
    if let Ok(recorded) = store.record_at(&command, &meta(), today).await
        && matches!(op, Op::Birth { .. })
    {
        ids.push(recorded.person_id);
    }
}

fn correction(person: PersonId, field: Field, value: &str, date: NaiveDate) -> Command {
    Command::Correction {
        person,
        field,
        value: Some(value.into()),
        date,
        reason: "test".into(),
    }
}

async fn counters_agree(store: &Store) -> Result<(), TestCaseError> {
    let report = store.verify_counters(None).await.unwrap();
    prop_assert!(
        report.differences.is_empty(),
        "counters differ from the recount: {:#?}",
        &report.differences[..report.differences.len().min(10)]
    );
    Ok(())
}

async fn any_sequence(db: &TestDb, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let today = day("2026-11-29");
    let start = day("2020-01-01");
    let mut ids = founders(&db.store, start, today).await;
    counters_agree(&db.store).await?;
    for (k, op) in ops.iter().enumerate() {
        let date = start + Duration::days(60 * k as i64 + 30);
        apply(&db.store, &mut ids, op, date, today).await;
        counters_agree(&db.store).await?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever clerks record (births, deaths, corrections, moves), a full
    /// recount agrees with the counters after every event.
    #[test]
    fn stats_verify_passes_after_any_sequence_of_events_on_sqlite(ops in prop::collection::vec(op(), 1..20)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let db = TestDb::sqlite().await;
            let result = any_sequence(&db, ops).await;
            db.finish().await;
            result
        })?;
    }

    #[test]
    fn stats_verify_passes_after_any_sequence_of_events_on_postgres(ops in prop::collection::vec(op(), 1..20)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let Some(db) = TestDb::postgres().await else { return Ok(()) };
            let result = any_sequence(&db, ops).await;
            db.finish().await;
            result
        })?;
    }
}

async fn report(
    store: &Store,
    name: ReportName,
    region: &str,
    level: Option<RegionLevel>,
    period: Option<&str>,
    date: Option<&str>,
    today: NaiveDate,
) -> Report {
    store
        .report(&ReportRequest {
            name,
            region: RegionCode::parse(region).unwrap(),
            level,
            date: date.map(day),
            period: period.map(|p| Period::parse(p).unwrap()),
            today,
        })
        .await
        .unwrap()
}

fn count(row: &renkou_domain::report::ReportRow, key: &str) -> i64 {
    match row.get(key) {
        Some(Cell::Count(n)) => n,
        other => panic!("{key} is {other:?}"),
    }
}

/// Living residents of a region at the end of a day, rebuilt person by
/// person from their history (no counters involved).
async fn living_at(store: &Store, ids: &[PersonId], region: &RegionCode, date: NaiveDate) -> i64 {
    let mut n = 0;
    for id in ids {
        let now = store.person(*id).await.unwrap().unwrap();
        let events = store.events_of(*id).await.unwrap();
        let then: Option<Person> = person_as_of(&now, &events, date);
        if then.is_some_and(|p| p.status == LifeStatus::Active && region.contains(&p.residence)) {
            n += 1;
        }
    }
    n
}

/// A year of random events, a third of them registered months late: every
/// month opens with the previous month's closing population, closes with
/// opening + births − deaths + moves in − moves out + other changes, and the
/// closing figure equals a person-by-person count of that day.
async fn months_balance(db: &TestDb) {
    let today = day("2026-12-31");
    let start = day("2025-06-01");
    let mut ids = founders(&db.store, start, today).await;
    let mut rng = 0x2545F4914F6CDD1Du64;
    let mut next = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n) as usize
    };
    for k in 0..90 {
        let on = day("2026-01-01") + Duration::days((k * 4) as i64);
        // Every third event took effect up to four months before it was entered.
        let date = if k % 3 == 0 {
            on - Duration::days(next(120) as i64)
        } else {
            on
        };
        let op = match next(8) {
            0 | 1 => Op::Birth {
                mother: next(12),
                sex: next(2) == 0,
                v: next(4),
            },
            2 => Op::Die(next(12)),
            3 => Op::Marry(next(12), next(12)),
            4 => Op::Move(next(12), next(4)),
            5 => Op::MoveOut(next(12)),
            6 => Op::MoveBack(next(12), next(4)),
            _ => Op::CorrectResidence(next(12), next(4)),
        };
        apply(&db.store, &mut ids, &op, date, today).await;
    }
    let county = RegionCode::parse(COUNTY).unwrap();
    let mut previous_closing: Option<HashMap<RegionCode, i64>> = None;
    let mut late = Vec::new();
    for month in Period::parse("2026").unwrap().months() {
        let r = report(
            &db.store,
            ReportName::Changes,
            COUNTY,
            None,
            Some(&month.to_string()),
            None,
            today,
        )
        .await;
        let mut closing = HashMap::new();
        for row in r.rows.iter().chain([&r.total]) {
            let open = count(row, "opening");
            let close = count(row, "closing");
            let flows = count(row, "births") - count(row, "deaths") + count(row, "moved_in")
                - count(row, "moved_out")
                + count(row, "other_change");
            assert_eq!(
                close,
                open + flows,
                "{month} {}: closing = opening + changes",
                row.region_code
            );
            if let Some(before) = &previous_closing {
                assert_eq!(
                    open, before[&row.region_code],
                    "{month} {} opens where it closed",
                    row.region_code
                );
            }
            closing.insert(row.region_code, close);
        }
        assert_eq!(
            closing[&county],
            living_at(&db.store, &ids, &county, month.last).await,
            "{month}: closing population equals a person-by-person count"
        );
        previous_closing = Some(closing);
        late.push((month, count(&r.total, "late_events")));
    }
    // Everything was entered today: events of months already closed were
    // entered late and are flagged in their own month; this month's are not.
    let this_month = Period::month_of(renkou_domain::date::today_in_china());
    let (closed, open): (Vec<_>, Vec<_>) = late
        .into_iter()
        .partition(|(m, _)| m.last < this_month.first);
    assert!(
        closed.iter().map(|(_, n)| n).sum::<i64>() > 0,
        "events entered after their month closed are late"
    );
    assert!(
        open.iter().all(|(_, n)| *n == 0),
        "events entered in their month are on time: {open:?}"
    );
}

async fn reports_divide_a_region_into_its_parts(db: &TestDb) {
    let today = day("2026-11-29");
    let start = day("2026-01-01");
    let ids = founders(&db.store, start, today).await;
    // A woman of 1977 registered in 510107 but living in 510104017001: a migrant there.
    let migrant = NewPerson {
        hukou_region: Some(village(3)),
        ..newcomer(9, Sex::Female, day("1990-03-03"), village(0))
    };
    db.store
        .record_at(
            &Command::MoveIn {
                origin: None,
                newcomer: migrant,
                date: start,
            },
            &meta(),
            today,
        )
        .await
        .unwrap();
    let pop = report(
        &db.store,
        ReportName::Population,
        COUNTY,
        None,
        None,
        None,
        today,
    )
    .await;
    assert_eq!(pop.level, RegionLevel::Township);
    let township = |code: &str| {
        pop.rows
            .iter()
            .find(|r| r.region_code.as_str() == code)
            .unwrap()
    };
    // Founders 0, 1, 4, 5 (and the migrant) live in township 017; 2 and 6 in 018.
    assert_eq!(count(township("510104017000"), "total"), 5);
    assert_eq!(count(township("510104018000"), "total"), 2);
    assert_eq!(
        count(&pop.total, "total"),
        7,
        "510104 holds six founders and the migrant"
    );
    assert_eq!(count(&pop.total, "male") + count(&pop.total, "female"), 7);
    let province = report(
        &db.store,
        ReportName::Population,
        "510000000000",
        Some(RegionLevel::County),
        None,
        None,
        today,
    )
    .await;
    let jinjiang = province
        .rows
        .iter()
        .find(|r| r.region_code.as_str() == COUNTY)
        .unwrap();
    assert_eq!(
        count(jinjiang, "total"),
        7,
        "the county roll-up agrees with the townships"
    );
    assert_eq!(count(&province.total, "total"), 9);

    let reg = report(
        &db.store,
        ReportName::Registration,
        COUNTY,
        Some(RegionLevel::County),
        None,
        None,
        today,
    )
    .await;
    assert_eq!(count(&reg.total, "resident"), 7);
    assert_eq!(count(&reg.total, "registered"), 6);
    assert_eq!(count(&reg.total, "migrant_in"), 1);
    assert_eq!(count(&reg.total, "migrant_out"), 0);
    let other = report(
        &db.store,
        ReportName::Registration,
        "510107000000",
        Some(RegionLevel::County),
        None,
        None,
        today,
    )
    .await;
    assert_eq!(
        count(&other.total, "migrant_out"),
        1,
        "510107 sees its registered resident living away"
    );

    let women = report(
        &db.store,
        ReportName::Women,
        COUNTY,
        None,
        None,
        None,
        today,
    )
    .await;
    // Founders 1 (born 1977, 49 by birth year in 2026) and 5 (1985), and the migrant (1990).
    assert_eq!(count(&women.total, "total"), 3);
    assert_eq!(count(&women.total, "never_married"), 3);
    // A past date: before the founders arrived there was nobody.
    let before = report(
        &db.store,
        ReportName::Population,
        COUNTY,
        None,
        None,
        Some("2025-12-31"),
        today,
    )
    .await;
    assert_eq!(count(&before.total, "total"), 0);
    let _ = ids;
}

async fn a_village_report_has_the_village_as_its_only_row(db: &TestDb) {
    let today = day("2026-11-29");
    founders(&db.store, day("2026-01-01"), today).await;
    let r = report(
        &db.store,
        ReportName::Population,
        VILLAGES[0],
        None,
        None,
        None,
        today,
    )
    .await;
    assert_eq!(r.rows.len(), 1);
    assert_eq!(count(&r.rows[0], "total"), 2, "founders 0 and 4 live there");
    let err = db
        .store
        .report(&ReportRequest {
            name: ReportName::Population,
            region: RegionCode::parse(COUNTY).unwrap(),
            level: Some(RegionLevel::City),
            date: None,
            period: None,
            today,
        })
        .await;
    assert!(err.is_err(), "rows above the region are refused");
}

/// The counters behind a quality count and the SQL behind its list agree,
/// check by check.
async fn every_quality_count_matches_the_list_behind_it(db: &TestDb) {
    let today = day("2026-11-29");
    let ids = founders(&db.store, day("2026-01-01"), today).await;
    // Identity numbers that disagree with the record: another birth date, the other sex.
    for (k, (birth, seq)) in [("1970-01-01", 1u16), ("1980-05-05", 2), ("1981-02-01", 3)]
        .into_iter()
        .enumerate()
    {
        let born = day(birth);
        let person = NewPerson {
            id_number: renkou_domain::IdNumber::from_parts("510104", day("1979-09-09"), seq),
            ..newcomer(k, Sex::Female, born, village(k))
        };
        db.store
            .record_at(
                &Command::MoveIn {
                    origin: None,
                    newcomer: person,
                    date: day("2026-02-01"),
                },
                &meta(),
                today,
            )
            .await
            .unwrap();
    }
    let r = report(
        &db.store,
        ReportName::Quality,
        "510000000000",
        Some(RegionLevel::County),
        None,
        None,
        today,
    )
    .await;
    let scope = renkou_store::Scope::new([RegionCode::parse("510000000000").unwrap()]);
    let province = RegionCode::parse("510000000000").unwrap();
    for check in renkou_domain::quality::Check::all() {
        let listed = db
            .store
            .persons_failing(&province, check, &scope, 0, 1000)
            .await
            .unwrap()
            .len() as i64;
        assert_eq!(
            count(&r.total, &check.as_str()),
            listed,
            "{}",
            check.as_str()
        );
    }
    assert_eq!(count(&r.total, "id_birth_date"), 3);
    assert_eq!(
        count(&r.total, "id_sex"),
        2,
        "odd sequence numbers are men's"
    );
    assert_eq!(count(&r.total, "living"), ids.len() as i64 + 3);
}

async fn the_province_and_city_home_counts_are_the_sums_of_their_counties(db: &TestDb) {
    let today = day("2026-12-31");
    let mut ids = founders(&db.store, day("2025-06-01"), today).await;
    let ops = [
        Op::Birth {
            mother: 1,
            sex: true,
            v: 0,
        },
        Op::Birth {
            mother: 3,
            sex: false,
            v: 3,
        },
        Op::Birth {
            mother: 5,
            sex: true,
            v: 2,
        },
        Op::Die(0),
        Op::Die(7),
        Op::Move(2, 3),
    ];
    for (k, op) in ops.iter().enumerate() {
        let date = day("2026-02-01") + Duration::days(30 * k as i64);
        apply(&db.store, &mut ids, op, date, today).await;
    }
    let region = |code: &str| RegionCode::parse(code).unwrap();
    let first = db.store.summary(&region(COUNTY), today).await.unwrap();
    let second = db
        .store
        .summary(&region("510107000000"), today)
        .await
        .unwrap();
    for wide in ["510100000000", "510000000000"] {
        let whole = db.store.summary(&region(wide), today).await.unwrap();
        assert_eq!(whole.living, first.living + second.living, "{wide}");
        assert_eq!(whole.households, first.households + second.households);
        assert_eq!(whole.births_this_year, 3, "{wide}: this year's births");
        assert_eq!(
            whole.births_this_year,
            first.births_this_year + second.births_this_year
        );
        assert_eq!(whole.deaths_this_year, 2, "{wide}: this year's deaths");
        assert_eq!(
            whole.deaths_this_year,
            first.deaths_this_year + second.deaths_this_year
        );
    }
}

renkou_store::on_both_engines!(
    the_province_and_city_home_counts_are_the_sums_of_their_counties,
    every_quality_count_matches_the_list_behind_it,
    months_balance,
    reports_divide_a_region_into_its_parts,
    a_village_report_has_the_village_as_its_only_row
);
