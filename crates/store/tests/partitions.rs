//! PostgreSQL partitioned by city (issue 17, migration 0032): each city's
//! people, households, events and village counters in partitions of their
//! own; a county's queries read only its city's partitions; the
//! province-wide unique numbers stay unique; a move between cities keeps the
//! person; and a database of an earlier release is converted with nothing
//! lost. PostgreSQL only: SQLite has no partitions.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{IdNumber, PersonId, PersonName, RegionCode, Sex};
use renkou_store::testing::TestDb;
use renkou_store::{
    EventMeta, ImportInput, ImportReport, Rezoning, Store, StoreError, embedded_region_table,
};
use sqlx::PgPool;

const HEADER: &str = "record_id,id_number,name,sex,birth_date,ethnicity,region_code,household_no,relation,status,death_date\n";
const CHENGDU_VILLAGE: &str = "510104017001";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn id_number(birth: NaiveDate, seq: u16) -> String {
    IdNumber::from_parts("510104", birth, seq)
        .unwrap()
        .to_string()
}

fn meta() -> EventMeta {
    EventMeta {
        recorder: "wang".into(),
        source: "test".into(),
    }
}

fn pool(store: &Store) -> &PgPool {
    match store {
        Store::Postgres(pool) => pool,
        Store::Sqlite(_) => panic!("PostgreSQL only"),
    }
}

async fn import(store: &Store, body: &str) -> ImportReport {
    let text = format!("{HEADER}{body}");
    let input = ImportInput::read(text.as_bytes(), "police.csv", "police", "tester").unwrap();
    store.import(input).await.unwrap()
}

/// Loads the regions of a county of another city and returns its first village.
async fn county_of_another_city(store: &Store, county: &str) -> String {
    let rows = embedded_region_table(Some(county)).unwrap();
    store.load_regions(&rows).await.unwrap();
    rows.iter()
        .find(|r| r.level == "village")
        .map(|r| r.code.clone())
        .unwrap()
}

/// Two persons in a household of 成都, two in one of 自贡; returns 自贡's village.
async fn two_cities(db: &TestDb) -> String {
    let zigong = county_of_another_city(&db.store, "510302").await;
    let body = format!(
        "p1,{},李明,1,1985-03-12,01,{CHENGDU_VILLAGE},H1,02,active,\n\
         p2,{},王芳,2,1986-04-01,01,{CHENGDU_VILLAGE},H1,10,active,\n\
         p3,{},张三,1,1970-01-01,01,{zigong},H2,02,active,\n\
         p4,{},赵丽,2,1972-05-05,01,{zigong},H2,10,active,\n",
        id_number(day(1985, 3, 12), 1),
        id_number(day(1986, 4, 1), 2),
        id_number(day(1970, 1, 1), 3),
        id_number(day(1972, 5, 5), 4),
    );
    let report = import(&db.store, &body).await;
    assert_eq!(report.inserted, 4, "{:?}", report.rejected_rows);
    zigong
}

/// Rows of `table` per partition.
async fn rows_per_partition(store: &Store, table: &str) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(format!(
        "SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1"
    )))
    .fetch_all(pool(store))
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// The tables a query's plan reads.
async fn tables_read(store: &Store, query: &str, low: &str, high: &str) -> BTreeSet<String> {
    let plan: serde_json::Value = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "EXPLAIN (FORMAT JSON) {query}"
    )))
    .bind(low)
    .bind(high)
    .fetch_one(pool(store))
    .await
    .unwrap();
    fn walk(node: &serde_json::Value, out: &mut BTreeSet<String>) {
        if let Some(name) = node.get("Relation Name").and_then(|n| n.as_str()) {
            out.insert(name.to_string());
        }
        for child in node
            .get("Plans")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
        {
            walk(child, out);
        }
    }
    let mut out = BTreeSet::new();
    walk(&plan[0]["Plan"], &mut out);
    out
}

fn map(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[tokio::test]
async fn each_city_keeps_its_people_households_and_counters_in_partitions_of_its_own() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    two_cities(&db).await;
    let both = map(&[("persons_c5101", 2), ("persons_c5103", 2)]);
    assert_eq!(rows_per_partition(&db.store, "persons").await, both);
    assert_eq!(
        rows_per_partition(&db.store, "households").await,
        map(&[("households_c5101", 1), ("households_c5103", 1)])
    );
    let counters = rows_per_partition(&db.store, "stat_stock_village").await;
    assert!(
        counters.contains_key("stat_stock_village_c5101"),
        "{counters:?}"
    );
    assert!(
        counters.contains_key("stat_stock_village_c5103"),
        "{counters:?}"
    );
    let verify = db.store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:#?}", verify.differences);
    db.finish().await;
}

#[tokio::test]
async fn a_large_first_import_leaves_every_partition_indexed() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // Enough rows for the bulk path, which drops the indexes of an empty
    // table and builds them again after the rows.
    let mut body = String::new();
    for n in 0..52_000u32 {
        let birth = day(1950, 1, 1) + chrono::Duration::days(i64::from(n % 20_000));
        let seq = u16::try_from(n / 20_000 * 2 + 1).unwrap();
        let number = IdNumber::from_parts("510104", birth, seq).unwrap();
        body.push_str(&format!(
            "r{n},{number},李明,1,{birth},01,{CHENGDU_VILLAGE},H{n},02,active,\n"
        ));
    }
    assert_eq!(import(&db.store, &body).await.inserted, 52_000);
    let missing: Vec<(String, String)> = sqlx::query_as(
        "SELECT parent.relname::text, i.relname::text FROM pg_inherits h \
         JOIN pg_class parent ON parent.oid = h.inhparent JOIN pg_class part ON part.oid = h.inhrelid \
         JOIN pg_index x ON x.indrelid = parent.oid JOIN pg_class i ON i.oid = x.indexrelid \
         WHERE parent.relname IN ('persons', 'households', 'events') \
           AND NOT EXISTS (SELECT 1 FROM pg_inherits ih JOIN pg_index px ON px.indexrelid = ih.inhrelid \
                           WHERE ih.inhparent = i.oid AND px.indrelid = part.oid)",
    )
    .fetch_all(pool(&db.store))
    .await
    .unwrap();
    assert!(
        missing.is_empty(),
        "partitions without these indexes: {missing:?}"
    );
    db.finish().await;
}

#[tokio::test]
async fn a_county_query_reads_only_its_own_city_partitions() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    two_cities(&db).await;
    let (low, high) = RegionCode::parse("510104000000")
        .unwrap()
        .descendant_range();
    for (query, partition) in [
        (
            "SELECT id, name FROM persons WHERE residence >= $1 AND residence < $2",
            "persons_c5101",
        ),
        (
            "SELECT count(*) FROM households WHERE region_code >= $1 AND region_code < $2",
            "households_c5101",
        ),
        (
            "SELECT kind, count(*) FROM events WHERE region_code >= $1 AND region_code < $2 GROUP BY 1",
            "events_c5101",
        ),
        (
            "SELECT sum(n) FROM stat_flows WHERE region_code >= $1 AND region_code < $2",
            "stat_flows_c5101",
        ),
        (
            "SELECT sum(n) FROM stat_stock WHERE level = 'village' AND region_code >= $1 AND region_code < $2",
            "stat_stock_village_c5101",
        ),
    ] {
        let read = tables_read(&db.store, query, &low, &high).await;
        assert_eq!(read, BTreeSet::from([partition.to_string()]), "{query}");
    }
    db.finish().await;
}

#[tokio::test]
async fn identity_and_household_numbers_stay_unique_across_cities() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let zigong = two_cities(&db).await;
    let taken = id_number(day(1985, 3, 12), 1);
    // Written past the store's own rules, straight into the other city.
    let insert = "INSERT INTO persons (id_number, name, sex, birth_date, residence, status, updated_at) \
                  VALUES ($1, '重复', '1', '1985-03-12', $2, 'active', now())";
    let err = sqlx::query(insert)
        .bind(&taken)
        .bind(&zigong)
        .execute(pool(&db.store))
        .await
        .unwrap_err();
    let constraint = err.as_database_error().and_then(|e| e.constraint());
    assert_eq!(constraint, Some("persons_living_id_number"));
    let err = sqlx::query("INSERT INTO households (household_no, region_code) VALUES ('H1', $1)")
        .bind(&zigong)
        .execute(pool(&db.store))
        .await
        .unwrap_err();
    let constraint = err.as_database_error().and_then(|e| e.constraint());
    assert_eq!(constraint, Some("households_household_no_key"));
    // The dead keep their number without holding it.
    sqlx::query(
        "UPDATE persons SET status = 'dead', death_date = '2025-01-01' WHERE id_number = $1",
    )
    .bind(&taken)
    .execute(pool(&db.store))
    .await
    .unwrap();
    sqlx::query(insert)
        .bind(&taken)
        .bind(&zigong)
        .execute(pool(&db.store))
        .await
        .unwrap();
    db.finish().await;
}

#[tokio::test]
async fn a_person_moving_to_another_city_changes_partition_and_keeps_record_and_history() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let zigong = two_cities(&db).await;
    let number = id_number(day(1985, 3, 12), 1);
    let moved = format!("p1,{number},李明,1,1985-03-12,01,{zigong},H1,02,active,\n");
    let report = import(&db.store, &moved).await;
    assert_eq!(report.updated, 1, "{report:?}");
    let person = db
        .store
        .person_by_id_number(&IdNumber::parse(&number).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.residence.as_str(), zigong);
    let (partition,): (String,) =
        sqlx::query_as("SELECT tableoid::regclass::text FROM persons WHERE id = $1")
            .bind(person.id.0)
            .fetch_one(pool(&db.store))
            .await
            .unwrap();
    assert_eq!(partition, "persons_c5103");
    // The move is an event of the city moved to.
    let history = db.store.history_with_merged(person.id).await.unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        rows_per_partition(&db.store, "events").await,
        map(&[("events_c5103", 1)])
    );
    let verify = db.store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:#?}", verify.differences);
    db.finish().await;
}

fn newcomer(name: &str, village: &str, birth: NaiveDate, seq: u16) -> NewPerson {
    NewPerson {
        id_number: Some(IdNumber::from_parts("510104", birth, seq).unwrap()),
        name: PersonName::parse(name).unwrap(),
        sex: Sex::Female,
        birth_date: birth,
        ethnicity: None,
        residence: RegionCode::parse(village).unwrap(),
        hukou_region: None,
        hukou_type: None,
        household_id: None,
        relation: None,
        marital_status: None,
        education: None,
        birth_order: None,
    }
}

async fn move_in(store: &Store, name: &str, village: &str, seq: u16) -> PersonId {
    let command = Command::MoveIn {
        origin: None,
        newcomer: newcomer(name, village, day(1990, 6, 1), seq),
        date: day(2020, 1, 1),
    };
    store
        .record_at(&command, &meta(), day(2026, 12, 1))
        .await
        .unwrap()
        .person_id
}

#[tokio::test]
async fn a_city_first_reached_by_a_registration_gets_its_partitions_at_the_next_start() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let panzhihua = county_of_another_city(&db.store, "510402").await;
    move_in(&db.store, "周敏", &panzhihua, 7).await;
    assert_eq!(
        rows_per_partition(&db.store, "persons").await,
        map(&[("persons_default", 1)])
    );
    let reopened = Store::open(&db.url).await.unwrap();
    assert_eq!(
        rows_per_partition(&reopened, "persons").await,
        map(&[("persons_c5104", 1)])
    );
    reopened.close().await;
    db.finish().await;
}

#[tokio::test]
async fn a_rezoning_that_makes_a_new_city_gives_it_its_partitions() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    two_cities(&db).await;
    let change = Rezoning {
        old: RegionCode::parse("510100000000").unwrap(),
        new: RegionCode::parse("519900000000").unwrap(),
        effective: day(2026, 1, 1),
        new_name: Some("新成市".into()),
    };
    let report = db.store.apply_rezoning(&[change], &meta()).await.unwrap();
    assert_eq!(report.persons_moved, 2);
    assert_eq!(
        rows_per_partition(&db.store, "persons").await,
        map(&[("persons_c5103", 2), ("persons_c5199", 2)])
    );
    assert_eq!(
        rows_per_partition(&db.store, "households").await,
        map(&[("households_c5103", 1), ("households_c5199", 1)])
    );
    let verify = db.store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:#?}", verify.differences);
    db.finish().await;
}

#[tokio::test]
async fn an_unpartitioned_database_of_an_earlier_release_is_converted_with_nothing_lost() {
    let Some(old) = TestDb::postgres_before(32).await else {
        return;
    };
    let zigong = county_of_another_city(&old.store, "510302").await;
    let a = move_in(&old.store, "周敏", CHENGDU_VILLAGE, 21).await;
    move_in(&old.store, "吴芳", CHENGDU_VILLAGE, 22).await;
    let c = move_in(&old.store, "郑丽", &zigong, 23).await;
    old.store
        .record_at(
            &Command::Death {
                person: c,
                date: day(2024, 1, 1),
            },
            &meta(),
            day(2026, 12, 1),
        )
        .await
        .unwrap();
    let before = old.store.counts().await.unwrap();
    let history_before = old.store.history_with_merged(a).await.unwrap().len();

    let store = Store::open(&old.url).await.unwrap();
    assert_eq!(store.counts().await.unwrap(), before);
    assert_eq!(
        rows_per_partition(&store, "persons").await,
        map(&[("persons_c5101", 2), ("persons_c5103", 1)])
    );
    assert_eq!(
        store.history_with_merged(a).await.unwrap().len(),
        history_before
    );
    let verify = store.verify_counters(None).await.unwrap();
    assert!(verify.differences.is_empty(), "{:#?}", verify.differences);

    // The living keep their numbers; the dead one's is free again.
    let twin = Command::MoveIn {
        origin: None,
        newcomer: newcomer("周敏二", &zigong, day(1990, 6, 1), 21),
        date: day(2021, 1, 1),
    };
    let err = store
        .record_at(&twin, &meta(), day(2026, 12, 1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DuplicateIdNumber { .. }), "{err}");
    let again = move_in(&store, "郑丽", &zigong, 23).await;
    assert!(again.0 > c.0, "new ids continue after the old ones");
    // Households and events number on from where they were.
    let body = format!(
        "n1,{},孙强,1,1980-01-01,01,{CHENGDU_VILLAGE},H9,02,active,\n",
        id_number(day(1980, 1, 1), 31)
    );
    assert_eq!(import(&store, &body).await.inserted, 1);
    store.close().await;
    old.finish().await;
}
