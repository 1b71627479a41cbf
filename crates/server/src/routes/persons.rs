//! Person search and detail, restricted to the caller's regions.

use axum::Json;
use axum::extract::{Query, State};
use renkou_domain::account::mask_number;
use renkou_domain::{Field, IdNumber, Person, PersonName, RegionCode};
use renkou_store::{AuditEntry, Scope};
use serde::{Deserialize, Serialize};

use crate::session::Session;
use crate::{ApiError, AppState};

/// `GET /api/v1/persons` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// 公民身份号码 (15 or 18 characters).
    id_number: Option<String>,
    /// The full name (exact, after trimming and width folding).
    name: Option<String>,
    /// A region code: its persons, or narrows a name search.
    region: Option<String>,
    /// The `next` of the previous page.
    after: Option<String>,
}

/// Persons per page (API and web lists).
pub(crate) const PAGE_SIZE: i64 = 50;

/// The `after` of the next page: the last id of a full page, `None` after
/// the last page.
pub(crate) fn next_after(page: &[Person]) -> Option<i64> {
    (page.len() as i64 == PAGE_SIZE)
        .then(|| page.last().map(|p| p.id.0))
        .flatten()
}

/// A page of results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page {
    /// Persons, identity numbers masked unless the caller's role shows them.
    #[schema(schema_with = crate::routes::openapi::shown_persons)]
    items: Vec<serde_json::Value>,
    /// Pass as `after` for the next page; `null` on the last.
    next: Option<String>,
}

/// The person as the caller may see them: the identity number masked unless
/// the caller's roles show it in full, and for an API token only its fields.
fn shown(mut person: Person, full: bool, fields: Option<&[Field]>) -> serde_json::Value {
    let masked = (!full)
        .then(|| person.id_number.take().map(|n| mask_number(n.as_str())))
        .flatten();
    let mut value = serde_json::to_value(&person).unwrap_or_default();
    if let Some(m) = masked {
        value["id_number"] = serde_json::Value::String(m);
    }
    if let (Some(fields), Some(object)) = (fields, value.as_object_mut()) {
        object
            .retain(|key, _| key == "id" || field_of_key(key).is_some_and(|f| fields.contains(&f)));
    }
    value
}

/// A phone number as the caller may see it.
pub(crate) fn shown_phone(phone: &renkou_domain::PhoneNumber, full: bool) -> String {
    if full {
        phone.as_str().to_string()
    } else {
        phone.masked()
    }
}

/// The record field a key of the person's JSON carries.
fn field_of_key(key: &str) -> Option<Field> {
    match key {
        "household_id" => Some(Field::Household),
        "mother_id" => Some(Field::Mother),
        "father_id" => Some(Field::Father),
        "spouse_id" => Some(Field::Spouse),
        other => Field::parse(other),
    }
}

/// The events as a token may see them: only the changes to its fields, an
/// event that changed none of them not at all, the region only with the
/// residence field and the related person only with a relation field.
pub(crate) fn events_for_token(
    events: Vec<renkou_store::StoredEvent>,
    fields: &[Field],
) -> Vec<renkou_store::StoredEvent> {
    let relations = [Field::Mother, Field::Father, Field::Spouse];
    events
        .into_iter()
        .filter_map(|mut event| {
            event.changes.retain(|c| fields.contains(&c.field));
            if event.changes.is_empty() {
                return None;
            }
            if !fields.contains(&Field::Residence) {
                event.region_code.clear();
            }
            if !relations.iter().any(|f| fields.contains(f)) {
                event.related_id = None;
            }
            event.note = None;
            Some(event)
        })
        .collect()
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
    let fields = session.fields.as_deref();
    Ok(persons
        .into_iter()
        .map(|p| shown(crate::sensitive::person_for(session, p), full, fields))
        .collect())
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
        .map(|p| session.audit_entry("read_person", Some(p.id.0), detail))
        .collect();
    state.audit.write(reads).await?;
    Ok(())
}

/// Finds persons by identity number, or lists a region page by page; only
/// those living in the caller's regions are ever returned.
#[utoipa::path(get, path = "/api/v1/persons", tag = "persons", params(SearchQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "A page of persons inside the caller's regions", body = Page),
        (status = 400, description = "A bad parameter (field named)", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "An API token searching by a field it may not read", body = ApiError)))]
pub async fn search(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Page>, ApiError> {
    let scope = Scope::of(&session.account);
    if let Some(text) = query.id_number {
        // A token searches only by what it may read.
        if !session.may_read(Field::IdNumber) {
            return Err(ApiError::forbidden("该接口令牌无权按公民身份号码查询"));
        }
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
        (Some(_), _) if !session.may_read(Field::Name) => {
            return Err(ApiError::forbidden("该接口令牌无权按姓名查询"));
        }
        // Which village a person lives in is the residence field.
        (_, Some(region))
            if !session.may_read(Field::Residence)
                && !session.account.grants.iter().any(|g| g.region == region) =>
        {
            return Err(ApiError::forbidden("该接口令牌无权按区划查询居住地"));
        }
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
    let next = next_after(&found).map(|id| id.to_string());
    let items = audited(&state, &session, found, &detail).await?;
    Ok(Json(Page { items, next }))
}

/// A person with their history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Detail {
    #[schema(schema_with = crate::routes::openapi::shown_person)]
    person: serde_json::Value,
    /// Contact phone, masked (`138****5678`) unless the caller sees numbers
    /// whole; never shown to API tokens.
    phone: Option<String>,
    events: Vec<renkou_store::StoredEvent>,
}

/// `GET /api/v1/persons/{id}`: 404 for a person outside the caller's regions,
/// exactly as for one who does not exist.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons",
    params(("id" = i64, Path, description = "Person id")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The person and their events", body = Detail),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such person inside the caller's regions", body = ApiError)))]
pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    crate::json::ApiPath(id): crate::json::ApiPath<i64>,
) -> Result<Json<Detail>, ApiError> {
    let scope = Scope::of(&session.account);
    let person = state
        .store
        .person_in(renkou_domain::PersonId(id), &scope)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut events = crate::sensitive::events_for(
        &session,
        &person.residence,
        state.store.events_of(person.id).await?,
    );
    if let Some(fields) = &session.fields {
        events = events_for_token(events, fields);
    }
    let person = audited(&state, &session, vec![person], "person detail")
        .await?
        .pop()
        .unwrap_or_default();
    let phone = match session.is_token() {
        true => None,
        false => state
            .store
            .phone_of(renkou_domain::PersonId(id))
            .await?
            .map(|p| shown_phone(&p, session.sees_full_numbers())),
    };
    Ok(Json(Detail {
        person,
        phone,
        events,
    }))
}

/// Person search and detail.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/api/v1/persons", get(search))
        .route("/api/v1/persons/{id}", get(detail))
}
