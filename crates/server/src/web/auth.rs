//! Logging in and out in the browser, the session pages require, and the
//! CSRF token every form post carries.

use axum::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
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
    hex::encode(&digest[..16])
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

/// A form post from a logged-in user whose CSRF token is the session's:
/// the session and the form's fields. Without a session the browser goes to
/// the login page; with a wrong token the post is refused before any handler
/// runs.
pub struct CsrfForm<T>(pub Session, pub T);

/// Only the token, read before the form itself.
#[derive(Deserialize)]
struct TokenOnly {
    csrf: Option<String>,
}

impl<T: serde::de::DeserializeOwned> axum::extract::FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let WebSession(session) = WebSession::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let request = axum::extract::Request::from_parts(parts, body);
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let token: TokenOnly =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| CsrfRefused.into_response())?;
        check_csrf(&session, token.csrf.as_deref()).map_err(IntoResponse::into_response)?;
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            (
                StatusCode::BAD_REQUEST,
                Html("<p>表单内容有误，请返回后重新填写。</p>".to_string()),
            )
                .into_response()
        })?;
        Ok(CsrfForm(session, form))
    }
}

/// The hidden key of a form that records an event: a form posted twice
/// (a double click, a retry after a dropped connection) records once.
pub fn idempotency_field() -> Markup {
    let key = hex::encode(rand::random::<[u8; 16]>());
    html! { input type="hidden" name="idempotency_key" value=(key); }
}

/// The hidden field that carries the token.
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf_token(session)); }
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
