//! Liveness and readiness for the load balancer.

use axum::extract::State;
use axum::http::StatusCode;

use crate::AppState;

/// The process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers too.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.counts().await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}
