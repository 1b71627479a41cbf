//! The hand-off pages (流动人口信息交换): an office's inbox and outbox with
//! counts by state, the overdue list, one notice with both sides and its
//! steps (and the office's own step to take), and the response times per
//! level. The notice is what lets the place of registration see the person
//! it is about, who lives outside its regions: each name shown is an
//! audited read.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use renkou_domain::cases::{CaseKind, Step};
use renkou_domain::migrants::MigrantDetails;
use renkou_domain::{PersonId, RegionCode, RegionLevel, Subsystem};
use renkou_store::{Case, CaseStep, Mailbox, Scope};
use serde::Deserialize;

use crate::routes::cases::{CasesQuery, TimesQuery, case_scope, day_span};
use crate::session::Session;
use crate::web::auth::{CsrfForm, WebSession, csrf_token};
use crate::web::case_view::when;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::{ApiError, AppState};

/// Notices on one page.
const PAGE: i64 = 100;

/// The state's name.
fn state_label(state: &str) -> &'static str {
    Step::parse(state).map_or("未知", |s| s.label())
}

/// Region names of the codes given, by code (the register's `region_names`).
async fn names(state: &AppState, codes: Vec<String>) -> Result<HashMap<String, String>, ApiError> {
    let codes: Vec<RegionCode> = codes
        .iter()
        .filter_map(|c| RegionCode::parse(c).ok())
        .collect();
    let names = state.region_names(&codes).await?;
    Ok(names
        .into_iter()
        .map(|(code, name)| (code.to_string(), name))
        .collect())
}

/// An office by name (its code when the table lacks it).
fn office_name(offices: &HashMap<String, String>, code: &str) -> String {
    offices
        .get(code)
        .cloned()
        .unwrap_or_else(|| code.to_string())
}

/// The names of the persons of the notices, each an audited read.
async fn person_names(
    state: &AppState,
    session: &Session,
    cases: &[Case],
    why: &str,
) -> Result<HashMap<i64, String>, ApiError> {
    let ids: Vec<i64> = cases.iter().map(|c| c.person_id).collect();
    let persons = state.store.persons_by_ids(&ids).await?;
    let reads = persons
        .keys()
        .map(|p| session.audit_entry("read_person", Some(p.0), why))
        .collect();
    state.audit.write(reads).await?;
    Ok(persons
        .into_iter()
        .map(|(id, p)| (id.0, p.name.to_string()))
        .collect())
}

/// The tabs above every hand-off page.
fn tabs(region: &RegionCode, current: &str) -> Markup {
    let r = region.as_str();
    let links = [
        ("inbox", format!("/migrants/notices?region={r}"), "收件箱"),
        (
            "outbox",
            format!("/migrants/notices?region={r}&mailbox=outbox"),
            "发件箱",
        ),
        (
            "overdue",
            format!("/migrants/notices?region={r}&overdue=true"),
            "逾期未办",
        ),
        (
            "times",
            format!("/migrants/notices/times?region={r}"),
            "响应时效",
        ),
        ("inflow", format!("/migrants?region={r}"), "流入人口名单"),
        (
            "outflow",
            format!("/migrants/outflow?region={r}"),
            "流出人口名单",
        ),
    ];
    html! {
        nav.pages aria-label="信息交换" {
            @for (key, href, label) in links {
                @if key == current { strong { (label) } } @else { a href=(href) { (label) } }
            }
        }
    }
}

/// `GET /migrants/notices?region=&mailbox=&state=&overdue=&after=`: a box.
pub async fn notices(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<CasesQuery>,
) -> PageResult {
    let scope = case_scope(&session)?;
    let filter = CasesQuery {
        limit: Some(PAGE),
        ..query
    }
    .filter(&scope)?;
    let now = Utc::now();
    let cases = state.store.cases(&filter, now).await?;
    let counts = state
        .store
        .case_counts(
            filter.mailbox,
            &filter.region,
            Some(CaseKind::MigrantNotice),
            now,
        )
        .await?;
    let persons = person_names(&state, &session, &cases, "notice list").await?;
    let offices = names(
        &state,
        cases
            .iter()
            .flat_map(|c| [&c.sender_region, &c.recipient_region, &c.owner_region])
            .cloned()
            .collect(),
    )
    .await?;
    let region = filter.region;
    let region_name = state.region_name(&region).await?;
    let (current, title) = match (filter.mailbox, filter.overdue) {
        (_, true) => ("overdue", format!("{region_name}逾期未办的流动人口通报")),
        (Mailbox::Inbox, false) => ("inbox", format!("{region_name}流动人口信息交换收件箱")),
        (Mailbox::Outbox, false) => ("outbox", format!("{region_name}流动人口信息交换发件箱")),
        (Mailbox::Addressed, false) => ("addressed", format!("{region_name}收到的流动人口通报")),
    };
    let mailbox = match filter.mailbox {
        Mailbox::Inbox => "inbox",
        Mailbox::Outbox => "outbox",
        Mailbox::Addressed => "addressed",
    };
    let base = format!(
        "/migrants/notices?region={}&mailbox={mailbox}",
        region.as_str()
    );
    let total: i64 = counts.states.iter().map(|(_, n)| n).sum();
    let office = |code: &str| office_name(&offices, code);
    let next = (cases.len() as i64 == PAGE)
        .then(|| cases.last().map(|c| c.id))
        .flatten();
    let body = html! {
        h1 { (title) }
        (tabs(&region, current))
        p {
            a href=(base) { "全部 " (total) }
            @for (s, n) in &counts.states {
                " · " a href=(format!("{base}&state={s}")) { (state_label(s)) " " (n) }
            }
            " · " a href=(format!("{base}&overdue=true")) { "逾期 " (counts.overdue) }
        }
        @if cases.is_empty() {
            p.muted { "没有符合条件的通报。" }
        } @else {
            div.scroll {
                table.stack {
                    thead { tr { th { "编号" } th { "姓名" } th { "现居住地（发送方）" } th { "户籍地（接收方）" } th { "当前办理单位" } th { "环节" } th { "办理期限" } } }
                    tbody {
                        @for c in &cases {
                            tr {
                                td data-label="编号" { a href=(format!("/migrants/notices/{}", c.id)) { (c.id) } }
                                td data-label="姓名" {
                                    @match persons.get(&c.person_id) {
                                        Some(name) => (name),
                                        None => { (c.facts.as_ref().and_then(|f| f.0["name"].as_str()).unwrap_or("")) "（待匹配）" }
                                    }
                                }
                                td data-label="现居住地" { (office(&c.sender_region)) }
                                td data-label="户籍地" { (office(&c.recipient_region)) @if !c.inside_province { span.badge { "省外" } } }
                                td data-label="当前办理单位" { (office(&c.owner_region)) @if c.escalations > 0 { " " span.badge { "已升级" } } }
                                td data-label="环节" { (state_label(&c.state)) }
                                td data-label="办理期限" {
                                    @match c.due_at {
                                        Some(due) if due < now => strong.error { (when(due)) "（逾期）" },
                                        Some(due) => (when(due)),
                                        None => "—",
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(after) = next {
                nav.pages { a href=(format!("{base}&after={after}{}", if filter.overdue { "&overdue=true" } else { "" })) { "下一页" } }
            }
        }
    };
    Ok(page(&title, &session, body))
}

/// `GET /migrants/notices/{id}`: one notice, both sides, its steps, and
/// the step the reader's office may take.
pub async fn notice(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let scope = case_scope(&session)?;
    let (case, steps) = state
        .store
        .case_of(id, &[CaseKind::MigrantNotice], &scope)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let person = state.store.person(PersonId(case.person_id)).await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "read_person",
            Some(case.person_id),
            format!("notice {id}"),
        )])
        .await?;
    let offices = names(
        &state,
        [
            &case.sender_region,
            &case.recipient_region,
            &case.owner_region,
        ]
        .into_iter()
        .chain(steps.iter().map(|s| &s.region_code))
        .cloned()
        .collect(),
    )
    .await?;
    let office = |code: &str| office_name(&offices, code);
    let actors: Vec<&str> = steps.iter().map(|s| s.actor.as_str()).collect();
    let actors = state.store.display_names(&actors).await?;
    let facts = case.facts.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    let details: MigrantDetails =
        serde_json::from_value(facts["details"].clone()).unwrap_or_default();
    let owner = RegionCode::parse(&case.owner_region).ok();
    let acting = Scope::writing(&session.account, Subsystem::Migrants);
    let ours = owner.is_some_and(|o| acting.contains(&o));
    let step = Step::parse(&case.state).unwrap_or(Step::Sent);
    let villages = match owner {
        Some(o) if ours && step.allows(Step::Assigned) && o.level() != RegionLevel::Village => {
            state.store.villages(&o).await?
        }
        _ => Vec::new(),
    };
    // The family-planning facts of the answer only for their readers.
    let wis_reader = RegionCode::parse(&case.recipient_region)
        .is_ok_and(|r| Scope::reading(&session.account, Subsystem::Wis).contains(&r))
        || RegionCode::parse(&case.sender_region)
            .is_ok_and(|r| Scope::reading(&session.account, Subsystem::Wis).contains(&r));
    // His page opens where he lives and, for the migrants' staff, where he is registered.
    let opens_page = person.as_ref().is_some_and(|p| {
        Scope::of(&session.account).contains(&p.residence)
            || p.hukou_region.is_some_and(|h| scope.contains(&h))
    });
    let title = format!("流动人口通报 {id}");
    let body = html! {
        h1 { (title) }
        p { "环节：" strong { (state_label(&case.state)) } " · 当前办理单位：" (office(&case.owner_region))
            @if let Some(due) = case.due_at { " · 办理期限：" (when(due)) } }
        h2 { "人员" }
        table.record {
            tr { th { "姓名" } td {
                @match &person {
                    Some(p) if opens_page => a href=(format!("/persons/{}", p.id)) { (p.name) },
                    Some(p) => (p.name),
                    // A notice from outside nobody has matched yet: its own words.
                    None => { (facts["name"].as_str().unwrap_or("")) "（来文所述，待匹配）" }
                }
            } }
            tr { th { "现居住地（发送方）" } td { (office(&case.sender_region)) } }
            tr { th { "户籍地（接收方）" } td { (office(&case.recipient_region)) @if !case.inside_province { " " span.badge { "省外" } } } }
            tr { th { "来本地日期" } td { (facts["arrived_on"].as_str().unwrap_or("—")) } }
            @for line in details.lines() { tr { td colspan="2" { (line) } } }
            tr { th { "匹配" } td { @match case.confidence { Some(c) => (format!("{:.0}%", c * 100.0)), None => "待对方匹配" } } }
        }
        @if let Some(reply) = &case.reply {
            h2 { "户籍地反馈" }
            (reply_table(&reply.0, wis_reader))
        }
        h2 { "办理经过" }
        div.scroll { table.stack {
            thead { tr { th { "环节" } th { "单位" } th { "办理人" } th { "时间" } th { "说明" } } }
            tbody { @for s in &steps { (step_row(s, &office(&s.region_code), actors.get(&s.actor).unwrap_or(&s.actor))) } }
        } }
        @if ours && step.allows(Step::Handled) {
            h2 { "办理并反馈" }
            form.entry method="post" action=(format!("/migrants/notices/{id}/handle")) {
                input type="hidden" name="csrf" value=(csrf_token(&session));
                label for="confirmed" { "核实结果" }
                select id="confirmed" name="confirmed" {
                    option value="1" { "情况属实" }
                    option value="0" { "情况不符" }
                }
                label for="note" { "办理意见" }
                input id="note" name="note" maxlength="500" placeholder="如：已核实，户籍地家中情况正常";
                button.primary type="submit" { "办结并反馈发送方" }
            }
        }
        @if !villages.is_empty() {
            h2 { "分派" }
            form.entry method="post" action=(format!("/migrants/notices/{id}/assign")) {
                input type="hidden" name="csrf" value=(csrf_token(&session));
                label for="village" { "分派至村（居）" }
                select id="village" name="village" required {
                    @for v in &villages { option value=(v.code) { (v.name) } }
                }
                button.primary type="submit" { "分派" }
            }
        }
        p.actions { a href=(format!("/migrants/notices?region={}", case.owner_region)) { "返回收件箱" } }
    };
    Ok(page(&title, &session, body))
}

/// The answer of the place of registration, as the reader may see it.
fn reply_table(reply: &serde_json::Value, wis_reader: bool) -> Markup {
    let registration = &reply["registration"];
    let planning = &reply["family_planning"];
    let marital = registration["marital_status"]
        .as_str()
        .map(|m| crate::web::view::code_label(renkou_domain::Field::MaritalStatus, m));
    html! {
        table.record {
            tr { th { "核实结果" } td { @if reply["confirmed"].as_bool().unwrap_or(false) { "情况属实" } @else { "情况不符" } } }
            tr { th { "办理意见" } td { (reply["note"].as_str().unwrap_or("")) } }
            tr { th { "婚姻状况" } td { (marital.unwrap_or_else(|| "未登记".into())) } }
            tr { th { "子女数" } td { (registration["children"].as_i64().unwrap_or(0)) } }
            @if wis_reader && planning.is_object() {
                tr { th { "避孕方法" } td {
                    (planning["method"].as_str().map_or_else(|| "未登记".to_string(), |m| crate::web::view::code_label(renkou_domain::Field::Contraception, m)))
                } }
                tr { th { "怀孕" } td { @if planning["pregnant"].as_bool().unwrap_or(false) { "是" } @else { "否" } } }
            }
        }
    }
}

/// One step of the history.
fn step_row(s: &CaseStep, office: &str, actor: &str) -> Markup {
    html! {
        tr {
            td data-label="环节" { (state_label(&s.step)) }
            td data-label="单位" { (office) }
            td data-label="办理人" { (actor) }
            td data-label="时间" { (when(s.at)) }
            td data-label="说明" { (s.note.as_deref().unwrap_or("")) }
        }
    }
}

/// The handling form.
#[derive(Debug, Deserialize)]
pub struct HandleForm {
    confirmed: Option<String>,
    note: Option<String>,
}

/// `POST /migrants/notices/{id}/handle`: the office handles the notice; the answer goes back.
pub async fn handle(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<HandleForm>,
) -> Result<Response, WebError> {
    let confirmed = form.confirmed.as_deref() != Some("0");
    let note = form.note.unwrap_or_default();
    crate::routes::cases::handle_as(&state, &session, id, confirmed, &note).await?;
    Ok(Redirect::to(&format!("/migrants/notices/{id}")).into_response())
}

/// The assignment form.
#[derive(Debug, Deserialize)]
pub struct AssignForm {
    village: String,
}

/// `POST /migrants/notices/{id}/assign`: the office hands the notice to one of its villages.
pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<AssignForm>,
) -> Result<Response, WebError> {
    crate::routes::cases::assign_as(&state, &session, id, &form.village).await?;
    Ok(Redirect::to(&format!("/migrants/notices/{id}")).into_response())
}

/// `GET /migrants/notices/times?region=&level=&from=&to=`: response times per office.
pub async fn times(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<TimesQuery>,
) -> PageResult {
    let (region, level, from, to) = query.period(&case_scope(&session)?)?;
    let rows = state
        .store
        .response_times(
            &region,
            level,
            CaseKind::MigrantNotice,
            day_span(from, to),
            Utc::now(),
        )
        .await?;
    let offices = names(&state, rows.iter().map(|r| r.region_code.clone()).collect()).await?;
    let title = format!(
        "{}流动人口信息交换响应时效",
        state.region_name(&region).await?
    );
    let days = |d: Option<f64>| d.map_or_else(|| "—".to_string(), |d| format!("{d:.1}"));
    let body = html! {
        h1 { (title) }
        (tabs(&region, "times"))
        p.muted { (from) " 至 " (to) " 发出的通报，按接收方（户籍地）" (level.chinese()) "统计。" }
        form.filter method="get" action="/migrants/notices/times" {
            input type="hidden" name="region" value=(region.as_str());
            label { "起始 " input type="date" name="from" value=(from); }
            label { "截止 " input type="date" name="to" value=(to); }
            button type="submit" { "查询" }
        }
        div.scroll { table.report {
            thead { tr { th { "单位" } th { "收到通报" } th { "已反馈" } th { "反馈用时中位数（天）" } th { "90% 在（天）内" } th { "逾期" } th { "逾期占比" } } }
            tbody {
                @for r in &rows {
                    tr {
                        td { (offices.get(&r.region_code).cloned().unwrap_or_else(|| r.region_code.clone())) }
                        td.n { (r.sent) } td.n { (r.answered) } td.n { (days(r.median_days)) } td.n { (days(r.p90_days)) }
                        td.n { (r.overdue) } td.n { (format!("{:.1}%", r.overdue_share * 100.0)) }
                    }
                }
            }
        } }
        @if rows.is_empty() { p.muted { "该期间没有通报。" } }
    };
    Ok(page(&title, &session, body))
}

/// The migrant's side of the person page: since when they live here, and
/// the notices between the two places with their state (nothing for a
/// reader without migrants, or a person never notified).
pub async fn person_section(
    state: &AppState,
    session: &Session,
    person: &renkou_domain::Person,
) -> Result<Markup, ApiError> {
    let readers = Scope::reading(&session.account, Subsystem::Migrants);
    let reads = readers.contains(&person.residence)
        || person.hukou_region.is_some_and(|h| readers.contains(&h));
    if !reads {
        return Ok(html! {});
    }
    let mut cases = state.store.cases_of_person(person.id).await?;
    cases.retain(|c| c.kind == CaseKind::MigrantNotice.as_str());
    if cases.is_empty() && person.arrived_on.is_none() {
        return Ok(html! {});
    }
    let offices = names(
        state,
        cases
            .iter()
            .flat_map(|c| [&c.sender_region, &c.recipient_region])
            .cloned()
            .collect(),
    )
    .await?;
    let office = |code: &str| office_name(&offices, code);
    Ok(html! {
        h2 { "流动人口信息交换" }
        @if let Some(day) = person.arrived_on { p { "来本地（现住县）日期：" (day) } }
        @if !cases.is_empty() {
            div.scroll { table.stack {
                thead { tr { th { "通报" } th { "现居住地（发送方）" } th { "户籍地（接收方）" } th { "环节" } th { "发出时间" } } }
                tbody { @for c in &cases { tr {
                    td data-label="通报" { a href=(format!("/migrants/notices/{}", c.id)) { (c.id) } }
                    td data-label="发送方" { (office(&c.sender_region)) }
                    td data-label="接收方" { (office(&c.recipient_region)) }
                    td data-label="环节" { (state_label(&c.state)) }
                    td data-label="发出时间" { (when(c.opened_at)) }
                } } }
            } }
        }
    })
}
