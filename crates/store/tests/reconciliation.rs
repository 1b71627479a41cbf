//! Reconciling a source with the registry again, on both engines: a newer
//! extract is compared only where it or the registry changed, and what was
//! found before is not raised again.

use chrono::NaiveDate;
use renkou_domain::PersonId;
use renkou_domain::event::Field;
use renkou_domain::rules::Command;
use renkou_domain::verification::TaskKind;
use renkou_store::testing::TestDb;
use renkou_store::{EventMeta, ImportInput, SourceReconciliation, on_both_engines};

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001\n\
                      d,510104199202020029,赵丽,2,1992-02-02,510104018001\n";

const HEADER: &str = "record_id,id_number,name,sex,birth_date,region_code\n";
const LI: &str = "P1,510104198503120010,李明,1,1985-03-12,510104017001\n";
const WANG: &str = "P2,510104198807070024,王芳,2,1988-07-07,510104017001\n";
const ZHAO: &str = "P3,510104199202020029,赵丽,2,1992-02-02,510104018001\n";

async fn reconcile(db: &TestDb, rows: &[&str]) -> SourceReconciliation {
    let csv = format!("{HEADER}{}", rows.concat());
    db.reconcile_csv("police", "510104000000", &csv).await
}

fn found(outcome: &SourceReconciliation, kind: TaskKind) -> usize {
    outcome
        .findings
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(0, |(_, n)| *n)
}

async fn a_newer_extract_is_compared_only_where_something_changed(db: &TestDb) {
    let input = ImportInput::read(PEOPLE.as_bytes(), "people.csv", "registry", "test").unwrap();
    db.store.import(input).await.unwrap();

    let first = reconcile(db, &[LI, WANG, ZHAO]).await;
    assert_eq!((first.kept, first.compared_source), (0, 3), "{first:?}");
    assert_eq!(first.matched, 3);

    // A month later: 王芳 is written 王芳芳 and a newcomer appears.
    let renamed = "P2,510104198807070024,王芳芳,2,1988-07-07,510104017001\n";
    let newcomer = "P4,,钱新,1,2020-06-01,510104018001\n";
    let second = reconcile(db, &[LI, renamed, ZHAO, newcomer]).await;
    assert_eq!(second.kept, 2, "李明 and 赵丽 are unchanged: {second:?}");
    assert_eq!(
        second.compared_source, 2,
        "only the changed and the new record are compared"
    );
    assert_eq!(second.matched, 3);
    assert_eq!(found(&second, TaskKind::Conflict), 1, "王芳芳: {second:?}");
    assert_eq!(found(&second, TaskKind::MissingInRegistry), 1, "钱新");
    assert_eq!(second.tasks.raised, 2);

    // The same extract again: nothing to compare but the unmatched newcomer.
    let again = reconcile(db, &[LI, renamed, ZHAO, newcomer]).await;
    assert_eq!((again.kept, again.compared_source), (3, 1), "{again:?}");
    assert_eq!(again.tasks.raised, 0);

    // The registry changes (李明's ethnicity entered): that pair is compared again.
    let meta = EventMeta {
        recorder: "test".into(),
        source: "test".into(),
    };
    let li = db
        .store
        .person_by_id_number(&"510104198503120010".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    db.store
        .record(
            &Command::Correction {
                person: PersonId(li.id.0),
                field: Field::Ethnicity,
                value: Some("01".into()),
                date: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
                reason: "户口本".into(),
            },
            &meta,
        )
        .await
        .unwrap();
    let after = reconcile(db, &[LI, renamed, ZHAO, newcomer]).await;
    assert_eq!(after.kept, 2, "李明's record changed: {after:?}");
    assert_eq!(after.matched, 3);
    assert_eq!(after.tasks.raised, 0, "nothing new to verify");

    // 赵丽 leaves the extract: the registry's 赵丽 is now missing from it.
    let gone = reconcile(db, &[LI, renamed, newcomer]).await;
    assert_eq!(found(&gone, TaskKind::MissingInSource), 1, "{gone:?}");
    assert_eq!(gone.tasks.raised, 1);
}

on_both_engines!(a_newer_extract_is_compared_only_where_something_changed);
