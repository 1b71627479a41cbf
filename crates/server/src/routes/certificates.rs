//! Only-child parents' certificates in the API (独生子女父母光荣证): an
//! application handed in for a person of the caller's regions, an issued
//! certificate, and the application with its steps. Decided through
//! `POST /api/v1/cases/{id}/decide` by the township, then the county.

use axum::Json;
use axum::extract::State;
use renkou_domain::cases::CaseKind;
use renkou_domain::{PersonId, RegionCode, Subsystem};
use renkou_store::{Case, CaseStep, Certificate, Scope};
use serde::{Deserialize, Serialize};

use crate::json::{ApiJson, ApiPath};
use crate::session::Session;
use crate::{ApiError, AppState};

/// Where the caller reads certificates and their cases.
pub fn reading(session: &Session) -> Result<Scope, ApiError> {
    let scope = Scope::reading(&session.account, Subsystem::Certificates);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden("您的账号没有独生子女父母光荣证的权限"));
    }
    Ok(scope)
}

/// `POST /api/v1/certificates/applications` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// One of the couple, living in the caller's regions.
    pub applicant_id: i64,
}

/// Hands in an application as the caller, audited.
pub async fn apply_as(
    state: &AppState,
    session: &Session,
    applicant: i64,
) -> Result<Case, ApiError> {
    if session.is_token() {
        return Err(ApiError::forbidden("接口令牌只能读取，不能申领"));
    }
    let scope = Scope::writing(&session.account, Subsystem::Certificates);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden(
            "您的账号没有受理独生子女父母光荣证申领的权限",
        ));
    }
    let case = state
        .store
        .apply_certificate(
            PersonId(applicant),
            &session.account.username,
            &scope,
            &state.settings.certificates.rules,
            &state.settings.cases.deadline_days,
        )
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "apply_certificate",
            Some(applicant),
            format!("case {}", case.id),
        )])
        .await?;
    Ok(case)
}

/// `POST /api/v1/certificates/applications`: an office hands in the
/// application of a couple it serves; the register must show them eligible.
#[utoipa::path(post, path = "/api/v1/certificates/applications", tag = "certificates",
    request_body = ApplyBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "Handed in to the township", body = Case),
        (status = 400, description = "Not eligible by the register (the reason says why), or holding one already", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant to hand in applications, or an API token", body = ApiError),
        (status = 404, description = "No such person in the caller's regions", body = ApiError)))]
pub async fn apply(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<ApplyBody>,
) -> Result<Json<Case>, ApiError> {
    Ok(Json(apply_as(&state, &session, body.applicant_id).await?))
}

/// A certificate the caller may read: issued by a county of its regions,
/// or held by a person living in them (404 otherwise).
pub async fn readable(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<Certificate, ApiError> {
    let scope = reading(session)?;
    let certificate = state
        .store
        .certificate(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let county = RegionCode::parse(&certificate.county_code).map_err(|_| ApiError::not_found())?;
    let holder = state.store.person(PersonId(certificate.holder_id)).await?;
    let sees = scope.contains(&county)
        || scope.regions().iter().any(|r| county.contains(r))
            && holder.is_some_and(|p| scope.contains(&p.residence));
    if !sees {
        return Err(ApiError::not_found());
    }
    Ok(certificate)
}

/// `GET /api/v1/certificates/{id}`.
#[utoipa::path(get, path = "/api/v1/certificates/{id}", tag = "certificates",
    params(("id" = i64, Path, description = "The certificate")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The certificate", body = Certificate),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for certificates", body = ApiError),
        (status = 404, description = "No such certificate the caller may read", body = ApiError)))]
pub async fn certificate(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Certificate>, ApiError> {
    Ok(Json(readable(&state, &session, id).await?))
}

/// An application (or a revocation) with its steps and the certificate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub case: Case,
    pub steps: Vec<CaseStep>,
    /// The certificate it issued (an application) or revokes (a revocation).
    pub certificate: Option<Certificate>,
}

/// A certificate case an office of the caller took part in (404 otherwise).
pub async fn application(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<ApplicationView, ApiError> {
    let kinds = [
        CaseKind::OnlyChildCertificate,
        CaseKind::CertificateRevocation,
    ];
    let (case, steps) = state
        .store
        .case_of(id, &kinds, &reading(session)?)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let certificate = match case
        .facts
        .as_ref()
        .and_then(|f| f.0.get("certificate"))
        .and_then(|c| c.as_i64())
    {
        Some(revoked) => state.store.certificate(revoked).await?,
        None => state.store.certificate_of_case(case.id).await?,
    };
    Ok(ApplicationView {
        case,
        steps,
        certificate,
    })
}

/// `GET /api/v1/certificates/applications/{id}`.
#[utoipa::path(get, path = "/api/v1/certificates/applications/{id}", tag = "certificates",
    params(("id" = i64, Path, description = "The application's (or revocation's) case")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The case, its steps and its certificate", body = ApplicationView),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for certificates", body = ApiError),
        (status = 404, description = "No such case the caller may read", body = ApiError)))]
pub async fn show_application(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(application(&state, &session, id).await?))
}

/// The certificates' routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/certificates/applications", post(apply))
        .route(
            "/api/v1/certificates/applications/{id}",
            get(show_application),
        )
        .route("/api/v1/certificates/{id}", get(certificate))
}
