//! Errors on web pages: the API's error, shown as a short Chinese page.

use axum::response::{IntoResponse, Response};
use maud::html;

use crate::ApiError;
use crate::web::layout::{bare, menu};

/// A failed page.
pub struct WebError(pub ApiError);

impl From<ApiError> for WebError {
    fn from(err: ApiError) -> WebError {
        WebError(err)
    }
}

impl From<renkou_store::StoreError> for WebError {
    fn from(err: renkou_store::StoreError) -> WebError {
        WebError(err.into())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let page = bare(
            "出错了",
            html! {
                // The links home and onward; the error page has no session
                // to name the user by.
                header { (menu(None)) }
                main {
                    h1 { "无法完成操作" }
                    p.notice role="alert" { (self.0.message) }
                    p { a href="/" { "返回首页" } }
                }
            },
        );
        crate::error::mark_if_away(self.0.status, (self.0.status, page).into_response())
    }
}

/// What a page handler returns.
pub type PageResult = Result<axum::response::Html<String>, WebError>;
