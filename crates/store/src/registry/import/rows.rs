//! The rows an import keeps beside the register: refused rows for
//! correction, unknown columns, and the fingerprint that tells a changed
//! record from one imported before.

use renkou_formats::{RegisterRecord, RejectedRow, RowError};
use sha2::{Digest, Sha256};

use crate::database::tx::PendingRow;

/// Unknown columns as a JSON object, `None` when there are none.
pub(super) fn extra_json(extra: &[(String, String)]) -> Option<String> {
    (!extra.is_empty()).then(|| {
        let map: serde_json::Map<String, serde_json::Value> = extra
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::Value::Object(map).to_string()
    })
}

/// A record refused by the register, with the column and value at fault.
pub(super) fn reject(
    record: &RegisterRecord,
    column: &str,
    value: &str,
    reason: String,
) -> RejectedRow {
    let mut raw = vec![
        ("record_id".to_string(), record.record_id.clone()),
        (
            "id_number".to_string(),
            record.id_number.map(|n| n.to_string()).unwrap_or_default(),
        ),
        ("name".to_string(), record.name.to_string()),
        ("sex".to_string(), record.sex.code().to_string()),
        ("birth_date".to_string(), record.birth_date.to_string()),
        ("region_code".to_string(), record.region_code.to_string()),
        (
            "household_no".to_string(),
            record.household_no.clone().unwrap_or_default(),
        ),
        ("status".to_string(), record.status.as_str().to_string()),
    ];
    raw.extend(record.extra.iter().cloned());
    RejectedRow {
        line: record.line,
        record_id: Some(record.record_id.clone()),
        raw,
        errors: vec![RowError {
            line: record.line,
            column: column.into(),
            value: value.into(),
            reason,
        }],
    }
}

/// A refused row as kept for correction.
pub(crate) fn pending_row(
    source: &str,
    import_id: i64,
    file: &str,
    row: &RejectedRow,
) -> PendingRow {
    let raw: serde_json::Map<String, serde_json::Value> = row
        .raw
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let errors: Vec<serde_json::Value> = row
        .errors
        .iter()
        .map(|e| serde_json::json!({"line": e.line, "column": e.column, "value": e.value, "reason": e.reason}))
        .collect();
    let raw = serde_json::Value::Object(raw);
    PendingRow {
        source: source.to_string(),
        import_id,
        file: file.to_string(),
        line: row.line as i64,
        record_id: row.record_id.clone(),
        row_hash: hex_digest(raw.to_string().as_bytes()),
        raw,
        errors: serde_json::Value::Array(errors),
    }
}

/// A fingerprint of a record's canonical fields: equal iff nothing changed.
pub(super) fn record_hash(r: &RegisterRecord) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update(bytes);
        h.update([0x1f]);
    };
    field(
        r.id_number
            .as_ref()
            .map_or(&b""[..], |n| n.as_str().as_bytes()),
    );
    field(r.name.as_str().as_bytes());
    field(r.sex.code().as_bytes());
    field(r.birth_date.to_string().as_bytes());
    field(r.ethnicity.map_or("", |e| e.code()).as_bytes());
    field(r.region_code.as_str().as_bytes());
    field(r.household_no.as_deref().unwrap_or_default().as_bytes());
    field(r.relation.map_or("", |e| e.code()).as_bytes());
    field(r.hukou_type.map_or("", |e| e.code()).as_bytes());
    field(r.status.as_str().as_bytes());
    field(
        r.death_date
            .map(|d| d.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    for (k, v) in &r.extra {
        field(k.as_bytes());
        field(v.as_bytes());
    }
    short_hex(&h.finalize())
}

/// The first 16 bytes of a digest in hex: enough to tell records apart.
fn short_hex(digest: &[u8]) -> String {
    hex::encode(&digest[..16])
}

/// A short hex digest of bytes.
fn hex_digest(bytes: &[u8]) -> String {
    short_hex(&Sha256::digest(bytes))
}
