//! The two engines' migrations give the same tables and columns, apart from
//! a declared list of tables only one engine has (each says why), so that a
//! migration written for one engine and forgotten for the other is caught.

use std::collections::BTreeSet;

use renkou_store::testing::TestDb;

/// Tables of one engine only: PostgreSQL keeps county age pyramids and
/// married women by method as arrays by a trigger (`stat_pyramid`,
/// migration 0010; `stat_methods`, 0021). (SQLite's 0010 reorders the
/// stock table instead; its partitions are PostgreSQL's storage, not tables.)
/// Partitioned by city (0032), PostgreSQL keeps the province-wide unique
/// numbers in tables of their own (`living_id_numbers`,
/// `household_numbers`); SQLite's unique indexes keep them.
const ENGINE_ONLY: [&str; 4] = [
    "stat_pyramid",
    "stat_methods",
    "living_id_numbers",
    "household_numbers",
];

/// Columns only PostgreSQL needs: the writing transaction of an event, which
/// orders the exchange feed (SQLite's ids are in commit order already).
const ENGINE_ONLY_COLUMNS: [(&str, &str); 1] = [("events", "xid")];

fn shared(columns: BTreeSet<(String, String)>) -> BTreeSet<(String, String)> {
    columns
        .into_iter()
        .filter(|(table, _)| !ENGINE_ONLY.contains(&table.as_str()))
        .filter(|(table, column)| !ENGINE_ONLY_COLUMNS.contains(&(table.as_str(), column.as_str())))
        .collect()
}

#[tokio::test]
async fn both_engines_migrate_to_the_same_tables_and_columns() {
    let sqlite = TestDb::sqlite().await;
    let Some(postgres) = TestDb::postgres().await else {
        return;
    };
    let on_sqlite = shared(sqlite.store.table_columns().await.unwrap());
    let on_postgres = shared(postgres.store.table_columns().await.unwrap());
    let only_sqlite: Vec<_> = on_sqlite.difference(&on_postgres).collect();
    let only_postgres: Vec<_> = on_postgres.difference(&on_sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only on SQLite: {only_sqlite:?}\nonly on PostgreSQL: {only_postgres:?}"
    );
    assert!(
        on_sqlite
            .iter()
            .any(|(t, c)| t == "persons" && c == "id_number")
    );
    sqlite.finish().await;
    postgres.finish().await;
}
