//! What every case page shows alike: times in China's time, a step or
//! state as staff read it, the persons of a case (each read audited), the
//! names of the offices its steps passed, and its history.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use renkou_domain::cases::Step;
use renkou_domain::{Person, PersonId, RegionCode};
use renkou_store::CaseStep;

use crate::AppState;
use crate::session::Session;
use crate::web::error::WebError;

/// A time as staff read it, in China's time, to the minute.
pub fn when(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A day as staff read it, in China's time.
pub fn day(at: DateTime<Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string()
}

/// A region's name from `names`, else its code.
pub fn region_label(names: &HashMap<RegionCode, String>, code: &str) -> String {
    RegionCode::parse(code)
        .ok()
        .and_then(|c| names.get(&c).cloned())
        .unwrap_or_else(|| code.to_string())
}

/// A stored step or state as staff read it.
pub fn state_label(stored: &str) -> String {
    Step::parse(stored).map_or_else(|| stored.to_string(), |s| s.label().to_string())
}

/// The persons of these ids, each read audited with `detail`.
pub async fn persons_read(
    state: &AppState,
    session: &Session,
    ids: &[i64],
    detail: &str,
) -> Result<HashMap<PersonId, Person>, WebError> {
    let found = state.store.persons_by_ids(ids).await?;
    let read: Vec<Person> = found.values().cloned().collect();
    crate::routes::persons::audit_reads(state, session, &read, detail).await?;
    Ok(found)
}

/// The person a form names by identity number (who may act for them is
/// the service's check, as for an id sent to the API).
pub async fn person_by_number(state: &AppState, typed: &str) -> Result<Person, WebError> {
    let number = renkou_domain::IdNumber::parse(typed.trim())
        .map_err(|e| crate::ApiError::invalid("id_number", e.to_string()))?;
    Ok(state
        .store
        .person_by_id_number(&number)
        .await?
        .ok_or_else(crate::ApiError::not_found)?)
}

/// The names of the offices the steps passed and of `more`.
pub async fn office_names(
    state: &AppState,
    steps: &[CaseStep],
    more: &[&str],
) -> Result<HashMap<RegionCode, String>, WebError> {
    let mut codes: Vec<RegionCode> = steps
        .iter()
        .map(|s| s.region_code.as_str())
        .chain(more.iter().copied())
        .filter_map(|c| RegionCode::parse(c).ok())
        .collect();
    codes.sort();
    codes.dedup();
    Ok(state.region_names(&codes).await?)
}

/// The case's history under `title`: each step with when, which office,
/// who, and their words.
pub fn history(title: &str, steps: &[CaseStep], names: &HashMap<RegionCode, String>) -> Markup {
    html! {
        h2 { (title) }
        ol { @for s in steps { li {
            (when(s.at)) " " (region_label(names, &s.region_code)) " " (s.actor) "："
            (state_label(&s.step))
            @if let Some(note) = &s.note { "（" (note) "）" }
        } } }
    }
}
