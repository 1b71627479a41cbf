//! Person search, restricted to the caller's regions.

use axum::Json;
use axum::extract::{Query, State};
use renkou_domain::account::mask_number;
use renkou_domain::{IdNumber, Person, RegionCode};
use renkou_store::{AuditEntry, Scope};
use serde::{Deserialize, Serialize};

use crate::session::Session;
use crate::{ApiError, AppState};

/// `GET /api/v1/persons` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    id_number: Option<String>,
    region: Option<String>,
    /// The `next` of the previous page.
    after: Option<String>,
}

/// Persons per page.
const PAGE_SIZE: i64 = 50;

/// A page of results.
#[derive(Debug, Serialize)]
pub struct Page {
    items: Vec<serde_json::Value>,
    next: Option<String>,
}

/// Masks the identity number unless the caller's roles show it in full.
fn shown(mut person: Person, full: bool) -> serde_json::Value {
    let masked = (!full)
        .then(|| person.id_number.take().map(|n| mask_number(n.as_str())))
        .flatten();
    let mut value = serde_json::to_value(&person).unwrap_or_default();
    if let Some(m) = masked {
        value["id_number"] = serde_json::Value::String(m);
    }
    value
}

/// Finds persons; only those living in the caller's regions are ever returned.
pub async fn search(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Page>, ApiError> {
    let scope = Scope::of(&session.account);
    let Some(text) = query.id_number else {
        let Some(region) = query.region else {
            return Err(ApiError::invalid(
                "id_number",
                "请输入公民身份号码或区划代码",
            ));
        };
        let region = RegionCode::parse(&region)
            .map_err(|e| ApiError::invalid("region", format!("区划代码有误：{e}")))?;
        let after = match query.after.as_deref() {
            None => 0,
            Some(a) => a
                .parse()
                .map_err(|_| ApiError::invalid("after", "翻页参数有误"))?,
        };
        let found = state
            .store
            .persons_in_region(&region, &scope, after, PAGE_SIZE)
            .await?;
        let next = (found.len() as i64 == PAGE_SIZE)
            .then(|| found.last().map(|p| p.id.to_string()))
            .flatten();
        let reads: Vec<AuditEntry> = found
            .iter()
            .map(|p| AuditEntry {
                actor: session.account.username.clone(),
                action: "read_person".into(),
                person_id: Some(p.id.0),
                detail: format!("list of region {region}"),
                address: session.address.clone(),
            })
            .collect();
        state.store.audit(&reads).await?;
        let full = session.sees_full_numbers();
        return Ok(Json(Page {
            items: found.into_iter().map(|p| shown(p, full)).collect(),
            next,
        }));
    };
    let number = IdNumber::parse(&text)
        .map_err(|e| ApiError::invalid("id_number", format!("公民身份号码有误：{e}")))?;
    let found = state.store.person_by_id_number_in(&number, &scope).await?;
    // Every read of a person's record is written down before it is shown.
    let reads: Vec<AuditEntry> = found
        .iter()
        .map(|p| AuditEntry {
            actor: session.account.username.clone(),
            action: "read_person".into(),
            person_id: Some(p.id.0),
            detail: "search by id_number".into(),
            address: session.address.clone(),
        })
        .collect();
    state.store.audit(&reads).await?;
    let full = session.sees_full_numbers();
    let items = found.into_iter().map(|p| shown(p, full)).collect();
    Ok(Json(Page { items, next: None }))
}

/// A person with their history.
#[derive(Debug, Serialize)]
pub struct Detail {
    person: serde_json::Value,
    events: Vec<renkou_store::StoredEvent>,
}

/// `GET /api/v1/persons/{id}`: 404 for a person outside the caller's regions,
/// exactly as for one who does not exist.
pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Result<Json<Detail>, ApiError> {
    let scope = Scope::of(&session.account);
    let person = state
        .store
        .person(renkou_domain::PersonId(id))
        .await?
        .filter(|p| scope.contains(&p.residence))
        .ok_or_else(ApiError::not_found)?;
    state
        .store
        .audit(&[AuditEntry {
            actor: session.account.username.clone(),
            action: "read_person".into(),
            person_id: Some(id),
            detail: "person detail".into(),
            address: session.address.clone(),
        }])
        .await?;
    let events = state.store.events_of(person.id).await?;
    Ok(Json(Detail {
        person: shown(person, session.sees_full_numbers()),
        events,
    }))
}
