//! The certificates pages (独生子女父母光荣证): applications and
//! revocations waiting for the user's office, the form that hands in an
//! application (by the applicant's identity number), the certificates the
//! county issued; one application with its history and decision form; one
//! certificate, printable.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use renkou_domain::cases::{CaseKind, Step};
use renkou_domain::{Person, PersonId, RegionCode, RegionLevel, Subsystem};
use renkou_store::{Case, CaseFilter, Certificate, Mailbox, Scope};
use serde::Deserialize;

use crate::routes::cases::decide_as;
use crate::routes::certificates::{application, apply_as, readable, reading};
use crate::routes::reports::region_in;
use crate::web::auth::{CsrfForm, WebSession, csrf_field};
use crate::web::case_view::{
    day, history, office_names, person_by_number, persons_read, region_label, state_label,
};
use crate::web::decision;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::web::view::id_shown;
use crate::{ApiError, AppState};

fn name(persons: &HashMap<PersonId, Person>, id: Option<i64>) -> String {
    id.and_then(|id| persons.get(&PersonId(id)))
        .map(|p| p.name.to_string())
        .unwrap_or_else(|| "—".into())
}

/// `/certificates` parameters.
#[derive(Debug, Deserialize)]
pub struct RegionParam {
    region: Option<String>,
}

/// The open certificate cases an office of `offices` has itself.
async fn waiting(state: &AppState, offices: &Scope) -> Result<Vec<Case>, WebError> {
    let mut out = Vec::new();
    for office in offices.regions() {
        for kind in [
            CaseKind::OnlyChildCertificate,
            CaseKind::CertificateRevocation,
        ] {
            let filter = CaseFilter {
                mailbox: Mailbox::Inbox,
                kind: Some(kind),
                region: *office,
                state: None,
                overdue: false,
                after: 0,
                limit: 500,
            };
            let cases = state.store.cases(&filter, Utc::now()).await?;
            out.extend(cases.into_iter().filter(|c| {
                c.owner_region == office.as_str()
                    && Step::parse(&c.state).is_some_and(Step::is_open)
            }));
        }
    }
    out.sort_by_key(|c| (c.due_at, c.id));
    Ok(out)
}

fn cases_table(cases: &[Case], persons: &HashMap<PersonId, Person>) -> Markup {
    html! {
        div.scroll { table.stack {
            thead { tr { th { "编号" } th { "事项" } th { "申请人" } th { "状态" } th { "办理期限" } } }
            tbody { @for c in cases { tr {
                td data-label="编号" { a href=(format!("/certificates/applications/{}", c.id)) { (c.id) } }
                td data-label="事项" { (CaseKind::parse(&c.kind).map_or("", CaseKind::label)) }
                td data-label="申请人" { (name(persons, Some(c.person_id))) }
                td data-label="状态" { (state_label(&c.state)) }
                td data-label="办理期限" { (c.due_at.map(day).unwrap_or_default()) }
            } } }
        } }
    }
}

/// `GET /certificates?region=`.
pub async fn index(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(params): Query<RegionParam>,
) -> PageResult {
    let scope = reading(&session)?;
    let region = region_in(params.region.as_deref(), &scope)?;
    let deciding = Scope::deciding(&session.account, Subsystem::Certificates);
    let todo = waiting(&state, &deciding).await?;
    let issued: Vec<Certificate> = state.store.certificates_in(&region, 200).await?;
    let mut ids: Vec<i64> = todo.iter().map(|c| c.person_id).collect();
    ids.extend(
        issued
            .iter()
            .flat_map(|c| [Some(c.holder_id), c.spouse_id, Some(c.child_id)])
            .flatten(),
    );
    let people = persons_read(&state, &session, &ids, "certificates list").await?;
    let names = state.region_names(&[region]).await?;
    let applies = !Scope::writing(&session.account, Subsystem::Certificates)
        .regions()
        .is_empty();
    let title = format!(
        "{}独生子女父母光荣证",
        region_label(&names, region.as_str())
    );
    Ok(page(
        &title,
        &session,
        html! {
            h1 { (title) }
            p.muted { "由夫妻一方申领，人口库核查其夫妻和子女情况；乡镇（街道）审核，县级批准发证并按县编号。持证夫妻又生育子女的，出生登记时自动生成收回光荣证的办件。" }
            h2 { "待我审核（" (todo.len()) "）" }
            @if todo.is_empty() { p.muted { "暂无。" } } @else { (cases_table(&todo, &people)) }
            @if applies {
                h2 { "受理申领" }
                form method="post" action="/certificates/applications" {
                    (csrf_field(&session))
                    label { "申请人身份证号 " input type="text" name="id_number" maxlength="18" size="20" required; }
                    " "
                    button type="submit" { "核查并受理" }
                }
            }
            h2 { "已发证（" (issued.len()) "）" }
            @if issued.is_empty() { p.muted { "尚未发证。" } } @else {
                div.scroll { table.stack {
                    thead { tr { th { "证号" } th { "持证人" } th { "配偶" } th { "子女" } th { "发证日期" } th { "状态" } } }
                    tbody { @for c in &issued { tr {
                        td data-label="证号" { a href=(format!("/certificates/{}", c.id)) { (c.number) } }
                        td data-label="持证人" { (name(&people, Some(c.holder_id))) }
                        td data-label="配偶" { (name(&people, c.spouse_id)) }
                        td data-label="子女" { (name(&people, Some(c.child_id))) }
                        td data-label="发证日期" { (day(c.issued_at)) }
                        td data-label="状态" { @if c.revoked_at.is_some() { strong.error { "已收回" } } @else { "有效" } }
                    } } }
                } }
            }
        },
    ))
}

/// The form of `POST /certificates/applications`.
#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    id_number: String,
}

/// `POST /certificates/applications`: finds the applicant by number and hands in.
pub async fn apply(
    State(state): State<AppState>,
    CsrfForm(session, form): CsrfForm<ApplyForm>,
) -> Result<Response, WebError> {
    let person = person_by_number(&state, &form.id_number).await?;
    let case = apply_as(&state, &session, person.id.0).await?;
    Ok(Redirect::to(&format!("/certificates/applications/{}", case.id)).into_response())
}

/// `GET /certificates/applications/{id}`.
pub async fn show_application(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let view = application(&state, &session, id).await?;
    let case = &view.case;
    let fact = |key: &str| {
        case.facts
            .as_ref()
            .and_then(|f| f.0.get(key))
            .and_then(|v| v.as_i64())
    };
    let ids: Vec<i64> = [Some(case.person_id), fact("spouse"), fact("child")]
        .into_iter()
        .flatten()
        .collect();
    let people = persons_read(&state, &session, &ids, &format!("certificate case {id}")).await?;
    let names = office_names(
        &state,
        &view.steps,
        &[&case.owner_region, &case.sender_region],
    )
    .await?;
    let deciding = Scope::deciding(&session.account, Subsystem::Certificates);
    let open = Step::parse(&case.state)
        .is_some_and(|s| matches!(s, Step::Applied | Step::Forwarded | Step::Returned));
    let decides = open
        && RegionCode::parse(&case.owner_region).is_ok_and(|o| deciding.regions().contains(&o));
    let full = session.sees_full_numbers();
    let kind = CaseKind::parse(&case.kind).map_or("", CaseKind::label);
    let title = format!("{kind} {}", case.id);
    Ok(page(
        &title,
        &session,
        html! {
            p { a href="/certificates" { "← 独生子女父母光荣证" } }
            h1 { (title) }
            dl {
                @for (label, id) in [("申请人", Some(case.person_id)), ("配偶", fact("spouse")), ("子女", fact("child"))] {
                    dt { (label) }
                    dd { @match id.and_then(|i| people.get(&PersonId(i))) {
                        Some(p) => { a href=(format!("/persons/{}", p.id.0)) { (p.name) } " " (id_shown(p, full)) },
                        None => "—",
                    } }
                }
            }
            p { "状态：" strong { (state_label(&case.state)) } "　现在：" (region_label(&names, &case.owner_region)) }
            @if let Some(c) = &view.certificate {
                p { "证号：" a href=(format!("/certificates/{}", c.id)) { (c.number) }
                    @if c.revoked_at.is_some() { "（已收回）" } }
            }
            @if decides {
                (decision::form(&session, &format!("/certificates/applications/{}/decide", case.id), RegionCode::parse(&case.owner_region).is_ok_and(|o| o.level() <= RegionLevel::County)))
            }
            (history("办理记录", &view.steps, &names))
        },
    ))
}

/// `POST /certificates/applications/{id}/decide`.
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<decision::DecideForm>,
) -> Result<Response, WebError> {
    application(&state, &session, id).await?;
    decide_as(&state, &session, id, &form.body()).await?;
    Ok(Redirect::to(&format!("/certificates/applications/{id}")).into_response())
}

/// `GET /certificates/{id}`: the certificate as printed.
pub async fn show(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let c = readable(&state, &session, id).await?;
    let ids: Vec<i64> = [Some(c.holder_id), c.spouse_id, Some(c.child_id)]
        .into_iter()
        .flatten()
        .collect();
    let people = persons_read(&state, &session, &ids, &format!("certificate {}", c.id)).await?;
    let county = RegionCode::parse(&c.county_code).map_err(|_| ApiError::not_found())?;
    let names = state.region_names(&[county]).await?;
    let title = format!("独生子女父母光荣证 {}", c.number);
    Ok(page(
        &title,
        &session,
        html! {
            p.noprint { a href="/certificates" { "← 独生子女父母光荣证" } " " a href="javascript:print()" { "打印" } }
            section.certificate {
                h1 { "独生子女父母光荣证" }
                p { "证号：" (c.number) }
                p { "父（母）：" (name(&people, Some(c.holder_id))) "　配偶：" (name(&people, c.spouse_id)) }
                p { "子女：" (name(&people, Some(c.child_id))) }
                p { "发证机关：" (region_label(&names, county.as_str())) "卫生健康行政部门" }
                p { "发证日期：" (day(c.issued_at)) }
                @if let Some(at) = c.revoked_at {
                    p { strong.error { "已于 " (day(at)) " 收回：" (c.revoked_reason.clone().unwrap_or_default()) } }
                }
            }
        },
    ))
}

/// The certificates pages.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/certificates", get(index))
        .route("/certificates/applications", post(apply))
        .route("/certificates/applications/{id}", get(show_application))
        .route("/certificates/applications/{id}/decide", post(decide))
        .route("/certificates/{id}", get(show))
}
