//! The push subscriptions (推送订阅) for administrators: each department's
//! address, where in the feed it stands, how its deliveries fare, the last
//! error, and a button to resume one paused after repeated failures.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::web::auth::{CsrfForm, WebSession, csrf_field};
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::{ApiError, AppState};

/// A time as staff read it, in China's time, to the second.
pub(crate) fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `GET /admin/subscriptions`.
pub async fn list(State(state): State<AppState>, WebSession(session): WebSession) -> PageResult {
    session.admin_only()?;
    let subscriptions = state.store.subscriptions().await?;
    let title = "推送订阅";
    Ok(page(
        title,
        &session,
        html! {
            h1 { (title) }
            p.muted { "各部门系统通过推送地址接收其令牌可读的变更，每次推送以签名密钥作 HMAC-SHA256 签名。连续失败达到上限的订阅暂停推送，接收方修复后可恢复。新增订阅请在服务器上运行 renkou token subscribe。" }
            @if subscriptions.is_empty() {
                p.muted { "尚无推送订阅。" }
            } @else {
                div.scroll { table.stack {
                    thead { tr { th { "编号" } th { "令牌" } th { "推送地址" } th { "状态" } th { "连续失败" } th { "已推送变更" } th { "最近成功" } th { "下次推送" } th { "最近错误" } th { "操作" } } }
                    tbody { @for s in &subscriptions { tr {
                        td data-label="编号" { (s.id) }
                        td data-label="令牌" { (s.token_name) }
                        td data-label="推送地址" { (s.url) }
                        td data-label="状态" { @if s.state == "paused" { strong.error { "已暂停" } } @else { "正常" } }
                        td data-label="连续失败" { (s.failures) }
                        td data-label="已推送变更" { (s.delivered) }
                        td data-label="最近成功" { (s.last_success_at.map(when).unwrap_or_else(|| "—".into())) }
                        td data-label="下次推送" { @if s.state == "paused" { "—" } @else { (when(s.next_attempt_at)) } }
                        td data-label="最近错误" { (s.last_error.as_deref().unwrap_or("")) }
                        td data-label="操作" {
                            @if s.state == "paused" {
                                form method="post" action=(format!("/admin/subscriptions/{}/resume", s.id)) {
                                    (csrf_field(&session))
                                    button type="submit" { "恢复推送" }
                                }
                            }
                        }
                    } } }
                } }
            }
        },
    ))
}

/// `POST /admin/subscriptions/{id}/resume`.
pub async fn resume(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, _): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, WebError> {
    session.admin_only()?;
    if !state.store.resume_subscription(id).await? {
        return Err(WebError(ApiError::not_found()));
    }
    state
        .audit
        .write(vec![session.audit_entry(
            "resume_subscription",
            None,
            format!("subscription {id}"),
        )])
        .await?;
    Ok(Redirect::to("/admin/subscriptions").into_response())
}

/// The administrators' pages of the exchange.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/admin/subscriptions", get(list))
        .route("/admin/subscriptions/{id}/resume", post(resume))
}
