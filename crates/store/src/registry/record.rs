//! Recording one event: load the people it involves, check the rules, change
//! their rows and append the events, all in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use renkou_domain::event::{EventDetails, EventKind, Field, FieldChange, PlannedEvent};
use renkou_domain::rules::{self, Command, MergeFacts};
use renkou_domain::verification;
use renkou_domain::{IdNumber, LifeStatus, Person, PersonId, RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};

use crate::access::audit::AuditEntry;
use crate::access::scope::Scope;
use crate::database::rows::{NewEventRow, PersonRow, RegionRow};
use crate::database::tx::{Table, Tx};
use crate::error::{StoreError, StoreResult};
use crate::statistics::counters::{CounterDelta, ReplayEvent};

/// Who records, and on what authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventMeta {
    /// The user or process that recorded it.
    pub recorder: String,
    /// Where the information came from (a form, a register, a command).
    pub source: String,
}

/// What a recorded command did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recorded {
    /// The person the command was about (the newborn for a birth).
    pub person_id: PersonId,
    /// How many events were appended.
    pub events: usize,
}

/// What a write carries besides its command: the audit entry of the change
/// (written in the change's own transaction; its person is the one recorded)
/// and the caller's idempotency key.
#[derive(Debug, Clone, Default)]
pub struct WriteContext {
    /// The entry saying who changed what; `person_id` is filled in.
    pub audit: Option<AuditEntry>,
    /// The key a retry of the same write repeats.
    pub idempotency: Option<IdempotencyKey>,
    /// The entry waits for review (a village collector's, where the
    /// province asks for the township's confirmation).
    pub review: bool,
    /// The province's rules the write applies (configuration).
    pub rules: Rules,
}

/// The rules a province writes in its configuration that a write applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// The policy indicators each birth is judged by.
    pub policies: Vec<renkou_domain::wis::PolicyRule>,
    /// The days an office has for a case (a migrant's notice).
    pub deadline: renkou_domain::cases::DeadlineRule,
}

/// A client's key for one write (the `Idempotency-Key` header, or a form's
/// hidden key), per caller, with a hash of what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// Whose key it is (keys of different callers never meet).
    pub actor: String,
    /// The key as sent.
    pub key: String,
    /// A hash of the request, so that a key reused for another request is refused.
    pub request_hash: String,
}

/// Records a command in a transaction of its own, with its audit entry and
/// the answer kept for its idempotency key. A key seen before answers the
/// first answer and records nothing.
pub(crate) async fn record<T: Tx>(
    mut tx: T,
    command: &Command,
    meta: &EventMeta,
    today: NaiveDate,
    scope: Option<&Scope>,
    context: &WriteContext,
) -> StoreResult<Recorded> {
    if let Some(key) = &context.idempotency
        && let Some(answer) = earlier_answer(&mut tx, key).await?
    {
        return Ok(answer);
    }
    let recorded = record_in_tx(&mut tx, command, meta, today, scope, &context.rules).await?;
    if context.review {
        tx.insert_review_of_last_event(recorded.person_id.0).await?;
    }
    if let Some(entry) = &context.audit {
        let mut entry = entry.clone();
        entry.person_id = Some(recorded.person_id.0);
        tx.insert_audit_pending(&[entry]).await?;
    }
    if let Some(key) = &context.idempotency {
        let answer =
            serde_json::to_string(&recorded).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if !tx
            .keep_idempotent_answer(&key.actor, &key.key, &key.request_hash, &answer)
            .await?
        {
            // The same key is being recorded by a concurrent request: this
            // one is rolled back, and the caller reads the first answer.
            return Err(StoreError::IdempotencyRace);
        }
    }
    tx.commit().await?;
    Ok(recorded)
}

/// The answer kept for a key, if the key was used before.
async fn earlier_answer<T: Tx>(tx: &mut T, key: &IdempotencyKey) -> StoreResult<Option<Recorded>> {
    let Some((hash, answer)) = tx.idempotent_answer(&key.actor, &key.key).await? else {
        return Ok(None);
    };
    if hash != key.request_hash {
        return Err(StoreError::IdempotencyKeyReused);
    }
    serde_json::from_str(&answer)
        .map(Some)
        .map_err(|e| StoreError::Corrupt {
            what: "idempotency answer".into(),
            reason: e.to_string(),
        })
}

/// Records a command inside the caller's transaction (which commits it,
/// together with whatever else it changes, e.g. the task it resolves).
pub(crate) async fn record_in_tx<T: Tx>(
    tx: &mut T,
    command: &Command,
    meta: &EventMeta,
    today: NaiveDate,
    scope: Option<&Scope>,
    config: &Rules,
) -> StoreResult<Recorded> {
    for code in command.regions() {
        current_region(tx, &code, true).await?;
    }
    for code in command.hukou_regions() {
        current_region(tx, &code, false).await?;
    }
    let mut persons = load_persons(tx, &command.involved()).await?;
    let merge = match command {
        Command::Unmerge { merged, .. } => {
            let facts = merge_facts(tx, *merged).await?;
            if let Some(f) = &facts {
                persons.extend(load_persons(tx, &[f.survivor]).await?);
            }
            facts
        }
        _ => None,
    };
    if let Some(scope) = scope {
        // Outside the scope a person is unknown, exactly as if absent.
        persons.retain(|_, p| scope.contains(&p.residence));
        if let Some(newcomer) = command
            .newcomers()
            .into_iter()
            .find(|n| !scope.contains(&n.residence))
        {
            return Err(StoreError::OutsideScope(newcomer.residence.to_string()));
        }
    }
    // A household a command names is checked like a person: it must exist
    // and, for a scoped writer, lie in the writer's regions.
    let households = command.households();
    if !households.is_empty() {
        let found = tx.household_regions(&households).await?;
        for id in households {
            let visible = found.iter().any(|(h, region)| {
                *h == id
                    && scope.is_none_or(|s| {
                        RegionCode::parse(region).is_ok_and(|code| s.contains(&code))
                    })
            });
            if !visible {
                return Err(StoreError::NotFound(format!("household {id}")));
            }
        }
    }
    if let Command::Death { person, .. } = command
        && let Some(spouse) = persons.get(person).and_then(|p| p.spouse_id)
    {
        persons.extend(load_persons(tx, &[spouse]).await?);
    }
    let planned = rules::plan(command, &persons, merge.as_ref(), today)?;
    let now = Utc::now();
    let mut events = Vec::with_capacity(planned.len());
    let mut counts = CounterDelta::default();
    let mut main = None;
    // A migrant's arrival tells the place of registration (a case opened
    // with the event, in its transaction: never one without the other).
    let mut arrivals = Vec::new();
    let mut births: Vec<Person> = Vec::new();
    let mut newcomers = command.newcomers().into_iter();
    for mut event in planned {
        let (kind, effective_date) = (event.kind, event.effective_date);
        let next = match event.person_id {
            None => {
                let newcomer = newcomers
                    .next()
                    .ok_or_else(|| StoreError::Invalid("event without a person".into()))?;
                if let Some(n) = newcomer.id_number {
                    ensure_id_number_free(tx, &n, None).await?;
                }
                let id = tx.allocate_ids(Table::Persons, 1).await?[0];
                // A child of a mother in the register: its order among her
                // live births (those entered already, twins included).
                if let Some(mother) = event
                    .changes
                    .iter()
                    .find(|c| c.field == Field::Mother)
                    .and_then(|c| c.to.as_deref())
                    .and_then(|m| m.parse::<i64>().ok())
                {
                    let born = tx.children_birth_dates(mother).await?;
                    let order = renkou_domain::wis::birth_order(&born, newcomer.birth_date);
                    // A birth counts by the mother's age group at the birth,
                    // and by each policy indicator's verdict on it then.
                    if event.kind == EventKind::Birth
                        && let Some(m) = persons.get(&PersonId(mother))
                    {
                        let facts = birth_facts(m, newcomer, order, &born);
                        let policy = renkou_domain::wis::policy::evaluate(&config.policies, &facts)
                            .map_err(|e| StoreError::Invalid(e.to_string()))?;
                        event.details.get_or_insert(EventDetails::Birth {
                            mother_born: m.birth_date.year(),
                            policy,
                        });
                    }
                    event.changes.retain(|c| c.field != Field::BirthOrder);
                    event.changes.push(FieldChange {
                        field: Field::BirthOrder,
                        from: None,
                        to: Some(order.to_string()),
                    });
                }
                let person =
                    rules::apply_all(&newcomer.clone().into_person(PersonId(id)), &event.changes)?;
                tx.insert_persons(&[PersonRow::from(&person)], now).await?;
                counts.event(
                    kind,
                    effective_date,
                    now,
                    None,
                    &person,
                    event.details.as_ref(),
                );
                person
            }
            Some(id) => {
                let current = persons
                    .get(&id)
                    .ok_or(rules::RuleViolation::UnknownPerson(id))?;
                let next = rules::apply_all(current, &event.changes)?;
                // A number taken over, or held again by an unmerged record.
                let takes_number =
                    !current.status.holds_id_number() && next.status.holds_id_number();
                if let Some(n) = next
                    .id_number
                    .filter(|n| Some(*n) != current.id_number || takes_number)
                {
                    ensure_id_number_free(tx, &n, Some(id)).await?;
                }
                let history = tx.events_of_person(id.0).await?;
                let recorded = ReplayEvent::from_rows(&history)?;
                let later: Vec<(NaiveDate, &[FieldChange])> = recorded
                    .iter()
                    .filter(|e| e.effective_date > effective_date)
                    .map(|e| (e.effective_date, e.changes))
                    .collect();
                rules::check_late_entry(id, effective_date, &event.changes, &later)?;
                tx.update_person(&PersonRow::from(&next), now).await?;
                if later.is_empty() {
                    counts.event(
                        kind,
                        effective_date,
                        now,
                        Some(current),
                        &next,
                        event.details.as_ref(),
                    );
                } else {
                    let added = ReplayEvent {
                        kind,
                        effective_date,
                        recorded_at: now,
                        changes: &event.changes,
                        details: event.details.as_ref(),
                    };
                    counts.event_entered_late(current, &next, &recorded, added);
                }
                persons.insert(id, next.clone());
                next
            }
        };
        main.get_or_insert(next.id);
        if kind == EventKind::Birth && (next.mother_id.is_some() || next.father_id.is_some()) {
            births.push(next.clone());
        }
        if kind == EventKind::MigrantArrival {
            let details = match &event.details {
                Some(EventDetails::Migrant(d)) => (**d).clone(),
                _ => Default::default(),
            };
            arrivals.push((next.clone(), details));
        }
        events.push(event_row(&next, event, meta, now));
    }
    settle_answered_findings(tx, &events, meta).await?;
    tx.insert_events(&events).await?;
    for child in &births {
        crate::certificates::revocation::raise_revocations(tx, child, now, &config.deadline)
            .await?;
    }
    for (person, details) in &arrivals {
        crate::exchange::handoff::notify_registration(
            tx,
            person,
            details,
            meta,
            now,
            &config.deadline,
        )
        .await?;
    }
    tx.write_counts(&counts).await?;
    match command {
        Command::Merge {
            survivor, merged, ..
        } => tx.insert_merge(merged.0, survivor.0, now).await?,
        Command::Unmerge { merged, .. } => tx.delete_merge(merged.0).await?,
        _ => {}
    }
    Ok(Recorded {
        person_id: main.unwrap_or(PersonId(0)),
        events: events.len(),
    })
}

/// What the policy rules read of a birth: its order, the mother's age and
/// marriage, the months since her previous live birth.
fn birth_facts(
    mother: &Person,
    child: &renkou_domain::rules::NewPerson,
    order: u8,
    earlier: &[NaiveDate],
) -> renkou_domain::wis::BirthFacts {
    let previous = earlier.iter().filter(|d| **d <= child.birth_date).max();
    let months = previous.map_or(-1, |p| {
        let m = (child.birth_date.year() - p.year()) * 12 + child.birth_date.month() as i32
            - p.month() as i32;
        i64::from(m.max(0))
    });
    renkou_domain::wis::BirthFacts {
        order: i64::from(order),
        mother_age: i64::from(child.birth_date.year() - mother.birth_date.year()),
        months_since_previous: months,
        mother_married: mother.marital_status.is_some_and(|m| m.is_married()),
        sex: child.sex.code().to_string(),
    }
}

/// Settles the open verification tasks that the events answer (a death
/// answers "dead, not deregistered"), in the events' own transaction, so
/// that no task asks for what the register already says.
async fn settle_answered_findings<T: Tx>(
    tx: &mut T,
    events: &[NewEventRow],
    meta: &EventMeta,
) -> StoreResult<()> {
    for e in events {
        for (id, finding) in tx.open_findings_of(e.person_id).await? {
            if verification::answered_by(&finding, e.kind, &e.changes, e.related_id) {
                let reason = format!("已由{}登记处理（{}）", e.kind.chinese(), e.effective_date);
                tx.resolve_task(
                    id,
                    verification::Resolution::AnsweredByEvent.as_str(),
                    &reason,
                    &meta.recorder,
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Builds the stored form of a planned event for the person it changed.
pub(crate) fn event_row(
    person: &Person,
    e: PlannedEvent,
    meta: &EventMeta,
    now: DateTime<Utc>,
) -> NewEventRow {
    NewEventRow {
        person_id: person.id.0,
        kind: e.kind,
        effective_date: e.effective_date,
        recorded_at: now,
        recorder: meta.recorder.clone(),
        source: meta.source.clone(),
        region_code: person.residence.to_string(),
        related_id: e.related_id.map(|p| p.0),
        changes: e.changes,
        note: e.note,
        details: e.details,
    }
}

/// The merge that made `merged` a merged record: its survivor, what the
/// survivor took from it, and its status before. `None` if it is not merged.
async fn merge_facts<T: Tx>(tx: &mut T, merged: PersonId) -> StoreResult<Option<MergeFacts>> {
    let Some(survivor) = tx.merge_survivor(merged.0).await? else {
        return Ok(None);
    };
    // The changes of the latest merge event on `rows` that names `other`.
    let last_merge = |rows: Vec<crate::database::rows::EventRow>, other: i64| {
        rows.into_iter()
            .rfind(|e| {
                EventKind::parse(&e.kind) == Some(EventKind::Merge) && e.related_id == Some(other)
            })
            .map(|e| e.changes.0)
            .unwrap_or_default()
    };
    let on_survivor = last_merge(tx.events_of_person(survivor).await?, merged.0);
    let on_merged = last_merge(tx.events_of_person(merged.0).await?, survivor);
    let status_before = on_merged
        .iter()
        .find(|c| c.field == Field::Status)
        .and_then(|c| c.from.as_deref())
        .and_then(LifeStatus::parse)
        .unwrap_or(LifeStatus::Active);
    Ok(Some(MergeFacts {
        survivor: PersonId(survivor),
        on_survivor,
        status_before,
    }))
}

async fn load_persons<T: Tx>(
    tx: &mut T,
    ids: &[PersonId],
) -> StoreResult<HashMap<PersonId, Person>> {
    let raw: Vec<i64> = ids.iter().map(|p| p.0).collect();
    tx.persons(&raw)
        .await?
        .into_iter()
        .map(|row| Person::try_from(row).map(|p| (p.id, p)))
        .collect()
}

/// The region must be in the table and not retired (villages only, where asked).
pub(crate) async fn current_region<T: Tx>(
    tx: &mut T,
    code: &RegionCode,
    village: bool,
) -> StoreResult<()> {
    let row = tx.regions(&[code.to_string()]).await?.pop();
    match region_refusal(code, row.as_ref(), village) {
        Some(reason) => Err(StoreError::Region {
            code: code.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Why `code` cannot name a place (a village, where `village`), given its
/// row of the region table; `None` when it can.
pub(crate) fn region_refusal(
    code: &RegionCode,
    row: Option<&RegionRow>,
    village: bool,
) -> Option<String> {
    let Some(row) = row else {
        return Some("区划代码表中没有该代码".into());
    };
    if let (Some(to), Some(by)) = (row.valid_to, &row.replaced_by) {
        return Some(format!("已于 {to} 撤销，由 {by} 代替"));
    }
    if village && code.level() != RegionLevel::Village && row.level != "village" {
        let level = RegionLevel::parse(&row.level)
            .map_or_else(|| row.level.clone(), |l| l.chinese().to_string());
        return Some(format!("{}是{level}级区划，这里需要村（居）委会", row.name));
    }
    None
}

async fn ensure_id_number_free<T: Tx>(
    tx: &mut T,
    n: &IdNumber,
    owner: Option<PersonId>,
) -> StoreResult<()> {
    let holders = tx.persons_by_id_numbers(&[n.to_string()]).await?;
    match holders.into_iter().find(|(_, id, status)| {
        LifeStatus::parse(status).is_some_and(LifeStatus::holds_id_number)
            && Some(PersonId(*id)) != owner
    }) {
        Some((_, holder, _)) => Err(StoreError::DuplicateIdNumber {
            id_number: n.to_string(),
            holder,
        }),
        None => Ok(()),
    }
}
