//! Re-birth approvals in the API (再生育审批): an application handed in for
//! a couple of the caller's regions, and one application with its steps and
//! documents. Documents are added and checked on the pages; decided through
//! `POST /api/v1/cases/{id}/decide` by the township, then the county.

use axum::Json;
use axum::extract::State;
use renkou_domain::cases::CaseKind;
use renkou_domain::{PersonId, Subsystem};
use renkou_store::{Case, CaseDocument, CaseStep, Scope};
use serde::{Deserialize, Serialize};

use crate::json::{ApiJson, ApiPath};
use crate::session::Session;
use crate::{ApiError, AppState};

/// Where the caller reads re-birth applications.
pub fn reading(session: &Session) -> Result<Scope, ApiError> {
    let scope = Scope::reading(&session.account, Subsystem::Rebirth);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden("您的账号没有再生育审批的权限"));
    }
    Ok(scope)
}

/// `POST /api/v1/rebirth/applications` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// One of the couple, living in the caller's regions.
    pub applicant_id: i64,
    /// Why they apply, in their words (1–1000 characters).
    pub reason: String,
}

/// Hands in an application as the caller, audited.
pub async fn apply_as(
    state: &AppState,
    session: &Session,
    body: &ApplyBody,
) -> Result<Case, ApiError> {
    if session.is_token() {
        return Err(ApiError::forbidden("接口令牌只能读取，不能受理申请"));
    }
    let scope = Scope::writing(&session.account, Subsystem::Rebirth);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden("您的账号没有受理再生育申请的权限"));
    }
    let case = state
        .store
        .apply_rebirth(
            PersonId(body.applicant_id),
            &body.reason,
            &session.account.username,
            &scope,
            &state.settings.rebirth.rules,
            &state.settings.cases.deadline_days,
        )
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "apply_rebirth",
            Some(body.applicant_id),
            format!("case {}", case.id),
        )])
        .await?;
    Ok(case)
}

/// `POST /api/v1/rebirth/applications`: an office hands in a couple's
/// application; the register's verdict goes with it as advice.
#[utoipa::path(post, path = "/api/v1/rebirth/applications", tag = "rebirth",
    request_body = ApplyBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "Handed in to the township", body = Case),
        (status = 400, description = "The reason empty or too long", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant to hand in applications, or an API token", body = ApiError),
        (status = 404, description = "No such person in the caller's regions", body = ApiError)))]
pub async fn apply(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<ApplyBody>,
) -> Result<Json<Case>, ApiError> {
    Ok(Json(apply_as(&state, &session, &body).await?))
}

/// An application, its steps and its documents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub case: Case,
    pub steps: Vec<CaseStep>,
    pub documents: Vec<CaseDocument>,
}

/// An application an office of the caller took part in (404 otherwise).
pub async fn application(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<ApplicationView, ApiError> {
    let (case, steps) = state
        .store
        .case_of(id, &[CaseKind::Rebirth], &reading(session)?)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let documents = state.store.documents(case.id).await?;
    Ok(ApplicationView {
        case,
        steps,
        documents,
    })
}

/// `GET /api/v1/rebirth/applications/{id}`.
#[utoipa::path(get, path = "/api/v1/rebirth/applications/{id}", tag = "rebirth",
    params(("id" = i64, Path, description = "The application's case")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The application, its steps and its documents", body = ApplicationView),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for re-birth approvals", body = ApiError),
        (status = 404, description = "No such application the caller may read", body = ApiError)))]
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(application(&state, &session, id).await?))
}

/// The re-birth routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/rebirth/applications", post(apply))
        .route("/api/v1/rebirth/applications/{id}", get(show))
}
