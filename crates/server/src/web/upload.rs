//! Reading an upload form (multipart): its text fields and files, the form
//! checked against the session's CSRF token before anything is used.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;

use crate::ApiError;
use crate::session::Session;
use crate::web::auth::check_csrf;

/// An upload form as sent.
#[derive(Debug, Default)]
pub struct Upload {
    /// Text fields by name.
    pub fields: HashMap<String, String>,
    /// Files by field name: (file name as sent, bytes).
    pub files: HashMap<String, (String, Vec<u8>)>,
}

impl Upload {
    /// Reads the whole form; a body past the upload limit is a 413, other
    /// broken bodies a 400, a stale form a 403.
    pub async fn read(mut multipart: Multipart, session: &Session) -> Result<Upload, ApiError> {
        let unreadable = |e: MultipartError| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large("文件过大，请分批上传")
            } else {
                tracing::info!(error = %e, "upload body refused");
                ApiError::invalid("file", "上传内容无法读取，请重新选择文件上传")
            }
        };
        let mut upload = Upload::default();
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(unreadable)?;
                    upload.files.insert(name, (file_name, bytes.to_vec()));
                }
                None => {
                    let text = field.text().await.map_err(unreadable)?;
                    upload.fields.insert(name, text);
                }
            }
        }
        if check_csrf(session, upload.fields.get("csrf").map(String::as_str)).is_err() {
            return Err(ApiError::forbidden("页面已过期，请刷新后重试"));
        }
        Ok(upload)
    }

    /// A text field, trimmed ("" when absent).
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |s| s.trim())
    }

    /// A file the form must carry, refused in `missing`'s words when absent
    /// or empty.
    pub fn file(
        &mut self,
        name: &'static str,
        missing: &str,
    ) -> Result<(String, Vec<u8>), ApiError> {
        self.files
            .remove(name)
            .filter(|(_, bytes)| !bytes.is_empty())
            .ok_or_else(|| ApiError::invalid(name, missing))
    }
}
