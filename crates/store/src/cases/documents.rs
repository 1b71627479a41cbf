//! The documents handed in with an application (申请材料): each file kept
//! with its digest, who added it and when, and who checked it against the
//! original; an application that needs documents is approved only when
//! every one was checked.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::steps::now;
use crate::access::scope::Scope;
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

/// Largest document kept (5 MB: a scan or a photo).
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

/// The kinds of file a document may be.
const TYPES: [(&str, &[u8]); 3] = [
    ("application/pdf", b"%PDF"),
    ("image/jpeg", &[0xFF, 0xD8, 0xFF]),
    ("image/png", &[0x89, b'P', b'N', b'G']),
];

/// A document as listed (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseDocument {
    pub id: i64,
    pub case_id: i64,
    /// What it is (结婚证 …).
    pub name: String,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
    /// Who checked it against the original, and when.
    pub checked_by: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, case_id, name, file_name, content_type, sha256, added_by, added_at, \
     checked_by, checked_at FROM case_documents";

impl Store {
    /// Adds a document to a case its office (in `scope`) has: a PDF, JPEG
    /// or PNG file of at most 5 MB, told by its first bytes, not its name.
    pub async fn add_document(
        &self,
        case: i64,
        name: &str,
        file_name: &str,
        bytes: &[u8],
        actor: &str,
        scope: &Scope,
    ) -> StoreResult<CaseDocument> {
        let case = self.owned_case(case, scope).await?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(StoreError::Invalid("材料名称应为 1 至 50 字".into()));
        }
        if bytes.is_empty() || bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(StoreError::Invalid(
                "材料文件应为 5 MB 以内的非空文件".into(),
            ));
        }
        let content_type = TYPES
            .iter()
            .find(|(_, magic)| bytes.starts_with(magic))
            .map(|(t, _)| *t)
            .ok_or_else(|| StoreError::Invalid("材料应为 PDF、JPEG 或 PNG 文件".into()))?;
        let digest = hex::encode(Sha256::digest(bytes));
        let file_name: String = file_name.chars().take(200).collect();
        let id: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO case_documents (case_id, name, file_name, content_type, bytes, sha256, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(case.id)
            .bind(name)
            .bind(&file_name)
            .bind(content_type)
            .bind(bytes)
            .bind(&digest)
            .bind(actor)
            .bind(now())
            .fetch_one(pool)
            .await?);
        self.document(id)
            .await?
            .map(|(d, _)| d)
            .ok_or_else(|| StoreError::NotFound(format!("document {id}")))
    }

    /// The documents of a case, in the order added.
    pub async fn documents(&self, case: i64) -> StoreResult<Vec<CaseDocument>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} WHERE case_id = $1 ORDER BY id"
        )))
        .bind(case)
        .fetch_all(pool)
        .await?),
        )
    }

    /// A document with its bytes (the callers check the case is readable).
    pub async fn document(&self, id: i64) -> StoreResult<Option<(CaseDocument, Vec<u8>)>> {
        let listed: Option<CaseDocument> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?);
        let Some(listed) = listed else {
            return Ok(None);
        };
        let bytes: Vec<u8> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT bytes FROM case_documents WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await?);
        Ok(Some((listed, bytes)))
    }

    /// The office that has the case checked a document against the original.
    pub async fn check_document(
        &self,
        id: i64,
        actor: &str,
        scope: &Scope,
    ) -> StoreResult<CaseDocument> {
        let (listed, _) = self
            .document(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("document {id}")))?;
        self.owned_case(listed.case_id, scope).await?;
        on_pool!(self, pool => sqlx::query(
            "UPDATE case_documents SET checked_by = $1, checked_at = $2 WHERE id = $3 AND checked_at IS NULL")
            .bind(actor)
            .bind(now())
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())?);
        self.document(id)
            .await?
            .map(|(d, _)| d)
            .ok_or_else(|| StoreError::NotFound(format!("document {id}")))
    }
}
