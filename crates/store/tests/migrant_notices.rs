//! The hand-off of a migrant between regions (流动人口信息交换) on both
//! engines: registering a migrant where he lives sends a notice to his
//! village of registration with the arrival itself; that village answers
//! and the answer is back with the sender; a notice left unanswered goes to
//! the township, which may assign it again; a notice to another province
//! waits in the sender's outbox; and each office's response times count.

use chrono::{Duration, NaiveDate, Utc};
use renkou_domain::cases::{DeadlineRule, Step};
use renkou_domain::migrants::MigrantDetails;
use renkou_domain::migrants::rules::Arrival;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{PersonId, PersonName, RegionCode, RegionLevel, Sex};
use renkou_store::testing::TestDb;
use renkou_store::{CaseFilter, EventMeta, Handling, Mailbox, Scope, StoreError, on_both_engines};

/// Where he is registered (锦江区 a village).
const HOME: &str = "510104017001";
/// Its township.
const HOME_TOWNSHIP: &str = "510104017000";
/// Where he lives now (武侯区, another county).
const WORK: &str = "510107001004";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn meta(who: &str) -> EventMeta {
    EventMeta {
        recorder: who.into(),
        source: "web".into(),
    }
}

/// A man registered at `hukou` and living there, then registered as a
/// migrant in WORK by its collector.
async fn migrant(db: &TestDb, hukou: &str) -> PersonId {
    let lives = if hukou.starts_with("51") { hukou } else { WORK };
    let newcomer = NewPerson {
        hukou_region: Some(code(hukou)),
        ..NewPerson::new(
            PersonName::parse("王小军").unwrap(),
            Sex::Male,
            day(1990, 7, 8),
            code(lives),
        )
    };
    let today = day(2026, 11, 29);
    let person = db
        .store
        .record_at(
            &Command::Registration {
                newcomer,
                date: day(2010, 1, 1),
            },
            &meta("hukou"),
            today,
        )
        .await
        .unwrap()
        .person_id;
    let arrival = Arrival {
        person,
        to: Some(code(WORK)),
        hukou_region: None,
        date: day(2026, 5, 1),
        details: MigrantDetails {
            workplace: Some("建筑工地".into()),
            ..MigrantDetails::default()
        },
    };
    db.store
        .record_at(&Command::MigrantArrival(arrival), &meta("wuhou"), today)
        .await
        .unwrap();
    person
}

fn inbox(region: &str) -> CaseFilter {
    CaseFilter {
        mailbox: Mailbox::Inbox,
        kind: None,
        region: code(region),
        state: None,
        overdue: false,
        after: 0,
        limit: 50,
    }
}

fn answer() -> Handling {
    Handling {
        reply: serde_json::json!({ "confirmed": true, "note": "户籍地核实无误" }),
        note: Some("户籍地核实无误".into()),
        actor: "jinjiang".into(),
    }
}

async fn a_migrants_village_of_registration_is_told_and_its_answer_comes_back(db: &TestDb) {
    let person = migrant(db, HOME).await;
    let now = Utc::now();
    let cases = db.store.cases(&inbox(HOME), now).await.unwrap();
    assert_eq!(cases.len(), 1, "the village of registration has the notice");
    let case = &cases[0];
    assert_eq!(case.person_id, person.0);
    assert_eq!(case.state, "assigned");
    assert_eq!(case.sender_region, WORK);
    assert!(case.inside_province);
    let (_, steps) = db
        .store
        .case(case.id, &Scope::new([code(HOME)]))
        .await
        .unwrap()
        .unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(names, ["sent", "received", "matched", "assigned"]);
    assert_eq!(steps[0].actor, "wuhou", "the sender is who registered him");
    let outbox = CaseFilter {
        mailbox: Mailbox::Outbox,
        ..inbox(WORK)
    };
    assert_eq!(db.store.cases(&outbox, now).await.unwrap().len(), 1);

    // The place of residence cannot answer for the place of registration.
    let theirs = db
        .store
        .handle_case(case.id, &answer(), &Scope::new([code(WORK)]))
        .await;
    assert!(matches!(theirs, Err(StoreError::NotFound(_))), "{theirs:?}");
    let done = db
        .store
        .handle_case(case.id, &answer(), &Scope::new([code(HOME)]))
        .await
        .unwrap();
    assert_eq!(done.state, "answered");
    // Twice (a retry, a second clerk): handled once.
    let again = db
        .store
        .handle_case(case.id, &answer(), &Scope::new([code(HOME)]))
        .await;
    assert!(
        matches!(again, Err(StoreError::CaseMoved { .. })),
        "{again:?}"
    );
    let (sent, steps) = db
        .store
        .case(case.id, &Scope::new([code(WORK)]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.state, "answered", "the sender sees the answer");
    assert_eq!(sent.reply.unwrap().0["note"], "户籍地核实无误");
    assert_eq!(steps.iter().filter(|s| s.step == "handled").count(), 1);
    assert_eq!(
        steps.last().unwrap().region_code,
        WORK,
        "the answer went back to the sender"
    );
    assert!(sent.due_at.is_none(), "no deadline runs once answered");

    let times = db
        .store
        .response_times(
            &code("510100000000"),
            RegionLevel::County,
            renkou_domain::cases::CaseKind::MigrantNotice,
            (now - Duration::days(1), now + Duration::days(1)),
            now,
        )
        .await
        .unwrap();
    let jinjiang = times
        .iter()
        .find(|t| t.region_code == "510104000000")
        .unwrap();
    assert_eq!(
        (jinjiang.sent, jinjiang.answered, jinjiang.overdue),
        (1, 1, 0)
    );
    assert!(jinjiang.median_days.unwrap() < 1.0);
}

async fn an_unanswered_notice_goes_to_the_township_which_assigns_it_again(db: &TestDb) {
    migrant(db, HOME).await;
    let rule = DeadlineRule::default();
    let now = Utc::now();
    assert_eq!(
        db.store.escalate_overdue(now, &rule).await.unwrap(),
        0,
        "not yet due"
    );
    let later = now + Duration::days(16);
    let counts = db
        .store
        .case_counts(Mailbox::Inbox, &code(HOME), None, later)
        .await
        .unwrap();
    assert_eq!(counts.overdue, 1, "overdue after the province's 15 days");
    assert_eq!(db.store.escalate_overdue(later, &rule).await.unwrap(), 1);
    assert_eq!(
        db.store.escalate_overdue(later, &rule).await.unwrap(),
        0,
        "escalated once"
    );
    assert!(
        db.store
            .cases(&inbox(HOME), later)
            .await
            .unwrap()
            .is_empty(),
        "the village no longer has it"
    );
    let cases = db.store.cases(&inbox(HOME_TOWNSHIP), later).await.unwrap();
    let case = &cases[0];
    assert_eq!(
        (case.owner_region.as_str(), case.escalations),
        (HOME_TOWNSHIP, 1)
    );
    let township = Scope::new([code(HOME_TOWNSHIP)]);
    // Only to a village of its own.
    let elsewhere = db
        .store
        .assign_case(case.id, &code(WORK), "jz", &township, &rule)
        .await;
    assert!(
        matches!(elsewhere, Err(StoreError::Region { .. })),
        "{elsewhere:?}"
    );
    let assigned = db
        .store
        .assign_case(case.id, &code(HOME), "jz", &township, &rule)
        .await
        .unwrap();
    assert_eq!(assigned.owner_region, HOME);
    assert!(
        assigned.due_at.unwrap() > later - Duration::days(16) + Duration::days(20),
        "a new deadline, one level's more"
    );
    let (_, steps) = db.store.case(case.id, &township).await.unwrap().unwrap();
    assert!(
        steps.iter().any(|s| s.step == Step::Escalated.as_str()
            && s.note.as_deref().unwrap_or("").contains("督办"))
    );
}

async fn a_notice_to_another_province_waits_in_the_senders_outbox(db: &TestDb) {
    // 重庆 渝中区: its codes are known, its offices are not on this platform.
    let chongqing = renkou_store::embedded_region_table(Some("500103")).unwrap();
    db.store.load_regions(&chongqing).await.unwrap();
    migrant(db, "500103000000").await;
    let now = Utc::now();
    let outbox = CaseFilter {
        mailbox: Mailbox::Outbox,
        ..inbox(WORK)
    };
    let cases = db.store.cases(&outbox, now).await.unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].state, "sent");
    assert!(!cases[0].inside_province);
    assert_eq!(cases[0].owner_region, WORK, "the sender follows it up");
    let due = cases[0].due_at.unwrap();
    assert!(
        due > now + Duration::days(29),
        "30 days to and from outside"
    );
}

on_both_engines!(
    a_migrants_village_of_registration_is_told_and_its_answer_comes_back,
    an_unanswered_notice_goes_to_the_township_which_assigns_it_again,
    a_notice_to_another_province_waits_in_the_senders_outbox
);
