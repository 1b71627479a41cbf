//! A person's page: the record, the household, and the timeline of events.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use maud::html;
use renkou_domain::{EventKind, LifeStatus, Person, PersonId, Sex};
use renkou_store::{Scope, StoredEvent};

use crate::routes::persons::{audit_reads, shown_phone};
use crate::routes::phones::record_phone;
use crate::web::auth::{CsrfForm, WebSession, csrf_field};
use crate::web::error::{PageResult, WebError};
use crate::web::labels::Labels;
use crate::web::layout::{Done, done_notice, page};
use crate::web::view::id_shown;
use crate::{ApiError, AppState};

/// `GET /persons/{id}`: 404 outside the user's regions, as for nobody.
pub async fn person_page(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> PageResult {
    // Where they live, or (for the migrants' staff) where they are registered.
    let person = match state
        .store
        .person_in(PersonId(id), &Scope::of(&session.account))
        .await?
    {
        Some(person) => person,
        None => state
            .store
            .person(PersonId(id))
            .await?
            .filter(|p| {
                p.hukou_region.is_some_and(|h| {
                    Scope::reading(&session.account, renkou_domain::Subsystem::Migrants)
                        .contains(&h)
                })
            })
            .ok_or(WebError(ApiError::not_found()))?,
    };
    audit_reads(
        &state,
        &session,
        std::slice::from_ref(&person),
        "person page",
    )
    .await?;
    let events = crate::sensitive::events_for(
        &session,
        &person.residence,
        state.store.history_with_merged(person.id).await?,
    );
    let merged_into = state.store.merged_into(person.id).await?;
    let merged_records = state.store.merged_records(person.id).await?;
    let residence = state.region_name(&person.residence).await?;
    let hukou = match person.hukou_region {
        Some(code) => state.region_path(&code).await?,
        None => String::new(),
    };
    // Relatives and merged records by name; those outside the reader's
    // regions stay unnamed. Naming them is reading them.
    let mut related: Vec<i64> = [person.mother_id, person.father_id, person.spouse_id]
        .into_iter()
        .flatten()
        .map(|id| id.0)
        .chain(merged_into.map(|id| id.0))
        .chain(merged_records.iter().map(|id| id.0))
        .chain(
            events
                .iter()
                .filter(|e| is_merge(e))
                .filter_map(|e| e.related_id.map(|r| r.0)),
        )
        .collect();
    related.sort_unstable();
    related.dedup();
    let names = state
        .store
        .person_names_in(&related, &Scope::of(&session.account))
        .await?;
    let reads = names
        .keys()
        .map(|id| {
            session.audit_entry(
                "read_person",
                Some(*id),
                format!("named on person page {}", person.id),
            )
        })
        .collect();
    state.audit.write(reads).await?;
    let labels = Labels::of_events(
        &state,
        &session,
        &events.iter().collect::<Vec<_>>(),
        &format!("person page {}", person.id),
    )
    .await?;
    let full = session.sees_full_numbers();
    let writable = Scope::writable(&session.account).contains(&person.residence);
    let phone = state
        .store
        .phone_of(person.id)
        .await?
        .map(|p| shown_phone(&p, full));
    let migrant = crate::web::migrants::notices::person_section(&state, &session, &person).await?;
    let services = crate::web::services::person_section(&state, &session, &person).await?;
    let p = &person;
    Ok(page(
        p.name.as_str(),
        &session,
        html! {
            h1 { (p.name.as_str()) " " span.muted { (p.status.chinese()) } }
            (done_notice(&done))
            @if let Some(survivor) = merged_into {
                p.notice { "本记录是重复记录，已合并至 " (relative(Some(survivor), &names)) " 的记录。" }
                @if writable {
                    form.entry method="post" action={ "/persons/" (p.id) "/unmerge" } {
                        (csrf_field(&session))
                        label for="reason" { "撤销合并的原因" }
                        input #reason name="reason" required;
                        button type="submit" { "撤销合并" }
                    }
                }
            }
            @if !merged_records.is_empty() {
                p { "已并入本记录的重复记录："
                    @for m in &merged_records { (relative(Some(*m), &names)) " " }
                }
            }
            table.record {
                tr { th { "公民身份号码" } td { (id_shown(p, full)) } th { "性别" } td { (p.sex.name()) } }
                tr { th { "出生日期" } td { (p.birth_date) } th { "民族" } td { (p.ethnicity.map(|e| e.name()).unwrap_or("")) } }
                tr { th { "现住地" } td { (residence) }
                     th { "户籍地" } td { (hukou) } }
                tr { th { "户口类别" } td { (p.hukou_type.map(|t| t.name()).unwrap_or("")) }
                     th { "婚姻状况" } td { (p.marital_status.map(|m| m.name()).unwrap_or("")) } }
                tr { th { "户" } td {
                        @if let Some(h) = p.household_id { a href={ "/households/" (h) } { "查看本户" } }
                     }
                     th { "与户主关系" } td { (p.relation.map(|r| r.name()).unwrap_or("")) } }
                tr { th { "母亲" } td { (relative(p.mother_id, &names)) } th { "父亲" } td { (relative(p.father_id, &names)) } }
                tr { th { "配偶" } td { (relative(p.spouse_id, &names)) } th { "死亡日期" } td { (p.death_date.map(|d| d.to_string()).unwrap_or_default()) } }
                tr { th { "联系电话" } td colspan="3" { (phone.as_deref().unwrap_or("（未登记）")) } }
            }
            @if writable {
                form.entry method="post" action={ "/persons/" (p.id) "/phone" } {
                    (csrf_field(&session))
                    label for="phone" { "更新联系电话" }
                    input #phone name="phone" inputmode="tel" autocomplete="off";
                    button.primary type="submit" { "保存电话" }
                }
            }
            @if p.sex == Sex::Female && crate::sensitive::reads_wis(&session, &p.residence) {
                p.actions { a href={ "/persons/" (p.id) "/card" } { "育龄妇女信息卡" } }
            }
            @if writable && p.status != LifeStatus::Merged {
                h2 { "登记事件" }
                p.actions {
                    @for (kind, label) in actions(p) {
                        a href={ "/persons/" (p.id) "/events/" (kind) } { (label) }
                    }
                }
            }
            (migrant)
            (services)
            h2 { "事件记录" }
            (timeline(&events, p.id, &labels, &names))
        },
    ))
}

/// The event forms that apply to this person now.
fn actions(p: &Person) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    match p.status {
        LifeStatus::Active => {
            if p.sex == Sex::Female || p.sex == Sex::Male {
                out.push(("birth", "登记子女出生"));
            }
            out.push(("death", "死亡"));
            if p.spouse_id.is_some() {
                out.push(("divorce", "离婚"));
            } else {
                out.push(("marriage", "结婚"));
            }
            out.push(("move_within", "省内迁移"));
            out.push(("move_out", "迁出本省"));
            out.push(("registration_change", "户籍变更"));
        }
        LifeStatus::MovedOut => out.push(("move_back", "迁回本省")),
        LifeStatus::Dead | LifeStatus::Merged => {}
    }
    out.push(("correction", "更正信息"));
    out
}

/// A merge or unmerge, which names the other record.
fn is_merge(e: &StoredEvent) -> bool {
    matches!(e.kind, EventKind::Merge | EventKind::Unmerge)
}

/// A related person by name, linked; unnamed outside the reader's regions.
fn relative(id: Option<PersonId>, names: &HashMap<i64, String>) -> maud::Markup {
    html! {
        @if let Some(id) = id {
            @match names.get(&id.0) {
                Some(name) => a href={ "/persons/" (id) } { (name) },
                None => span.muted { "（辖区外人员）" },
            }
        }
    }
}

/// The events, newest first, with what each changed; those of a record
/// merged into this one name it.
fn timeline(
    events: &[StoredEvent],
    own: PersonId,
    labels: &Labels,
    names: &HashMap<i64, String>,
) -> maud::Markup {
    html! {
        table.stack {
            thead { tr { th { "日期" } th { "事件" } th { "变更内容" } th { "说明" } th { "登记人" } th { "登记时间" } } }
            tbody {
                @for e in events.iter().rev() {
                    tr {
                        td data-label="日期" { (e.effective_date) }
                        td data-label="事件" {
                            (e.kind.chinese())
                            @if let Some(other) = e.related_id.filter(|_| is_merge(e)) {
                                " " (relative(Some(other), names))
                            }
                            @if e.person_id != own { br; span.muted { "（已合并的重复记录的事件）" } }
                        }
                        td data-label="变更内容" {
                            @for c in &e.changes {
                                (labels.change(c)) br;
                            }
                        }
                        td data-label="说明" { (e.note.as_deref().unwrap_or("")) }
                        td data-label="登记人" { (labels.recorder(&e.recorder)) }
                        td data-label="登记时间" { (beijing_time(e.recorded_at)) }
                    }
                }
            }
        }
        @if events.is_empty() { p.muted { "暂无事件记录（由导入建立的记录）。" } }
    }
}

/// A moment as Beijing time (UTC+8), to the minute.
pub fn beijing_time(at: chrono::DateTime<chrono::Utc>) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(tz) => at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        None => at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// The phone form's fields.
#[derive(Debug, serde::Deserialize)]
pub struct PhoneForm {
    phone: String,
}

/// `POST /persons/{id}/phone`: records the number (empty removes it), then
/// back to the person's page; a bad number is an error page in Chinese.
pub async fn phone_submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<PhoneForm>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let phone = match form.phone.trim() {
        "" => None,
        text => match renkou_domain::PhoneNumber::parse(text) {
            Ok(p) => Some(p),
            Err(_) => {
                return WebError(ApiError::invalid(
                    "phone",
                    format!("电话号码有误：{text}（应为 11 位手机号或带区号的固定电话）"),
                ))
                .into_response();
            }
        },
    };
    match record_phone(&state, &session, PersonId(id), phone.as_ref()).await {
        Ok(()) => axum::response::Redirect::to(&format!("/persons/{id}")).into_response(),
        Err(err) => WebError(err).into_response(),
    }
}

/// A person's page and phone.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/persons/{id}", get(person_page))
        .route("/persons/{id}/phone", post(phone_submit))
}
