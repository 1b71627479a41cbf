//! The audit log on both engines: every entry is chained to the one before
//! with a keyed hash, and the chain's head is checkpointed outside the
//! database, so an altered, deleted, cut-off or rewritten chain is found.

use renkou_store::testing::TestDb;
use renkou_store::{
    AuditEntry, AuditFilter, AuditKey, Checkpoint, Store, append_checkpoint, on_both_engines,
    read_checkpoints,
};

/// The first broken entry and why, if any.
async fn broken(db: &TestDb, key: &AuditKey, checkpoints: &[Checkpoint]) -> Option<(i64, String)> {
    db.store
        .verify_audit(key, checkpoints)
        .await
        .unwrap()
        .broken
}

/// A checkpoint of the chain as it is now.
async fn checkpoint(db: &TestDb, key: &AuditKey) -> Checkpoint {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoints");
    append_checkpoint(&file, key, &db.store.audit_head().await.unwrap()).unwrap();
    read_checkpoints(&file, key).unwrap().remove(0)
}

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
    let key = AuditKey::generate();
    db.store
        .audit(&[entry("wang", 1), entry("li", 2)], &key)
        .await
        .unwrap();
    db.store.audit(&[entry("wang", 2)], &key).await.unwrap();
    let found = db.store.verify_audit(&key, &[]).await.unwrap();
    assert_eq!((found.entries, found.unkeyed, found.broken), (3, 0, None));
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
    let key = AuditKey::generate();
    db.store
        .audit(&[entry("wang", 1), entry("li", 2), entry("zhao", 3)], &key)
        .await
        .unwrap();
    tamper(
        &db.store,
        "UPDATE audit_log SET actor = 'nobody' WHERE actor = 'li'",
    )
    .await;
    let (id, reason) = broken(db, &key, &[]).await.unwrap();
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
    let key = AuditKey::generate();
    db.store
        .audit(&[entry("wang", 1), entry("li", 2), entry("zhao", 3)], &key)
        .await
        .unwrap();
    tamper(&db.store, "DELETE FROM audit_log WHERE actor = 'li'").await;
    let (_, reason) = broken(db, &key, &[]).await.unwrap();
    assert_eq!(reason, "an entry before it was deleted or altered");
}

async fn cutting_off_the_last_entries_is_found_by_the_checkpoint(db: &TestDb) {
    let key = AuditKey::generate();
    let entries: Vec<AuditEntry> = (1..=20).map(|p| entry("wang", p)).collect();
    db.store.audit(&entries, &key).await.unwrap();
    let mark = checkpoint(db, &key).await;
    assert_eq!(broken(db, &key, std::slice::from_ref(&mark)).await, None);
    tamper(
        &db.store,
        "DELETE FROM audit_log WHERE id > (SELECT MAX(id) - 10 FROM audit_log)",
    )
    .await;
    // Without the checkpoint the shorter chain would look whole.
    assert_eq!(broken(db, &key, &[]).await, None);
    let (_, reason) = broken(db, &key, &[mark]).await.unwrap();
    assert!(reason.contains("were deleted"), "{reason}");
}

async fn emptying_the_log_is_found_by_the_checkpoint(db: &TestDb) {
    let key = AuditKey::generate();
    db.store
        .audit(&[entry("wang", 1), entry("li", 2)], &key)
        .await
        .unwrap();
    let mark = checkpoint(db, &key).await;
    tamper(&db.store, "DELETE FROM audit_log").await;
    assert!(broken(db, &key, &[mark]).await.is_some());
}

async fn a_chain_rewritten_without_the_key_is_found(db: &TestDb) {
    let key = AuditKey::generate();
    db.store
        .audit(&[entry("wang", 1), entry("li", 2)], &key)
        .await
        .unwrap();
    let mark = checkpoint(db, &key).await;
    // Someone with the database but not the key edits an entry and
    // recomputes the whole chain with a key of their own.
    tamper(&db.store, "DELETE FROM audit_log").await;
    let forger = AuditKey::generate();
    db.store
        .audit(&[entry("wang", 1), entry("nobody", 2)], &forger)
        .await
        .unwrap();
    let (_, reason) = broken(db, &key, &[]).await.unwrap();
    assert_eq!(reason, "the entry was altered");
    assert!(broken(db, &key, &[mark]).await.is_some());
}

async fn a_checkpoint_file_edited_by_hand_is_refused(_db: &TestDb) {
    let key = AuditKey::generate();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoints");
    let head = renkou_store::AuditHead {
        entries: 3,
        last_id: 3,
        hash: "ab".repeat(32),
    };
    append_checkpoint(&file, &key, &head).unwrap();
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"entries\":3", "\"entries\":1");
    std::fs::write(&file, text).unwrap();
    assert!(read_checkpoints(&file, &key).is_err());
}

on_both_engines!(
    an_intact_chain_verifies_and_shows_by_person_and_user,
    an_altered_entry_is_found,
    a_deleted_entry_is_found,
    cutting_off_the_last_entries_is_found_by_the_checkpoint,
    emptying_the_log_is_found_by_the_checkpoint,
    a_chain_rewritten_without_the_key_is_found,
    a_checkpoint_file_edited_by_hand_is_refused
);
