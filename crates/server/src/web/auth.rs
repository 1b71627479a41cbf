//! Logging in and out in the browser, the session pages require, and the
//! CSRF token every form post carries.

use axum::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::session::{ClientAddress, Session, cleared_cookie, end_session, start_session};
use crate::web::layout::bare;

/// A page's session: without one the browser is sent to the login page.
pub struct WebSession(pub Session);

impl FromRequestParts<AppState> for WebSession {
    type Rejection = Redirect;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Pages are for people: an API token does not open them.
        match Session::from_request_parts(parts, state).await {
            Ok(session) if !session.is_token() => Ok(WebSession(session)),
            _ => Err(Redirect::to("/login")),
        }
    }
}

/// The session's CSRF token: derived from the session, so nothing more is
/// stored, and unknowable to another site (the session cookie is HttpOnly).
pub fn csrf_token(session: &Session) -> String {
    let digest = Sha256::digest(format!("csrf:{}", session.token_hash).as_bytes());
    crate::session::hex(&digest[..16])
}

/// A form post refused for its CSRF token.
#[derive(Debug)]
pub struct CsrfRefused;

impl IntoResponse for CsrfRefused {
    fn into_response(self) -> Response {
        (
            StatusCode::FORBIDDEN,
            Html("<p>页面已过期或来源不明，请返回后刷新页面再提交。</p>".to_string()),
        )
            .into_response()
    }
}

/// Refuses a form post whose token is not the session's.
pub fn check_csrf(session: &Session, token: Option<&str>) -> Result<(), CsrfRefused> {
    if token == Some(csrf_token(session).as_str()) {
        Ok(())
    } else {
        Err(CsrfRefused)
    }
}

/// The hidden field that carries the token.
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf_token(session)); }
}

fn login_page(error: Option<&str>, username: &str) -> Html<String> {
    bare(
        "登录",
        html! {
            main {
                h1 { "人口信息平台 · 登录" }
                @if let Some(error) = error { p.notice role="alert" { (error) } }
                form.entry method="post" action="/login" {
                    label for="username" { "用户名" }
                    input #username name="username" value=(username) autocomplete="username" required autofocus;
                    label for="password" { "密码" }
                    input #password name="password" type="password" autocomplete="current-password" required;
                    button.primary type="submit" { "登录" }
                }
            }
        },
    )
}

/// `GET /login`.
pub async fn login_form() -> Html<String> {
    login_page(None, "")
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

/// `POST /login`: on success to the home page with the session cookie.
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Form(form): Form<LoginForm>,
) -> Response {
    match start_session(&state, &form.username, form.password, address).await {
        Ok((_, cookie)) => {
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().insert(SET_COOKIE, cookie);
            response
        }
        Err(err) => (err.status, login_page(Some(&err.message), &form.username)).into_response(),
    }
}

/// The logout form's fields.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: Option<String>,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Err(refused) = check_csrf(&session, form.csrf.as_deref()) {
        return refused.into_response();
    }
    if let Err(err) = end_session(&state, &headers).await {
        return err.into_response();
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(SET_COOKIE, cleared_cookie());
    response
}
