//! The exchange with other departments and regions (数据共享与信息交换):
//! the feed of committed events a subscriber pulls.

use axum::Json;
use axum::extract::{Query, State};
use renkou_store::{AuditEntry, FeedCursor, Scope, StoredEvent};
use serde::{Deserialize, Serialize};

use crate::routes::persons::events_for_token;
use crate::session::Session;
use crate::{ApiError, AppState};

/// Events per page unless asked for fewer.
const DEFAULT_LIMIT: i64 = 500;
/// Events per page at most.
const MAX_LIMIT: i64 = 5_000;

/// `GET /api/v1/exchange/feed` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// The `next` of the previous page; absent: from the beginning.
    after: Option<String>,
    /// Events per page (1–5000, default 500).
    limit: Option<i64>,
}

/// A page of the feed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedPage {
    /// Committed events of the caller's regions, oldest first, as the caller
    /// may see them (an API token: only its fields; an event that changed
    /// none of them is left out, the cursor moves past it all the same).
    items: Vec<StoredEvent>,
    /// Pass as `after` for the next page; the same value when nothing new
    /// has committed yet (poll again later).
    next: String,
}

/// `GET /api/v1/exchange/feed`: every committed event of the caller's
/// regions after a cursor, in an order that never skips one that commits
/// late; paged and resumable. Each person in a page is an audited read.
#[utoipa::path(get, path = "/api/v1/exchange/feed", tag = "exchange", params(FeedQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "A page of the feed", body = FeedPage),
        (status = 400, description = "A cursor the feed did not give, or a limit out of range", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError)))]
pub async fn feed(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<FeedQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    let after: FeedCursor = query
        .after
        .as_deref()
        .unwrap_or("")
        .parse()
        .map_err(|e: renkou_store::StoreError| ApiError::invalid("after", e.to_string()))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("每页条数应在 1 至 {MAX_LIMIT} 之间"),
        ));
    }
    let scope = Scope::of(&session.account);
    let page = state.store.feed(after, scope.regions(), limit).await?;
    let mut items: Vec<StoredEvent> = Vec::with_capacity(page.events.len());
    for event in page.events {
        let region = renkou_domain::RegionCode::parse(&event.region_code).ok();
        let shown = match region {
            Some(region) => crate::sensitive::events_for(&session, &region, vec![event]),
            None => Vec::new(),
        };
        items.extend(shown);
    }
    if let Some(fields) = &session.fields {
        items = events_for_token(items, fields);
    }
    let mut persons: Vec<i64> = items.iter().map(|e| e.person_id.0).collect();
    persons.sort_unstable();
    persons.dedup();
    let reads: Vec<AuditEntry> = persons
        .into_iter()
        .map(|p| session.audit_entry("read_person", Some(p), "exchange feed"))
        .collect();
    state.audit.write(reads).await?;
    Ok(Json(FeedPage {
        items,
        next: page.next.to_string(),
    }))
}

/// The exchange.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/api/v1/exchange/feed", get(feed))
}
