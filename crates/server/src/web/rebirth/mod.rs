//! The re-birth approval pages (再生育审批): applications waiting for the
//! user's office and the form that hands one in (by the applicant's
//! identity number); one application with the register's advice, its
//! documents (added, downloaded, checked against the original), the
//! decision form and its history; the decision letter, printable.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use renkou_domain::cases::{CaseKind, Step};
use renkou_domain::{Person, PersonId, RegionCode, RegionLevel, Subsystem};
use renkou_store::{Case, CaseFilter, Mailbox, Scope};
use serde::Deserialize;

use crate::routes::cases::decide_as;
use crate::routes::rebirth::{ApplyBody, application, apply_as, reading};
use crate::web::auth::{CsrfForm, WebSession, csrf_field};
use crate::web::case_view::{
    day, history, office_names, person_by_number, persons_read, region_label, state_label,
};
use crate::web::decision;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::web::upload::Upload;
use crate::web::view::id_shown;
use crate::{ApiError, AppState};

/// The open applications an office of `offices` has itself, and the ones
/// its regions handed in.
async fn lists(
    state: &AppState,
    offices: &Scope,
    region: &RegionCode,
) -> Result<(Vec<Case>, Vec<Case>), WebError> {
    let filter = |mailbox, region| CaseFilter {
        mailbox,
        kind: Some(CaseKind::Rebirth),
        region,
        state: None,
        overdue: false,
        after: 0,
        limit: 500,
    };
    let mut todo = Vec::new();
    for office in offices.regions() {
        let cases = state
            .store
            .cases(&filter(Mailbox::Inbox, *office), Utc::now())
            .await?;
        todo.extend(cases.into_iter().filter(|c| {
            c.owner_region == office.as_str() && Step::parse(&c.state).is_some_and(Step::is_open)
        }));
    }
    todo.sort_by_key(|c| (c.due_at, c.id));
    let mine = state
        .store
        .cases(&filter(Mailbox::Outbox, *region), Utc::now())
        .await?;
    Ok((todo, mine))
}

fn table(cases: &[Case], people: &HashMap<PersonId, Person>) -> Markup {
    html! {
        div.scroll { table.stack {
            thead { tr { th { "编号" } th { "申请人" } th { "人口库核查" } th { "状态" } th { "办理期限" } } }
            tbody { @for c in cases { tr {
                td data-label="编号" { a href=(format!("/rebirth/{}", c.id)) { (c.id) } }
                td data-label="申请人" { (people.get(&PersonId(c.person_id)).map(|p| p.name.to_string()).unwrap_or_default()) }
                td data-label="人口库核查" { (c.facts.as_ref().and_then(|f| f.0.get("check")).and_then(|v| v.as_str()).unwrap_or("")) }
                td data-label="状态" { (state_label(&c.state)) }
                td data-label="办理期限" { (c.due_at.map(day).unwrap_or_else(|| "—".into())) }
            } } }
        } }
    }
}

/// `GET /rebirth`.
pub async fn index(State(state): State<AppState>, WebSession(session): WebSession) -> PageResult {
    let scope = reading(&session)?;
    let region = *scope
        .regions()
        .first()
        .ok_or_else(|| ApiError::forbidden("您的账号尚未分配管辖区域"))?;
    let (todo, mine) = lists(
        &state,
        &Scope::deciding(&session.account, Subsystem::Rebirth),
        &region,
    )
    .await?;
    let ids: Vec<i64> = todo.iter().chain(&mine).map(|c| c.person_id).collect();
    let people = persons_read(&state, &session, &ids, "rebirth list").await?;
    let applies = !Scope::writing(&session.account, Subsystem::Rebirth)
        .regions()
        .is_empty();
    let title = "再生育审批";
    Ok(page(
        title,
        &session,
        html! {
            h1 { (title) }
            p.muted { "夫妻一方申请，人口库核查其子女情况作为审核参考；乡镇（街道）审核，县级审批；申请材料须逐件核验原件后方可批准；审批结果出具决定书。" }
            h2 { "待我审核（" (todo.len()) "）" }
            @if todo.is_empty() { p.muted { "暂无。" } } @else { (table(&todo, &people)) }
            @if applies {
                h2 { "受理申请" }
                form method="post" action="/rebirth" {
                    (csrf_field(&session))
                    p { label { "申请人身份证号 " input type="text" name="id_number" maxlength="18" size="20" required; } }
                    p { label { "申请理由" br; textarea name="reason" rows="3" cols="60" maxlength="1000" required {} } }
                    button type="submit" { "核查并受理" }
                }
            }
            h2 { "本辖区受理的申请（" (mine.len()) "）" }
            @if mine.is_empty() { p.muted { "暂无。" } } @else { (table(&mine, &people)) }
        },
    ))
}

/// The form of `POST /rebirth`.
#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    id_number: String,
    reason: String,
}

/// `POST /rebirth`.
pub async fn apply(
    State(state): State<AppState>,
    CsrfForm(session, form): CsrfForm<ApplyForm>,
) -> Result<Response, WebError> {
    let person = person_by_number(&state, &form.id_number).await?;
    let body = ApplyBody {
        applicant_id: person.id.0,
        reason: form.reason,
    };
    let case = apply_as(&state, &session, &body).await?;
    Ok(Redirect::to(&format!("/rebirth/{}", case.id)).into_response())
}

/// Whether the user's office has the case now (it acts on it).
fn has_it(session: &crate::session::Session, case: &Case) -> bool {
    let offices = Scope::deciding(&session.account, Subsystem::Rebirth);
    RegionCode::parse(&case.owner_region).is_ok_and(|o| offices.regions().contains(&o))
        && Step::parse(&case.state)
            .is_some_and(|s| matches!(s, Step::Applied | Step::Forwarded | Step::Returned))
}

/// `GET /rebirth/{id}`.
pub async fn show(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let view = application(&state, &session, id).await?;
    let case = &view.case;
    let facts = case.facts.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    let spouse = facts.get("spouse").and_then(|v| v.as_i64());
    let ids: Vec<i64> = [Some(case.person_id), spouse]
        .into_iter()
        .flatten()
        .collect();
    let people = persons_read(&state, &session, &ids, &format!("rebirth case {id}")).await?;
    let names = office_names(
        &state,
        &view.steps,
        &[&case.owner_region, &case.sender_region],
    )
    .await?;
    let full = session.sees_full_numbers();
    let acts = has_it(&session, case);
    let deciding_level =
        RegionCode::parse(&case.owner_region).is_ok_and(|o| o.level() <= RegionLevel::County);
    let decided = matches!(
        Step::parse(&case.state),
        Some(Step::Approved | Step::Refused)
    );
    let text = |key: &str| {
        facts
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let title = format!("再生育审批 {}", case.id);
    Ok(page(
        &title,
        &session,
        html! {
            p { a href="/rebirth" { "← 再生育审批" } }
            h1 { (title) }
            dl {
                @for (label, who) in [("申请人", Some(case.person_id)), ("配偶", spouse)] {
                    dt { (label) }
                    dd { @match who.and_then(|i| people.get(&PersonId(i))) {
                        Some(p) => { a href=(format!("/persons/{}", p.id.0)) { (p.name) } " " (id_shown(p, full)) },
                        None => "—",
                    } }
                }
                dt { "申请理由" } dd { (text("reason")) }
                dt { "人口库核查（参考）" } dd { (text("check")) "（生育子女 " (facts.get("children").and_then(|v| v.as_i64()).unwrap_or(0)) " 个）" }
            }
            p { "状态：" strong { (state_label(&case.state)) } "　现在：" (region_label(&names, &case.owner_region)) }
            @if decided { p.actions { a href=(format!("/rebirth/{}/letter", case.id)) { "审批决定书" } } }
            h2 { "申请材料（" (view.documents.len()) "）" }
            @if view.documents.is_empty() { p.muted { "尚未上传材料。" } } @else {
                div.scroll { table.stack {
                    thead { tr { th { "材料" } th { "文件" } th { "上传" } th { "核验" } } }
                    tbody { @for d in &view.documents { tr {
                        td data-label="材料" { (d.name) }
                        td data-label="文件" { a href=(format!("/rebirth/documents/{}", d.id)) { "查看" } }
                        td data-label="上传" { (d.added_by) " " (day(d.added_at)) }
                        td data-label="核验" {
                            @if let Some(by) = &d.checked_by { "已核验（" (by) "）" }
                            @else if acts {
                                form method="post" action=(format!("/rebirth/documents/{}/check", d.id)) {
                                    (csrf_field(&session))
                                    button type="submit" { "已核验原件" }
                                }
                            } @else { "未核验" }
                        }
                    } } }
                } }
            }
            @if acts {
                form method="post" action=(format!("/rebirth/{}/documents", case.id)) enctype="multipart/form-data" {
                    (csrf_field(&session))
                    label { "材料 " select name="name" { @for n in renkou_domain::rebirth::DOCUMENTS { option { (n) } } } }
                    " "
                    input type="file" name="file" accept=".pdf,.jpg,.jpeg,.png" required;
                    " "
                    button type="submit" { "上传（PDF、JPEG、PNG，5 MB 以内）" }
                }
                (decision::form(&session, &format!("/rebirth/{}/decide", case.id), deciding_level))
            }
            (history("办理记录", &view.steps, &names))
        },
    ))
}

/// `POST /rebirth/{id}/decide`.
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<decision::DecideForm>,
) -> Result<Response, WebError> {
    application(&state, &session, id).await?;
    decide_as(&state, &session, id, &form.body()).await?;
    Ok(Redirect::to(&format!("/rebirth/{id}")).into_response())
}

/// `POST /rebirth/{id}/documents` (multipart: `name`, `file`).
pub async fn upload(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let mut form = Upload::read(multipart, &session).await?;
    application(&state, &session, id).await?;
    let name = form.field("name").to_string();
    let (file_name, bytes) = form.file("file", "请选择要上传的材料文件")?;
    let scope = Scope::deciding(&session.account, Subsystem::Rebirth);
    let document = state
        .store
        .add_document(
            id,
            &name,
            &file_name,
            &bytes,
            &session.account.username,
            &scope,
        )
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "add_document",
            None,
            format!("case {id} document {}", document.id),
        )])
        .await?;
    Ok(Redirect::to(&format!("/rebirth/{id}")).into_response())
}

/// `GET /rebirth/documents/{id}`: the file, to those who read its case.
pub async fn document(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (listed, bytes) = state
        .store
        .document(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    application(&state, &session, listed.case_id).await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "read_document",
            None,
            format!("case {} document {id}", listed.case_id),
        )])
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, listed.content_type.clone()),
            (header::CONTENT_DISPOSITION, "inline".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /rebirth/documents/{id}/check`.
pub async fn check(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, _): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let scope = Scope::deciding(&session.account, Subsystem::Rebirth);
    let document = state
        .store
        .check_document(id, &session.account.username, &scope)
        .await?;
    Ok(Redirect::to(&format!("/rebirth/{}", document.case_id)).into_response())
}

/// `GET /rebirth/{id}/letter`: the decision letter (审批决定书), printable.
pub async fn letter(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let view = application(&state, &session, id).await?;
    let case = &view.case;
    let decided = view
        .steps
        .iter()
        .rev()
        .find(|s| matches!(Step::parse(&s.step), Some(Step::Approved | Step::Refused)))
        .ok_or_else(ApiError::not_found)?;
    let spouse = case
        .facts
        .as_ref()
        .and_then(|f| f.0.get("spouse"))
        .and_then(|v| v.as_i64());
    let ids: Vec<i64> = [Some(case.person_id), spouse]
        .into_iter()
        .flatten()
        .collect();
    let people = persons_read(&state, &session, &ids, &format!("rebirth letter {id}")).await?;
    let office = RegionCode::parse(&decided.region_code).map_err(|_| ApiError::not_found())?;
    let names = state.region_names(&[office]).await?;
    let name = |who: Option<i64>| {
        who.and_then(|i| people.get(&PersonId(i)))
            .map(|p| p.name.to_string())
            .unwrap_or_default()
    };
    let approved = Step::parse(&decided.step) == Some(Step::Approved);
    let title = format!("再生育审批决定书（{}）", case.id);
    Ok(page(
        &title,
        &session,
        html! {
            p.noprint { a href=(format!("/rebirth/{id}")) { "← 返回申请" } " " a href="javascript:print()" { "打印" } }
            section.certificate {
                h1 { "再生育审批决定书" }
                p { "编号：" (office.as_str()[..6].to_string()) "-" (case.id) }
                p { (name(Some(case.person_id))) "、" (name(spouse)) "：" }
                p { "你们于 " (day(case.opened_at)) " 提出的再生育申请，经审核，"
                    @if approved { strong { "决定批准" } "。" } @else { strong { "决定不予批准" } "。" } }
                @if let Some(note) = &decided.note { p { "理由：" (note) } }
                p { "审批机关：" (region_label(&names, office.as_str())) "卫生健康行政部门" }
                p { "日期：" (day(decided.at)) }
            }
        },
    ))
}

/// The re-birth pages; uploads take the upload limit.
pub fn routes(settings: &crate::Settings) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    let upload_limit = settings.server.max_upload_mib * 1024 * 1024;
    axum::Router::new()
        .route("/rebirth", get(index).post(apply))
        .route("/rebirth/{id}", get(show))
        .route("/rebirth/{id}/decide", post(decide))
        .route("/rebirth/{id}/letter", get(letter))
        .route(
            "/rebirth/{id}/documents",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/rebirth/documents/{id}", get(document))
        .route("/rebirth/documents/{id}/check", post(check))
}
