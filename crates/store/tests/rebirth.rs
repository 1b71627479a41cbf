//! Re-birth approvals on both engines: the register's verdict goes with
//! the application as advice; the county approves only once every document
//! was checked against the original; a refusal is final and says why.

use chrono::NaiveDate;
use renkou_domain::cases::DeadlineRule;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{PersonId, PersonName, RegionCode, Sex};
use renkou_store::testing::TestDb;
use renkou_store::{Decision, EventMeta, Scope, StoreError, on_both_engines};

const VILLAGE: &str = "510104017001";
const TOWNSHIP: &str = "510104017000";
const COUNTY: &str = "510104000000";
/// The smallest PNG header: enough to be told a PNG.
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];

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

fn newcomer(name: &str, sex: Sex, year: i32) -> NewPerson {
    NewPerson::new(
        PersonName::parse(name).unwrap(),
        sex,
        NaiveDate::from_ymd_opt(year, 3, 1).unwrap(),
        code(VILLAGE),
    )
}

async fn family(
    db: &TestDb,
    names: [&str; 2],
    children: usize,
) -> (PersonId, PersonId, Vec<PersonId>) {
    let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let he = record(
        db,
        Command::Registration {
            newcomer: newcomer(names[0], Sex::Male, 1988),
            date,
        },
    )
    .await;
    let she = record(
        db,
        Command::Registration {
            newcomer: newcomer(names[1], Sex::Female, 1990),
            date,
        },
    )
    .await;
    record(
        db,
        Command::Marriage {
            a: he,
            b: she,
            date: NaiveDate::from_ymd_opt(2012, 5, 1).unwrap(),
        },
    )
    .await;
    let mut kids = Vec::new();
    for i in 0..children {
        let child = newcomer(
            &format!("{}{}", names[0], ["一", "二", "三", "四"][i]),
            Sex::Female,
            2013 + 2 * i as i32,
        );
        kids.push(
            record(
                db,
                Command::Birth {
                    child,
                    mother: Some(she),
                    father: Some(he),
                    details: Default::default(),
                },
            )
            .await,
        );
    }
    (he, she, kids)
}

fn decide(pass: bool, refuse: bool, reason: Option<&str>, actor: &str) -> Decision {
    Decision {
        pass,
        refuse,
        reason: reason.map(str::to_string),
        actor: actor.into(),
    }
}

async fn the_county_approves_only_with_every_document_checked(db: &TestDb) {
    let rules = renkou_domain::rebirth::default_rules();
    let deadline = DeadlineRule::default();
    let (he, _, kids) = family(db, ["吴军", "郑红"], 3).await;
    db.store
        .record_disability(kids[1], 2, Some("51010420150301"), "残联")
        .await
        .unwrap();
    let village = Scope::new([code(VILLAGE)]);
    let township = Scope::new([code(TOWNSHIP)]);
    let county = Scope::new([code(COUNTY)]);
    let case = db
        .store
        .apply_rebirth(
            he,
            "次女二级残疾，申请再生育",
            "cun001",
            &village,
            &rules,
            &deadline,
        )
        .await
        .unwrap();
    let facts = &case.facts.as_ref().unwrap().0;
    assert_eq!(facts["check"], "子女中有三级以上残疾");
    assert_eq!(facts["eligible_by_register"], true);

    db.store
        .decide_case(
            case.id,
            &decide(true, false, None, "xz017"),
            &township,
            &deadline,
        )
        .await
        .unwrap();
    // The township cannot refuse, the county can; but first: no documents.
    let early = db
        .store
        .decide_case(
            case.id,
            &decide(true, false, None, "xian104"),
            &county,
            &deadline,
        )
        .await;
    assert!(
        matches!(early, Err(StoreError::Invalid(ref m)) if m.contains("材料")),
        "{early:?}"
    );
    let not_a_scan = db
        .store
        .add_document(
            case.id,
            "结婚证",
            "a.exe",
            b"MZ\x90\x00",
            "xian104",
            &county,
        )
        .await;
    assert!(
        matches!(not_a_scan, Err(StoreError::Invalid(_))),
        "{not_a_scan:?}"
    );
    let doc = db
        .store
        .add_document(case.id, "残疾人证", "残疾人证.png", PNG, "xian104", &county)
        .await
        .unwrap();
    assert_eq!(doc.content_type, "image/png");
    let unchecked = db
        .store
        .decide_case(
            case.id,
            &decide(true, false, None, "xian104"),
            &county,
            &deadline,
        )
        .await;
    assert!(
        matches!(unchecked, Err(StoreError::Invalid(_))),
        "{unchecked:?}"
    );
    let checked = db
        .store
        .check_document(doc.id, "xian104", &county)
        .await
        .unwrap();
    assert_eq!(checked.checked_by.as_deref(), Some("xian104"));
    let approved = db
        .store
        .decide_case(
            case.id,
            &decide(true, false, None, "xian104"),
            &county,
            &deadline,
        )
        .await
        .unwrap();
    assert_eq!(approved.state, "approved");
    let (_, bytes) = db.store.document(doc.id).await.unwrap().unwrap();
    assert_eq!(bytes, PNG, "the file is kept as handed in");
}

async fn a_refusal_is_final_and_only_the_county_gives_it(db: &TestDb) {
    let rules = renkou_domain::rebirth::default_rules();
    let deadline = DeadlineRule::default();
    let (he, _, _) = family(db, ["冯涛", "陈静"], 1).await;
    let case = db
        .store
        .apply_rebirth(
            he,
            "想再要一个",
            "cun001",
            &Scope::new([code(VILLAGE)]),
            &rules,
            &deadline,
        )
        .await
        .unwrap();
    assert!(
        case.facts.as_ref().unwrap().0["check"]
            .as_str()
            .unwrap()
            .contains("无需审批")
    );
    let township = Scope::new([code(TOWNSHIP)]);
    let refused_here = db
        .store
        .decide_case(
            case.id,
            &decide(false, true, Some("无需审批"), "xz017"),
            &township,
            &deadline,
        )
        .await;
    assert!(
        matches!(refused_here, Err(StoreError::Invalid(_))),
        "{refused_here:?}"
    );
    db.store
        .decide_case(
            case.id,
            &decide(true, false, None, "xz017"),
            &township,
            &deadline,
        )
        .await
        .unwrap();
    let county = Scope::new([code(COUNTY)]);
    let refused = db
        .store
        .decide_case(
            case.id,
            &decide(false, true, Some("现有子女不足三个，无需审批"), "xian104"),
            &county,
            &deadline,
        )
        .await
        .unwrap();
    assert_eq!(refused.state, "refused");
    assert!(refused.closed_at.is_some() && refused.due_at.is_none());
    let again = db
        .store
        .decide_case(
            case.id,
            &decide(true, false, None, "xian104"),
            &county,
            &deadline,
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::CaseMoved { .. })),
        "{again:?}"
    );
}

on_both_engines!(
    the_county_approves_only_with_every_document_checked,
    a_refusal_is_final_and_only_the_county_gives_it,
);
