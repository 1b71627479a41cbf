//! The monthly change report (信息变更报告单) of a village or township, and
//! the entry progress of each township: printable pages.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use maud::html;
use renkou_domain::{EventKind, Period, Person};
use renkou_store::{CHANGE_LIST_LIMIT, ReportRequest, StoredEvent};

use crate::routes::persons::audit_reads;
use crate::routes::reports::ReportQuery;
use crate::session::Session;
use crate::web::auth::WebSession;
use crate::web::error::PageResult;
use crate::web::labels::Labels;
use crate::web::layout::page;
use crate::web::view::id_shown;
use crate::{ApiError, AppState};

/// The region and period asked for (this month when none), inside the caller's regions.
fn month_asked(
    query: &ReportQuery,
    session: &Session,
) -> Result<(ReportRequest, Period), ApiError> {
    let request = query.request("changes", session)?;
    let period = request.period.unwrap_or_else(|| match request.date {
        Some(date) => Period::month_of(date),
        None => Period::last_full_month(request.today),
    });
    Ok((request, period))
}

/// `GET /change-report?region=&period=`: every event of the period in the
/// region, grouped by kind; the persons shown are audited.
pub async fn change_report(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<ReportQuery>,
) -> PageResult {
    let (request, period) = month_asked(&query, &session)?;
    // The card's events are the family-planning office's, not this report's.
    let list: Vec<_> = state
        .store
        .change_list(&request.region, period)
        .await?
        .into_iter()
        .filter_map(|(e, p)| {
            let region = p.residence;
            crate::sensitive::events_for(&session, &region, vec![e])
                .pop()
                .filter(|e| !e.kind.is_wis())
                .map(|e| (e, p))
        })
        .collect();
    let persons: Vec<Person> = list.iter().map(|(_, p)| p.clone()).collect();
    audit_reads(
        &state,
        &session,
        &persons,
        &format!("change report {} {period}", request.region),
    )
    .await?;
    let name = state.region_name(&request.region).await?;
    let events: Vec<&StoredEvent> = list.iter().map(|(e, _)| e).collect();
    let labels = Labels::of_events(
        &state,
        &session,
        &events,
        &format!("change report {} {period}", request.region),
    )
    .await?;
    let mut by_kind: BTreeMap<EventKind, Vec<&(StoredEvent, Person)>> = BTreeMap::new();
    for line in &list {
        by_kind.entry(line.0.kind).or_default().push(line);
    }
    let late =
        |e: &StoredEvent| (e.recorded_at + chrono::Duration::hours(8)).date_naive() > period.last;
    let late_count = list.iter().filter(|(e, _)| late(e)).count();
    let full = session.sees_full_numbers();
    Ok(page(
        "信息变更报告单",
        &session,
        html! {
            h1 { (name) " 信息变更报告单 " span.muted { (period) " · " (request.region.as_str()) } }
            form.search method="get" action="/change-report" {
                input type="hidden" name="region" value=(request.region.as_str());
                label for="period" { "统计期（月 2026-03）" }
                input #period name="period" value=(period.to_string());
                button.primary type="submit" { "查询" }
            }
            p.actions {
                a href="javascript:print()" { "打印" }
                a href={ "/progress?region=" (request.region.as_str()) "&period=" (period) } { "录入进度" }
            }
            p {
                "本期共 " (list.len()) " 件变更"
                @for (kind, lines) in &by_kind { "，" (kind.chinese()) " " (lines.len()) " 件" }
                "。其中逾期登记（期末之后才录入）" (late_count) " 件，按发生日期计入本期。"
            }
            @if list.len() as i64 >= CHANGE_LIST_LIMIT {
                p.notice { "变更过多，仅列出前 " (CHANGE_LIST_LIMIT) " 件，请按村（社区）分别查看。" }
            }
            @for (kind, lines) in &by_kind {
                h2 { (kind.chinese()) "（" (lines.len()) "）" }
                table.stack {
                    thead { tr { th { "姓名" } th { "公民身份号码" } th { "发生日期" } th { "录入日期" } th { "变更内容" } th { "录入人" } } }
                    tbody {
                        @for (e, p) in lines {
                            tr {
                                td data-label="姓名" { a href={ "/persons/" (p.id) } { (p.name.as_str()) } }
                                td data-label="公民身份号码" { (id_shown(p, full)) }
                                td data-label="发生日期" { (e.effective_date) }
                                td data-label="录入日期" {
                                    ((e.recorded_at + chrono::Duration::hours(8)).date_naive())
                                    @if late(e) { " " strong { "逾期" } }
                                }
                                td data-label="变更内容" {
                                    @for c in e.changes.iter().filter(|c| c.field != renkou_domain::Field::IdNumber || full) {
                                        (labels.change(c)) br;
                                    }
                                }
                                td data-label="录入人" { (labels.recorder(&e.recorder)) }
                            }
                        }
                    }
                }
            }
            p.muted { "填报单位（盖章）：＿＿＿＿＿＿　填报人：＿＿＿＿　审核人：＿＿＿＿" }
        },
    ))
}

/// `GET /progress?region=&period=`: records entered and changed per township per day.
pub async fn progress(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<ReportQuery>,
) -> PageResult {
    let (request, period) = month_asked(&query, &session)?;
    let rows = state
        .reports
        .entry_progress(&request.region, period)
        .await?;
    let mut names = BTreeMap::new();
    for r in &rows {
        if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(r.township) {
            slot.insert(state.region_name(&r.township).await?);
        }
    }
    let region_name = state.region_name(&request.region).await?;
    let (entered, changed) = rows
        .iter()
        .fold((0, 0), |(a, b), r| (a + r.entered, b + r.changed));
    Ok(page(
        "录入进度",
        &session,
        html! {
            h1 { (region_name) "录入进度 " span.muted { (period) } }
            p.actions { a href="javascript:print()" { "打印" } }
            table.report {
                thead { tr { th { "乡镇（街道）" } th { "录入日期" } th { "新增登记" } th { "信息变更" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { (names.get(&r.township).cloned().unwrap_or_default()) }
                            td { (r.day) }
                            td.n { (r.entered) }
                            td.n { (r.changed) }
                        }
                    }
                }
                tfoot { tr { th { "合计" } th {} th.n { (entered) } th.n { (changed) } } }
            }
            p.muted { "按录入日期统计登记事件；批量导入的记录见导入日志。" }
        },
    ))
}

/// The monthly change report and the entry progress.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/change-report", get(change_report))
        .route("/progress", get(progress))
}
