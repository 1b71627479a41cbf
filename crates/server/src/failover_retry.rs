//! Riding out a database failover. While the primary is gone and its mirror
//! not yet promoted, a request that reached the database fails with 503
//! ([`DatabaseAway`] on the response). Where trying again cannot do twice
//! what was asked, the server tries again itself, for a while, and the user
//! sees a slow answer instead of an error:
//!
//! - reads (GET, HEAD);
//! - writes carrying an idempotency key (the `Idempotency-Key` header, or the
//!   web form's hidden `idempotency_key`): the store answers a repeat with the
//!   first answer;
//! - logging in, where a repeat makes at most one more session.
//!
//! Other writes get the 503 ("请稍后再试"): whether they committed is unknown.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Marks a 503 whose cause (the database or the audit log's write) may pass.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseAway;

/// Bodies larger than this (uploads) are passed on without being kept for a retry.
const MAX_KEPT_BODY: usize = 1 << 20;

/// The first wait; it doubles up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(100);
const MAX_WAIT: Duration = Duration::from_secs(1);

/// Runs the request, and again while the database is away and a retry is safe,
/// for at most `give_up_after`.
pub async fn when_database_away(request: Request, next: Next, give_up_after: Duration) -> Response {
    if give_up_after.is_zero() || !may_repeat(&request) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // A read's body (there is none) is not kept; a write's is, within its
    // announced length.
    let body = if parts.method == Method::POST {
        match axum::body::to_bytes(body, MAX_KEPT_BODY).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return crate::ApiError::invalid("body", "请求内容读取失败，请重新提交")
                    .into_response();
            }
        }
    } else {
        Bytes::new()
    };
    if !keyed(&parts.method, parts.uri.path(), &parts.headers, &body) {
        return next.run(Request::from_parts(parts, Body::from(body))).await;
    }
    let started = Instant::now();
    let mut wait = FIRST_WAIT;
    loop {
        let again = copy(&parts, body.clone());
        let response = next.clone().run(again).await;
        if response.extensions().get::<DatabaseAway>().is_none()
            || started.elapsed() + wait > give_up_after
        {
            return response;
        }
        tracing::warn!(path = %parts.uri.path(), "database away: trying the request again");
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(MAX_WAIT);
    }
}

/// Whether the request may be one to repeat, by its head: a read without a
/// body, or a POST whose announced body is small enough to keep (a body of
/// unknown length, an upload, is passed on untouched).
fn may_repeat(request: &Request) -> bool {
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    match *request.method() {
        Method::GET | Method::HEAD => length.unwrap_or(0) == 0,
        Method::POST => length.is_some_and(|l| l <= MAX_KEPT_BODY),
        _ => false,
    }
}

/// Whether running the request twice does what running it once does.
fn keyed(method: &Method, path: &str, headers: &axum::http::HeaderMap, body: &Bytes) -> bool {
    if method == Method::GET || method == Method::HEAD {
        return true;
    }
    if method != Method::POST {
        return false;
    }
    if path == "/api/v1/session" || path == "/login" || headers.contains_key("idempotency-key") {
        return true;
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    form && form_urlencoded::parse(body)
        .any(|(name, value)| name == "idempotency_key" && !value.is_empty())
}

/// A copy of the request to run again.
fn copy(parts: &axum::http::request::Parts, body: Bytes) -> Request {
    let mut request = Request::new(Body::from(body));
    *request.method_mut() = parts.method.clone();
    *request.uri_mut() = parts.uri.clone();
    *request.version_mut() = parts.version;
    *request.headers_mut() = parts.headers.clone();
    *request.extensions_mut() = parts.extensions.clone();
    request
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn reads_and_keyed_writes_are_tried_again_but_a_plain_write_is_not() {
        let none = Bytes::new();
        assert!(keyed(&Method::GET, "/persons/1", &headers(&[]), &none));
        assert!(keyed(
            &Method::POST,
            "/api/v1/events",
            &headers(&[("idempotency-key", "k1")]),
            &none
        ));
        assert!(!keyed(
            &Method::POST,
            "/api/v1/events",
            &headers(&[]),
            &none
        ));
        assert!(!keyed(
            &Method::PUT,
            "/api/v1/persons/1/phone",
            &headers(&[]),
            &none
        ));
    }

    #[test]
    fn a_web_form_with_its_hidden_key_is_tried_again() {
        let form = headers(&[("content-type", "application/x-www-form-urlencoded")]);
        let with_key = Bytes::from_static(b"csrf=x&idempotency_key=abc&name=%E7%8E%8B");
        let unkeyed = Bytes::from_static(b"csrf=x&idempotency_key=&name=x");
        assert!(keyed(&Method::POST, "/forms/birth", &form, &with_key));
        assert!(!keyed(&Method::POST, "/forms/birth", &form, &unkeyed));
    }
}
