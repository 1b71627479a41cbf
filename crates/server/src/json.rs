//! A JSON body extractor whose failures use the API's error envelope: a
//! malformed body, an unknown field or a wrong type is a 400 naming the field.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

use crate::ApiError;

/// Like `axum::Json`, with [`ApiError`] as its rejection.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => {
                let text = rejection.body_text();
                let field = field_of(&text);
                let status = match rejection {
                    JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    _ => StatusCode::BAD_REQUEST,
                };
                Err(ApiError {
                    status,
                    error: "invalid_body",
                    message: format!("请求内容格式有误：{text}"),
                    field,
                })
            }
        }
    }
}

/// The field a body error is about: the path axum puts before the message
/// ("…target type: child.sex: unknown code…"), else the name serde puts in
/// backticks ("missing field `password`").
fn field_of(text: &str) -> Option<String> {
    let path = text
        .split_once("target type: ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map(|(path, _)| path)
        .filter(|p| !p.is_empty() && *p != "." && !p.contains(' '));
    let backticked = text.split('`').nth(1);
    match (path, backticked) {
        (Some(path), Some(name)) if text.contains("missing field") => {
            Some(format!("{path}.{name}"))
        }
        (Some(path), _) => Some(path.to_string()),
        (None, name) => name.map(str::to_string),
    }
}
