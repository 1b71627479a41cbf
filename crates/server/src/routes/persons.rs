//! Person search and detail, restricted to the caller's regions.

use axum::Json;
use axum::extract::{Query, State};
use renkou_domain::account::mask_number;
use renkou_domain::{IdNumber, Person, PersonName, RegionCode};
use renkou_store::{AuditEntry, Scope};
use serde::{Deserialize, Serialize};

use crate::session::Session;
use crate::{ApiError, AppState};

/// `GET /api/v1/persons` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    id_number: Option<String>,
    /// The full name (exact, after trimming and width folding).
    name: Option<String>,
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

/// Writes every read down in the audit log, then gives the persons as the
/// caller may see them. Nothing is shown that was not audited first.
pub(crate) async fn audited(
    state: &AppState,
    session: &Session,
    persons: Vec<Person>,
    detail: &str,
) -> Result<Vec<serde_json::Value>, ApiError> {
    audit_reads(state, session, &persons, detail).await?;
    let full = session.sees_full_numbers();
    Ok(persons.into_iter().map(|p| shown(p, full)).collect())
}

/// Writes down that the session's user read these persons' records.
pub(crate) async fn audit_reads(
    state: &AppState,
    session: &Session,
    persons: &[Person],
    detail: &str,
) -> Result<(), ApiError> {
    let reads: Vec<AuditEntry> = persons
        .iter()
        .map(|p| AuditEntry {
            actor: session.account.username.clone(),
            action: "read_person".into(),
            person_id: Some(p.id.0),
            detail: detail.to_string(),
            address: session.address.clone(),
        })
        .collect();
    state.store.audit(&reads).await?;
    Ok(())
}

/// Finds persons by identity number, or lists a region page by page; only
/// those living in the caller's regions are ever returned.
pub async fn search(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Page>, ApiError> {
    let scope = Scope::of(&session.account);
    if let Some(text) = query.id_number {
        let number = IdNumber::parse(&text)
            .map_err(|e| ApiError::invalid("id_number", format!("公民身份号码有误：{e}")))?;
        let found = state.store.person_by_id_number_in(&number, &scope).await?;
        let items = audited(
            &state,
            &session,
            found.into_iter().collect(),
            "search by id_number",
        )
        .await?;
        return Ok(Json(Page { items, next: None }));
    }
    let region = query
        .region
        .as_deref()
        .map(|r| {
            RegionCode::parse(r)
                .map_err(|e| ApiError::invalid("region", format!("区划代码有误：{e}")))
        })
        .transpose()?;
    let after = match query.after.as_deref() {
        None => 0,
        Some(a) => a
            .parse()
            .map_err(|_| ApiError::invalid("after", "翻页参数有误"))?,
    };
    let (found, detail) = match (query.name.as_deref(), region) {
        (Some(name), region) => {
            let name = PersonName::parse(name)
                .map_err(|e| ApiError::invalid("name", format!("姓名有误：{e}")))?;
            let found = state
                .store
                .persons_named(name.as_str(), region.as_ref(), &scope, after, PAGE_SIZE)
                .await?;
            (found, format!("search by name {name}"))
        }
        (None, Some(region)) => {
            let found = state
                .store
                .persons_in_region(&region, &scope, after, PAGE_SIZE)
                .await?;
            (found, format!("list of region {region}"))
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "id_number",
                "请输入公民身份号码、姓名或区划代码",
            ));
        }
    };
    let next = (found.len() as i64 == PAGE_SIZE)
        .then(|| found.last().map(|p| p.id.to_string()))
        .flatten();
    let items = audited(&state, &session, found, &detail).await?;
    Ok(Json(Page { items, next }))
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
        .person_in(renkou_domain::PersonId(id), &scope)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let events = state.store.events_of(person.id).await?;
    let person = audited(&state, &session, vec![person], "person detail")
        .await?
        .pop()
        .unwrap_or_default();
    Ok(Json(Detail { person, events }))
}
