//! The session pages require, and the CSRF token every form post carries.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::session::Session;

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
