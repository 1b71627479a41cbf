//! A JSON body extractor whose failures use the API's error envelope: a
//! malformed body, an unknown field or a wrong type is a 400 naming the field
//! (found by `serde_path_to_error`), a body that is not JSON a 415, one over
//! the limit a 413.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::ApiError;

/// Like `axum::Json`, with [`ApiError`] as its rejection.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(body_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "请求内容应为 JSON（Content-Type: application/json）".into(),
                None,
            ));
        }
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection: BytesRejection| {
                    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::too_large("请求内容过大")
                    } else {
                        body_error(StatusCode::BAD_REQUEST, "无法读取请求内容".into(), None)
                    }
                })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.inner();
        let message = inner.to_string();
        // serde names a missing field in backticks, at its parent's path.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match missing {
            Some(name) if path == "." || path.is_empty() => Some(name.to_string()),
            Some(name) => Some(format!("{path}.{name}")),
            None if path == "." || path.is_empty() => None,
            None => Some(path),
        };
        let text = if inner.is_syntax() || inner.is_eof() {
            "请求内容不是有效的 JSON".to_string()
        } else if missing.is_some() {
            format!("缺少必填项 {}", field.as_deref().unwrap_or_default())
        } else {
            // Domain parsers explain in Chinese; serde's own words are English.
            let why = Some(message.as_str())
                .filter(|m| !m.is_ascii())
                .map(|m| format!("：{m}"))
                .unwrap_or_default();
            match &field {
                Some(f) => format!("{f} 的值有误{why}"),
                None => "请求内容的结构有误".to_string(),
            }
        };
        body_error(StatusCode::BAD_REQUEST, text, field)
    })
}

fn body_error(status: StatusCode, message: String, field: Option<String>) -> ApiError {
    ApiError {
        status,
        error: "invalid_body",
        message,
        field,
    }
}

/// A path parameter whose failure (an id past 64 bits, a word where a
/// number goes) answers in the error envelope, as a 404: no such record.
pub struct ApiPath<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|_| ApiError::not_found())
    }
}
