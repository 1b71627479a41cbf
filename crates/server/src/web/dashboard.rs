//! A manager's view of a region (综合情况): the headline counts, the
//! population and its flows month by month over the last year, the open
//! work of each area one level down, and this month's entry progress —
//! all from the counters, the work list and the charts that exist.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use chrono::{Datelike, Months};
use maud::{Markup, html};
use renkou_domain::date::today_in_china;
use renkou_domain::report::{Cell, ReportName};
use renkou_domain::work::{OpenWork, WorkKind};
use renkou_domain::{Period, RegionCode, RegionLevel};
use renkou_store::{ReportRequest, Scope};
use serde::Deserialize;

use crate::AppState;
use crate::routes::reports::region_asked;
use crate::web::auth::WebSession;
use crate::web::charts::{TrendPoint, trend_svg};
use crate::web::error::PageResult;
use crate::web::home::work_link;
use crate::web::layout::page;
use crate::web::view::summary_cards;

/// `?region=`.
#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    region: Option<String>,
}

/// One month of the region's flows.
struct Month {
    period: Period,
    births: i64,
    deaths: i64,
    moved_in: i64,
    moved_out: i64,
    closing: i64,
}

fn count(row: &renkou_domain::report::ReportRow, key: &str) -> i64 {
    match row.get(key) {
        Some(Cell::Count(n)) => n,
        _ => 0,
    }
}

/// `GET /dashboard?region=`.
pub async fn dashboard(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<DashboardQuery>,
) -> PageResult {
    let region = region_asked(query.region.as_deref(), &session)?;
    let today = today_in_china();
    let name = state.region_name(&region).await?;
    let summary = state.reports.summary(&region, today).await?;
    let months = last_twelve_months(&state, &region, today).await?;
    let scope = Scope::of(&session.account);
    let mut areas = Vec::new();
    if region.level() < RegionLevel::Village {
        for child in state.region_children(&region).await? {
            let Ok(code) = RegionCode::parse(&child.code) else {
                continue;
            };
            if scope.contains(&code) {
                let context = session.work_context(&code, &state.settings);
                areas.push((
                    code,
                    child.name,
                    state.store.open_work(&code, &context).await?,
                ));
            }
        }
    }
    let this_month = Period::month_of(today);
    let mut progress: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let child_len = renkou_store::next_level(region.level()).prefix_len();
    for p in state.reports.entry_progress(&region, this_month).await? {
        let area = format!("{:0<12}", &p.township.as_str()[..child_len.min(12)]);
        let slot = progress.entry(area).or_default();
        slot.0 += p.entered;
        slot.1 += p.changed;
    }
    let points: Vec<TrendPoint> = months
        .iter()
        .map(|m| TrendPoint {
            label: format!("{}月", m.period.first.month()),
            value: m.closing,
        })
        .collect();
    Ok(page(
        &format!("{name}综合情况"),
        &session,
        html! {
            h1 { (name) "综合情况" }
            (summary_cards(&summary))
            h2 { "近十二个月人口变动" }
            figure { (trend_svg(&points, "月末人口")) }
            div.scroll { table.report {
                thead { tr { th { "月份" } th { "出生" } th { "死亡" } th { "迁入" } th { "迁出" } th { "月末人口" } } }
                tbody {
                    @for m in &months {
                        tr {
                            td { a href={ "/reports/changes?region=" (region) "&period=" (m.period) } { (m.period) } }
                            td.n { (m.births) } td.n { (m.deaths) } td.n { (m.moved_in) } td.n { (m.moved_out) } td.n { (m.closing) }
                        }
                    }
                }
            } }
            @if !areas.is_empty() {
                h2 { "各地待办" }
                (work_table(&areas))
                h2 { "本月录入进度 " span.muted { (this_month) } }
                div.scroll { table.report {
                    thead { tr { th { "区域" } th { "新增登记" } th { "信息变更" } } }
                    tbody {
                        @for (code, name, _) in &areas {
                            @let (entered, changed) = progress.get(code.as_str()).copied().unwrap_or((0, 0));
                            tr { td { (name) } td.n { (entered) } td.n { (changed) } }
                        }
                    }
                } }
            }
            p.actions {
                a href={ "/reports/population?region=" (region) } { "人口统计" }
                a href={ "/reports/quality?region=" (region) } { "数据质量" }
                a href={ "/progress?region=" (region) } { "录入进度明细" }
            }
        },
    ))
}

/// The changes report's totals for each of the twelve months ending with
/// the current one.
async fn last_twelve_months(
    state: &AppState,
    region: &RegionCode,
    today: chrono::NaiveDate,
) -> Result<Vec<Month>, crate::ApiError> {
    let mut months = Vec::new();
    let first_of_month = today.with_day(1).unwrap_or(today);
    for back in (0..12).rev() {
        let Some(start) = first_of_month.checked_sub_months(Months::new(back)) else {
            continue;
        };
        let period = Period::month_of(start);
        let report = state
            .report(&ReportRequest {
                name: ReportName::Changes,
                region: *region,
                level: Some(region.level()),
                date: None,
                period: Some(period),
                today,
            })
            .await?;
        let t = &report.total;
        months.push(Month {
            period,
            births: count(t, "births"),
            deaths: count(t, "deaths"),
            moved_in: count(t, "moved_in"),
            moved_out: count(t, "moved_out"),
            closing: count(t, "closing"),
        });
    }
    Ok(months)
}

/// Open work per area and kind, each count linking to where it is done.
fn work_table(areas: &[(RegionCode, String, Vec<OpenWork>)]) -> Markup {
    let mut kinds: Vec<WorkKind> = areas
        .iter()
        .flat_map(|(_, _, w)| w.iter().map(|o| o.kind))
        .collect();
    kinds.sort();
    kinds.dedup();
    html! {
        @if kinds.is_empty() {
            p.muted { "各地暂无待办事项。" }
        } @else {
            div.scroll { table.report {
                thead { tr { th { "区域" } @for k in &kinds { th { (k.label()) } } } }
                tbody {
                    @for (code, name, work) in areas {
                        tr {
                            td { a href={ "/dashboard?region=" (code) } { (name) } }
                            @for k in &kinds {
                                @let n = work.iter().find(|w| w.kind == *k).map_or(0, |w| w.count);
                                td.n { @if n > 0 { a href=(work_link(*k, code)) { (n) } } @else { "0" } }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// The dashboard.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/dashboard", get(dashboard))
}
