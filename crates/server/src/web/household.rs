//! A household's page: its members, the head marked and first, each with
//! their relation to the head.

use std::collections::HashMap;

use axum::extract::{Path, State};
use maud::{Markup, html};
use renkou_domain::{Person, RegionCode};
use renkou_store::Scope;

use crate::routes::persons::audit_reads;
use crate::web::auth::WebSession;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::web::view::id_shown;
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
    let mut codes: Vec<RegionCode> = household
        .members
        .iter()
        .map(|p| p.residence)
        .chain(RegionCode::parse(&household.region_code).ok())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let places = state.region_names(&codes).await?;
    let place = |code: &str| {
        RegionCode::parse(code)
            .ok()
            .and_then(|c| places.get(&c).cloned())
            .unwrap_or_else(|| code.to_string())
    };
    let head = household
        .members
        .iter()
        .find(|p| Some(p.id.0) == household.head_id);
    Ok(page(
        &format!("户号 {}", household.household_no),
        &session,
        html! {
            h1 { "户号 " (household.household_no) " " span.muted { (kind) } }
            p {
                "户籍所在地：" (place(&household.region_code))
                @if let Some(a) = &household.address { "　地址：" (a) }
                "　户主：" @match head { Some(h) => (h.name.as_str()), None => span.error { "未登记户主" } }
                "　共 " (household.members.len()) " 人"
            }
            (members(&household.members, household.head_id, &places, session.sees_full_numbers()))
        },
    ))
}

/// The members, the head marked, each with their relation to the head.
fn members(
    persons: &[Person],
    head: Option<i64>,
    places: &HashMap<RegionCode, String>,
    full: bool,
) -> Markup {
    html! {
        div.scroll { table.stack {
            thead { tr {
                th { "姓名" } th { "与户主关系" } th { "性别" } th { "出生日期" }
                th { "公民身份号码" } th { "婚姻状况" } th { "现住地" } th { "状态" }
            } }
            tbody {
                @for p in persons {
                    @let is_head = Some(p.id.0) == head;
                    tr.head[is_head] {
                        td data-label="姓名" {
                            a href={ "/persons/" (p.id) } { (p.name.as_str()) }
                            @if is_head { " " strong.badge { "户主" } }
                        }
                        td data-label="与户主关系" {
                            @match p.relation { Some(r) => (r.name()), None => span.error { "未填写" } }
                        }
                        td data-label="性别" { (p.sex.name()) }
                        td data-label="出生日期" { (p.birth_date) }
                        td data-label="公民身份号码" { (id_shown(p, full)) }
                        td data-label="婚姻状况" { (p.marital_status.map(|m| m.name()).unwrap_or("")) }
                        td data-label="现住地" { (places.get(&p.residence).cloned().unwrap_or_else(|| p.residence.to_string())) }
                        td data-label="状态" { (p.status.chinese()) }
                    }
                }
            }
        } }
    }
}

/// A household's page.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/households/{id}", get(household_page))
}
