//! Registering events: births, deaths, marriages, moves, corrections.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use renkou_domain::rules::Command;
use renkou_store::{EventMeta, IdempotencyKey, Recorded, Scope, WriteContext};

use crate::session::{Session, token_hash};
use crate::{ApiError, ApiJson, AppState};

/// `POST /api/v1/events`: records one command (`{"birth": {…}}`) for
/// the persons and regions the caller enters records for. With an
/// `Idempotency-Key` header, a retry of the same request answers the first
/// answer and records nothing more.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = Command,
    security(("session" = [])),
    params(("Idempotency-Key" = Option<String>, Header,
        description = "A key of the client's (up to 200 characters); a request sent again with it is recorded once")),
    responses(
        (status = 201, description = "Recorded (or recorded before, with the same key)", body = Recorded),
        (status = 400, description = "Malformed body or a bad value (field named, e.g. `birth.child.sex`)", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The role only reads, or the new residence is outside the caller's regions", body = ApiError),
        (status = 404, description = "A person or household not in the caller's regions", body = ApiError),
        (status = 409, description = "The identity number is already registered", body = ApiError),
        (status = 413, description = "The body is too large", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 422, description = "A rule of the register refuses it, or the key was used for another request (message in Chinese)", body = ApiError)))]
pub async fn register(
    State(state): State<AppState>,
    session: Session,
    key: IdempotencyHeader,
    ApiJson(command): ApiJson<Command>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let recorded = record(&state, &session, &command, "api", key.0.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

/// Records a command in the caller's writable scope; its audit entry is
/// written in the same transaction. Shared by the API and the web forms
/// (whose hidden key plays the idempotency header's part).
pub async fn record(
    state: &AppState,
    session: &Session,
    command: &Command,
    source: &str,
    idempotency_key: Option<&str>,
) -> Result<Recorded, ApiError> {
    let subsystem = command.subsystem();
    let scope = Scope::writing(&session.account, subsystem);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden(match subsystem {
            renkou_domain::Subsystem::Registry => "您的角色只能查询，不能登记".to_string(),
            other => format!("您没有{}信息的登记权限", other.chinese()),
        }));
    }
    let meta = EventMeta {
        recorder: session.account.username.clone(),
        source: source.to_string(),
    };
    let body = serde_json::to_value(command).unwrap_or_default();
    let what = body
        .as_object()
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_default();
    let context = WriteContext {
        audit: Some(session.audit_entry("record_event", None, what)),
        idempotency: idempotency_key.map(|key| IdempotencyKey {
            actor: session.account.username.clone(),
            key: key.to_string(),
            request_hash: token_hash(&body.to_string()),
        }),
        review: state.settings.review.collector_entries
            && Scope::enters_as_collector_only(&session.account),
        rules: state.settings.rules(),
    };
    let recorded = state
        .store
        .record_in(command, &meta, &scope, &context)
        .await;
    state.audit.nudge();
    if let (Ok(_), Some(fault)) = (&recorded, &state.settings.fault) {
        fault.after_commit();
    }
    Ok(recorded?)
}

/// The `Idempotency-Key` header, when sent (1–200 visible characters).
pub struct IdempotencyHeader(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyHeader(None));
        };
        value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 200)
            .map(|k| IdempotencyHeader(Some(k.to_string())))
            .ok_or_else(|| ApiError::invalid("Idempotency-Key", "幂等键应为 1 至 200 个可见字符"))
    }
}

/// Registering events.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::post;
    axum::Router::new().route("/api/v1/events", post(register))
}
