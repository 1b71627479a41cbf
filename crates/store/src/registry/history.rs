//! A person's record as it was on an earlier day, rebuilt from their events.

use chrono::NaiveDate;
use renkou_domain::Person;
use renkou_domain::event::Field;

use crate::database::rows::StoredEvent;

/// The person as of the end of `date`: the current row with every event that
/// took effect later undone, newest first. `None` when they were not yet in
/// the register (born or arrived later).
pub fn person_as_of(current: &Person, events: &[StoredEvent], date: NaiveDate) -> Option<Person> {
    if current.birth_date > date {
        return None;
    }
    let mut person = current.clone();
    let mut later: Vec<&StoredEvent> = events.iter().filter(|e| e.effective_date > date).collect();
    later.sort_by_key(|e| std::cmp::Reverse(e.id));
    for event in later {
        // The event that brought the person in (all fields from nothing).
        if event
            .changes
            .iter()
            .any(|c| c.field == Field::Name && c.from.is_none())
        {
            return None;
        }
        for change in event.changes.iter().rev() {
            // A value that no longer parses cannot be shown; keep today's.
            let _ = person.revert(change);
        }
    }
    Some(person)
}
