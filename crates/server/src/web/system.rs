//! The database's health for administrators (系统状态): the engine, the
//! standbys streaming from the primary (the hot mirror, the decision-support
//! copy) with their lag, and how old the figures of the reports are.

use axum::extract::State;
use maud::html;

use crate::AppState;
use crate::routes::health::database_health;
use crate::web::auth::WebSession;
use crate::web::error::PageResult;
use crate::web::layout::page;
use crate::web::subscriptions::when;

/// `GET /admin/system`.
pub async fn page_view(
    State(state): State<AppState>,
    WebSession(session): WebSession,
) -> PageResult {
    session.admin_only()?;
    let health = database_health(&state).await?;
    let title = "系统状态";
    let seconds = |s: Option<f64>| s.map_or_else(|| "—".to_string(), |s| format!("{s:.2} 秒"));
    Ok(page(
        title,
        &session,
        html! {
            h1 { (title) }
            p { "数据库：" (if health.engine == "postgres" { "PostgreSQL" } else { "SQLite（单机）" }) }
            h2 { "备库" }
            @if health.standbys.is_empty() {
                p.muted { "没有备库从本库同步。" }
            } @else {
                div.scroll { table.stack {
                    thead { tr { th { "名称" } th { "地址" } th { "状态" } th { "同步方式" } th { "回放延迟" } th { "未回放数据" } } }
                    tbody { @for s in &health.standbys { tr {
                        td data-label="名称" { (standby_name(&s.name)) }
                        td data-label="地址" { (s.address.as_deref().unwrap_or("本机")) }
                        td data-label="状态" { (if s.state == "streaming" { "同步中" } else { s.state.as_str() }) }
                        td data-label="同步方式" { (if s.sync_state == "async" { "异步" } else { "同步（提交等待）" }) }
                        td data-label="回放延迟" { (seconds(s.replay_lag_seconds)) }
                        td data-label="未回放数据" { (s.replay_behind_bytes.map_or_else(|| "—".to_string(), |b| format!("{b} 字节"))) }
                    } } }
                } }
            }
            h2 { "统计报表数据来源" }
            @if health.reports.replica {
                p { "决策支持库（只读副本），数据截至 " (when(health.reports.as_of))
                    "，比业务库晚 " (format!("{:.1}", health.reports.lag_seconds)) " 秒。" }
            } @else {
                p { "业务库（实时数据）。" }
            }
            h2 { "缓存（本服务器）" }
            @let c = &health.caches;
            @if c.live {
                p { "缓存已启用，随数据库的变更通知失效"
                    (if c.shared_up { "；共享缓存（Redis）在线。" } else { "；共享缓存（Redis）未配置或不可用，只用本机缓存。" }) }
            } @else {
                p.muted { "缓存未启用（SQLite，或未收到数据库的变更通知）：每次都读数据库。" }
            }
            p { "本机命中 " (c.local_hits) " 次，共享缓存命中 " (c.shared_hits) " 次，读数据库 " (c.misses) " 次；收到变更通知 " (c.notices) " 次。" }
        },
    ))
}

/// A standby's role by its `application_name`.
fn standby_name(name: &str) -> String {
    match name {
        "mirror" => "热备库（mirror）".into(),
        "reports" => "决策支持库（reports）".into(),
        other => other.to_string(),
    }
}

/// The page.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/admin/system", get(page_view))
}
