//! The home page: the user's regions with their headline counts, the open
//! work of each (待办, from every subsystem's count in the store's work
//! list) with a link to where it is done, and shortcuts to the daily forms.

use axum::extract::{Query, State};
use maud::{Markup, html};
use renkou_domain::RegionCode;
use renkou_domain::cases::CaseKind;
use renkou_domain::date::today_in_china;
use renkou_domain::work::{OpenWork, WorkKind};
use renkou_store::Scope;

use crate::AppState;
use crate::web::auth::WebSession;
use crate::web::error::PageResult;
use crate::web::layout::{Done, done_notice, page};
use crate::web::search::search_form;
use crate::web::view::summary_cards;

/// Where the work of a kind is done, for a region.
pub fn work_link(kind: WorkKind, region: &RegionCode) -> String {
    match kind {
        WorkKind::Verification(task) => format!("/tasks?region={region}&kind={task}"),
        WorkKind::MissingIdNumber => format!("/regions/{region}?missing=id_number"),
        WorkKind::ReviewPending => format!("/reviews?region={region}&state=pending"),
        WorkKind::ReviewReturned => format!("/reviews?region={region}&state=returned"),
        WorkKind::WisList(kind) => format!("/wis/lists?region={region}&kind={}", kind.as_str()),
        WorkKind::Notices => format!("/migrants/notices?region={region}"),
        WorkKind::NoticesOverdue => format!("/migrants/notices?region={region}&overdue=true"),
        WorkKind::Cases(kind) => match kind {
            CaseKind::SupportRoll | CaseKind::SupportAppeal => format!("/support?region={region}"),
            CaseKind::CitizenRequest => format!("/requests?region={region}"),
            CaseKind::OnlyChildCertificate | CaseKind::CertificateRevocation => {
                format!("/certificates?region={region}")
            }
            CaseKind::Rebirth => "/rebirth".to_string(),
            CaseKind::MigrantNotice => format!("/migrants/notices?region={region}"),
        },
    }
}

/// The work list of one region.
fn work_list(work: &[OpenWork], region: &RegionCode) -> Markup {
    html! {
        @if work.is_empty() {
            p.muted { "暂无待办事项。" }
        } @else {
            ul.work {
                @for w in work {
                    li { a href=(work_link(w.kind, region)) { (w.kind.label()) } " " b { (w.count) } " " (w.kind.unit()) }
                }
            }
        }
    }
}

/// `GET /`.
pub async fn home(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(done): Query<Done>,
) -> PageResult {
    let today = today_in_china();
    let writable = Scope::writable(&session.account);
    let mut regions = Vec::new();
    for code in Scope::of(&session.account).regions() {
        let name = state.region_name(code).await?;
        let summary = state.store.summary(code, today).await?;
        // Work only reviewers act on stays off the others' lists.
        let reviews = Scope::reviewing(&session.account).contains(code);
        let work: Vec<OpenWork> = state
            .store
            .open_work(code, &session.work_context(code, &state.settings))
            .await?
            .into_iter()
            .filter(|w| reviews || !w.kind.for_reviewers())
            .collect();
        regions.push((*code, name, summary, work, writable.contains(code)));
    }
    Ok(page(
        "首页",
        &session,
        html! {
            h1 { "工作台" }
            (done_notice(&done))
            (search_form(""))
            @for (code, name, s, work, writes) in &regions {
                h2 { (name) }
                (summary_cards(s))
                h3 { "待办" }
                (work_list(work, code))
                p.actions {
                    a href={ "/dashboard?region=" (code) } { "综合情况" }
                    a href={ "/regions/" (code) } { "人员名单" }
                    a href={ "/tasks?region=" (code) } { "核查任务" }
                    @if *writes {
                        a href="/events/move_in" { "迁入登记" }
                        a href="/search" { "出生、死亡、迁移登记（先查找本人）" }
                    }
                    a href="/reports" { "统计报表" }
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
