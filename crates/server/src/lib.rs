//! Renkou's HTTP API. Stateless between requests: every request carries its
//! session cookie, and everything else lives in the database, so any number of
//! servers can run against one PostgreSQL.

mod audit_sink;
pub mod cache;
mod error;
mod escalation;
mod failover_retry;
mod forwarded;
mod json;
pub mod push;
mod routes;
mod security_headers;
pub mod sensitive;
mod session;
pub mod settings;
mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use renkou_domain::RegionCode;
use renkou_domain::report::Report;
use renkou_store::{AuditKey, RegionRow, ReportRequest, Store, StoreResult};
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use audit_sink::{AuditSink, CheckpointPlan};
pub use cache::Caches;
pub use error::ApiError;
pub use json::ApiJson;
pub use session::token_hash;
pub use settings::Settings;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The register.
    pub store: Store,
    /// Where reports and the dashboard's figures are read: the
    /// decision-support copy when configured (`database.reports_url`), else
    /// the register itself.
    pub reports: Store,
    /// Where audit entries are written (in batches).
    pub audit: AuditSink,
    /// The configuration it was started with.
    pub settings: Arc<Settings>,
    /// Sessions, regions and report results kept in front of the database.
    pub caches: Caches,
    /// Whether `reports` is a copy (its results are not cached: a copy
    /// lags the notices that would invalidate them).
    reports_on_copy: bool,
}

impl AppState {
    /// The state for a store with the default settings and a fresh audit key
    /// (tests); starts its audit writer (needs a Tokio runtime).
    pub fn new(store: Store) -> AppState {
        AppState::with(store, Settings::default(), AuditKey::generate(), None)
    }

    /// The state for a store with its settings and audit key.
    pub fn with(
        store: Store,
        settings: Settings,
        key: AuditKey,
        checkpoints: Option<CheckpointPlan>,
    ) -> AppState {
        let audit = AuditSink::start(store.clone(), key, checkpoints);
        AppState {
            reports: store.clone(),
            store,
            audit,
            settings: Arc::new(settings),
            caches: Caches::none(),
            reports_on_copy: false,
        }
    }
}

impl AppState {
    /// Reads reports from `reports` (the decision-support copy).
    pub fn with_reports(self, reports: Store) -> AppState {
        AppState {
            reports,
            reports_on_copy: true,
            ..self
        }
    }

    /// Keeps sessions, regions and report results in `caches`, and starts
    /// following the database's change notices for them.
    pub fn with_caches(self, caches: Caches) -> AppState {
        tokio::spawn(cache::follow_changes(self.store.clone(), caches.clone()));
        AppState { caches, ..self }
    }

    /// A region by code, retired or not.
    pub async fn region(&self, code: &RegionCode) -> StoreResult<Option<RegionRow>> {
        let load = self.store.region(code);
        self.caches
            .get_or_load("regions", &format!("r:{code}"), |_| true, load)
            .await
    }

    /// A region's name, or its code when the table does not know it.
    pub async fn region_name(&self, code: &RegionCode) -> StoreResult<String> {
        Ok(self
            .region(code)
            .await?
            .map_or_else(|| code.to_string(), |r| r.name))
    }

    /// The current regions one level below a region.
    pub async fn region_children(&self, parent: &RegionCode) -> StoreResult<Vec<RegionRow>> {
        let load = self.store.region_children(parent);
        self.caches
            .get_or_load("regions", &format!("c:{parent}"), |_| true, load)
            .await
    }

    /// The names of regions, by code (those the table knows).
    pub async fn region_names(
        &self,
        codes: &[RegionCode],
    ) -> StoreResult<HashMap<RegionCode, String>> {
        let key: Vec<&str> = codes.iter().map(RegionCode::as_str).collect();
        let load = self.store.region_names(codes);
        self.caches
            .get_or_load("regions", &format!("n:{}", key.join(",")), |_| true, load)
            .await
    }

    /// A region's full name, province to itself.
    pub async fn region_path(&self, code: &RegionCode) -> StoreResult<String> {
        let load = self.store.region_path(code);
        self.caches
            .get_or_load("regions", &format!("p:{code}"), |_| true, load)
            .await
    }

    /// A standard report, from the caches when it is read from the register.
    pub async fn report(&self, request: &ReportRequest) -> StoreResult<Report> {
        let load = self.reports.report(request);
        if self.reports_on_copy {
            return load.await;
        }
        let scope = cache::counts_scope(request.region.as_str());
        // The version: servers of two releases may share Redis for a while.
        let key = format!("{}:{request:?}", env!("CARGO_PKG_VERSION"));
        self.caches.get_or_load(&scope, &key, |_| true, load).await
    }
}

/// All routes.
pub fn router(state: AppState) -> Router {
    let json_limit = state.settings.server.max_json_kib * 1024;
    let hsts = state.settings.server.hsts;
    let retry_for = Duration::from_secs(state.settings.database.retry_seconds);
    let trusted = Arc::new(state.settings.server.trusted_proxies.clone());
    Router::new()
        .merge(routes::api())
        .layer(DefaultBodyLimit::max(json_limit))
        .merge(web::routes(&state.settings))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(move |req, next| {
            failover_retry::when_database_away(req, next, retry_for)
        }))
        .layer(axum::middleware::from_fn(move |req, next| {
            security_headers::add(req, next, hsts)
        }))
        .layer(axum::middleware::from_fn(move |req, next| {
            forwarded::from_trusted_proxy(req, next, trusted.clone())
        }))
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

/// An address that names nothing: the error envelope under `/api/`, a
/// Chinese page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let missing = ApiError {
        message: "未找到该页面或记录".into(),
        ..ApiError::not_found()
    };
    if uri.path().starts_with("/api/") {
        missing.into_response()
    } else {
        web::error::WebError(missing).into_response()
    }
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight
/// (for at most the configured grace) before returning.
pub async fn serve(state: AppState, listen: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(%listen, "serving");
    let grace = Duration::from_secs(state.settings.server.shutdown_grace_seconds);
    push::start(state.clone());
    escalation::start(
        state.store.clone(),
        state.settings.cases.deadline_days.clone(),
        Duration::from_secs(state.settings.cases.escalate_every_seconds),
    );
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("stopping: finishing requests in flight");
        let _ = stopping.send(true);
    });
    let mut stopped = stopped;
    tokio::select! {
        done = server => done,
        _ = async {
            let _ = stopped.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("requests still running after the grace period: stopping anyway");
            Ok(())
        }
    }
}

/// Ctrl-C, or SIGTERM (what systemd and load balancers send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
