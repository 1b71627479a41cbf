//! Verification tasks (核查任务) of a region: how many of each kind are open
//! and resolved per area one level down (the progress), with a drill-down
//! link on each row, and the open tasks themselves: the village's list to
//! verify, printable and as XLSX.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;
use renkou_domain::RegionCode;
use renkou_domain::account::mask_number;
use renkou_domain::verification::TaskKind;
use renkou_store::{Scope, Task, next_level};
use serde::Deserialize;

use crate::session::Session;
use crate::web::auth::WebSession;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::{ApiError, AppState};

/// Tasks listed at most (a village has far fewer).
const LIST_LIMIT: i64 = 500;

/// The columns of the task list.
const HEADINGS: [&str; 7] = [
    "村（社区）",
    "类别",
    "人员",
    "来源记录",
    "项目",
    "库中",
    "来源",
];

/// `?region=`: the region, the caller's first when absent.
#[derive(Debug, Deserialize)]
pub struct TasksQuery {
    pub region: Option<String>,
}

/// The region asked for, inside the caller's regions.
fn asked_region(query: &TasksQuery, session: &Session) -> Result<RegionCode, ApiError> {
    let scope = Scope::of(&session.account);
    let region = match query.region.as_deref().filter(|r| !r.is_empty()) {
        Some(code) => RegionCode::parse(code)
            .map_err(|e| ApiError::invalid("region", format!("区划代码有误：{e}")))?,
        None => *scope
            .regions()
            .first()
            .ok_or_else(|| ApiError::forbidden("您的账号尚未分配管辖区域"))?,
    };
    if !scope.contains(&region) {
        return Err(ApiError::forbidden(format!(
            "区划 {region} 不在您的管辖范围内"
        )));
    }
    Ok(region)
}

/// The open tasks of the region; every person they concern is audited as read.
async fn open_tasks(
    state: &AppState,
    session: &Session,
    region: &RegionCode,
) -> Result<Vec<Task>, ApiError> {
    let tasks = state.store.tasks_in(region, false, LIST_LIMIT).await?;
    let reads = tasks
        .iter()
        .filter(|t| t.person_id != 0)
        .map(|t| {
            session.audit_entry(
                "read_person",
                Some(t.person_id),
                format!("verification task {}", t.id),
            )
        })
        .collect();
    state.audit.write(reads).await?;
    Ok(tasks)
}

/// A task as the list shows it. Identity numbers inside a value (a
/// conflicting number, or the number in "name birth number" of a one-sided
/// finding) are masked unless the role sees them in full.
fn task_row(t: &Task, full: bool) -> Vec<String> {
    let shown = |value: &Option<String>| -> String {
        let v = value.clone().unwrap_or_default();
        if full {
            return v;
        }
        v.split(' ')
            .map(|word| {
                let id_like = word.len() == 18
                    && word.is_ascii()
                    && word.as_bytes()[..17].iter().all(|b| b.is_ascii_digit());
                if id_like {
                    mask_number(word)
                } else {
                    word.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    vec![
        t.region_code.clone(),
        t.kind
            .parse::<TaskKind>()
            .map_or(t.kind.clone(), |k| k.label().to_string()),
        if t.person_id != 0 {
            t.person_id.to_string()
        } else {
            String::new()
        },
        format!("{} {}", t.source, t.record_id).trim().to_string(),
        t.field.clone(),
        shown(&t.registry_value),
        shown(&t.source_value),
    ]
}

/// `GET /tasks?region=`: the progress of verification per area and the open
/// tasks of the region.
pub async fn tasks_page(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<TasksQuery>,
) -> PageResult {
    let region = asked_region(&query, &session)?;
    let counts = state
        .store
        .task_counts(&region, next_level(region.level()))
        .await?;
    let tasks = open_tasks(&state, &session, &region).await?;
    let name = state.store.region_name(&region).await?;
    // Area → kind → (open, resolved).
    let mut table: BTreeMap<String, BTreeMap<String, (i64, i64)>> = BTreeMap::new();
    for c in &counts {
        table
            .entry(c.region_code.clone())
            .or_default()
            .insert(c.kind.clone(), (c.open, c.resolved));
    }
    let mut area_names = BTreeMap::new();
    for code in table.keys() {
        if let Ok(c) = RegionCode::parse(code) {
            area_names.insert(code.clone(), state.store.region_name(&c).await?);
        }
    }
    let full = session.sees_full_numbers();
    Ok(page(
        "核查任务",
        &session,
        html! {
            h1 { (name) " 核查任务 " span.muted { (region.as_str()) } }
            p.actions {
                a href="javascript:print()" { "打印" }
                a href={ "/tasks.xlsx?region=" (region.as_str()) } { "导出 XLSX" }
            }
            h2 { "核查进度（未核查 / 已核查）" }
            table.report {
                thead { tr { th { "区域" } @for k in TaskKind::ALL { th { (k.label()) } } } }
                tbody {
                    @for (code, kinds) in &table {
                        tr {
                            td {
                                a href={ "/tasks?region=" (code) } { (area_names.get(code).cloned().unwrap_or_default()) }
                                " " span.muted { (code) }
                            }
                            @for k in TaskKind::ALL {
                                @let (open, resolved) = kinds.get(k.as_str()).copied().unwrap_or((0, 0));
                                td { (open) " / " (resolved) }
                            }
                        }
                    }
                }
            }
            h2 { "待核查（" (tasks.len()) "）" }
            @if tasks.len() as i64 >= LIST_LIMIT {
                p.notice { "任务过多，仅列出前 " (LIST_LIMIT) " 件，请进入下级区域查看。" }
            }
            table {
                thead { tr { @for h in HEADINGS { th { (h) } } } }
                tbody {
                    @for t in &tasks {
                        @let row = task_row(t, full);
                        tr {
                            @for (i, cell) in row.iter().enumerate() {
                                @if i == 2 && t.person_id != 0 {
                                    td { a href={ "/persons/" (t.person_id) } { (cell) } }
                                } @else {
                                    td { (cell) }
                                }
                            }
                        }
                    }
                }
            }
            p.muted { "核查人：＿＿＿＿　核查日期：＿＿＿＿" }
        },
    ))
}

/// `GET /tasks.xlsx?region=`: the same open tasks as a workbook.
pub async fn tasks_xlsx(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<TasksQuery>,
) -> Result<Response, WebError> {
    let region = asked_region(&query, &session)?;
    let tasks = open_tasks(&state, &session, &region).await?;
    let name = state.store.region_name(&region).await?;
    let full = session.sees_full_numbers();
    let rows: Vec<Vec<String>> = tasks.iter().map(|t| task_row(t, full)).collect();
    let body = renkou_exchange::list_xlsx(
        &format!("{name} 核查任务（{}）", region.as_str()),
        &HEADINGS,
        &rows,
    )
    .map_err(|e| {
        tracing::error!(error = %e, "task list workbook failed");
        ApiError::unavailable()
    })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"tasks-{}.xlsx\"", region.as_str()),
            ),
        ],
        body,
    )
        .into_response())
}
