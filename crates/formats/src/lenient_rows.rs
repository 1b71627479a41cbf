//! What the lenient readers of exchange files share (the legacy WIS cards,
//! incoming migrant records): each value read on its own, a wrong one
//! reported with file, line, column and reason, the row kept as written
//! when it cannot be used.

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;
use renkou_domain::parse_date;

use crate::csv_file::{CsvFile, FileError};

/// A value that could not be read, where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValueProblem {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// One row being read: its fields by header, and the problems found.
pub(crate) struct Fields<'a> {
    pub file: &'a str,
    pub line: u64,
    pub headers: &'a [String],
    pub record: &'a csv::StringRecord,
    pub problems: Vec<ValueProblem>,
}

impl Fields<'_> {
    pub fn text(&self, column: &str) -> &str {
        self.headers
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.record.get(i))
            .map_or("", |v| crate::cells::csv_value(v).trim())
    }

    pub fn problem(&mut self, column: &str, value: &str, reason: impl Into<String>) {
        self.problems.push(ValueProblem {
            file: self.file.to_string(),
            line: self.line,
            column: column.to_string(),
            value: value.to_string(),
            reason: reason.into(),
        });
    }

    /// A value that may be empty, parsed when it is not; a wrong one is reported.
    pub fn read<T, E: std::fmt::Display>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = self.text(column).to_string();
        if text.is_empty() {
            return None;
        }
        match parse(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(column, &text, e.to_string());
                None
            }
        }
    }

    /// A value the row cannot do without.
    pub fn needed<T, E: std::fmt::Display>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        if self.text(column).is_empty() {
            self.problem(column, "", "此项必填");
            return None;
        }
        self.read(column, parse)
    }

    pub fn raw(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .cloned()
            .zip(self.record.iter().map(str::to_string))
            .collect()
    }
}

/// A date in any of the register layouts, refused in Chinese.
pub(crate) fn date(text: &str) -> Result<NaiveDate, String> {
    parse_date(text).map_err(|_| format!("日期“{text}”无法识别"))
}

pub(crate) fn checked_columns<R: Read>(
    csv: &CsvFile<R>,
    required: &[&'static str],
) -> Result<(), FileError> {
    let mut seen = HashMap::new();
    for h in csv.headers() {
        if !h.is_empty() && seen.insert(h.as_str(), ()).is_some() {
            return Err(FileError::DuplicateColumn {
                file: csv.file().into(),
                column: h.clone(),
            });
        }
    }
    match required.iter().find(|c| !seen.contains_key(**c)) {
        Some(missing) => Err(FileError::MissingColumn {
            file: csv.file().into(),
            column: missing,
        }),
        None => Ok(()),
    }
}
