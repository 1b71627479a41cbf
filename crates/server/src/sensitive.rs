//! The family-planning records (WIS) are read only under a grant that opens
//! the `wis` subsystem for the person's region: for everyone else a person
//! has no contraception, pregnancy or birth order, and a history no card
//! events. Every page and answer that shows a person or a history passes
//! through here.

use renkou_domain::{Person, RegionCode, Subsystem};
use renkou_store::{Scope, StoredEvent};

use crate::session::Session;

/// Whether the session reads the family-planning records of a person who
/// lives in `region`.
pub fn reads_wis(session: &Session, region: &RegionCode) -> bool {
    Scope::reading(&session.account, Subsystem::Wis).contains(region)
}

/// The person as the session may see them.
pub fn person_for(session: &Session, mut person: Person) -> Person {
    if !reads_wis(session, &person.residence) {
        person.contraception = None;
        person.contraception_since = None;
        person.pregnant_since = None;
        person.expected_delivery = None;
        person.birth_order = None;
    }
    person
}

/// A person's history as the session may see it: without the card's events
/// and the family-planning fields' changes unless it reads them for the
/// person's region.
pub fn events_for(
    session: &Session,
    region: &RegionCode,
    events: Vec<StoredEvent>,
) -> Vec<StoredEvent> {
    if reads_wis(session, region) {
        return events;
    }
    events
        .into_iter()
        .filter(|e| !e.kind.is_wis())
        .map(|mut e| {
            e.changes.retain(|c| !c.field.is_wis());
            e.details = None;
            e
        })
        .collect()
}
