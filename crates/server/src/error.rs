//! One error envelope for the whole API: `{"error": code, "message": 中文, "field": …}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use renkou_domain::RuleViolation;
use renkou_store::StoreError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    #[schema(ignore)]
    pub status: StatusCode,
    /// A stable machine-readable code.
    #[schema(value_type = String, example = "not_found")]
    pub error: &'static str,
    /// What went wrong, in Chinese, for the user.
    pub message: String,
    /// The request field at fault, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// 413: the request body (JSON or an upload) is larger than allowed.
    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: "invalid_body",
            message: message.into(),
            field: None,
        }
    }

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
    /// 409: someone else changed it first.
    pub fn conflict(error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::CONFLICT,
            error,
            message: message.into(),
            field: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        mark_if_away(status, (status, Json(self)).into_response())
    }
}

/// A 503 says the database (or the audit log's write) is away for now: the
/// response is marked so that a safe request is tried again
/// (`failover_retry`), and the client is told when to try.
pub fn mark_if_away(status: StatusCode, mut response: Response) -> Response {
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .extensions_mut()
            .insert(crate::failover_retry::DatabaseAway);
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("2"),
        );
    }
    response
}

impl ApiError {
    /// 503: a part the answer depends on (the audit log) is not working;
    /// nothing is shown that could not be audited.
    pub fn unavailable() -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error: "unavailable",
            message: "系统暂时无法记录访问日志，请稍后再试".into(),
            field: None,
        }
    }

    /// 503: the database does not answer, or is switching to its mirror.
    pub fn database_away() -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error: "database_unavailable",
            message: "数据库正在切换或暂时无法连接，请稍后再试".into(),
            field: None,
        }
    }

    /// 403: the caller is known but the role does not allow this.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            error: "forbidden",
            message: message.into(),
            field: None,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        let refused = |status, error, message: String, field: Option<&str>| ApiError {
            status,
            error,
            message,
            field: field.map(str::to_string),
        };
        match err {
            StoreError::Rule(RuleViolation::UnknownPerson(_)) | StoreError::NotFound(_) => {
                ApiError::not_found()
            }
            StoreError::Rule(rule) => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "rule",
                rule.chinese(),
                rule.field(),
            ),
            StoreError::Region { code, reason } => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "region",
                format!("区划代码 {code} 不可用（{reason}）"),
                Some("residence"),
            ),
            // The holder is not named: they may live outside the caller's regions.
            StoreError::DuplicateIdNumber { .. } => refused(
                StatusCode::CONFLICT,
                "duplicate_id_number",
                "该公民身份号码已登记在册".into(),
                Some("id_number"),
            ),
            StoreError::OutsideScope(code) => refused(
                StatusCode::FORBIDDEN,
                "outside_scope",
                format!("区划 {code} 不在您的管辖范围内"),
                Some("residence"),
            ),
            StoreError::IdempotencyKeyReused => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "该幂等键已用于另一项不同的登记，请换一个键".into(),
                Some("Idempotency-Key"),
            ),
            StoreError::AlreadyResolved(_) => {
                ApiError::conflict("already_resolved", "该事项已由他人处理完毕")
            }
            StoreError::CaseMoved { state, .. } => ApiError::conflict(
                "case_moved",
                format!(
                    "此件已不在该环节（当前：{}）",
                    renkou_domain::cases::Step::parse(&state).map_or("未知", |s| s.label())
                ),
            ),
            StoreError::Invalid(reason) => refused(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("请求有误：{reason}"),
                None,
            ),
            err if err.is_unavailable() => {
                tracing::warn!(%err, "database unavailable");
                ApiError::database_away()
            }
            err => {
                tracing::error!(%err, "store error");
                refused(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "系统内部错误，请稍后再试".into(),
                    None,
                )
            }
        }
    }
}
