//! Values as staff read them: a person by name, a household by its number,
//! a region by name, a code by its label — never an internal id or a code
//! alone. Persons and households outside the reader's regions stay unnamed.

use std::collections::HashMap;

use renkou_domain::RegionCode;
use renkou_domain::event::{Field, FieldChange};
use renkou_store::{Scope, StoredEvent};

use crate::session::Session;
use crate::web::view::code_label;
use crate::{ApiError, AppState};

/// What the ids and codes of some changes stand for.
#[derive(Debug, Default)]
pub struct Labels {
    persons: HashMap<i64, String>,
    households: HashMap<i64, String>,
    regions: HashMap<RegionCode, String>,
    /// Login name → the name shown for it.
    recorders: HashMap<String, String>,
}

impl Labels {
    /// [`Labels::of_changes`] of the events' changes, and who recorded them.
    pub async fn of_events(
        state: &AppState,
        session: &Session,
        events: &[&StoredEvent],
        why: &str,
    ) -> Result<Labels, ApiError> {
        let changes: Vec<&FieldChange> = events.iter().flat_map(|e| &e.changes).collect();
        let mut labels = Labels::of_changes(state, session, changes, why).await?;
        let recorders: Vec<&str> = events.iter().map(|e| e.recorder.as_str()).collect();
        labels.recorders = state.store.display_names(&recorders).await?;
        Ok(labels)
    }

    /// Who recorded an event, by the name their account shows (the login
    /// name for one without; a process such as an import by its own name).
    pub fn recorder(&self, username: &str) -> String {
        self.recorders
            .get(username)
            .cloned()
            .unwrap_or_else(|| username.to_string())
    }

    /// Looks up every person, household and region the changes name; the
    /// persons named are audited as read (`why` says where).
    pub async fn of_changes<'a>(
        state: &AppState,
        session: &Session,
        changes: impl IntoIterator<Item = &'a FieldChange>,
        why: &str,
    ) -> Result<Labels, ApiError> {
        let (mut persons, mut households, mut regions) = (Vec::new(), Vec::new(), Vec::new());
        for c in changes {
            for value in [&c.from, &c.to].into_iter().flatten() {
                match c.field {
                    Field::Mother | Field::Father | Field::Spouse => {
                        persons.extend(value.parse::<i64>().ok())
                    }
                    Field::Household => households.extend(value.parse::<i64>().ok()),
                    Field::Residence | Field::HukouRegion => {
                        regions.extend(RegionCode::parse(value).ok())
                    }
                    _ => {}
                }
            }
        }
        persons.sort_unstable();
        persons.dedup();
        households.sort_unstable();
        households.dedup();
        let scope = Scope::of(&session.account);
        let persons = state.store.person_names_in(&persons, &scope).await?;
        let reads = persons
            .keys()
            .map(|id| session.audit_entry("read_person", Some(*id), format!("named on {why}")))
            .collect();
        state.audit.write(reads).await?;
        Ok(Labels {
            persons,
            households: state
                .store
                .household_numbers_in(&households, &scope)
                .await?,
            regions: state.region_names(&regions).await?,
            recorders: HashMap::new(),
        })
    }

    /// A field's value as staff read it; "—" for none.
    pub fn value(&self, field: Field, value: Option<&str>) -> String {
        let Some(v) = value else {
            return "—".into();
        };
        let id = v.parse::<i64>().ok();
        match field {
            Field::Mother | Field::Father | Field::Spouse => id
                .and_then(|id| self.persons.get(&id).cloned())
                .unwrap_or_else(|| "（辖区外人员）".into()),
            Field::Household => id
                .and_then(|id| self.households.get(&id))
                .map_or_else(|| "（辖区外户）".into(), |no| format!("户号 {no}")),
            Field::Residence | Field::HukouRegion => RegionCode::parse(v)
                .ok()
                .and_then(|code| self.regions.get(&code).cloned())
                .unwrap_or_else(|| v.to_string()),
            _ => code_label(field, v),
        }
    }

    /// "field: before → after" for one change.
    pub fn change(&self, c: &FieldChange) -> String {
        format!(
            "{}：{} → {}",
            c.field.chinese(),
            self.value(c.field, c.from.as_deref()),
            self.value(c.field, c.to.as_deref())
        )
    }
}
