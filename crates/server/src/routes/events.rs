//! Registering events: births, deaths, marriages, moves, corrections.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use renkou_domain::rules::Command;
use renkou_store::{AuditEntry, EventMeta, Recorded, Scope};

use crate::session::Session;
use crate::{ApiError, ApiJson, AppState};

/// `POST /api/v1/events`: records one command (`{"birth": {…}}`) for
/// the persons and regions the caller enters records for.
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
        .store
        .audit(&[AuditEntry {
            actor: session.account.username.clone(),
            action: "record_event".into(),
            person_id: Some(recorded.person_id.0),
            detail: what,
            address: session.address.clone(),
        }])
        .await?;
    Ok(recorded)
}
