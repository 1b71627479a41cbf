//! The region tree, one level at a time.

use axum::Json;
use axum::extract::{Query, State};
use renkou_domain::RegionCode;
use renkou_store::RegionRow;
use serde::{Deserialize, Serialize};

use crate::session::Session;
use crate::{ApiError, AppState};

/// `GET /api/v1/regions` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RegionQuery {
    /// Whose children to list; without it, the caller's own regions.
    parent: Option<String>,
}

/// A list of regions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Regions {
    items: Vec<RegionRow>,
}

/// `GET /api/v1/regions?parent=CODE`: the current regions one level down.
/// Region names and codes are public, so the whole tree can be browsed.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(RegionQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The regions", body = Regions),
        (status = 400, description = "Bad region code", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError)))]
pub async fn children(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<RegionQuery>,
) -> Result<Json<Regions>, ApiError> {
    let items = match query.parent.as_deref() {
        Some(parent) => {
            let parent = RegionCode::parse(parent)
                .map_err(|e| ApiError::invalid("parent", format!("区划代码有误：{e}")))?;
            state.region_children(&parent).await?
        }
        None => {
            let mut own = Vec::new();
            for grant in &session.account.grants {
                if let Some(row) = state.region(&grant.region).await? {
                    own.push(row);
                }
            }
            own.dedup_by(|a, b| a.code == b.code);
            own
        }
    };
    Ok(Json(Regions { items }))
}

/// The region tree.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/api/v1/regions", get(children))
}
