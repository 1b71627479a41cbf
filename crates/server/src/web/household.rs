//! A household's page: its members, head first.

use axum::extract::{Path, State};
use maud::html;
use renkou_store::Scope;

use crate::routes::persons::audit_reads;
use crate::web::auth::WebSession;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::web::view::person_table;
use crate::{ApiError, AppState};

/// `GET /households/{id}`.
pub async fn household_page(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let household = state
        .store
        .household_in(id, &Scope::of(&session.account))
        .await?
        .ok_or(WebError(ApiError::not_found()))?;
    audit_reads(
        &state,
        &session,
        &household.members,
        &format!("household {}", household.household_no),
    )
    .await?;
    let kind = if household.kind == "collective" {
        "集体户"
    } else {
        "家庭户"
    };
    Ok(page(
        &format!("户号 {}", household.household_no),
        &session,
        html! {
            h1 { "户号 " (household.household_no) " " span.muted { (kind) } }
            p { "所在区划：" (household.region_code) @if let Some(a) = &household.address { "　地址：" (a) } }
            (person_table(&household.members, session.sees_full_numbers()))
        },
    ))
}

/// A household's page.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/households/{id}", get(household_page))
}
