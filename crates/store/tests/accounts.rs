//! Accounts on both engines: one account, many roles, each for a region.

use renkou_domain::password::{hash_password, verify_password};
use renkou_domain::{Grant, RegionCode, Role, Username};
use renkou_store::testing::TestDb;
use renkou_store::{StoreError, on_both_engines};

fn grant(role: Role, code: &str) -> Grant {
    Grant::new(role, RegionCode::parse(code).unwrap()).unwrap()
}

async fn an_account_holds_many_roles_and_loses_them_one_by_one(db: &TestDb) {
    let wang = Username::parse("wang").unwrap();
    let hash = hash_password("renkou2026pw").unwrap();
    let operator = grant(Role::TownshipOperator, "510104017000");
    db.store
        .add_user(&wang, Some("王芳"), &hash, &[operator], "admin")
        .await
        .unwrap();
    let manager = grant(Role::CountyManager, "510107000000");
    db.store.grant(&wang, manager, "admin").await.unwrap();
    db.store.grant(&wang, manager, "admin").await.unwrap();
    let account = db.store.user(&wang).await.unwrap().unwrap();
    assert_eq!(account.grants, vec![manager, operator]);
    assert!(verify_password("renkou2026pw", &account.password_hash));
    assert!(db.store.revoke(&wang, operator).await.unwrap());
    assert!(
        !db.store.revoke(&wang, operator).await.unwrap(),
        "already gone"
    );
    assert_eq!(
        db.store.user(&wang).await.unwrap().unwrap().grants,
        vec![manager]
    );
}

async fn a_user_name_is_taken_once(db: &TestDb) {
    let li = Username::parse("li").unwrap();
    let hash = hash_password("renkou2026pw").unwrap();
    db.store
        .add_user(&li, None, &hash, &[], "admin")
        .await
        .unwrap();
    let err = db
        .store
        .add_user(&li, None, &hash, &[], "admin")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "user li already exists");
}

async fn a_role_for_a_region_not_in_the_table_is_refused(db: &TestDb) {
    let zhao = Username::parse("zhao").unwrap();
    let hash = hash_password("renkou2026pw").unwrap();
    let nowhere = grant(Role::TownshipOperator, "510104999000");
    let err = db
        .store
        .add_user(&zhao, None, &hash, &[nowhere], "admin")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Region { .. }), "{err}");
    assert!(
        db.store.user(&zhao).await.unwrap().is_none(),
        "no account half-made"
    );
}

async fn a_new_password_replaces_the_old_one(db: &TestDb) {
    let chen = Username::parse("chen").unwrap();
    db.store
        .add_user(
            &chen,
            None,
            &hash_password("renkou2026pw").unwrap(),
            &[],
            "admin",
        )
        .await
        .unwrap();
    db.store
        .set_password(&chen, &hash_password("another2027pw").unwrap())
        .await
        .unwrap();
    let account = db.store.user(&chen).await.unwrap().unwrap();
    assert!(verify_password("another2027pw", &account.password_hash));
    assert!(!verify_password("renkou2026pw", &account.password_hash));
    assert_eq!(db.store.users().await.unwrap().len(), 1);
}

on_both_engines!(
    an_account_holds_many_roles_and_loses_them_one_by_one,
    a_user_name_is_taken_once,
    a_role_for_a_region_not_in_the_table_is_refused,
    a_new_password_replaces_the_old_one,
);
