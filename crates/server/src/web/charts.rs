//! Charts drawn on the server as small SVG (no script, print as they are):
//! the population pyramid and births and deaths by month.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use maud::{Markup, html};
use renkou_domain::date::today_in_china;

use crate::AppState;
use crate::routes::reports::ReportQuery;
use crate::web::auth::WebSession;
use crate::web::error::WebError;

const MALE: &str = "#2f6db5";
const FEMALE: &str = "#c0504d";

/// A pyramid: one bar pair per age group (youngest at the bottom), men left, women right.
pub fn pyramid_svg(groups: &[(String, i64, i64)]) -> Markup {
    let (width, bar, mid) = (520.0_f64, 16.0_f64, 260.0_f64);
    let height = bar * groups.len() as f64 + 40.0;
    let max = groups
        .iter()
        .map(|(_, m, f)| (*m).max(*f))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let scale = (mid - 40.0) / max;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) } role="img" font-size="11" font-family="sans-serif" {
            title { "人口金字塔" }
            text x="10" y="14" fill=(MALE) { "男" }
            text x=(width - 24.0) y="14" fill=(FEMALE) { "女" }
            @for (i, (label, male, female)) in groups.iter().enumerate() {
                @let y = height - 20.0 - bar * (i as f64 + 1.0);
                @let m = *male as f64 * scale;
                @let f = *female as f64 * scale;
                rect x=(fmt(mid - 20.0 - m)) y=(fmt(y + 1.0)) width=(fmt(m)) height=(bar - 2.0) fill=(MALE) {
                    title { (label) "岁 男 " (male) }
                }
                rect x=(mid + 20.0) y=(fmt(y + 1.0)) width=(fmt(f)) height=(bar - 2.0) fill=(FEMALE) {
                    title { (label) "岁 女 " (female) }
                }
                text x=(mid) y=(fmt(y + bar - 4.0)) text-anchor="middle" { (label) }
            }
        }
    }
}

/// Births and deaths side by side for each month.
pub fn monthly_svg(months: &[(u32, i64, i64)]) -> Markup {
    let (width, height, left, bottom) = (520.0_f64, 220.0_f64, 30.0_f64, 30.0_f64);
    let max = months
        .iter()
        .map(|(_, b, d)| (*b).max(*d))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (width - left - 10.0) / months.len().max(1) as f64;
    let scale = (height - bottom - 30.0) / max;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) } role="img" font-size="11" font-family="sans-serif" {
            title { "分月出生与死亡" }
            rect x="40" y="6" width="10" height="10" fill=(MALE) {}
            text x="54" y="15" { "出生" }
            rect x="100" y="6" width="10" height="10" fill="#7f7f7f" {}
            text x="114" y="15" { "死亡" }
            text x="4" y=(height - bottom) { "0" }
            text x="4" y="34" { (max as i64) }
            @for (i, (month, births, deaths)) in months.iter().enumerate() {
                @let x = left + slot * i as f64;
                @let b = *births as f64 * scale;
                @let d = *deaths as f64 * scale;
                rect x=(fmt(x + 2.0)) y=(fmt(height - bottom - b)) width=(fmt(slot / 2.0 - 3.0)) height=(fmt(b)) fill=(MALE) {
                    title { (month) "月 出生 " (births) }
                }
                rect x=(fmt(x + slot / 2.0)) y=(fmt(height - bottom - d)) width=(fmt(slot / 2.0 - 3.0)) height=(fmt(d)) fill="#7f7f7f" {
                    title { (month) "月 死亡 " (deaths) }
                }
                text x=(fmt(x + slot / 2.0)) y=(height - bottom + 14.0) text-anchor="middle" { (month) "月" }
            }
        }
    }
}

/// One decimal is enough on screen and on paper, and keeps the file small.
fn fmt(v: f64) -> String {
    format!("{:.1}", v.max(0.0))
}

fn svg(markup: Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// `GET /charts/pyramid.svg?region=&date=`.
pub async fn pyramid(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let request = query.request("population", &session)?;
    let date = request.date.unwrap_or(request.today).min(request.today);
    let groups = state
        .store
        .population_pyramid(&request.region, date, request.today)
        .await?;
    Ok(svg(pyramid_svg(&groups)))
}

/// `GET /charts/births-deaths.svg?region=&period=YEAR`.
pub async fn births_deaths(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let request = query.request("changes", &session)?;
    let year = request
        .period
        .map(|p| p.first.year())
        .unwrap_or_else(|| today_in_china().year());
    let months = state
        .store
        .births_and_deaths_by_month(&request.region, year)
        .await?;
    Ok(svg(monthly_svg(&months)))
}

/// The charts the report pages draw.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/charts/pyramid.svg", get(pyramid))
        .route("/charts/births-deaths.svg", get(births_deaths))
}
