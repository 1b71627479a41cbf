//! Verification tasks (核查任务) of a region: how many of each kind are open
//! and resolved per area one level down (the progress), with a drill-down
//! link on each row, and the open tasks themselves: the village's list to
//! verify, printable and as XLSX.

use std::collections::BTreeMap;

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use renkou_domain::RegionCode;
use renkou_domain::account::mask_number;
use renkou_domain::event::Field;
use renkou_domain::verification::TaskKind;
use renkou_store::{Scope, Task, next_level};
use serde::Deserialize;

use crate::routes::reports::region_asked;
use crate::session::Session;
use crate::web::auth::{WebSession, csrf_token};
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::web::task_resolution::{Missing, allowed, duplicate_pair};
use crate::web::upload::Upload;
use crate::web::view::code_label;
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

/// `?region=&kind=`: the region, the caller's first when absent; one kind
/// of task, every kind when absent.
#[derive(Debug, Deserialize)]
pub struct TasksQuery {
    pub region: Option<String>,
    pub kind: Option<String>,
    /// A task whose form came back incomplete, and what it lacked.
    pub refused: Option<i64>,
    pub missing: Option<String>,
}

impl TasksQuery {
    /// The kind asked for; an unknown one is refused.
    fn kind(&self) -> Result<Option<TaskKind>, ApiError> {
        match self.kind.as_deref() {
            None | Some("") => Ok(None),
            Some(k) => k
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid("kind", "没有这种核查任务类别")),
        }
    }
}

/// The open tasks of the region; every person they concern is audited as read.
async fn open_tasks(
    state: &AppState,
    session: &Session,
    region: &RegionCode,
    kind: Option<TaskKind>,
) -> Result<Vec<Task>, ApiError> {
    let tasks = state
        .store
        .tasks_of_kind(region, kind, false, LIST_LIMIT)
        .await?;
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

/// The characters of a value a list shows; the rest is cut, marked `…`
/// (a source value can be as long as a broken file made it).
const SHOWN_CHARS: usize = 200;

/// The value cut to [`SHOWN_CHARS`].
fn shortened(value: &str) -> String {
    renkou_formats::shortened(value, SHOWN_CHARS).into_owned()
}

/// The names a task list shows: its persons (audited as read with the
/// tasks) and its villages.
struct TaskNames {
    persons: HashMap<i64, String>,
    regions: HashMap<String, String>,
}

impl TaskNames {
    async fn of(
        state: &AppState,
        session: &Session,
        tasks: &[Task],
    ) -> Result<TaskNames, ApiError> {
        let ids: Vec<i64> = tasks
            .iter()
            .map(|t| t.person_id)
            .filter(|id| *id != 0)
            .collect();
        let codes: Vec<RegionCode> = tasks
            .iter()
            .filter_map(|t| RegionCode::parse(&t.region_code).ok())
            .collect();
        let scope = Scope::of(&session.account);
        Ok(TaskNames {
            persons: state.store.person_names_in(&ids, &scope).await?,
            regions: state
                .region_names(&codes)
                .await?
                .into_iter()
                .map(|(code, name)| (code.to_string(), name))
                .collect(),
        })
    }
}

/// A task as the list shows it. Identity numbers inside a value (a
/// conflicting number, or the number in "name birth number" of a one-sided
/// finding) are masked unless the role sees them in full.
fn task_row(t: &Task, full: bool, names: &TaskNames) -> Vec<String> {
    let field = Field::parse(&t.field);
    let shown = |value: &Option<String>| -> String {
        let v = value.as_deref().unwrap_or_default();
        let v = shortened(&field.map_or_else(|| v.to_string(), |f| code_label(f, v)));
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
        names
            .regions
            .get(&t.region_code)
            .cloned()
            .unwrap_or_else(|| t.region_code.clone()),
        t.kind
            .parse::<TaskKind>()
            .map_or(t.kind.clone(), |k| k.label().to_string()),
        names.persons.get(&t.person_id).cloned().unwrap_or_default(),
        shortened(format!("{} {}", t.source, t.record_id).trim()),
        field.map_or_else(|| t.field.clone(), |f| f.chinese().to_string()),
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
    let region = region_asked(query.region.as_deref(), &session)?;
    let counts = state
        .store
        .task_counts(&region, next_level(region.level()))
        .await?;
    let kind = query.kind()?;
    let tasks = open_tasks(&state, &session, &region, kind).await?;
    let names = TaskNames::of(&state, &session, &tasks).await?;
    let refusal = query
        .refused
        .zip(query.missing.as_deref().and_then(Missing::parse));
    let name = state.region_name(&region).await?;
    // Area → kind → (open, resolved).
    let mut table: BTreeMap<String, BTreeMap<String, (i64, i64)>> = BTreeMap::new();
    for c in &counts {
        table
            .entry(c.region_code.clone())
            .or_default()
            .insert(c.kind.clone(), (c.open, c.resolved));
    }
    let areas: Vec<RegionCode> = table
        .keys()
        .filter_map(|code| RegionCode::parse(code).ok())
        .collect();
    let area_names: BTreeMap<String, String> = state
        .region_names(&areas)
        .await?
        .into_iter()
        .map(|(code, name)| (code.to_string(), name))
        .collect();
    let full = session.sees_full_numbers();
    let can_resolve = Scope::writable(&session.account).contains(&region);
    let csrf = csrf_token(&session);
    Ok(page(
        "核查任务",
        &session,
        html! {
            h1 { (name) " 核查任务 " span.muted { (region.as_str()) } }
            p.actions {
                a href="javascript:print()" { "打印" }
                a href={ "/tasks.xlsx?region=" (region.as_str()) "&kind=" (kind.map_or("", TaskKind::as_str)) } { "导出 XLSX" }
                @if can_resolve { a href="/tasks/upload" { "上传来源数据比对" } }
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
            h2 {
                "待核查" @if let Some(k) = kind { "：" (k.label()) }
                "（" (tasks.len()) "）"
                @if kind.is_some() { " " a href={ "/tasks?region=" (region.as_str()) } { "全部类别" } }
            }
            @if tasks.len() as i64 >= LIST_LIMIT {
                p.notice { "任务过多，仅列出前 " (LIST_LIMIT) " 件，请进入下级区域查看。" }
            }
            table.stack {
                thead { tr { @for h in HEADINGS { th { (h) } } @if can_resolve { th { "核查" } } } }
                tbody {
                    @for t in &tasks {
                        @let row = task_row(t, full, &names);
                        tr id={ "task-" (t.id) } {
                            @for (i, cell) in row.iter().enumerate() {
                                @if i == 2 && t.person_id != 0 {
                                    td data-label=(HEADINGS[i]) { a href={ "/persons/" (t.person_id) } { (cell) } }
                                } @else {
                                    td data-label=(HEADINGS[i]) { (cell) }
                                }
                            }
                            @if can_resolve {
                                td data-label="核查" {
                                    form.resolve method="post" action={ "/tasks/" (t.id) "/resolve" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        select name="resolution" aria-label="处理方式" {
                                            option value="" selected { "请选择处理方式" }
                                            @for r in allowed(t) { option value=(r.as_str()) { (r.label()) } }
                                        }
                                        @if t.kind == TaskKind::MissingInSource.as_str() && t.person_id != 0 {
                                            input type="date" name="event_date" aria-label="死亡或迁出日期" title="死亡或迁出日期";
                                        }
                                        input name="reason" required placeholder="核查说明" aria-label="核查说明";
                                        button type="submit" { "核查完毕" }
                                    }
                                    @if let Some(m) = refusal.filter(|(id, _)| *id == t.id).map(|(_, m)| m) {
                                        p.error role="alert" { (m.message()) }
                                    }
                                    @if duplicate_pair(t).is_some() {
                                        a href={ "/tasks/" (t.id) "/merge" } { "对照合并…" }
                                    }
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
    let region = region_asked(query.region.as_deref(), &session)?;
    let tasks = open_tasks(&state, &session, &region, query.kind()?).await?;
    let name = state.region_name(&region).await?;
    let full = session.sees_full_numbers();
    let names = TaskNames::of(&state, &session, &tasks).await?;
    let rows: Vec<Vec<String>> = tasks.iter().map(|t| task_row(t, full, &names)).collect();
    Ok(crate::web::view::xlsx_download(
        &format!("{name} 核查任务（{}）", region.as_str()),
        &HEADINGS,
        &rows,
        &format!("tasks-{}.xlsx", region.as_str()),
    )?)
}

/// `GET /tasks/upload`: the form to reconcile a source register with the
/// registry of a region of the caller's.
pub async fn upload_form(
    State(state): State<AppState>,
    WebSession(session): WebSession,
) -> PageResult {
    let scope = Scope::writable(&session.account);
    let first = scope.regions().first().copied();
    let name = match &first {
        Some(r) => state.region_name(r).await?,
        None => String::new(),
    };
    Ok(page(
        "比对核查",
        &session,
        html! {
            h1 { "比对核查：上传来源数据" }
            @if first.is_none() {
                p.notice { "您的角色只能查询，不能发起比对。" }
            } @else {
                p { "上传公安户籍或其他登记系统导出的人员 CSV 文件（含公民身份号码、姓名、性别、出生日期、现住地等列，格式见系统说明），与本辖区人口库比对；每一项差异生成一条核查任务，交所在村（社区）核查。" }
                form method="post" action="/tasks/upload" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(csrf_token(&session));
                    label for="source" { "来源名称（如 公安户籍）" }
                    input #source name="source" required;
                    label for="region" { "比对范围（区划代码）" }
                    input #region name="region" value=(first.map(|r| r.as_str().to_string()).unwrap_or_default());
                    span.muted { (name) }
                    label for="file" { "CSV 文件" }
                    input #file type="file" name="file" accept=".csv,text/csv" required;
                    button.primary type="submit" { "开始比对" }
                }
            }
        },
    ))
}

/// `POST /tasks/upload` (multipart: `csrf`, `source`, `region`, `file`):
/// reconciles the file with the persons living in the region and raises the
/// tasks; shows what was found. A file that is not a register CSV is refused
/// whole, with the reason, and raises nothing.
pub async fn upload(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let mut form = Upload::read(multipart, &session).await?;
    let source = form.field("source").to_string();
    if source.is_empty() {
        return Err(ApiError::invalid("source", "请填写来源名称").into());
    }
    let source = source.as_str();
    let region = region_asked(Some(form.field("region")), &session)?;
    if !Scope::writable(&session.account).contains(&region) {
        return Err(ApiError::forbidden("您的角色只能查询，不能发起比对").into());
    }
    let (file_name, bytes) = form.file("file", "请选择 CSV 文件")?;
    let reader = renkou_formats::RegisterReader::new(std::io::Cursor::new(bytes), &file_name)
        .map_err(|e| ApiError::invalid("file", format!("文件无法读取：{e}")))?;
    let (records, problems) = renkou_store::source_records(reader)
        .map_err(|e| ApiError::invalid("file", format!("文件无法读取：{e}")))?;
    // A header and nothing else would report everyone in the region missing.
    if records.is_empty() {
        return Err(ApiError::invalid("file", "文件中没有人员记录，未比对").into());
    }
    let outcome = state
        .store
        .reconcile_source(source, &region, records)
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "reconcile_source",
            None,
            format!(
                "{source} {file_name} {region}: {} records, {} tasks raised",
                outcome.source, outcome.tasks.raised
            ),
        )])
        .await?;
    let outside = &outcome.outside;
    Ok(page(
        "比对结果",
        &session,
        html! {
            h1 { "比对结果 " span.muted { (source) " · " (file_name) } }
            p {
                "来源 " (outcome.source) " 条，库中 " (outcome.registry) " 人，匹配 " (outcome.matched) " 人"
                @if outcome.kept > 0 { "（其中 " (outcome.kept) " 人与上次比对相同，未重新比对）" }
                "。"
                "新生成核查任务 " (outcome.tasks.raised) " 条，已有任务 " (outcome.tasks.known) " 条未重复生成。"
            }
            @if !outside.is_empty() {
                h2 { "不在比对范围内的记录（" (outside.len()) "）" }
                p.notice { "以下记录的区划不在 " (region.as_str()) " 内，未比对，也未生成核查任务。" }
                table {
                    thead { tr { th { "行" } th { "记录号" } th { "区划代码" } } }
                    tbody {
                        @for (line, id, code) in outside.iter().take(200) {
                            tr { td { (line) } td { (id) } td { (code) } }
                        }
                    }
                }
            }
            table.report {
                thead { tr { th { "类别" } th { "件数" } } }
                tbody { @for (k, n) in &outcome.findings { tr { td { (k.label()) } td { (n) } } } }
            }
            @if !problems.is_empty() {
                h2 { "无法识别的项目（" (problems.len()) "）" }
                table {
                    thead { tr { th { "行" } th { "记录号" } th { "项目" } th { "内容" } th { "原因" } } }
                    tbody {
                        @for (line, id, p) in problems.iter().take(200) {
                            tr { td { (line) } td { (id) } td { (p.column) } td { (p.value) } td { (p.reason) } }
                        }
                    }
                }
            }
            p.actions { a href={ "/tasks?region=" (region.as_str()) } { "查看核查任务" } }
        },
    ))
}

/// The verification tasks: progress and list, workbook, upload (with its own
/// body limit: a register extract is larger than any form).
pub fn routes(settings: &crate::Settings) -> axum::Router<AppState> {
    use axum::routing::get;
    let upload_limit = settings.server.max_upload_mib * 1024 * 1024;
    axum::Router::new()
        .route("/tasks", get(tasks_page))
        .route("/tasks.xlsx", get(tasks_xlsx))
        .route(
            "/tasks/upload",
            get(upload_form)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
}
