//! The citizens' requests pages (群众需求): an office's requests to answer
//! (its own, due first), the answers back to tell the citizen, the form
//! that records a request, one request with its history and the steps the
//! office that has it may take, and the response times per level.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use renkou_domain::cases::Step;
use renkou_domain::{RegionCode, RegionLevel};
use renkou_store::{Case, RequestFacts, Scope};
use serde::Deserialize;

use crate::AppState;
use crate::routes::cases::{TimesQuery, day_span};
use crate::routes::requests::{
    ListQuery, RecordBody, StepBody, acting, list_of, readable, reading, record_as, step_as,
};
use crate::web::auth::{CsrfForm, WebSession, csrf_field};
use crate::web::case_view::{
    history, office_names, person_by_number, region_label, state_label, when,
};
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;

/// The topics a request is filed under.
pub const TOPICS: [&str; 6] = [
    "政策咨询",
    "证明办理",
    "奖励扶助",
    "生殖健康服务",
    "户籍信息更正",
    "其他",
];

fn facts(case: &Case) -> Option<RequestFacts> {
    case.facts
        .as_ref()
        .and_then(|f| serde_json::from_value(f.0.clone()).ok())
}

fn table(
    cases: &[Case],
    names: &std::collections::HashMap<RegionCode, String>,
    now: chrono::DateTime<Utc>,
) -> Markup {
    html! {
        div.scroll { table.stack {
            thead { tr { th { "编号" } th { "群众" } th { "事项" } th { "登记单位" } th { "现在" } th { "状态" } th { "办理期限" } } }
            tbody { @for c in cases { tr {
                @let f = facts(c);
                td data-label="编号" { a href=(format!("/requests/{}", c.id)) { (c.id) } }
                td data-label="群众" { (f.as_ref().map(|f| f.citizen.clone()).unwrap_or_default()) }
                td data-label="事项" { (f.as_ref().map(|f| f.topic.clone()).unwrap_or_default()) }
                td data-label="登记单位" { (region_label(names, &c.sender_region)) }
                td data-label="现在" { (region_label(names, &c.owner_region)) }
                td data-label="状态" { (state_label(&c.state)) }
                td data-label="办理期限" {
                    @match c.due_at {
                        Some(due) if due < now => strong.error { "已逾期 " (when(due)) },
                        Some(due) => (when(due)),
                        None => "—",
                    }
                }
            } } }
        } }
    }
}

async fn names_of(
    state: &AppState,
    cases: &[Case],
    extra: &[RegionCode],
) -> Result<std::collections::HashMap<RegionCode, String>, WebError> {
    let mut codes: Vec<RegionCode> = cases
        .iter()
        .flat_map(|c| [&c.sender_region, &c.owner_region])
        .filter_map(|c| RegionCode::parse(c).ok())
        .chain(extra.iter().copied())
        .collect();
    codes.sort();
    codes.dedup();
    Ok(state.region_names(&codes).await?)
}

/// `/requests` parameters.
#[derive(Debug, Deserialize)]
pub struct RegionParam {
    region: Option<String>,
}

/// `GET /requests?region=`: what the user's offices must answer, the
/// answers to tell, and the form that records a request.
pub async fn index(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(params): Query<RegionParam>,
) -> PageResult {
    let scope = reading(&session)?;
    let query = ListQuery {
        region: params.region.clone(),
        mailbox: None,
        after: None,
    };
    let now = Utc::now();
    let offices = acting(&session)
        .map(|s| s.regions().to_vec())
        .unwrap_or_default();
    let open: Vec<Case> = list_of(&state, &session, &query, 500).await?;
    // Due first; answered ones wait with the office that recorded them.
    let (mut todo, tell): (Vec<Case>, Vec<Case>) = open
        .into_iter()
        .filter(|c| c.state != Step::Told.as_str())
        .partition(|c| c.state != Step::Answered.as_str());
    todo.sort_by_key(|c| (c.due_at, c.id));
    let recorders: Vec<RegionCode> = offices
        .iter()
        .copied()
        .filter(|r| matches!(r.level(), RegionLevel::Village | RegionLevel::Township))
        .collect();
    let region = crate::routes::reports::region_in(params.region.as_deref(), &scope)?;
    let mut all = todo.clone();
    all.extend(tell.iter().cloned());
    let names = names_of(&state, &all, &[&recorders[..], &[region]].concat()).await?;
    let title = format!("{}群众需求", region_label(&names, region.as_str()));
    Ok(page(
        &title,
        &session,
        html! {
            h1 { (title) }
            p.muted { "群众需求在村（居）或乡镇（街道）登记，能答复的就地答复，不能答复的逐级上报，逾期未办自动升级督办；答复送回登记单位，由其告知群众。" }
            p.actions { a href=(format!("/requests/times?region={}", region.as_str())) { "响应时效" } }
            h2 { "待办理（" (todo.len()) "）" }
            @if todo.is_empty() { p.muted { "暂无待办理的需求。" } } @else { (table(&todo, &names, now)) }
            h2 { "已答复待告知群众（" (tell.len()) "）" }
            @if tell.is_empty() { p.muted { "暂无。" } } @else { (table(&tell, &names, now)) }
            @if !recorders.is_empty() {
                h2 { "登记群众需求" }
                form method="post" action="/requests" {
                    (csrf_field(&session))
                    p { label { "登记单位 " select name="office" {
                        @for r in &recorders { option value=(r.as_str()) { (region_label(&names, r.as_str())) } }
                    } } }
                    p { label { "群众姓名 " input type="text" name="citizen" maxlength="50" required; } " "
                        label { "联系电话 " input type="text" name="contact" maxlength="30"; } }
                    p { label { "事项类别 " select name="topic" { @for t in TOPICS { option { (t) } } } } }
                    p { label { "需求内容" br; textarea name="content" rows="4" cols="60" maxlength="2000" required {} } }
                    button type="submit" { "登记" }
                }
            }
        },
    ))
}

/// The form of `POST /requests`.
#[derive(Debug, Deserialize)]
pub struct RecordForm {
    office: String,
    citizen: String,
    #[serde(default)]
    contact: String,
    topic: String,
    content: String,
}

/// `POST /requests`: records the request and shows it.
pub async fn record(
    State(state): State<AppState>,
    CsrfForm(session, form): CsrfForm<RecordForm>,
) -> Result<Response, WebError> {
    let body = RecordBody {
        office: form.office,
        person_id: None,
        citizen: form.citizen,
        contact: Some(form.contact),
        topic: form.topic,
        content: form.content,
    };
    let case = record_as(&state, &session, body).await?;
    Ok(Redirect::to(&format!("/requests/{}", case.id)).into_response())
}

/// `GET /requests/{id}`: the request, its history, and the steps the
/// office that has it may take.
pub async fn show(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let view = readable(&state, &session, id).await?;
    let case = &view.case;
    let f = facts(case);
    let names = office_names(
        &state,
        &view.steps,
        &[&case.owner_region, &case.sender_region],
    )
    .await?;
    let offices = acting(&session).unwrap_or_else(|_| Scope::offices([]));
    let here = RegionCode::parse(&case.owner_region).is_ok_and(|o| offices.regions().contains(&o));
    let state_now = Step::parse(&case.state);
    let answer = case
        .reply
        .as_ref()
        .and_then(|r| r.0.get("answer"))
        .and_then(|a| a.as_str())
        .map(str::to_string);
    let title = format!("群众需求 {}", case.id);
    Ok(page(
        &title,
        &session,
        html! {
            p { a href="/requests" { "← 群众需求" } }
            h1 { (title) }
            @if let Some(f) = &f {
                dl {
                    dt { "群众" } dd { (f.citizen) @if let Some(c) = &f.contact { "（" (c) "）" } }
                    dt { "事项类别" } dd { (f.topic) }
                    dt { "需求内容" } dd { (f.content) }
                }
            }
            p { "状态：" strong { (state_label(&case.state)) }
                "　现在：" (region_label(&names, &case.owner_region))
                @if let Some(due) = case.due_at { "　办理期限：" (when(due)) } }
            @if let Some(a) = &answer { p { "答复：" strong { (a) } } }
            @if here && matches!(state_now, Some(Step::Applied | Step::Forwarded)) {
                h2 { "办理" }
                form method="post" action=(format!("/requests/{}/answer", case.id)) {
                    (csrf_field(&session))
                    label { "答复 " input type="text" name="text" maxlength="2000" size="50" required; }
                    " "
                    label { "已转为办件编号 " input type="number" name="turned_into" min="1"; }
                    " "
                    button type="submit" { "答复" }
                }
                form method="post" action=(format!("/requests/{}/service", case.id)) {
                    (csrf_field(&session))
                    label { "转为服务办件 " select name="service" {
                        option value="certificate" { "独生子女父母光荣证申领" }
                        option value="rebirth" { "再生育审批" }
                    } }
                    " "
                    @if case.person_id == 0 {
                        label { "申请人身份证号 " input type="text" name="id_number" maxlength="18" size="20" required; }
                        " "
                    }
                    button type="submit" { "受理并答复" }
                }
                form method="post" action=(format!("/requests/{}/forward", case.id)) {
                    (csrf_field(&session))
                    label { "上报理由 " input type="text" name="text" maxlength="500" size="40" required; }
                    " "
                    button type="submit" { "本级无法答复，上报上级" }
                }
            }
            @if here && state_now == Some(Step::Answered) {
                h2 { "告知群众" }
                form method="post" action=(format!("/requests/{}/tell", case.id)) {
                    (csrf_field(&session))
                    label { "告知方式和结果 " input type="text" name="text" maxlength="500" size="40"; }
                    " "
                    button type="submit" { "已告知群众" }
                }
            }
            (history("办理记录", &view.steps, &names))
        },
    ))
}

/// A step's form.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    turned_into: String,
}

async fn step(
    state: AppState,
    session: crate::session::Session,
    id: i64,
    step: Step,
    form: StepForm,
) -> Result<Response, WebError> {
    let turned_into = match form.turned_into.trim() {
        "" => None,
        n => Some(
            n.parse()
                .map_err(|_| crate::ApiError::invalid("turned_into", "办件编号应为数字"))?,
        ),
    };
    let body = StepBody {
        text: Some(form.text),
        turned_into,
    };
    step_as(&state, &session, id, step, &body).await?;
    Ok(Redirect::to(&format!("/requests/{id}")).into_response())
}

/// The form of `POST /requests/{id}/service`.
#[derive(Debug, Deserialize)]
pub struct ServiceForm {
    service: String,
    #[serde(default)]
    id_number: String,
}

/// `POST /requests/{id}/service`: hands in the service's application and
/// answers the request with it; shows the new case.
pub async fn service(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<ServiceForm>,
) -> Result<Response, WebError> {
    let applicant_id = match form.id_number.trim() {
        "" => None,
        number => Some(person_by_number(&state, number).await?.id.0),
    };
    let body = crate::routes::requests::ServiceBody {
        service: form.service,
        applicant_id,
    };
    crate::routes::requests::turn_into_service(&state, &session, id, &body).await?;
    Ok(Redirect::to(&format!("/requests/{id}")).into_response())
}

/// `POST /requests/{id}/answer`.
pub async fn answer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<StepForm>,
) -> Result<Response, WebError> {
    step(state, session, id, Step::Answered, form).await
}

/// `POST /requests/{id}/forward`.
pub async fn forward(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<StepForm>,
) -> Result<Response, WebError> {
    step(state, session, id, Step::Forwarded, form).await
}

/// `POST /requests/{id}/tell`.
pub async fn tell(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<StepForm>,
) -> Result<Response, WebError> {
    step(state, session, id, Step::Told, form).await
}

/// `GET /requests/times?region=&level=&from=&to=`: response times per office.
pub async fn times(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<TimesQuery>,
) -> PageResult {
    let (region, level, from, to) = query.period(&reading(&session)?)?;
    let rows = state
        .store
        .response_times(
            &region,
            level,
            renkou_domain::cases::CaseKind::CitizenRequest,
            day_span(from, to),
            Utc::now(),
        )
        .await?;
    let codes: Vec<RegionCode> = rows
        .iter()
        .filter_map(|r| RegionCode::parse(&r.region_code).ok())
        .chain([region])
        .collect();
    let names = state.region_names(&codes).await?;
    let title = format!("{}群众需求响应时效", region_label(&names, region.as_str()));
    let days = |d: Option<f64>| d.map_or_else(|| "—".to_string(), |d| format!("{d:.1}"));
    Ok(page(
        &title,
        &session,
        html! {
            p { a href="/requests" { "← 群众需求" } }
            h1 { (title) }
            p.muted { (from) " 至 " (to) " 登记的需求，按" (level.chinese()) "统计。" }
            div.scroll { table.stack {
                thead { tr { th { "单位" } th { "登记" } th { "已答复" } th { "答复天数中位数" } th { "答复天数90%分位" } th { "逾期" } th { "逾期率" } } }
                tbody { @for r in &rows { tr {
                    td data-label="单位" { (region_label(&names, &r.region_code)) }
                    td data-label="登记" { (r.sent) }
                    td data-label="已答复" { (r.answered) }
                    td data-label="答复天数中位数" { (days(r.median_days)) }
                    td data-label="答复天数90%分位" { (days(r.p90_days)) }
                    td data-label="逾期" { (r.overdue) }
                    td data-label="逾期率" { (format!("{:.1}%", r.overdue_share * 100.0)) }
                } } }
            } }
        },
    ))
}

/// The requests pages.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/requests", get(index).post(record))
        .route("/requests/times", get(times))
        .route("/requests/{id}", get(show))
        .route("/requests/{id}/answer", post(answer))
        .route("/requests/{id}/forward", post(forward))
        .route("/requests/{id}/tell", post(tell))
        .route("/requests/{id}/service", post(service))
}
