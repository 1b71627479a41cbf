//! Person search, restricted to the caller's regions.

use axum::Json;
use axum::extract::{Query, State};
use renkou_domain::{IdNumber, Person};
use renkou_store::Scope;
use serde::{Deserialize, Serialize};

use crate::session::Session;
use crate::{ApiError, AppState};

/// `GET /api/v1/persons` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    id_number: Option<String>,
}

/// A page of results.
#[derive(Debug, Serialize)]
pub struct Page {
    items: Vec<Person>,
    next: Option<String>,
}

/// Finds persons; only those living in the caller's regions are ever returned.
pub async fn search(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Page>, ApiError> {
    let Some(text) = query.id_number else {
        return Err(ApiError::invalid("id_number", "请输入公民身份号码"));
    };
    let number = IdNumber::parse(&text)
        .map_err(|e| ApiError::invalid("id_number", format!("公民身份号码有误：{e}")))?;
    let scope = Scope::of(&session.account);
    let found = state.store.person_by_id_number_in(&number, &scope).await?;
    Ok(Json(Page {
        items: found.into_iter().collect(),
        next: None,
    }))
}
