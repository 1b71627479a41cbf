//! Household detail.

use axum::Json;
use axum::extract::State;
use renkou_store::Scope;
use serde::Serialize;

use crate::routes::persons::audited;
use crate::session::Session;
use crate::{ApiError, AppState};

/// A household and the members the caller may see.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HouseholdView {
    id: i64,
    household_no: String,
    region_code: String,
    address: Option<String>,
    kind: String,
    head_id: Option<i64>,
    #[schema(schema_with = crate::routes::openapi::shown_persons)]
    members: Vec<serde_json::Value>,
}

/// `GET /api/v1/households/{id}`: 404 outside the caller's regions.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households",
    params(("id" = i64, Path, description = "Household id")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The household and the members the caller may see", body = HouseholdView),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "An API token without the household field", body = ApiError),
        (status = 404, description = "No such household inside the caller's regions", body = ApiError)))]
pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    crate::json::ApiPath(id): crate::json::ApiPath<i64>,
) -> Result<Json<HouseholdView>, ApiError> {
    // A household's number, address and head are the household field.
    if !session.may_read(renkou_domain::Field::Household) {
        return Err(ApiError::forbidden("该接口令牌无权查看户信息"));
    }
    let household = state
        .store
        .household_in(id, &Scope::of(&session.account))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let members = audited(
        &state,
        &session,
        household.members,
        &format!("household {}", household.household_no),
    )
    .await?;
    Ok(Json(HouseholdView {
        id: household.id,
        household_no: household.household_no,
        region_code: household.region_code,
        address: household.address,
        kind: household.kind,
        head_id: household.head_id,
        members,
    }))
}

/// Household detail.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/api/v1/households/{id}", get(detail))
}
