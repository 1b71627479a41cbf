//! The home page: the user's regions with their headline counts.

use axum::extract::State;
use maud::html;
use renkou_domain::date::today_in_china;
use renkou_store::Scope;

use crate::AppState;
use crate::web::auth::WebSession;
use crate::web::error::PageResult;
use crate::web::layout::page;
use crate::web::search::search_form;

/// `GET /`.
pub async fn home(State(state): State<AppState>, WebSession(session): WebSession) -> PageResult {
    let today = today_in_china();
    let mut regions = Vec::new();
    for code in Scope::of(&session.account).regions() {
        let name = state.store.region_name(code).await?;
        let summary = state.store.summary(code, today).await?;
        regions.push((code.to_string(), name, summary));
    }
    Ok(page(
        "首页",
        &session,
        html! {
            h1 { "工作台" }
            (search_form(""))
            @for (code, name, s) in &regions {
                h2 { (name) " " span.muted { (code) } }
                div.cards {
                    div.card { "现有人口" b { (s.living) } }
                    div.card { "户数" b { (s.households) } }
                    div.card { "今年出生" b { (s.births_this_year) } }
                    div.card { "今年死亡" b { (s.deaths_this_year) } }
                }
                h2 { "待办" }
                @if s.missing_id_numbers > 0 {
                    p { a href={ "/regions/" (code) "?missing=id_number" } {
                        (s.missing_id_numbers) " 名现有人员缺少公民身份号码，请核实补录"
                    } }
                } @else {
                    p.muted { "暂无待办事项。" }
                }
                p.actions {
                    a href={ "/regions/" (code) } { "人员名单" }
                    a href="/events/move_in" { "迁入登记" }
                }
            }
            @if regions.is_empty() {
                p.notice { "您的账号尚未分配管辖区域，请联系系统管理员。" }
            }
        },
    ))
}

/// The home page.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/", get(home))
}
