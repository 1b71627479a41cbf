//! Statistical report pages: one table per report with a drill-down link on
//! each row, exports to CSV and XLSX, and the charts that go with them.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use renkou_domain::RegionLevel;
use renkou_domain::quality::Check;
use renkou_domain::report::{Report, ReportName, ReportRow};
use renkou_store::{PersonFilter, Scope};
use serde::Deserialize;

use crate::routes::reports::ReportQuery;
use crate::web::auth::WebSession;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::web::person_list::{self, ListQuery, PersonList};
use crate::{ApiError, AppState};

/// A link to a report with the given parameters.
pub(crate) fn report_link(name: ReportName, params: &[(&str, &str)]) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().filter(|(_, v)| !v.is_empty()))
        .finish();
    format!("/reports/{}?{query}", name.as_str())
}

/// `GET /reports`: every report for each of the user's regions.
pub async fn index(State(state): State<AppState>, WebSession(session): WebSession) -> PageResult {
    let mut regions = Vec::new();
    for code in Scope::of(&session.account).regions() {
        let name = state.region_name(code).await?;
        regions.push((code.to_string(), name));
    }
    Ok(page(
        "统计报表",
        &session,
        html! {
            h1 { "统计报表" }
            p.muted { "数据随每次登记实时更新，按区划逐级汇总。" }
            @for (code, name) in &regions {
                h2 { (name) " " span.muted { (code) } }
                ul {
                    @for r in ReportName::ALL {
                        li { a href=(report_link(r, &[("region", code)])) { (r.title()) } }
                    }
                }
            }
        },
    ))
}

/// `GET /reports/{name}?region=&level=&date=&period=`.
pub async fn report_page(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(name): Path<String>,
    Query(query): Query<ReportQuery>,
) -> PageResult {
    let request = query.request(&name, &session)?;
    let report = state.report(&request).await?;
    let scope = Scope::of(&session.account);
    let region = report.region.code.to_string();
    let when = report
        .period
        .clone()
        .unwrap_or_else(|| report.date.to_string());
    let parent = report
        .region
        .code
        .structural_parent()
        .filter(|p| scope.contains(p))
        .map(|p| p.to_string());
    let kept = |extra: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("date", query.date.clone().unwrap_or_default()),
            ("period", query.period.clone().unwrap_or_default()),
        ];
        params.extend_from_slice(extra);
        params
    };
    let export = |format: &str| {
        let params: Vec<(&str, String)> = kept(&[
            ("region", region.clone()),
            ("level", report.level.as_str().to_string()),
            ("format", format.to_string()),
        ]);
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().filter(|(_, v)| !v.is_empty()))
            .finish();
        format!("/api/v1/reports/{}?{query}", report.report.as_str())
    };
    let chart = match report.report {
        ReportName::Population => Some(format!(
            "/charts/pyramid.svg?region={region}&date={}",
            report.date
        )),
        ReportName::Changes => Some(format!(
            "/charts/births-deaths.svg?region={region}&period={when}"
        )),
        _ => None,
    };
    Ok(page(
        report.report.title(),
        &session,
        html! {
            h1 { (report.region.name) " " (report.report.title()) " " span.muted { (when) } }
            @if let Some(copy) = &report.copy {
                p.muted.copy-age {
                    "本表取自决策支持库，数据截至 "
                    ((copy.as_of + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S"))
                    "（比业务库晚 " (format!("{:.1}", copy.lag_ms as f64 / 1000.0)) " 秒）"
                }
            }
            (time_form(&report, &query))
            p.actions {
                @if let Some(p) = &parent {
                    a href=(report_link(report.report, &refs(&kept(&[("region", p.clone())])))) { "上一级" }
                }
                a href=(export("xlsx")) { "导出 Excel" }
                a href=(export("csv")) { "导出 CSV" }
                a href="javascript:print()" { "打印" }
                @if report.report == ReportName::Changes {
                    a href={ "/change-report?region=" (region) "&period=" (when) } { "信息变更报告单" }
                }
                @for other in ReportName::ALL.into_iter().filter(|r| *r != report.report) {
                    a href=(report_link(other, &[("region", &region)])) { (other.title()) }
                }
            }
            (table(&report, |code| report_link(report.report, &refs(&kept(&[("region", code.to_string())])))))
            @if report.report == ReportName::Quality {
                p.muted { "点击数字查看对应的人员名单。涉及两条记录的检查（母子年龄、户主、疑似重复）按需统计，其余随登记实时更新。" }
            }
            @if let Some(src) = chart {
                figure { img src=(src) alt="统计图"; }
            }
            @if let Some((caption, bars)) = total_bars(&report) {
                figure { (crate::web::charts::bars_svg(&bars, &caption)) }
            }
        },
    ))
}

/// The region's total of a family-planning report as bars: the methods
/// of the contracepting, the births by order and by mother's age.
fn total_bars(report: &Report) -> Option<(String, Vec<(String, i64)>)> {
    let wanted: Vec<&str> = match report.report {
        ReportName::Contraception => report
            .columns
            .iter()
            .filter(|c| c.key.starts_with('m'))
            .map(|c| c.key.as_str())
            .collect(),
        ReportName::Births => report
            .columns
            .iter()
            .filter(|c| c.key.starts_with("order_") || c.key.starts_with("mother_"))
            .map(|c| c.key.as_str())
            .collect(),
        _ => return None,
    };
    let bars = report
        .columns
        .iter()
        .filter(|c| wanted.contains(&c.key.as_str()))
        .map(|c| {
            let n = report
                .total
                .get(&c.key)
                .and_then(|v| v.count())
                .unwrap_or(0);
            (c.title.clone(), n)
        })
        .collect();
    Some((format!("{}（合计）", report.report.title()), bars))
}

fn refs<'a>(params: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    params.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The date (or period) and level chooser.
fn time_form(report: &Report, query: &ReportQuery) -> Markup {
    let levels: Vec<RegionLevel> = RegionLevel::ALL
        .into_iter()
        .filter(|l| {
            *l > report.region.level
                || (*l == RegionLevel::Village && report.region.level == RegionLevel::Village)
        })
        .collect();
    html! {
        form.search method="get" action={ "/reports/" (report.report.as_str()) } {
            input type="hidden" name="region" value=(report.region.code.as_str());
            @if report.report.is_for_a_period() {
                label for="period" { "统计期（月 2026-03、季 2026-Q1 或年 2026）" }
                input #period name="period" value=(query.period.clone().unwrap_or_else(|| report.period.clone().unwrap_or_default()));
            } @else if report.report.is_current_only() {
                p.muted { "当前数据（" (report.date) "），不按日期保存" }
            } @else {
                label for="date" { "统计日期" }
                input #date name="date" type="date" value=(report.date.to_string());
            }
            label for="level" { "分组级别" }
            select #level name="level" {
                @for l in levels {
                    option value=(l.as_str()) selected[l == report.level] { (l.chinese()) }
                }
            }
            button.primary type="submit" { "查询" }
        }
    }
}

/// The table: a drill-down link on each row that has a level below it.
fn table(report: &Report, link: impl Fn(&str) -> String) -> Markup {
    html! {
        div.scroll { table.report {
            thead {
                tr {
                    th { "区划代码" }
                    th { "区划名称" }
                    @for c in &report.columns { th { (c.title) } }
                }
            }
            tbody {
                @for row in &report.rows {
                    tr {
                        td { (row.region_code.as_str()) }
                        td {
                            @if row.region_code.level() < RegionLevel::Village && row.region_code != report.region.code {
                                a href=(link(row.region_code.as_str())) { (row.region_name) }
                            } @else { (row.region_name) }
                        }
                        @for c in &report.columns {
                            td.n { (cell(report, row, &c.key)) }
                        }
                    }
                }
            }
            tfoot {
                tr {
                    th { (report.total.region_code.as_str()) }
                    th { (report.total.region_name) "（合计）" }
                    @for c in &report.columns {
                        th.n { (cell(report, &report.total, &c.key)) }
                    }
                }
            }
        } }
    }
}

/// One figure; a quality count links to the persons behind it.
fn cell(report: &Report, row: &ReportRow, key: &str) -> Markup {
    let value = row.get(key);
    let text = value.map(|v| v.to_string()).unwrap_or_default();
    let listed = report.report == ReportName::Quality
        && Check::parse(key).is_some()
        && value.and_then(|v| v.count()).is_some_and(|n| n > 0);
    html! {
        @if listed {
            a href={ "/quality/" (key) "?region=" (row.region_code.as_str()) } { (text) }
        } @else { (text) }
    }
}

/// `/quality/{check}` parameters.
#[derive(Debug, Deserialize)]
pub struct FailingParams {
    region: Option<String>,
}

/// `GET /quality/{check}?region=`: the living persons failing a check, as
/// every person list (counted, sorted, filtered, printable, exportable).
pub async fn failing_list(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(check): Path<String>,
    Query(params): Query<FailingParams>,
    Query(list): Query<ListQuery>,
) -> Result<Response, WebError> {
    let check = Check::parse(&check).ok_or_else(|| WebError(ApiError::not_found()))?;
    let query = ReportQuery {
        region: params.region.clone(),
        ..ReportQuery::default()
    };
    let region = query.request("quality", &session)?.region;
    let name = state.region_name(&region).await?;
    let list_of = PersonList {
        family_planning: false,
        title: format!("{name}{}的人员", check.chinese()),
        path: format!("/quality/{}?region={}", check.as_str(), region.as_str()),
        region: Some(region),
        filter: PersonFilter {
            failing: Some(check),
            ..PersonFilter::default()
        },
        audit: format!("quality list {} of {region}", check.as_str()),
        before: html! {
            p.actions {
                a href=(report_link(ReportName::Quality, &[("region", region.as_str())])) { "返回数据质量报告" }
            }
        },
    };
    person_list::respond(&state, &session, list_of, &list).await
}

/// The report catalogue, each report, and the lists behind quality counts.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/reports", get(index))
        .route("/reports/{name}", get(report_page))
        .route("/quality/{check}", get(failing_list))
}
