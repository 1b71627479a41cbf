//! The support pages (奖励扶助): the rolls of a region with the ones
//! waiting for the user's decision first, a form to make a township's roll,
//! one roll with its reasons, review, changes since last year and the
//! persons it pays, and its payment list as XLSX.

pub mod roll;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use maud::{Markup, html};
use renkou_domain::cases::Step;
use renkou_domain::{RegionCode, RegionLevel, Subsystem};
use renkou_store::{SavedRoll, Scope};
use serde::Deserialize;

use crate::AppState;
use crate::routes::reports::region_in;
use crate::routes::support::{MakeRoll, make_roll_as, support_scope};
use crate::web::auth::{CsrfForm, WebSession, csrf_field};
use crate::web::case_view::region_label;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;

/// `/support` parameters.
#[derive(Debug, Deserialize)]
pub struct RegionParam {
    region: Option<String>,
}

/// A program's title by key.
pub fn program_title(state: &AppState, key: &str) -> String {
    renkou_domain::support::find(&state.settings.support.programs, key)
        .map_or_else(|_| key.to_string(), |p| p.title.clone())
}

/// Where a roll's review stands, as staff read it.
pub fn review_state(roll: &SavedRoll) -> &'static str {
    roll.state
        .as_deref()
        .and_then(Step::parse)
        .map_or("未报送", Step::label)
}

/// Whether the user decides the roll now (its office is one of theirs, not
/// one inside theirs, and it is open).
pub fn decides(scope: &Scope, roll: &SavedRoll) -> bool {
    let open = roll
        .state
        .as_deref()
        .and_then(Step::parse)
        .is_some_and(|s| matches!(s, Step::Applied | Step::Forwarded | Step::Returned));
    open && roll
        .owner_region
        .as_deref()
        .and_then(|c| RegionCode::parse(c).ok())
        .is_some_and(|c| scope.regions().contains(&c))
}

fn rolls_table(
    state: &AppState,
    rolls: &[SavedRoll],
    names: &std::collections::HashMap<RegionCode, String>,
) -> Markup {
    html! {
        div.scroll { table.stack {
            thead { tr { th { "年度" } th { "项目" } th { "区划" } th { "符合人数" } th { "年发放金额（元）" } th { "审核状态" } th { "生成人" } } }
            tbody { @for r in rolls { tr {
                td data-label="年度" { a href=(format!("/support/rolls/{}", r.id)) { (r.year) } }
                td data-label="项目" { (program_title(state, &r.program)) }
                td data-label="区划" { (region_label(names, &r.region_code)) }
                td data-label="符合人数" { (r.eligible) }
                td data-label="年发放金额（元）" { (r.total_amount) }
                td data-label="审核状态" { (review_state(r)) }
                td data-label="生成人" { (r.made_by) }
            } } }
        } }
    }
}

/// `GET /support?region=`: the rolls of a region, those waiting for the
/// user's decision first, and the form that makes a roll.
pub async fn index(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(params): Query<RegionParam>,
) -> PageResult {
    let scope = support_scope(&session)?;
    let region = region_in(params.region.as_deref(), &scope)?;
    let deciding = Scope::deciding(&session.account, Subsystem::Support);
    let mut rolls = state.store.saved_rolls(&region).await?;
    // Rolls an office of the user has now, wherever they were made.
    for office in deciding.regions() {
        if !region.contains(office) && !office.contains(&region) {
            continue;
        }
        for r in state
            .store
            .saved_rolls(&office.ancestor(RegionLevel::City))
            .await?
        {
            if !rolls.iter().any(|k| k.id == r.id) && decides(&deciding, &r) {
                rolls.push(r);
            }
        }
    }
    let codes: Vec<RegionCode> = rolls
        .iter()
        .filter_map(|r| RegionCode::parse(&r.region_code).ok())
        .collect();
    let names = state.region_names(&codes).await?;
    let (mine, others): (Vec<SavedRoll>, Vec<SavedRoll>) =
        rolls.into_iter().partition(|r| decides(&deciding, r));
    let makers: Vec<RegionCode> = Scope::writing(&session.account, Subsystem::Support)
        .regions()
        .iter()
        .copied()
        .filter(|r| matches!(r.level(), RegionLevel::Township | RegionLevel::County))
        .collect();
    let maker_names = state.region_names(&makers).await?;
    let year = chrono::Utc::now().year();
    let title = format!("{}奖励扶助名册", state.region_name(&region).await?);
    Ok(page(
        &title,
        &session,
        html! {
            h1 { (title) }
            p.muted { "农村部分计划生育家庭奖励扶助和计划生育家庭特别扶助的年度名册由乡镇（街道）按省定条件从人口库生成，逐人写明符合或不符合的理由，经乡镇、县级审核，市级批准后发放。" }
            h2 { "待我审核（" (mine.len()) "）" }
            @if mine.is_empty() { p.muted { "暂无待审核的名册。" } } @else { (rolls_table(&state, &mine, &names)) }
            @if !makers.is_empty() {
                h2 { "生成年度名册" }
                form method="post" action="/support/rolls" {
                    (csrf_field(&session))
                    label { "项目 " select name="program" {
                        @for p in &state.settings.support.programs { option value=(p.key) { (p.title) } }
                    } }
                    " "
                    label { "年度 " input type="number" name="year" value=(year) min=(year - 5) max=(year + 1) required; }
                    " "
                    label { "区划 " select name="region" {
                        @for r in &makers { option value=(r.as_str()) { (maker_names.get(r).cloned().unwrap_or_else(|| r.to_string())) } }
                    } }
                    " "
                    button type="submit" { "生成并报送" }
                }
            }
            h2 { "本辖区名册" }
            @if others.is_empty() { p.muted { "尚无名册。" } } @else { (rolls_table(&state, &others, &names)) }
        },
    ))
}

/// The form of `POST /support/rolls`.
#[derive(Debug, Deserialize)]
pub struct MakeForm {
    program: String,
    year: String,
    region: String,
}

/// `POST /support/rolls`: makes the roll and shows it.
pub async fn make(
    State(state): State<AppState>,
    CsrfForm(session, form): CsrfForm<MakeForm>,
) -> Result<Response, WebError> {
    let year = form
        .year
        .trim()
        .parse()
        .map_err(|_| crate::ApiError::invalid("year", "年度应为四位数字"))?;
    let body = MakeRoll {
        program: form.program,
        year,
        region: form.region,
    };
    let saved = make_roll_as(&state, &session, &body).await?;
    Ok(Redirect::to(&format!("/support/rolls/{}", saved.id)).into_response())
}

/// The support pages.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/support", get(index))
        .route("/support/rolls", post(make))
        .route("/support/rolls/{id}", get(roll::show))
        .route("/support/rolls/{id}/decide", post(roll::decide))
        .route("/support/rolls/{id}/payment.xlsx", get(roll::payment_list))
        .route("/support/rolls/{id}/appeals", post(roll::appeal))
        .route("/support/appeals/{id}", get(roll::show_appeal))
        .route("/support/appeals/{id}/decide", post(roll::decide_appeal))
}
