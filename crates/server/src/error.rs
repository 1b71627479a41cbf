//! One error envelope for the whole API: `{"error": code, "message": 中文, "field": …}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use renkou_store::StoreError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    /// A stable machine-readable code.
    pub error: &'static str,
    /// What went wrong, in Chinese, for the user.
    pub message: String,
    /// The request field at fault, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// 400 with the field named.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid",
            message: message.into(),
            field: Some(field.to_string()),
        }
    }
    /// 401: no valid session.
    pub fn unauthenticated() -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            error: "unauthenticated",
            message: "请先登录".into(),
            field: None,
        }
    }
    /// 404: absent, or outside the caller's regions (the two look the same).
    pub fn not_found() -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            error: "not_found",
            message: "未找到该记录".into(),
            field: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.clone())).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        tracing::error!(%err, "store error");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "internal",
            message: "系统内部错误，请稍后再试".into(),
            field: None,
        }
    }
}
