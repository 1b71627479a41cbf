//! The audit log on both engines: every entry is chained to the one before, so
//! an altered or deleted entry is found.

use renkou_store::testing::TestDb;
use renkou_store::{AuditEntry, AuditFilter, Store, on_both_engines};

fn entry(actor: &str, person: i64) -> AuditEntry {
    AuditEntry {
        actor: actor.into(),
        action: "read_person".into(),
        person_id: Some(person),
        detail: "id_number lookup".into(),
        address: Some("127.0.0.1".into()),
    }
}

async fn tamper(store: &Store, sql: &'static str) {
    match store {
        Store::Sqlite(pool) => {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
        Store::Postgres(pool) => {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
    }
}

async fn an_intact_chain_verifies_and_shows_by_person_and_user(db: &TestDb) {
    db.store
        .audit(&[entry("wang", 1), entry("li", 2)])
        .await
        .unwrap();
    db.store.audit(&[entry("wang", 2)]).await.unwrap();
    assert_eq!(db.store.verify_audit().await.unwrap(), Ok(3));
    let about_two = db
        .store
        .audit_entries(&AuditFilter {
            person_id: Some(2),
            actor: None,
        })
        .await
        .unwrap();
    assert_eq!(
        about_two
            .iter()
            .map(|e| e.actor.as_str())
            .collect::<Vec<_>>(),
        ["li", "wang"]
    );
    let by_wang = db
        .store
        .audit_entries(&AuditFilter {
            person_id: None,
            actor: Some("wang".into()),
        })
        .await
        .unwrap();
    assert_eq!(by_wang.len(), 2);
}

async fn an_altered_entry_is_found(db: &TestDb) {
    db.store
        .audit(&[entry("wang", 1), entry("li", 2), entry("zhao", 3)])
        .await
        .unwrap();
    tamper(
        &db.store,
        "UPDATE audit_log SET actor = 'nobody' WHERE actor = 'li'",
    )
    .await;
    let (id, reason) = db.store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!(reason, "the entry was altered");
    assert_eq!(
        db.store
            .audit_entries(&AuditFilter::default())
            .await
            .unwrap()[1]
            .id,
        id
    );
}

async fn a_deleted_entry_is_found(db: &TestDb) {
    db.store
        .audit(&[entry("wang", 1), entry("li", 2), entry("zhao", 3)])
        .await
        .unwrap();
    tamper(&db.store, "DELETE FROM audit_log WHERE actor = 'li'").await;
    let (_, reason) = db.store.verify_audit().await.unwrap().unwrap_err();
    assert_eq!(reason, "an entry before it was deleted or altered");
}

on_both_engines!(
    an_intact_chain_verifies_and_shows_by_person_and_user,
    an_altered_entry_is_found,
    a_deleted_entry_is_found
);
