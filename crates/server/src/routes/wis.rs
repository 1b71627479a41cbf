//! The women of childbearing age (WIS) in the API: a woman's card.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Serialize;

use crate::routes::persons::audited;
use crate::session::Session;
use crate::{ApiError, AppState};

/// 育龄妇女信息卡: her record, her children, her marriage and her history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CardView {
    #[schema(value_type = renkou_domain::Person)]
    woman: serde_json::Value,
    /// Her live-born children in the register, in birth order (`birth_order`).
    #[schema(value_type = Vec<renkou_domain::Person>)]
    children: Vec<serde_json::Value>,
    /// Children adopted into her household (present, without a birth order).
    #[schema(value_type = Vec<renkou_domain::Person>)]
    adopted: Vec<serde_json::Value>,
    /// 现有子女数: living children, adopted included.
    present_children: usize,
    /// The day of her latest marriage.
    married_on: Option<NaiveDate>,
    /// Her history, oldest first.
    #[schema(value_type = Vec<Object>)]
    events: Vec<renkou_store::StoredEvent>,
}

/// `GET /api/v1/wis/cards/{id}`: the card of a woman whose family-planning
/// records the caller reads (a grant opening `wis` for her region); 404
/// otherwise, as for nobody. Every person on it is audited as read.
#[utoipa::path(get, path = "/api/v1/wis/cards/{id}", tag = "wis",
    params(("id" = i64, Path, description = "The woman's person id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "Her card", body = CardView),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 404, description = "No card of hers the caller may read", body = ApiError)))]
pub async fn card(
    State(state): State<AppState>,
    session: Session,
    crate::json::ApiPath(id): crate::json::ApiPath<i64>,
) -> Result<Json<CardView>, ApiError> {
    let card = crate::web::wis::card::card_of(&state, &session, id).await?;
    let present_children = card.present_children();
    // Audited above, shown masked as the caller's roles say.
    let shown = |persons: Vec<renkou_domain::Person>| async {
        audited(&state, &session, persons, "wis card").await
    };
    let woman = shown(vec![card.woman]).await?.pop().unwrap_or_default();
    Ok(Json(CardView {
        woman,
        children: shown(card.children).await?,
        adopted: shown(card.adopted).await?,
        present_children,
        married_on: card.married_on,
        events: card.events,
    }))
}

/// The WIS resources.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/api/v1/wis/cards/{id}", get(card))
}
