//! One roll: its reasons with their counts, where its review stands with
//! every step and the decision form for the office that has it, the
//! changes since last year's roll, the persons it pays, and the payment
//! list (发放名册) as XLSX.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use renkou_domain::{PersonId, RegionCode, RegionLevel, Subsystem};
use renkou_store::{Change, RollEntry, Scope};

use super::{decides, program_title, review_state};
use crate::AppState;
use crate::routes::cases::decide_as;
use crate::routes::support::{readable_roll, roll_view};
use crate::web::auth::{CsrfForm, WebSession};
use crate::web::case_view::{
    history, office_names, person_by_number, persons_read, region_label, state_label, when,
};
use crate::web::decision;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::web::view::{id_shown, xlsx_download};

/// `GET /support/rolls/{id}`.
pub async fn show(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let view = roll_view(&state, &session, id).await?;
    let roll = &view.roll;
    let entries = state.store.roll_entries(roll.id).await?;
    let appeals = state.store.appeals_of_roll(roll.id).await?;
    let mut ids: Vec<i64> = entries.iter().map(|e| e.person_id).collect();
    ids.extend(appeals.iter().map(|a| a.person_id));
    ids.extend(view.changes.iter().map(|c| c.person_id));
    ids.sort_unstable();
    ids.dedup();
    let persons =
        persons_read(&state, &session, &ids, &format!("support roll {}", roll.id)).await?;
    let mut offices: Vec<RegionCode> = view
        .steps
        .iter()
        .filter_map(|s| RegionCode::parse(&s.region_code).ok())
        .collect();
    offices.extend(RegionCode::parse(&roll.region_code));
    offices.extend(persons.values().map(|p| p.residence));
    offices.sort();
    offices.dedup();
    let names = state.region_names(&offices).await?;
    let full = session.sees_full_numbers();
    let deciding = Scope::deciding(&session.account, Subsystem::Support);
    let name_of = |id: i64| {
        persons
            .get(&PersonId(id))
            .map_or_else(|| format!("人员 {id}"), |p| p.name.to_string())
    };
    let title = format!(
        "{}{} {} 年度名册",
        region_label(&names, &roll.region_code),
        program_title(&state, &roll.program),
        roll.year
    );
    let eligible_sum: i64 = roll
        .reasons
        .iter()
        .filter(|r| r.eligible)
        .map(|r| r.count)
        .sum();
    Ok(page(
        &title,
        &session,
        html! {
            p { a href="/support" { "← 奖励扶助名册" } }
            h1 { (title) }
            p {
                "审核状态：" strong { (review_state(roll)) }
                @if let Some(owner) = &roll.owner_region { "（现在" (region_label(&names, owner)) "）" }
                "　生成：" (roll.made_by) " " (when(roll.made_at))
            }
            p.actions {
                a href=(format!("/support/rolls/{}/payment.xlsx", roll.id)) { "下载发放名册（XLSX）" }
                a href="javascript:print()" { "打印" }
            }
            @if decides(&deciding, roll) {
                (decision::form(&session, &format!("/support/rolls/{}/decide", roll.id), roll.owner_region.as_deref().and_then(|o| RegionCode::parse(o).ok()).is_some_and(|o| o.level() <= RegionLevel::City)))
            }
            h2 { "条件核查结果" }
            p.muted { "共核查 " (roll.considered) " 人：符合 " (roll.eligible) " 人，不符合 " (roll.considered - roll.eligible) " 人；各理由人数之和与之相等（符合 " (eligible_sum) " 人）。" }
            div.scroll { table {
                thead { tr { th { "结果" } th { "理由" } th { "人数" } } }
                tbody { @for r in roll.reasons.iter() { tr {
                    td { @if r.eligible { "符合" } @else { "不符合" } }
                    td { (r.reason) }
                    td { (r.count) }
                } } }
            } }
            h2 { "与上年名册相比的变化（" (view.changes.len()) "）" }
            @if view.changes.is_empty() { p.muted { "无变化，或上年未生成名册。" } } @else {
                div.scroll { table.stack {
                    thead { tr { th { "姓名" } th { "变化" } th { "理由" } } }
                    tbody { @for c in &view.changes { tr {
                        td data-label="姓名" { a href=(format!("/persons/{}", c.person_id)) { (name_of(c.person_id)) } }
                        td data-label="变化" { @match c.change { Change::New => "新增", Change::Removed => "减少" } }
                        td data-label="理由" { (c.reason) }
                    } } }
                } }
            }
            h2 { "扶助对象（" (entries.len()) "）" }
            div.scroll { table.stack {
                thead { tr { th { "姓名" } th { "身份证号" } th { "居住地" } th { "理由" } th { "年发放金额（元）" } } }
                tbody { @for e in &entries { tr {
                    @let p = persons.get(&PersonId(e.person_id));
                    td data-label="姓名" { a href=(format!("/persons/{}", e.person_id)) { (name_of(e.person_id)) } }
                    td data-label="身份证号" { (p.map(|p| id_shown(p, full)).unwrap_or_default()) }
                    td data-label="居住地" { (p.map(|p| region_label(&names, p.residence.as_str())).unwrap_or_default()) }
                    td data-label="理由" { (e.reason) }
                    td data-label="年发放金额（元）" { (e.amount) }
                } } }
            } }
            h2 { "申诉（" (appeals.len()) "）" }
            p.muted { "被排除的群众可以申诉，由乡镇（街道）审核、县级决定；申诉成立的补入发放名册，人口库中有误的信息由村（居）按常规更正。" }
            @if !appeals.is_empty() {
                div.scroll { table.stack {
                    thead { tr { th { "编号" } th { "申诉人" } th { "原核查结果" } th { "状态" } } }
                    tbody { @for a in &appeals { tr {
                        td data-label="编号" { a href=(format!("/support/appeals/{}", a.id)) { (a.id) } }
                        td data-label="申诉人" { (name_of(a.person_id)) }
                        td data-label="原核查结果" { (a.facts.as_ref().and_then(|f| f.0.get("exclusion")).and_then(|v| v.as_str()).unwrap_or("")) }
                        td data-label="状态" { (state_label(&a.state)) }
                    } } }
                } }
            }
            @if !Scope::writing(&session.account, Subsystem::Support).regions().is_empty() {
                form method="post" action=(format!("/support/rolls/{}/appeals", roll.id)) {
                    (crate::web::auth::csrf_field(&session))
                    label { "申诉人身份证号 " input type="text" name="id_number" maxlength="18" size="20" required; }
                    " "
                    label { "申诉理由 " input type="text" name="statement" maxlength="1000" size="40" required; }
                    " "
                    button type="submit" { "登记申诉" }
                }
            }
            (history("审核记录", &view.steps, &names))
        },
    ))
}

/// `POST /support/rolls/{id}/decide`.
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<decision::DecideForm>,
) -> Result<Response, WebError> {
    let roll = readable_roll(&state, &session, id).await?;
    let case = roll.case_id.ok_or_else(crate::ApiError::not_found)?;
    decide_as(&state, &session, case, &form.body()).await?;
    Ok(Redirect::to(&format!("/support/rolls/{id}")).into_response())
}

/// The form of `POST /support/rolls/{id}/appeals`.
#[derive(Debug, serde::Deserialize)]
pub struct AppealForm {
    id_number: String,
    statement: String,
}

/// `POST /support/rolls/{id}/appeals`: finds the citizen by number and hands in.
pub async fn appeal(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<AppealForm>,
) -> Result<Response, WebError> {
    let person = person_by_number(&state, &form.id_number).await?;
    let body = crate::routes::support::AppealBody {
        person_id: person.id.0,
        statement: form.statement,
    };
    let case = crate::routes::support::appeal_as(&state, &session, id, &body).await?;
    Ok(Redirect::to(&format!("/support/appeals/{}", case.id)).into_response())
}

/// `GET /support/appeals/{id}`: an appeal, its history and the decision form.
pub async fn show_appeal(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let view = crate::routes::support::readable_appeal(&state, &session, id).await?;
    let case = &view.case;
    let facts = case.facts.as_ref().map(|f| f.0.clone()).unwrap_or_default();
    let text = |key: &str| {
        facts
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let persons = persons_read(
        &state,
        &session,
        &[case.person_id],
        &format!("support appeal {id}"),
    )
    .await?;
    let names = office_names(
        &state,
        &view.steps,
        &[&case.owner_region, &case.sender_region],
    )
    .await?;
    let deciding = Scope::deciding(&session.account, Subsystem::Support);
    let open = renkou_domain::cases::Step::parse(&case.state).is_some_and(|s| {
        use renkou_domain::cases::Step;
        matches!(s, Step::Applied | Step::Forwarded | Step::Returned)
    });
    let owner = RegionCode::parse(&case.owner_region).ok();
    let decides = open && owner.is_some_and(|o| deciding.regions().contains(&o));
    let title = format!("奖励扶助申诉 {}", case.id);
    Ok(page(
        &title,
        &session,
        html! {
            @if let Some(roll) = facts.get("roll_id").and_then(|v| v.as_i64()) {
                p { a href=(format!("/support/rolls/{roll}")) { "← 名册" } }
            }
            h1 { (title) }
            dl {
                dt { "申诉人" } dd { (persons.get(&PersonId(case.person_id)).map(|p| p.name.to_string()).unwrap_or_default()) }
                dt { "名册核查结果" } dd { (text("exclusion")) }
                dt { "申诉理由" } dd { (text("statement")) }
                dt { "申诉成立时年发放金额（元）" } dd { (facts.get("amount").and_then(|v| v.as_i64()).unwrap_or(0)) }
            }
            p { "状态：" strong { (state_label(&case.state)) }
                "　现在：" (region_label(&names, &case.owner_region)) }
            @if decides {
                (decision::form(&session, &format!("/support/appeals/{}/decide", case.id), owner.is_some_and(|o| o.level() <= RegionLevel::County)))
            }
            (history("办理记录", &view.steps, &names))
        },
    ))
}

/// `POST /support/appeals/{id}/decide`.
pub async fn decide_appeal(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<decision::DecideForm>,
) -> Result<Response, WebError> {
    crate::routes::support::readable_appeal(&state, &session, id).await?;
    decide_as(&state, &session, id, &form.body()).await?;
    Ok(Redirect::to(&format!("/support/appeals/{id}")).into_response())
}

/// `GET /support/rolls/{id}/payment.xlsx`: the payment list (发放名册).
pub async fn payment_list(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let roll = readable_roll(&state, &session, id).await?;
    let mut entries: Vec<RollEntry> = state.store.roll_entries(roll.id).await?;
    // Appeals the county upheld are paid with the roll.
    entries.extend(state.store.upheld_appeals(roll.id).await?);
    let ids: Vec<i64> = entries.iter().map(|e| e.person_id).collect();
    let persons = persons_read(
        &state,
        &session,
        &ids,
        &format!("support payment list {}", roll.id),
    )
    .await?;
    let mut places: Vec<RegionCode> = persons.values().map(|p| p.residence).collect();
    places.extend(RegionCode::parse(&roll.region_code));
    places.sort();
    places.dedup();
    let names = state.region_names(&places).await?;
    let full = session.sees_full_numbers();
    let rows: Vec<Vec<String>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let p = persons.get(&PersonId(e.person_id));
            vec![
                (i + 1).to_string(),
                p.map(|p| p.name.to_string()).unwrap_or_default(),
                p.map(|p| id_shown(p, full)).unwrap_or_default(),
                p.map(|p| p.sex.name().to_string()).unwrap_or_default(),
                p.map(|p| p.birth_date.to_string()).unwrap_or_default(),
                p.map(|p| region_label(&names, p.residence.as_str()))
                    .unwrap_or_default(),
                e.reason.clone(),
                e.amount.to_string(),
            ]
        })
        .collect();
    let state_label = review_state(&roll);
    let title = format!(
        "{}{} {} 年度发放名册（{}，合计 {} 元）",
        region_label(&names, &roll.region_code),
        program_title(&state, &roll.program),
        roll.year,
        state_label,
        roll.total_amount
    );
    Ok(xlsx_download(
        &title,
        &[
            "序号",
            "姓名",
            "身份证号",
            "性别",
            "出生日期",
            "居住地",
            "扶助理由",
            "年发放金额（元）",
        ],
        &rows,
        &format!(
            "support-{}-{}-{}.xlsx",
            roll.program, roll.year, roll.region_code
        ),
    )?)
}
