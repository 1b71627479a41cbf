//! Loading a whole population at once (the demo province, a migration from an
//! older system): households, persons and their event history in one transaction.

use std::collections::HashMap;

use chrono::Utc;
use renkou_domain::{Person, RegionCode};

use crate::database::rows::{HouseholdRow, NewEventRow, PersonRow};
use crate::database::tx::{Table, Tx};
use crate::error::StoreResult;
use crate::statistics::counters::{CounterDelta, ReplayEvent, replay};

/// A population whose ids are local (1, 2, …); the store gives them real ids.
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub households: Vec<HouseholdRow>,
    pub persons: Vec<PersonRow>,
    pub events: Vec<NewEventRow>,
}

/// How much was loaded.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct LoadedCounts {
    pub households: u64,
    pub persons: u64,
    pub events: u64,
}

pub(crate) async fn load<T: Tx>(mut tx: T, mut pop: Population) -> StoreResult<LoadedCounts> {
    let person_ids = tx.allocate_ids(Table::Persons, pop.persons.len()).await?;
    let household_ids = tx
        .allocate_ids(Table::Households, pop.households.len())
        .await?;
    let persons: HashMap<i64, i64> = pop.persons.iter().map(|p| p.id).zip(person_ids).collect();
    let households: HashMap<i64, i64> = pop
        .households
        .iter()
        .map(|h| h.id)
        .zip(household_ids)
        .collect();
    let person = |id: Option<i64>| id.and_then(|i| persons.get(&i).copied());
    for h in &mut pop.households {
        h.id = households[&h.id];
        h.head_id = person(h.head_id);
    }
    for p in &mut pop.persons {
        p.id = persons[&p.id];
        p.household_id = p.household_id.and_then(|h| households.get(&h).copied());
        p.mother_id = person(p.mother_id);
        p.father_id = person(p.father_id);
        p.spouse_id = person(p.spouse_id);
    }
    for e in &mut pop.events {
        e.person_id = persons[&e.person_id];
        e.related_id = person(e.related_id);
        for change in &mut e.changes {
            use renkou_domain::event::Field;
            if matches!(
                change.field,
                Field::Mother | Field::Father | Field::Spouse | Field::Household
            ) {
                let map = |v: &Option<String>| -> Option<String> {
                    let local: i64 = v.as_deref()?.parse().ok()?;
                    let table = if change.field == Field::Household {
                        &households
                    } else {
                        &persons
                    };
                    table.get(&local).map(|id| id.to_string())
                };
                change.from = map(&change.from);
                change.to = map(&change.to);
            }
        }
    }
    let counts = LoadedCounts {
        households: pop.households.len() as u64,
        persons: pop.persons.len() as u64,
        events: pop.events.len() as u64,
    };
    let started = std::time::Instant::now();
    let stats = population_counts(&pop)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "population counted"
    );
    tx.insert_households(&pop.households).await?;
    tx.insert_persons(&pop.persons, Utc::now()).await?;
    tx.insert_events(&pop.events).await?;
    tx.write_counts(&stats).await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "population and counters written"
    );
    tx.commit().await?;
    Ok(counts)
}

/// The counts a loaded population adds: each person as they are now, each
/// household, and each event replayed from the person's current record.
fn population_counts(pop: &Population) -> StoreResult<CounterDelta> {
    let mut events_of: HashMap<i64, Vec<ReplayEvent<'_>>> = HashMap::new();
    for e in &pop.events {
        events_of.entry(e.person_id).or_default().push(ReplayEvent {
            kind: e.kind,
            effective_date: e.effective_date,
            recorded_at: e.recorded_at,
            changes: &e.changes,
            details: e.details.as_ref(),
        });
    }
    // Persons in parallel chunks, each counted on its own, then merged.
    use rayon::prelude::*;
    let mut counts = pop
        .persons
        .par_chunks(20_000)
        .map(|chunk| -> StoreResult<CounterDelta> {
            let mut counts = CounterDelta::default();
            for row in chunk {
                let person = Person::try_from(row.clone())?;
                counts.person_added(&person);
                if let Some(events) = events_of.get(&row.id) {
                    // The events' flows; their stock is already in the person as now.
                    replay(&mut counts, &person, events);
                }
            }
            Ok(counts)
        })
        .try_reduce(CounterDelta::default, |a, b| Ok(a.merge(b)))?;
    for h in &pop.households {
        if let Ok(region) = RegionCode::parse(&h.region_code) {
            counts.households(region, 1);
        }
    }
    Ok(counts)
}
