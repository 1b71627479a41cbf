//! Property: whatever sequence of events staff record (many refused by the
//! rules), the record rebuilt "as of" any earlier day equals what the register
//! said on that day, spouses stay paired, and the dead gain no life events.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use renkou_domain::event::{EventKind, Field};
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{IdNumber, LifeStatus, Person, PersonId, PersonName, RegionCode, Sex};
use renkou_store::testing::TestDb;
use renkou_store::{EventMeta, person_as_of};

const VILLAGES: [&str; 3] = ["510104017001", "510104017002", "510107001004"];

#[derive(Debug, Clone)]
enum Op {
    Marry(usize, usize),
    Divorce(usize, usize),
    Die(usize),
    Move(usize, usize),
    MoveOut(usize),
    MoveBack(usize, usize),
    Rename(usize, usize),
    ChangeHukou(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0usize..6;
    let v = 0usize..3;
    prop_oneof![
        (p.clone(), p.clone()).prop_map(|(a, b)| Op::Marry(a, b)),
        (p.clone(), p.clone()).prop_map(|(a, b)| Op::Divorce(a, b)),
        p.clone().prop_map(Op::Die),
        (p.clone(), v.clone()).prop_map(|(a, v)| Op::Move(a, v)),
        p.clone().prop_map(Op::MoveOut),
        (p.clone(), v.clone()).prop_map(|(a, v)| Op::MoveBack(a, v)),
        (p.clone(), 0usize..4).prop_map(|(a, n)| Op::Rename(a, n)),
        (p, v).prop_map(|(a, v)| Op::ChangeHukou(a, v)),
    ]
}

fn village(i: usize) -> RegionCode {
    RegionCode::parse(VILLAGES[i]).unwrap()
}

async fn run(db: TestDb, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let meta = EventMeta {
        recorder: "prop".into(),
        source: "prop".into(),
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let mut ids = Vec::new();
    for i in 0..6u16 {
        let birth = NaiveDate::from_ymd_opt(1960 + i32::from(i) * 3, 1 + u32::from(i), 1).unwrap();
        let newcomer = NewPerson {
            id_number: IdNumber::from_parts("510104", birth, i),
            name: PersonName::parse(
                ["王一", "李二", "张三", "刘四", "陈五", "杨六"][usize::from(i)],
            )
            .unwrap(),
            sex: if i % 2 == 0 { Sex::Male } else { Sex::Female },
            birth_date: birth,
            ethnicity: None,
            residence: village(0),
            hukou_region: Some(village(0)),
            hukou_type: None,
            household_id: None,
            relation: None,
            marital_status: None,
            education: None,
            birth_order: None,
        };
        let command = Command::MoveIn {
            origin: None,
            newcomer,
            date: start,
        };
        ids.push(
            db.store
                .record_at(&command, &meta, today)
                .await
                .unwrap()
                .person_id,
        );
    }
    // What the register said at the end of each day a command was recorded.
    let mut snapshots: Vec<(NaiveDate, HashMap<PersonId, Person>)> = Vec::new();
    for (k, op) in ops.into_iter().enumerate() {
        let date = start + Duration::days(30 * (k as i64 + 1));
        let command = match op {
            Op::Marry(a, b) => Command::Marriage {
                a: ids[a],
                b: ids[b],
                date,
            },
            Op::Divorce(a, b) => Command::Divorce {
                a: ids[a],
                b: ids[b],
                date,
            },
            Op::Die(a) => Command::Death {
                person: ids[a],
                date,
            },
            Op::Move(a, v) => Command::MoveWithin {
                person: ids[a],
                to: village(v),
                date,
            },
            Op::MoveOut(a) => Command::MoveOut {
                person: ids[a],
                date,
                destination: None,
            },
            Op::MoveBack(a, v) => Command::MoveBack {
                person: ids[a],
                to: village(v),
                date,
            },
            Op::Rename(a, n) => Command::Correction {
                person: ids[a],
                field: Field::Name,
                value: Some(["赵甲", "钱乙", "孙丙", "周丁"][n].into()),
                date,
                reason: "prop".into(),
            },
            Op::ChangeHukou(a, v) => Command::RegistrationChange {
                person: ids[a],
                hukou_region: Some(village(v)),
                hukou_type: None,
                date,
            },
        };
        // Refusals are fine; what is recorded must stay consistent.
        let _ = db.store.record_at(&command, &meta, today).await;
        let mut state = HashMap::new();
        for id in &ids {
            state.insert(*id, db.store.person(*id).await.unwrap().unwrap());
        }
        snapshots.push((date, state));
    }
    for id in &ids {
        let now = db.store.person(*id).await.unwrap().unwrap();
        let events = db.store.events_of(*id).await.unwrap();
        for (date, state) in &snapshots {
            let rebuilt = person_as_of(&now, &events, *date);
            prop_assert_eq!(
                rebuilt.as_ref(),
                state.get(id),
                "person {} as of {}",
                id,
                date
            );
        }
        if let Some(death) = now.death_date {
            let after = events
                .iter()
                .filter(|e| e.effective_date > death && e.kind != EventKind::Correction)
                .count();
            prop_assert_eq!(after, 0, "life events after death for {}", id);
        }
        // The living point at each other; the dead keep the spouse they died married to.
        if let Some(spouse) = now.spouse_id.filter(|_| now.status != LifeStatus::Dead) {
            let other = db.store.person(spouse).await.unwrap().unwrap();
            prop_assert_eq!(other.spouse_id, Some(*id), "spouses point at each other");
            prop_assert!(
                other.status != LifeStatus::Dead,
                "a living person's spouse is alive"
            );
        }
    }
    db.finish().await;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_of_events_can_be_replayed_to_any_earlier_day(ops in prop::collection::vec(op(), 1..25)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async { run(TestDb::sqlite().await, ops).await })?;
    }
}

proptest! {
    // Fewer cases on PostgreSQL: each one is a database of its own.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn on_postgres_too_any_sequence_of_events_can_be_replayed(ops in prop::collection::vec(op(), 1..25)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            match TestDb::postgres().await {
                Some(db) => run(db, ops).await,
                None => Ok(()),
            }
        })?;
    }
}
