//! Registering events: births, deaths, marriages, moves, corrections.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use renkou_domain::rules::Command;
use renkou_store::{EventMeta, Recorded, Scope};

use crate::session::Session;
use crate::{ApiError, ApiJson, AppState};

/// `POST /api/v1/events`: records one command (`{"birth": {…}}`) for
/// the persons and regions the caller enters records for.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = Command,
    security(("session" = [])),
    responses(
        (status = 201, description = "Recorded", body = Recorded),
        (status = 400, description = "Malformed body or a bad value (field named, e.g. `birth.child.sex`)", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The role only reads, or the new residence is outside the caller's regions", body = ApiError),
        (status = 404, description = "A person not in the caller's regions", body = ApiError),
        (status = 409, description = "The identity number is already registered", body = ApiError),
        (status = 422, description = "A rule of the register refuses it (message in Chinese)", body = ApiError)))]
pub async fn register(
    State(state): State<AppState>,
    session: Session,
    ApiJson(command): ApiJson<Command>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let recorded = record(&state, &session, &command, "api").await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

/// Records a command in the caller's writable scope and audits it; shared by
/// the API and the web forms.
pub async fn record(
    state: &AppState,
    session: &Session,
    command: &Command,
    source: &str,
) -> Result<Recorded, ApiError> {
    let scope = Scope::writable(&session.account);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden("您的角色只能查询，不能登记"));
    }
    let meta = EventMeta {
        recorder: session.account.username.clone(),
        source: source.to_string(),
    };
    let recorded = state.store.record_in(command, &meta, &scope).await?;
    let what = serde_json::to_value(command)
        .ok()
        .and_then(|v| v.as_object().and_then(|o| o.keys().next().cloned()))
        .unwrap_or_default();
    state
        .audit
        .write(vec![session.audit_entry(
            "record_event",
            Some(recorded.person_id.0),
            what,
        )])
        .await?;
    Ok(recorded)
}
