//! The one stylesheet, served under a name that carries its hash so that
//! browsers may keep it for a year: a new build gives a new name.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../../assets/renkou.css");

/// `/static/renkou.<hash>.css`.
pub static CSS_PATH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(CSS.as_bytes());
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("/static/renkou.{short}.css")
});

/// `GET /static/{name}`: the stylesheet under its current name, else 404.
pub async fn asset(Path(name): Path<String>) -> Response {
    if format!("/static/{name}") != *CSS_PATH {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        CSS,
    )
        .into_response()
}
