//! 育龄妇女信息卡: a woman's record, her children by birth order, her
//! method and pregnancy now, and her reproductive history, with the forms
//! for each event; printable as the card.

use axum::extract::{Path, Query, State};
use chrono::Datelike;
use maud::{Markup, html};
use renkou_domain::date::today_in_china;
use renkou_domain::{EventKind, Person, PersonId, Sex, Subsystem};
use renkou_store::{Card, Scope};

use crate::routes::persons::audit_reads;
use crate::session::Session;
use crate::web::auth::WebSession;
use crate::web::error::PageResult;
use crate::web::labels::Labels;
use crate::web::layout::{Done, done_notice, page};
use crate::web::view::id_shown;
use crate::{ApiError, AppState};

/// The card of a woman the session reads the family-planning records of;
/// 404 for anyone else (a man has no card).
pub async fn card_of(state: &AppState, session: &Session, id: i64) -> Result<Card, ApiError> {
    let woman = state
        .store
        .person_in(
            PersonId(id),
            &Scope::reading(&session.account, Subsystem::Wis),
        )
        .await?
        .filter(|p| p.sex == Sex::Female)
        .ok_or_else(ApiError::not_found)?;
    let card = state.store.card(woman).await?;
    let mut read = vec![card.woman.clone()];
    read.extend(card.children.iter().cloned());
    read.extend(card.adopted.iter().cloned());
    read.extend(card.spouse.iter().cloned());
    audit_reads(state, session, &read, "wis card").await?;
    Ok(card)
}

/// `GET /persons/{id}/card`.
pub async fn card_page(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> PageResult {
    let card = card_of(&state, &session, id).await?;
    let w = &card.woman;
    let full = session.sees_full_numbers();
    let mut regions = vec![w.residence];
    regions.extend(w.hukou_region);
    let places = state.region_names(&regions).await?;
    let place =
        |c: &renkou_domain::RegionCode| places.get(c).cloned().unwrap_or_else(|| c.to_string());
    let history: Vec<&renkou_store::StoredEvent> = card
        .events
        .iter()
        .filter(|e| e.kind.is_wis() || matches!(e.kind, EventKind::Marriage | EventKind::Divorce))
        .collect();
    let labels = Labels::of_events(&state, &session, &history, &format!("wis card {id}")).await?;
    let writes = Scope::writing(&session.account, Subsystem::Wis).contains(&w.residence);
    let age = today_in_china().year() - w.birth_date.year();
    Ok(page(
        &format!("{}的育龄妇女信息卡", w.name.as_str()),
        &session,
        html! {
            h1 { "育龄妇女信息卡 " span.muted { (w.name.as_str()) } }
            (done_notice(&done))
            p.actions {
                a href={ "/persons/" (w.id) } { "个人信息" }
                a.noprint href="javascript:print()" { "打印信息卡" }
            }
            h2 { "一、基本情况" }
            table.record {
                tr { th { "姓名" } td { (w.name.as_str()) } th { "公民身份号码" } td { (id_shown(w, full)) } }
                tr { th { "出生日期" } td { (w.birth_date) "（" (age) "岁）" } th { "民族" } td { (w.ethnicity.map(|e| e.name()).unwrap_or("")) } }
                tr { th { "现住地" } td { (place(&w.residence)) } th { "户籍地" } td { (w.hukou_region.as_ref().map(place).unwrap_or_default()) } }
                tr { th { "婚姻状况" } td { (w.marital_status.map(|m| m.name()).unwrap_or("")) }
                     th { "结婚日期" } td { (card.married_on.map(|d| d.to_string()).unwrap_or_default()) } }
                tr { th { "配偶" } td { (card.spouse.as_ref().map(|s| s.name.to_string()).unwrap_or_default()) }
                     th { "配偶公民身份号码" } td { (card.spouse.as_ref().map(|s| id_shown(s, full)).unwrap_or_default()) } }
            }
            h2 { "二、当前状况" }
            table.record {
                tr { th { "避孕方法" } td { (method_now(w)) } th { "孕情" } td { (pregnancy_now(w)) } }
                tr { th { "生育子女数" } td { (card.children.len()) } th { "现有子女数" } td { (card.present_children()) } }
            }
            @if writes && w.status == renkou_domain::LifeStatus::Active {
                p.actions.noprint { @for (kind, label) in actions(w) { a href={ "/persons/" (w.id) "/events/" (kind) } { (label) } } }
            }
            h2 { "三、生育子女" }
            (children(&card))
            h2 { "四、婚育及避孕节育情况" }
            (history_table(&history, &labels))
        },
    ))
}

fn method_now(w: &Person) -> String {
    match (w.contraception, w.contraception_since) {
        (Some(m), Some(since)) => format!("{}（{} 起）", m.name(), since),
        (Some(m), None) => m.name().to_string(),
        _ => "未避孕".into(),
    }
}

fn pregnancy_now(w: &Person) -> String {
    match (w.pregnant_since, w.expected_delivery) {
        (Some(lmp), Some(edd)) => format!("在孕：末次月经 {lmp}，预产期 {edd}"),
        (Some(lmp), None) => format!("在孕：末次月经 {lmp}"),
        _ => "未孕".into(),
    }
}

/// The card's forms that apply to her now.
fn actions(w: &Person) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if w.pregnant_since.is_some() {
        out.push(("pregnancy_check", "孕情检查"));
        out.push(("pregnancy_outcome", "妊娠结局"));
    } else {
        out.push(("pregnancy", "孕情登记"));
    }
    match w.contraception.filter(|m| m.contracepts()) {
        Some(m) => {
            out.push(("contraception_change", "更换避孕方法"));
            out.push(("contraception_stop", "停止避孕"));
            if m.is_iud() {
                out.push(("iud_check", "节育器检查"));
            }
        }
        None => out.push(("contraception_start", "开始避孕")),
    }
    out.push(("visit", "随访"));
    out.push(("health_service", "生殖健康服务"));
    out
}

fn children(card: &Card) -> Markup {
    html! {
        @if card.children.is_empty() && card.adopted.is_empty() {
            p.muted { "无登记的子女。" }
        } @else {
            table.stack {
                thead { tr { th { "孩次" } th { "姓名" } th { "性别" } th { "出生日期" } th { "状态" } } }
                tbody {
                    @for c in &card.children {
                        tr {
                            td data-label="孩次" { (c.birth_order.map(|o| o.to_string()).unwrap_or_default()) }
                            td data-label="姓名" { a href={ "/persons/" (c.id) } { (c.name.as_str()) } }
                            td data-label="性别" { (c.sex.name()) }
                            td data-label="出生日期" { (c.birth_date) }
                            td data-label="状态" { (c.status.chinese()) }
                        }
                    }
                    @for c in &card.adopted {
                        tr {
                            td data-label="孩次" { "（" (c.relation.map(|r| r.name()).unwrap_or("")) "）" }
                            td data-label="姓名" { a href={ "/persons/" (c.id) } { (c.name.as_str()) } }
                            td data-label="性别" { (c.sex.name()) }
                            td data-label="出生日期" { (c.birth_date) }
                            td data-label="状态" { (c.status.chinese()) }
                        }
                    }
                }
            }
        }
    }
}

fn history_table(events: &[&renkou_store::StoredEvent], labels: &Labels) -> Markup {
    html! {
        @if events.is_empty() {
            p.muted { "暂无登记。" }
        } @else {
            table.stack {
                thead { tr { th { "日期" } th { "事项" } th { "内容" } th { "登记人" } } }
                tbody {
                    @for e in events.iter().rev() {
                        tr {
                            td data-label="日期" { (e.effective_date) }
                            td data-label="事项" { (e.kind.chinese()) }
                            td data-label="内容" {
                                @for line in e.details.as_ref().map(|d| d.lines()).unwrap_or_default() { (line) br; }
                                @for c in &e.changes { (labels.change(c)) br; }
                            }
                            td data-label="登记人" { (labels.recorder(&e.recorder)) }
                        }
                    }
                }
            }
        }
    }
}

/// The card's page.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/persons/{id}/card", get(card_page))
}
