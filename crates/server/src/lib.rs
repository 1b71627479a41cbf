//! Renkou's HTTP API. Stateless between requests: every request carries its
//! session cookie, and everything else lives in the database, so any number of
//! servers can run against one PostgreSQL.

mod audit_sink;
mod error;
mod json;
mod routes;
mod session;
mod web;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::{delete, get, post, put};
use renkou_store::Store;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use audit_sink::AuditSink;
pub use error::ApiError;
pub use json::ApiJson;
pub use session::token_hash;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The register.
    pub store: Store,
    /// Where audit entries are written (in batches).
    pub audit: AuditSink,
}

impl AppState {
    /// The state for a store; starts its audit writer (needs a Tokio runtime).
    pub fn new(store: Store) -> AppState {
        let audit = AuditSink::start(store.clone());
        AppState { store, audit }
    }
}

/// All routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/api/v1/openapi.json", get(routes::openapi::document))
        .route("/api/v1/session", post(session::login))
        .route("/api/v1/session", delete(session::logout))
        .route("/api/v1/session/password", put(session::change_password))
        .route("/api/v1/regions", get(routes::regions::children))
        .route("/api/v1/persons", get(routes::persons::search))
        .route("/api/v1/persons/{id}", get(routes::persons::detail))
        .route("/api/v1/persons/{id}/phone", put(routes::phones::set_phone))
        .route("/api/v1/households/{id}", get(routes::households::detail))
        .route("/api/v1/events", post(routes::events::register))
        .route("/api/v1/reports/{name}", get(routes::reports::report))
        .merge(web::routes())
        .layer(CompressionLayer::new())
        // One structured log line per request (method, path, status, latency)
        // at `info`; `RENKOU_LOG=info renkou serve` shows them.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, finishing requests in flight.
pub async fn serve(store: Store, listen: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(%listen, "serving");
    let app = router(AppState::new(store)).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
