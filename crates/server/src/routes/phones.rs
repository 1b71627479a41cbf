//! Setting a person's contact phone number.

use axum::extract::State;
use axum::http::StatusCode;
use renkou_domain::{PersonId, PhoneNumber};
use renkou_store::Scope;
use serde::Deserialize;

use crate::session::Session;
use crate::{ApiError, ApiJson, AppState};

/// `PUT /api/v1/persons/{id}/phone` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneChange {
    /// The new number: mobile (11 digits) or fixed line with area code; spaces, dashes and
    /// `+86` are accepted too. `null` removes the number.
    #[schema(value_type = Option<String>, pattern = "^(1[3-9][0-9]{9}|0[1-9][0-9]{8,10})$", example = "13812345678")]
    phone: Option<PhoneNumber>,
}

/// Records or removes a person's phone number (people one enters records for).
#[utoipa::path(put, path = "/api/v1/persons/{id}/phone", tag = "persons", request_body = PhoneChange,
    params(("id" = i64, Path, description = "Person id")),
    security(("session" = [])),
    responses(
        (status = 204, description = "Recorded"),
        (status = 400, description = "Not a phone number (field named)", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No such person among those the caller enters records for", body = ApiError),
        (status = 413, description = "The body is too large", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError)))]
pub async fn set_phone(
    State(state): State<AppState>,
    session: Session,
    crate::json::ApiPath(id): crate::json::ApiPath<i64>,
    ApiJson(change): ApiJson<PhoneChange>,
) -> Result<StatusCode, ApiError> {
    record_phone(&state, &session, PersonId(id), change.phone.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stores the number in the caller's writable scope and audits the change;
/// shared by the API and the person page.
pub async fn record_phone(
    state: &AppState,
    session: &Session,
    person: PersonId,
    phone: Option<&PhoneNumber>,
) -> Result<(), ApiError> {
    let scope = Scope::writable(&session.account);
    state
        .store
        .set_phone_in(person, phone, &scope, &session.account.username)
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "set_phone",
            Some(person.0),
            if phone.is_some() { "set" } else { "removed" },
        )])
        .await
}

/// A person's contact phone.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::put;
    axum::Router::new().route("/api/v1/persons/{id}/phone", put(set_phone))
}
