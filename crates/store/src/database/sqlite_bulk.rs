//! Bulk inserts on SQLite through its C API, inside the transaction sqlx has
//! open on the same connection: one statement prepared once and stepped per
//! row, values bound without copies. Through sqlx every bound value costs an
//! owned copy and a trip to its worker thread, which made a million-row load
//! several times slower than SQLite's own `.import`.
//!
//! sqlx documents `lock_handle` / `as_raw_handle` for exactly this; the
//! `libsqlite3-sys` version is pinned to the one sqlx links.

use std::ffi::{CStr, CString, c_int};
use std::ptr;

use libsqlite3_sys as ffi;
use sqlx::SqliteConnection;

use crate::error::{StoreError, StoreResult};

/// One value to bind.
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    /// Text made for this row (a formatted date): SQLite copies it.
    Owned(String),
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Value::Null, Value::Text)
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::Null, Value::Int)
    }
}

impl From<Option<chrono::NaiveDate>> for Value<'_> {
    fn from(v: Option<chrono::NaiveDate>) -> Self {
        v.map_or(Value::Null, |d| Value::Owned(d.to_string()))
    }
}

/// Finalizes the statement however the loop ends.
struct Statement(*mut ffi::sqlite3_stmt);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the pointer came from sqlite3_prepare_v2 and is finalized once.
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

/// Runs `sql` (an INSERT with `N` `?` parameters) once per row.
pub(crate) async fn insert<T, const N: usize>(
    conn: &mut SqliteConnection,
    sql: &str,
    rows: &[T],
    values: impl for<'r> Fn(&'r T) -> [Value<'r>; N],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut locked = conn.lock_handle().await?;
    let db = locked.as_raw_handle().as_ptr();
    // SAFETY: db is the live connection handle, locked for us by sqlx for the whole function.
    let statement = unsafe { prepare(db, sql)? };
    for row in rows {
        let bound = values(row);
        // SAFETY: every text pointer stays valid until the reset below (the row
        // and `bound` outlive it); Owned text is copied by SQLite (TRANSIENT).
        unsafe {
            for (i, value) in bound.iter().enumerate() {
                let at = (i + 1) as c_int;
                let rc = match value {
                    Value::Null => ffi::sqlite3_bind_null(statement.0, at),
                    Value::Int(n) => ffi::sqlite3_bind_int64(statement.0, at, *n),
                    Value::Text(s) => ffi::sqlite3_bind_text(
                        statement.0,
                        at,
                        s.as_ptr().cast(),
                        s.len() as c_int,
                        ffi::SQLITE_STATIC(),
                    ),
                    Value::Owned(s) => ffi::sqlite3_bind_text(
                        statement.0,
                        at,
                        s.as_ptr().cast(),
                        s.len() as c_int,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                };
                check(db, rc)?;
            }
            let rc = ffi::sqlite3_step(statement.0);
            if rc != ffi::SQLITE_DONE {
                let err = check(db, rc).err();
                ffi::sqlite3_reset(statement.0);
                return Err(
                    err.unwrap_or_else(|| StoreError::Sqlite(format!("step returned {rc}")))
                );
            }
            ffi::sqlite3_reset(statement.0);
        }
    }
    Ok(())
}

/// Prepares one statement on the connection; `Statement`'s drop finalizes it.
///
/// # Safety
/// `db` must be a live connection handle that nobody else uses meanwhile.
unsafe fn prepare(db: *mut ffi::sqlite3, sql: &str) -> StoreResult<Statement> {
    let text = CString::new(sql).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut raw = ptr::null_mut();
    // SAFETY: the caller vouches for db; text lives until prepare returns.
    unsafe {
        let rc = ffi::sqlite3_prepare_v2(db, text.as_ptr(), -1, &mut raw, ptr::null_mut());
        check(db, rc)?;
    }
    Ok(Statement(raw))
}

/// Turns an error code into the connection's error message.
unsafe fn check(db: *mut ffi::sqlite3, rc: c_int) -> StoreResult<()> {
    if rc == ffi::SQLITE_OK || rc == ffi::SQLITE_DONE || rc == ffi::SQLITE_ROW {
        return Ok(());
    }
    // SAFETY: db is live; the message is copied before any other call.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned();
    Err(StoreError::Sqlite(message))
}

/// Steps a query with text parameters and hands each row's first `N`
/// columns to `row` as text (NULL as `None`), borrowed until the next row.
/// Rows through sqlx's worker thread cost about a microsecond each, most of
/// the time of a report's tens of thousands of counters or of reading a
/// province's million persons; stepped here they cost far less.
pub(crate) async fn for_each_row<const N: usize>(
    conn: &mut SqliteConnection,
    sql: &str,
    params: &[&str],
    mut row: impl FnMut([Option<&str>; N]),
) -> StoreResult<()> {
    let mut locked = conn.lock_handle().await?;
    let db = locked.as_raw_handle().as_ptr();
    // SAFETY: db is the live connection handle, locked for us by sqlx for the
    // whole function; every bound text outlives the steps (`params` is
    // borrowed for the call); a column's text is read before the next step.
    unsafe {
        let statement = prepare(db, sql)?;
        for (i, p) in params.iter().enumerate() {
            let rc = ffi::sqlite3_bind_text(
                statement.0,
                (i + 1) as c_int,
                p.as_ptr().cast(),
                p.len() as c_int,
                ffi::SQLITE_STATIC(),
            );
            check(db, rc)?;
        }
        let column = |i: c_int| -> Option<&str> {
            let p = ffi::sqlite3_column_text(statement.0, i);
            if p.is_null() {
                return None;
            }
            let n = ffi::sqlite3_column_bytes(statement.0, i);
            let bytes = std::slice::from_raw_parts(p, n.max(0) as usize);
            // Renkou writes only UTF-8; anything else reads as empty.
            Some(std::str::from_utf8(bytes).unwrap_or(""))
        };
        loop {
            match ffi::sqlite3_step(statement.0) {
                ffi::SQLITE_ROW => row(std::array::from_fn(|i| column(i as c_int))),
                ffi::SQLITE_DONE => break,
                rc => {
                    check(db, rc)?;
                    break;
                }
            }
        }
        Ok(())
    }
}

/// Runs a query whose rows are (text, text, integer) with text parameters
/// and returns every row (see [`for_each_row`]).
pub(crate) async fn select_text_text_int(
    conn: &mut SqliteConnection,
    sql: &str,
    params: &[&str],
) -> StoreResult<Vec<(String, String, i64)>> {
    let mut out = Vec::new();
    for_each_row::<3>(conn, sql, params, |[a, b, n]| {
        out.push((
            a.unwrap_or_default().to_string(),
            b.unwrap_or_default().to_string(),
            n.and_then(|n| n.parse().ok()).unwrap_or(0),
        ))
    })
    .await?;
    Ok(out)
}
