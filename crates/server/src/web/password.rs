//! Changing one's own password in the browser.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use crate::AppState;
use crate::session::{Session, set_new_password};
use crate::web::auth::{CsrfForm, WebSession, csrf_field};
use crate::web::layout::page;

fn password_page(session: &Session, message: Option<(&str, &str)>) -> axum::response::Html<String> {
    page(
        "修改密码",
        session,
        html! {
            h1 { "修改密码" }
            @if let Some(("done", m)) = message { p.notice role="status" { (m) } }
            form.entry method="post" action="/password" {
                (csrf_field(session))
                label for="current_password" { "当前密码" }
                input #current_password name="current_password" type="password" autocomplete="current-password" required;
                @if let Some(("current_password", m)) = message { p.error { (m) } }
                label for="new_password" { "新密码（至少 10 位，含字母和数字）" }
                input #new_password name="new_password" type="password" autocomplete="new-password" required;
                @if let Some(("new_password", m)) = message { p.error { (m) } }
                button.primary type="submit" { "保存" }
            }
        },
    )
}

/// `GET /password`.
pub async fn password_form(WebSession(session): WebSession) -> axum::response::Html<String> {
    password_page(&session, None)
}

/// The password form's fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// `POST /password`.
pub async fn password_submit(
    State(state): State<AppState>,
    CsrfForm(session, form): CsrfForm<PasswordForm>,
) -> Response {
    match set_new_password(&state, &session, form.current_password, form.new_password).await {
        Ok(()) => password_page(
            &session,
            Some(("done", "密码已修改，其他设备上的登录已退出。")),
        )
        .into_response(),
        Err(err) => {
            let field = err.field.clone().unwrap_or_default();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                password_page(&session, Some((field.as_str(), err.message.as_str()))),
            )
                .into_response()
        }
    }
}

/// Changing one's password.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/password", get(password_form).post(password_submit))
}
