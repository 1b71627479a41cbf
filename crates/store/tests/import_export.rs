//! Importing registers and exporting them again, on both engines: every row
//! is counted, bad rows are kept, a repeated import changes nothing, a changed
//! record becomes an event, and re-zoning keeps history and old files usable.

use chrono::NaiveDate;
use renkou_domain::event::EventKind;
use renkou_domain::{IdNumber, LifeStatus, RegionCode};
use renkou_formats::RegisterWriter;
use renkou_store::testing::TestDb;
use renkou_store::{
    Counts, EventMeta, ImportInput, ImportReport, Rezoning, Store, on_both_engines, person_as_of,
};

const HEADER: &str = "record_id,id_number,name,sex,birth_date,ethnicity,region_code,household_no,relation,status,death_date\n";

async fn import(store: &Store, source: &str, body: &str) -> ImportReport {
    let text = format!("{HEADER}{body}");
    let input = ImportInput::read(text.as_bytes(), "police.csv", source, "tester").unwrap();
    store.import(input).await.unwrap()
}

/// The statistics counters agree with a full recount.
async fn counters_agree(store: &Store) {
    let verify = store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:#?}", verify.differences);
    assert!(verify.counters > 0);
}

fn counts(r: &ImportReport) -> (u64, u64, u64, u64) {
    (r.inserted, r.updated, r.unchanged, r.rejected)
}

const POLICE: &str = "\
p1,510104198503120010,李明,1,1985-03-12,01,510104017001,H1,02,active,\n\
p2,510107199001010026,王芳,2,1990-01-01,01,510104017001,H1,10,active,\n\
p3,,李小龙,1,2024-03-01,01,510104017001,H1,20,active,\n\
p4,510104198503120011,张三,1,1985-03-12,01,510104017001,H2,02,active,\n\
p5,,赵四,1,1940-01-01,01,510104999999,H3,02,dead,2020-01-01\n";

async fn a_first_import_inserts_and_keeps_what_it_rejects(db: &TestDb) {
    let report = import(&db.store, "police", POLICE).await;
    assert_eq!(counts(&report), (3, 0, 0, 2));
    let reasons: Vec<String> = report
        .rejected_rows
        .iter()
        .map(|r| r.errors[0].reason.clone())
        .collect();
    assert_eq!(
        reasons,
        vec![
            "校验码有误：末位为 1，按前 17 位应为 0（请核对号码）".to_string(),
            "区划代码表中没有此代码".to_string()
        ]
    );
    let c = db.store.counts().await.unwrap();
    assert_eq!((c.persons, c.households, c.pending), (3, 1, 2));
    let head = IdNumber::parse("510104198503120010").unwrap();
    let person = db.store.person_by_id_number(&head).await.unwrap().unwrap();
    assert_eq!(person.name.as_str(), "李明");
    assert!(person.household_id.is_some());
}

async fn importing_the_same_file_again_changes_nothing(db: &TestDb) {
    import(&db.store, "police", POLICE).await;
    let before: Counts = db.store.counts().await.unwrap();
    let again = import(&db.store, "police", POLICE).await;
    assert_eq!(counts(&again), (0, 0, 3, 2));
    assert_eq!(
        db.store.counts().await.unwrap(),
        before,
        "no row added, not even a pending one"
    );
}

async fn a_changed_record_updates_the_person_with_an_event(db: &TestDb) {
    import(&db.store, "police", POLICE).await;
    let changed = POLICE.replace(
        "李明,1,1985-03-12,01,510104017001,H1,02,active,",
        "李明,1,1985-03-12,01,510104017001,H1,02,dead,2026-02-03",
    );
    let report = import(&db.store, "police", &changed).await;
    assert_eq!(counts(&report), (0, 1, 2, 2));
    let id = IdNumber::parse("510104198503120010").unwrap();
    let person = db.store.person_by_id_number(&id).await.unwrap().unwrap();
    assert_eq!(person.status, LifeStatus::Dead);
    let events = db.store.events_of(person.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].kind, events[0].source.as_str()),
        (EventKind::Death, "police")
    );
    assert_eq!(
        events[0].effective_date,
        NaiveDate::from_ymd_opt(2026, 2, 3).unwrap()
    );
    counters_agree(&db.store).await;
}

async fn another_source_finds_the_same_person_by_identity_number(db: &TestDb) {
    import(&db.store, "police", POLICE).await;
    let wis = "w9,510107199001010026,王芳,2,1990-01-01,01,510104017002,H1,10,active,\n";
    let report = import(&db.store, "wis", wis).await;
    assert_eq!(
        counts(&report),
        (0, 1, 0, 0),
        "matched, and the residence differs"
    );
    assert_eq!(db.store.counts().await.unwrap().persons, 3);
    counters_agree(&db.store).await;
}

async fn two_living_records_with_one_identity_number_are_not_both_taken(db: &TestDb) {
    let body = "a,510104198503120010,李明,1,1985-03-12,01,510104017001,,,active,\n\
                b,510104198503120010,李名,1,1985-03-12,01,510104017002,,,active,\n";
    let report = import(&db.store, "police", body).await;
    assert_eq!(counts(&report), (1, 0, 0, 1));
    assert_eq!(
        report.rejected_rows[0].errors[0].reason,
        "公民身份号码与本文件第 2 行的现有人员相同"
    );
}

async fn an_export_imports_into_a_fresh_database_unchanged(db: &TestDb) {
    import(&db.store, "police", POLICE).await;
    let mut writer = RegisterWriter::new(Vec::new()).unwrap();
    let written = db
        .store
        .export(None, None, |r| {
            writer
                .write(&r)
                .map_err(|e| renkou_store::StoreError::Invalid(e.to_string()))
        })
        .await
        .unwrap();
    assert_eq!(written, 3);
    let csv = writer.finish().unwrap();
    let fresh = TestDb::sqlite().await;
    let input = ImportInput::read(csv.as_slice(), "export.csv", "renkou", "tester").unwrap();
    let report = fresh.store.import(input).await.unwrap();
    assert_eq!(counts(&report), (3, 0, 0, 0));
    let mut again = RegisterWriter::new(Vec::new()).unwrap();
    fresh
        .store
        .export(None, None, |r| {
            again
                .write(&r)
                .map_err(|e| renkou_store::StoreError::Invalid(e.to_string()))
        })
        .await
        .unwrap();
    // Same persons, same fields (ids are the new database's own).
    let strip = |bytes: Vec<u8>| -> Vec<String> {
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| l.split_once(',').map_or(l, |(_, rest)| rest).to_string())
            .collect()
    };
    assert_eq!(strip(again.finish().unwrap()), strip(csv));
    fresh.finish().await;
}

async fn a_recoded_county_moves_its_people_and_keeps_their_history(db: &TestDb) {
    import(&db.store, "police", POLICE).await;
    let change = Rezoning {
        old: RegionCode::parse("510104").unwrap(),
        new: RegionCode::parse("510199").unwrap(),
        effective: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        new_name: Some("锦新区".into()),
    };
    let meta = EventMeta {
        recorder: "admin".into(),
        source: "民政厅 2026-1".into(),
    };
    let report = db.store.apply_rezoning(&[change], &meta).await.unwrap();
    assert_eq!(report.persons_moved, 3);
    counters_agree(&db.store).await;
    assert_eq!(
        report.regions_retired, 88,
        "the county and everything inside it"
    );
    let county = db
        .store
        .region(&RegionCode::parse("510199").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(county.name, "锦新区");
    let id = IdNumber::parse("510104198503120010").unwrap();
    let person = db.store.person_by_id_number(&id).await.unwrap().unwrap();
    assert_eq!(person.residence.as_str(), "510199017001");
    let events = db.store.events_of(person.id).await.unwrap();
    assert_eq!(events[0].kind, EventKind::Rezoning);
    let before = person_as_of(
        &person,
        &events,
        NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
    )
    .unwrap();
    assert_eq!(before.residence.as_str(), "510104017001");
    // A file still written with the old codes imports onto the new ones.
    let late = "n1,,钱七,2,2001-01-01,01,510104017003,,,active,\n";
    let report = import(&db.store, "police2", late).await;
    assert_eq!((report.inserted, report.recoded_regions), (1, 1));
    counters_agree(&db.store).await;
}

async fn recoding_onto_an_existing_village_needs_its_own_line(db: &TestDb) {
    // 510104017001 -> 510104017002 exists already: an implicit merge is refused.
    let change = Rezoning {
        old: RegionCode::parse("510104017000").unwrap(),
        new: RegionCode::parse("510104018000").unwrap(),
        effective: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        new_name: None,
    };
    let meta = EventMeta {
        recorder: "admin".into(),
        source: "test".into(),
    };
    let err = db.store.apply_rezoning(&[change], &meta).await.unwrap_err();
    assert!(err.to_string().contains("add a line for it"), "{err}");
    let old = db
        .store
        .region(&RegionCode::parse("510104017000").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.valid_to, None, "nothing was retired");
}

async fn columns_beyond_the_format_are_kept_with_the_record(db: &TestDb) {
    let text = "record_id,name,sex,birth_date,region_code,phone,备注\n\
                p1,李明,1,1985-03-12,510104017001,13800000000,低保户\n";
    let input = ImportInput::read(text.as_bytes(), "wis.csv", "wis", "tester").unwrap();
    db.store.import(input).await.unwrap();
    let (_, extra) = db.store.source_record("wis", "p1").await.unwrap().unwrap();
    assert_eq!(
        extra,
        Some(serde_json::json!({"phone": "13800000000", "备注": "低保户"}))
    );
}

on_both_engines!(
    columns_beyond_the_format_are_kept_with_the_record,
    a_first_import_inserts_and_keeps_what_it_rejects,
    importing_the_same_file_again_changes_nothing,
    a_changed_record_updates_the_person_with_an_event,
    another_source_finds_the_same_person_by_identity_number,
    two_living_records_with_one_identity_number_are_not_both_taken,
    an_export_imports_into_a_fresh_database_unchanged,
    a_recoded_county_moves_its_people_and_keeps_their_history,
    recoding_onto_an_existing_village_needs_its_own_line,
);
