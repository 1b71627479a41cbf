//! The migrants' pages (流动人口): the inflow register of a village or
//! township — the persons living there registered in another county — as
//! every person list (counted, sorted, filtered, printable, XLSX); the
//! notices between regions (`notices.rs`).

pub mod notices;

use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use renkou_domain::Subsystem;
use renkou_domain::report::ReportName;
use renkou_store::{PersonFilter, Scope};
use serde::Deserialize;

use crate::ApiError;
use crate::AppState;
use crate::routes::reports::region_asked;
use crate::web::auth::WebSession;
use crate::web::error::WebError;
use crate::web::person_list::{self, ListQuery, PersonList};
use crate::web::reports::report_link;

/// `/migrants` parameters besides the list's own.
#[derive(Debug, Deserialize)]
pub struct RegionParam {
    region: Option<String>,
}

/// `GET /migrants?region=`: the inflow register of a region, under a grant
/// that opens the migrants subsystem.
pub async fn inflow(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(params): Query<RegionParam>,
    Query(list): Query<ListQuery>,
) -> Result<Response, WebError> {
    if Scope::reading(&session.account, Subsystem::Migrants)
        .regions()
        .is_empty()
    {
        return Err(WebError(ApiError::forbidden(
            "您的账号没有流动人口查阅权限",
        )));
    }
    let region = region_asked(params.region.as_deref(), &session)?;
    let name = state.region_name(&region).await?;
    let list_of = PersonList {
        family_planning: true,
        title: format!("{name}流入人口名单"),
        path: format!("/migrants?region={}", region.as_str()),
        region: Some(region),
        filter: PersonFilter {
            living_here_registered_elsewhere: true,
            ..PersonFilter::default()
        },
        audit: format!("inflow list of {region}"),
        before: html! {
            p.muted { "在本辖区居住、户籍在其他县（市、区）的人员。" }
            p.actions {
                a href=(report_link(ReportName::Migrants, &[("region", region.as_str())])) { "流动人口统计" }
                a href=(format!("/migrants/notices?region={}", region.as_str())) { "信息交换收件箱" }
                a href=(format!("/migrants/outflow?region={}", region.as_str())) { "流出人口名单" }
            }
        },
    };
    person_list::respond(&state, &session, list_of, &list).await
}

/// `GET /migrants/outflow?region=`: the outflow register of a region —
/// the persons registered there who live in another county or moved out
/// of the province — read by the place of registration under a migrants grant.
pub async fn outflow(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(params): Query<RegionParam>,
    Query(list): Query<ListQuery>,
) -> Result<Response, WebError> {
    let readers = Scope::reading(&session.account, Subsystem::Migrants);
    if readers.regions().is_empty() {
        return Err(WebError(ApiError::forbidden(
            "您的账号没有流动人口查阅权限",
        )));
    }
    let region = region_asked(params.region.as_deref(), &session)?;
    if !readers.contains(&region) {
        return Err(WebError(ApiError::forbidden(
            "您的账号在该区划没有流动人口查阅权限",
        )));
    }
    let name = state.region_name(&region).await?;
    let list_of = PersonList {
        family_planning: true,
        title: format!("{name}流出人口名单"),
        path: format!("/migrants/outflow?region={}", region.as_str()),
        region: Some(region),
        filter: PersonFilter {
            registered_here_living_elsewhere: true,
            ..PersonFilter::default()
        },
        audit: format!("outflow list of {region}"),
        before: html! {
            p.muted { "户籍在本辖区、现居住在其他县（市、区）或已迁往省外的人员。" }
            p.actions {
                a href=(format!("/migrants?region={}", region.as_str())) { "流入人口名单" }
                a href=(format!("/migrants/notices?region={}", region.as_str())) { "信息交换收件箱" }
            }
        },
    };
    person_list::respond(&state, &session, list_of, &list).await
}

/// The migrants' pages.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/migrants", get(inflow))
        .route("/migrants/outflow", get(outflow))
        .route("/migrants/notices", get(notices::notices))
        .route("/migrants/notices/times", get(notices::times))
        .route("/migrants/notices/{id}", get(notices::notice))
        .route("/migrants/notices/{id}/handle", post(notices::handle))
        .route("/migrants/notices/{id}/assign", post(notices::assign))
}
