//! Liveness and readiness for the load balancer.

use axum::extract::State;
use axum::http::StatusCode;

use axum::Json;
use renkou_store::{Freshness, Standby};
use serde::Serialize;

use crate::cache::CacheStats;
use crate::session::Session;
use crate::{ApiError, AppState};

/// The process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "Alive", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers too.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "Ready", body = String),
    (status = 503, description = "The database does not answer", body = String)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.counts().await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// The database as the server sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DatabaseHealth {
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// The standbys streaming from the primary (the hot mirror, the
    /// decision-support copy).
    pub standbys: Vec<Standby>,
    /// Where reports are read, and how old their figures are.
    pub reports: Freshness,
    /// What this server's caches did since it started.
    pub caches: CacheStats,
}

/// The database's standbys and the reports' freshness.
pub async fn database_health(state: &AppState) -> Result<DatabaseHealth, ApiError> {
    Ok(DatabaseHealth {
        engine: state.store.engine(),
        standbys: state.store.standbys().await?,
        reports: state.reports.freshness().await?,
        caches: state.caches.stats(),
    })
}

/// `GET /api/v1/system/database`: the primary's standbys and the
/// decision-support copy's lag (administrators).
#[utoipa::path(get, path = "/api/v1/system/database", tag = "health",
    security(("session" = [])),
    responses(
        (status = 200, description = "The standbys and the reports' freshness", body = DatabaseHealth),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Not an administrator", body = ApiError)))]
pub async fn database(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<DatabaseHealth>, ApiError> {
    session.admin_only()?;
    Ok(Json(database_health(&state).await?))
}

/// Liveness and readiness.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/system/database", get(database))
}
