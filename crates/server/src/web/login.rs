//! Logging in and out in the browser.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use crate::AppState;
use crate::session::{ClientAddress, cleared_cookie, end_session, start_session};
use crate::web::auth::CsrfForm;
use crate::web::layout::bare;

/// The login and logout pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

/// The cookie that carries the login form's token: before a session exists,
/// a token in a cookie and the same token in the form (double submit), so
/// another site cannot log a browser in under its own account.
const LOGIN_COOKIE: &str = "renkou_login";

fn login_cookie(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("renkou_login=; Path=/login; Max-Age=0"))
}

/// The login page with a fresh form token, set in its cookie too.
fn login_response(status: StatusCode, error: Option<&str>, username: &str) -> Response {
    let token = hex::encode(rand::random::<[u8; 16]>());
    let mut response = (status, login_page(error, username, &token)).into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, login_cookie(&token));
    response
}

fn login_page(error: Option<&str>, username: &str, token: &str) -> Html<String> {
    bare(
        "登录",
        html! {
            main {
                h1 { "人口信息平台 · 登录" }
                @if let Some(error) = error { p.notice role="alert" { (error) } }
                form.entry method="post" action="/login" {
                    input type="hidden" name="login_token" value=(token);
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
pub async fn login_form() -> Response {
    login_response(StatusCode::OK, None, "")
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    login_token: Option<String>,
}

/// `POST /login`: on success to the home page with the session cookie.
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let cookie = crate::session::cookie_value(&headers, LOGIN_COOKIE);
    if cookie.is_none() || cookie != form.login_token {
        return login_response(
            StatusCode::FORBIDDEN,
            Some("登录页面已过期，请重新输入用户名和密码"),
            &form.username,
        );
    }
    match start_session(&state, &form.username, form.password, address).await {
        Ok((_, cookie)) => {
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().insert(SET_COOKIE, cookie);
            response
        }
        Err(err) => login_response(err.status, Some(&err.message), &form.username),
    }
}

/// The logout form's fields.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(_, _): CsrfForm<LogoutForm>,
) -> Response {
    if let Err(err) = end_session(&state, &headers).await {
        return err.into_response();
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(SET_COOKIE, cleared_cookie());
    response
}
