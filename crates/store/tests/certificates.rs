//! Only-child parents' certificates on both engines: the register decides
//! who may apply; the township reviews, the county approves and the
//! certificate takes the county's next number; a second child's birth
//! raises the revocation, which the county decides.

use chrono::{Datelike, NaiveDate, Utc};
use renkou_domain::cases::DeadlineRule;
use renkou_domain::codes::HukouType;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{PersonId, PersonName, RegionCode, Sex};
use renkou_store::testing::TestDb;
use renkou_store::{Decision, EventMeta, Scope, StoreError, on_both_engines};

const VILLAGE: &str = "510104017001";
const TOWNSHIP: &str = "510104017000";
const COUNTY: &str = "510104000000";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

async fn record(db: &TestDb, command: Command) -> PersonId {
    let meta = EventMeta {
        recorder: "collector1".into(),
        source: "web".into(),
    };
    db.store.record(&command, &meta).await.unwrap().person_id
}

async fn born(
    db: &TestDb,
    name: &str,
    sex: Sex,
    year: i32,
    parents: Option<(PersonId, PersonId)>,
) -> PersonId {
    let newcomer = NewPerson {
        hukou_region: Some(code(VILLAGE)),
        hukou_type: Some(HukouType::parse("2").unwrap()),
        ..NewPerson::new(
            PersonName::parse(name).unwrap(),
            sex,
            NaiveDate::from_ymd_opt(year, 4, 1).unwrap(),
            code(VILLAGE),
        )
    };
    match parents {
        Some((father, mother)) => {
            record(
                db,
                Command::Birth {
                    child: newcomer,
                    mother: Some(mother),
                    father: Some(father),
                    details: Default::default(),
                },
            )
            .await
        }
        None => {
            record(
                db,
                Command::Registration {
                    newcomer,
                    date: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                },
            )
            .await
        }
    }
}

async fn couple(db: &TestDb, names: [&str; 2]) -> (PersonId, PersonId) {
    let he = born(db, names[0], Sex::Male, 1990, None).await;
    let she = born(db, names[1], Sex::Female, 1992, None).await;
    record(
        db,
        Command::Marriage {
            a: he,
            b: she,
            date: NaiveDate::from_ymd_opt(2016, 5, 1).unwrap(),
        },
    )
    .await;
    (he, she)
}

fn pass(actor: &str) -> Decision {
    Decision {
        refuse: false,
        pass: true,
        reason: None,
        actor: actor.into(),
    }
}

async fn a_couple_with_one_child_gets_a_numbered_certificate_and_loses_it_at_a_second_birth(
    db: &TestDb,
) {
    let rules = renkou_domain::certificates::default_rules();
    let deadline = DeadlineRule::default();
    let village = Scope::new([code(VILLAGE)]);
    let township = Scope::new([code(TOWNSHIP)]);
    let county = Scope::new([code(COUNTY)]);
    let parents = couple(db, ["赵刚", "钱丽"]).await;
    born(db, "赵一", Sex::Female, 2018, Some(parents)).await;

    // Another village's officer cannot apply for them.
    let elsewhere = Scope::new([code("510104017002")]);
    let theirs = db
        .store
        .apply_certificate(parents.1, "cun002", &elsewhere, &rules, &deadline)
        .await;
    assert!(matches!(theirs, Err(StoreError::NotFound(_))), "{theirs:?}");
    let case = db
        .store
        .apply_certificate(parents.1, "cun001", &village, &rules, &deadline)
        .await
        .unwrap();
    assert_eq!(
        (case.owner_region.as_str(), case.state.as_str()),
        (TOWNSHIP, "applied")
    );
    db.store
        .decide_case(case.id, &pass("xz017"), &township, &deadline)
        .await
        .unwrap();
    let approved = db
        .store
        .decide_case(case.id, &pass("xian104"), &county, &deadline)
        .await
        .unwrap();
    assert_eq!(approved.state, "approved");
    let year = Utc::now().year();
    let certificate = db
        .store
        .certificate_of_case(case.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(certificate.number, format!("510104-{year}-00001"));
    assert_eq!(certificate.spouse_id, Some(parents.0.0));
    let again = db
        .store
        .apply_certificate(parents.0, "cun001", &village, &rules, &deadline)
        .await;
    assert!(
        matches!(again, Err(StoreError::Invalid(ref m)) if m.contains("已持有")),
        "{again:?}"
    );

    // The next couple of the county takes the next number.
    let other = couple(db, ["孙强", "李梅"]).await;
    born(db, "孙一", Sex::Male, 2019, Some(other)).await;
    let second = db
        .store
        .apply_certificate(other.0, "cun001", &village, &rules, &deadline)
        .await
        .unwrap();
    db.store
        .decide_case(second.id, &pass("xz017"), &township, &deadline)
        .await
        .unwrap();
    db.store
        .decide_case(second.id, &pass("xian104"), &county, &deadline)
        .await
        .unwrap();
    let next = db
        .store
        .certificate_of_case(second.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.number, format!("510104-{year}-00002"));

    // A second child: the revocation is raised by the birth itself, once.
    let second_child = born(db, "赵二", Sex::Male, year, Some(parents)).await;
    let cases = db.store.cases_of_person(parents.0).await.unwrap();
    let revocations: Vec<_> = cases
        .iter()
        .filter(|c| c.kind == "certificate_revocation")
        .collect();
    assert_eq!(revocations.len(), 0, "the case is the applicant's: 钱丽");
    let cases = db.store.cases_of_person(parents.1).await.unwrap();
    let revocation = cases
        .iter()
        .find(|c| c.kind == "certificate_revocation")
        .expect("raised by the birth");
    assert_eq!(revocation.owner_region, TOWNSHIP);
    assert_eq!(
        revocation.facts.as_ref().unwrap().0["child"],
        second_child.0
    );
    db.store
        .decide_case(revocation.id, &pass("xz017"), &township, &deadline)
        .await
        .unwrap();
    let revoke = Decision {
        refuse: false,
        pass: true,
        reason: Some("已生育第二个子女".into()),
        actor: "xian104".into(),
    };
    db.store
        .decide_case(revocation.id, &revoke, &county, &deadline)
        .await
        .unwrap();
    let revoked = db.store.certificate(certificate.id).await.unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.revoked_reason.as_deref(), Some("已生育第二个子女"));
    assert!(
        db.store
            .live_certificates(&[parents.0.0])
            .await
            .unwrap()
            .is_empty()
    );
    // The other couple keeps theirs.
    assert_eq!(
        db.store
            .live_certificates(&[other.1.0])
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn a_couple_with_two_children_is_refused_with_the_reason(db: &TestDb) {
    let rules = renkou_domain::certificates::default_rules();
    let parents = couple(db, ["周明", "吴芳"]).await;
    born(db, "周一", Sex::Female, 2017, Some(parents)).await;
    born(db, "周二", Sex::Male, 2020, Some(parents)).await;
    let refused = db
        .store
        .apply_certificate(
            parents.0,
            "cun001",
            &Scope::new([code(VILLAGE)]),
            &rules,
            &DeadlineRule::default(),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(ref m)) if m.contains("已生育两个及以上子女")),
        "{refused:?}"
    );
}

on_both_engines!(
    a_couple_with_one_child_gets_a_numbered_certificate_and_loses_it_at_a_second_birth,
    a_couple_with_two_children_is_refused_with_the_reason,
);
