//! `ETag` on every page: a browser that already has the page gets a 304
//! with no body, which matters on a slow township link.

use axum::body::{Body, HttpBody, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Largest page the middleware hashes; bigger bodies pass through untouched.
const MAX_PAGE: usize = 4 << 20;

/// Adds a strong `ETag` to successful HTML answers and answers a matching
/// `If-None-Match` with 304.
pub async fn etag(request: Request, next: Next) -> Response {
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // Only a complete page of known, bounded size is hashed: anything else
    // passes through as it is rather than failing.
    let hashable = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= MAX_PAGE as u64);
    if response.status() != StatusCode::OK || !is_html || !hashable {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAGE).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..12]));
    // Pages hold personal data: only the user's own browser may keep them,
    // and it must ask again each time (cheaply, thanks to the tag).
    parts.headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, value);
    }
    if if_none_match.is_some_and(|v| v.as_bytes() == tag.as_bytes()) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}
