//! Merging two records of one person and undoing it, as the rules plan it
//! (no database): what each record's events change.

use std::collections::HashMap;

use chrono::NaiveDate;
use renkou_domain::event::{EventKind, Field};
use renkou_domain::rules::{self, Command, MergeFacts, NewPerson, RuleViolation};
use renkou_domain::{IdNumber, LifeStatus, Person, PersonId, PersonName, RegionCode, Sex};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn person(id: i64, number: Option<&str>, name: &str) -> Person {
    NewPerson {
        id_number: number.map(|n| IdNumber::parse(n).unwrap()),
        ..NewPerson::new(
            PersonName::parse(name).unwrap(),
            Sex::parse("1").unwrap(),
            day(1985, 3, 12),
            RegionCode::parse("510104017001").unwrap(),
        )
    }
    .into_person(PersonId(id))
}

fn both(a: Person, b: Person) -> HashMap<PersonId, Person> {
    HashMap::from([(a.id, a), (b.id, b)])
}

fn today() -> NaiveDate {
    day(2026, 11, 29)
}

fn merge(take: Vec<Field>) -> Command {
    Command::Merge {
        survivor: PersonId(1),
        merged: PersonId(2),
        take,
        date: today(),
        reason: "同一人".into(),
    }
}

#[test]
fn the_merged_record_stops_counting_and_the_kept_one_takes_the_values_picked() {
    let kept = person(1, None, "李明");
    let gone = person(2, Some("510104198503120010"), "李名");
    let events = rules::plan(
        &merge(vec![Field::IdNumber]),
        &both(kept, gone),
        None,
        today(),
    )
    .unwrap();
    assert_eq!(events.len(), 2);
    let (folded, taken) = (&events[0], &events[1]);
    assert_eq!(
        folded.person_id,
        Some(PersonId(2)),
        "the merged record first"
    );
    assert_eq!(folded.kind, EventKind::Merge);
    assert_eq!(folded.related_id, Some(PersonId(1)));
    assert_eq!(folded.changes[0].to.as_deref(), Some("merged"));
    assert_eq!(taken.person_id, Some(PersonId(1)));
    assert_eq!(taken.related_id, Some(PersonId(2)));
    assert_eq!(taken.changes.len(), 1, "only the number was picked");
    assert_eq!(taken.changes[0].to.as_deref(), Some("510104198503120010"));
}

#[test]
fn a_record_is_not_merged_into_itself_nor_twice_nor_by_its_residence() {
    let p = |id| person(id, None, "李明");
    let same = Command::Merge {
        survivor: PersonId(1),
        merged: PersonId(1),
        take: vec![],
        date: today(),
        reason: "x".into(),
    };
    assert_eq!(
        rules::plan(&same, &both(p(1), p(2)), None, today()),
        Err(RuleViolation::SamePerson)
    );
    let mut gone = p(2);
    gone.status = LifeStatus::Merged;
    assert_eq!(
        rules::plan(&merge(vec![]), &both(p(1), gone), None, today()),
        Err(RuleViolation::Merged(PersonId(2)))
    );
    assert!(matches!(
        rules::plan(
            &merge(vec![Field::Residence]),
            &both(p(1), p(2)),
            None,
            today()
        ),
        Err(RuleViolation::InvalidValue(_))
    ));
}

#[test]
fn unmerging_gives_back_what_was_taken_unless_changed_since() {
    let kept = person(1, Some("510104198503120010"), "李明明");
    let mut gone = person(2, Some("510104198503120010"), "李名");
    gone.status = LifeStatus::Merged;
    // The merge took the number and the name; the name was corrected since.
    let facts = MergeFacts {
        survivor: PersonId(1),
        on_survivor: vec![
            renkou_domain::FieldChange {
                field: Field::IdNumber,
                from: None,
                to: Some("510104198503120010".into()),
            },
            renkou_domain::FieldChange {
                field: Field::Name,
                from: Some("李明".into()),
                to: Some("李名".into()),
            },
        ],
        status_before: LifeStatus::Active,
    };
    let unmerge = Command::Unmerge {
        merged: PersonId(2),
        date: today(),
        reason: "两人".into(),
    };
    let events = rules::plan(&unmerge, &both(kept, gone), Some(&facts), today()).unwrap();
    let (back, restored) = (&events[0], &events[1]);
    assert_eq!(
        back.person_id,
        Some(PersonId(1)),
        "the number is freed first"
    );
    assert_eq!(back.changes.len(), 1, "the later name stays: {back:?}");
    assert_eq!(back.changes[0].field, Field::IdNumber);
    assert_eq!(back.changes[0].to, None);
    assert_eq!(restored.changes[0].to.as_deref(), Some("active"));
    assert_eq!(
        rules::plan(
            &unmerge,
            &both(person(1, None, "李明"), person(2, None, "李明")),
            Some(&facts),
            today()
        ),
        Err(RuleViolation::NotMerged(PersonId(2)))
    );
}
