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

/// The smallest 1, 2 or 5 × 10ⁿ at or above `v`: an axis that ends on a
/// round number.
fn nice_ceiling(v: i64) -> i64 {
    let mut step = 1_i64;
    loop {
        for m in [1, 2, 5] {
            if m * step >= v.max(1) {
                return m * step;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// A count on an axis: 12000 as 1.2万.
fn axis_label(n: i64) -> String {
    if n >= 10_000 {
        let wan = n as f64 / 10_000.0;
        if wan.fract() == 0.0 {
            format!("{}万", wan as i64)
        } else {
            format!("{wan:.1}万")
        }
    } else {
        n.to_string()
    }
}

/// A pyramid: one bar pair per age group (youngest at the bottom), men
/// left, women right, with a scale of persons under each half.
pub fn pyramid_svg(groups: &[(String, i64, i64)]) -> Markup {
    let (width, bar, mid) = (520.0_f64, 16.0_f64, 260.0_f64);
    let height = bar * groups.len() as f64 + 56.0;
    let axis_y = height - 34.0;
    let max = nice_ceiling(
        groups
            .iter()
            .map(|(_, m, f)| (*m).max(*f))
            .max()
            .unwrap_or(0),
    );
    let scale = (mid - 40.0) / max as f64;
    let ticks = [0, max / 2, max];
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) } role="img" font-size="11" font-family="sans-serif" {
            title { "人口金字塔" }
            text x="10" y="14" fill=(MALE) { "男" }
            text x=(width - 24.0) y="14" fill=(FEMALE) { "女" }
            @for (i, (label, male, female)) in groups.iter().enumerate() {
                @let y = axis_y - bar * (i as f64 + 1.0);
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
            line x1="20" x2=(width - 20.0) y1=(axis_y) y2=(axis_y) stroke="#6b7485" {}
            @for t in ticks {
                @let d = t as f64 * scale;
                @for x in [mid - 20.0 - d, mid + 20.0 + d] {
                    line x1=(fmt(x)) x2=(fmt(x)) y1=(axis_y) y2=(axis_y + 4.0) stroke="#6b7485" {}
                    text x=(fmt(x)) y=(axis_y + 15.0) text-anchor="middle" { (axis_label(t)) }
                }
            }
            text x=(mid) y=(height - 4.0) text-anchor="middle" { "人数" }
        }
    }
}

/// One month of the chart.
pub struct MonthBars {
    pub year: i32,
    pub month: u32,
    pub births: i64,
    pub deaths: i64,
    /// Inside the period the table shows.
    pub inside: bool,
}

/// Births and deaths side by side for each month; the months of the
/// table's period on a shaded band.
pub fn monthly_svg(months: &[MonthBars], caption: &str) -> Markup {
    let (width, height, left, bottom) = (520.0_f64, 220.0_f64, 34.0_f64, 30.0_f64);
    let max = nice_ceiling(
        months
            .iter()
            .map(|m| m.births.max(m.deaths))
            .max()
            .unwrap_or(0),
    );
    let slot = (width - left - 10.0) / months.len().max(1) as f64;
    let scale = (height - bottom - 30.0) / max as f64;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) } role="img" font-size="11" font-family="sans-serif" {
            title { "分月出生与死亡 " (caption) }
            rect x="40" y="6" width="10" height="10" fill=(MALE) {}
            text x="54" y="15" { "出生" }
            rect x="100" y="6" width="10" height="10" fill="#7f7f7f" {}
            text x="114" y="15" { "死亡" }
            text x=(width - 10.0) y="15" text-anchor="end" { (caption) }
            @for (i, m) in months.iter().enumerate() {
                @if m.inside {
                    rect x=(fmt(left + slot * i as f64)) y="24" width=(fmt(slot)) height=(fmt(height - bottom - 24.0)) fill="#fbf1d9" {}
                }
            }
            @for t in [0, max / 2, max] {
                @let y = height - bottom - t as f64 * scale;
                line x1=(left) x2=(width - 10.0) y1=(fmt(y)) y2=(fmt(y)) stroke="#d5dae3" {}
                text x=(left - 4.0) y=(fmt(y + 4.0)) text-anchor="end" { (axis_label(t)) }
            }
            @for (i, m) in months.iter().enumerate() {
                @let x = left + slot * i as f64;
                @let b = m.births as f64 * scale;
                @let d = m.deaths as f64 * scale;
                rect x=(fmt(x + 2.0)) y=(fmt(height - bottom - b)) width=(fmt(slot / 2.0 - 3.0)) height=(fmt(b)) fill=(MALE) {
                    title { (m.year) "年" (m.month) "月 出生 " (m.births) }
                }
                rect x=(fmt(x + slot / 2.0)) y=(fmt(height - bottom - d)) width=(fmt(slot / 2.0 - 3.0)) height=(fmt(d)) fill="#7f7f7f" {
                    title { (m.year) "年" (m.month) "月 死亡 " (m.deaths) }
                }
                text x=(fmt(x + slot / 2.0)) y=(height - bottom + 14.0) text-anchor="middle" { (m.month) "月" }
                @if m.month == 1 || i == 0 {
                    text x=(fmt(x + 2.0)) y=(height - 3.0) fill="#5c6574" { (m.year) "年" }
                }
            }
        }
    }
}

/// Horizontal bars, one a label, scaled to the largest.
pub fn bars_svg(bars: &[(String, i64)], caption: &str) -> Markup {
    let (width, row, left) = (520.0_f64, 18.0_f64, 130.0_f64);
    let height = row * bars.len() as f64 + 30.0;
    let max = nice_ceiling(bars.iter().map(|(_, n)| *n).max().unwrap_or(0));
    let scale = (width - left - 60.0) / max as f64;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) } role="img" font-size="11" font-family="sans-serif" {
            title { (caption) }
            text x="4" y="14" { (caption) }
            @for (i, (label, n)) in bars.iter().enumerate() {
                @let y = 24.0 + row * i as f64;
                text x=(left - 6.0) y=(fmt(y + 12.0)) text-anchor="end" { (label) }
                rect x=(left) y=(fmt(y + 2.0)) width=(fmt(*n as f64 * scale)) height=(row - 4.0) fill=(MALE) {
                    title { (label) " " (n) }
                }
                text x=(fmt(left + *n as f64 * scale + 4.0)) y=(fmt(y + 12.0)) { (n) }
            }
        }
    }
}

/// One point of a trend line.
pub struct TrendPoint {
    pub label: String,
    pub value: i64,
}

/// A line of one figure over time, its axis from just below the lowest
/// value to just above the highest (a population moves by fractions of a
/// percent a month; from zero the line would be flat).
pub fn trend_svg(points: &[TrendPoint], caption: &str) -> Markup {
    let (width, height, left, bottom, top) = (520.0_f64, 180.0_f64, 56.0_f64, 24.0_f64, 22.0_f64);
    let low = points.iter().map(|p| p.value).min().unwrap_or(0);
    let high = points.iter().map(|p| p.value).max().unwrap_or(0);
    let pad = ((high - low) / 10).max(1);
    let (low, high) = ((low - pad).max(0), high + pad);
    let span = (high - low).max(1) as f64;
    let slot = (width - left - 10.0) / points.len().max(1) as f64;
    let x = |i: usize| left + slot * (i as f64 + 0.5);
    let y = |v: i64| top + (height - bottom - top) * (1.0 - (v - low) as f64 / span);
    let line: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{},{}", fmt(x(i)), fmt(y(p.value))))
        .collect();
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
            viewBox={ "0 0 " (width) " " (height) } role="img" font-size="11" font-family="sans-serif" {
            title { (caption) }
            text x=(left) y="14" { (caption) }
            @for v in [low, (low + high) / 2, high] {
                line x1=(left) x2=(width - 10.0) y1=(fmt(y(v))) y2=(fmt(y(v))) stroke="#d5dae3" {}
                text x=(left - 4.0) y=(fmt(y(v) + 4.0)) text-anchor="end" { (axis_label(v)) }
            }
            polyline points=(line.join(" ")) fill="none" stroke=(MALE) stroke-width="2" {}
            @for (i, p) in points.iter().enumerate() {
                circle cx=(fmt(x(i))) cy=(fmt(y(p.value))) r="2.5" fill=(MALE) { title { (p.label) " " (p.value) } }
                text x=(fmt(x(i))) y=(height - 8.0) text-anchor="middle" { (p.label) }
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
        .reports
        .population_pyramid(&request.region, date, request.today)
        .await?;
    Ok(svg(pyramid_svg(&groups)))
}

/// `GET /charts/births-deaths.svg?region=&period=`: the twelve months
/// ending with the period's last, the period's own months shaded.
pub async fn births_deaths(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let request = query.request("changes", &session)?;
    let (first, last) = match request.period {
        Some(p) => (p.first, p.last),
        None => {
            let today = today_in_china();
            (today.with_day(1).unwrap_or(today), today)
        }
    };
    let mut by_month = std::collections::HashMap::new();
    for year in [last.year() - 1, last.year()] {
        for (month, births, deaths) in state
            .reports
            .births_and_deaths_by_month(&request.region, year)
            .await?
        {
            by_month.insert((year, month), (births, deaths));
        }
    }
    let months: Vec<MonthBars> = (0..12)
        .rev()
        .filter_map(|back| {
            last.with_day(1)?
                .checked_sub_months(chrono::Months::new(back))
        })
        .map(|start| {
            let (births, deaths) = by_month
                .get(&(start.year(), start.month()))
                .copied()
                .unwrap_or((0, 0));
            MonthBars {
                year: start.year(),
                month: start.month(),
                births,
                deaths,
                inside: start >= first.with_day(1).unwrap_or(first) && start <= last,
            }
        })
        .collect();
    let caption = format!("{first} 至 {last}");
    Ok(svg(monthly_svg(&months, &caption)))
}

/// The charts the report pages draw.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/charts/pyramid.svg", get(pyramid))
        .route("/charts/births-deaths.svg", get(births_deaths))
}
