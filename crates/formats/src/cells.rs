//! Cell values made safe for the spreadsheet that opens a file: a CSV cell
//! that Excel would run as a formula is escaped (OWASP's advice: a leading
//! `'`), and an XLSX cell is kept within Excel's 32,767 characters. The
//! database keeps the value as entered; only the file is escaped.

use std::borrow::Cow;
use std::io::Write;

/// Excel's limit on the characters of one cell.
pub const XLSX_CELL_CHARS: usize = 32_767;

/// Whether a spreadsheet would read `value` as a formula: it starts with
/// `= + - @`, a tab or a carriage return, and is not simply a number.
fn is_formula(value: &[u8]) -> bool {
    match value.first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => std::str::from_utf8(value)
            .ok()
            .is_none_or(|v| v.parse::<f64>().is_err()),
        _ => false,
    }
}

/// Whether the value gets a leading `'`: it is formula-like, or it already
/// starts with `'` before one (so that the `'` reads back as written).
fn needs_escape(value: &[u8]) -> bool {
    is_formula(value) || value.strip_prefix(b"'").is_some_and(needs_escape)
}

/// The cell as a CSV file holds it: a formula-like value gets a leading `'`.
pub fn csv_cell(value: &[u8]) -> Cow<'_, [u8]> {
    if needs_escape(value) {
        let mut escaped = Vec::with_capacity(value.len() + 1);
        escaped.push(b'\'');
        escaped.extend_from_slice(value);
        Cow::Owned(escaped)
    } else {
        Cow::Borrowed(value)
    }
}

/// The value a CSV cell stands for: the `'` that [`csv_cell`] adds is taken
/// off again, so an exported file imports as it was.
pub fn csv_value(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_escape(rest.as_bytes()) => rest,
        _ => cell,
    }
}

/// The value in at most `chars` characters: a longer one is cut and ends
/// in `…` (for a cell, or a list that shows only the start of a value).
pub fn shortened(value: &str, chars: usize) -> Cow<'_, str> {
    match value.char_indices().nth(chars) {
        Some(_) => {
            let end = value
                .char_indices()
                .nth(chars.saturating_sub(1))
                .map_or(value.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &value[..end]))
        }
        None => Cow::Borrowed(value),
    }
}

/// The cell as an XLSX file holds it: cut to Excel's limit, marked `…`.
pub fn xlsx_cell(value: &str) -> Cow<'_, str> {
    shortened(value, XLSX_CELL_CHARS)
}

/// A CSV writer whose every cell goes through [`csv_cell`]; the one way this
/// system writes CSV.
pub struct SafeCsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> SafeCsvWriter<W> {
    /// Writes CSV to `output`.
    pub fn new(output: W) -> Self {
        SafeCsvWriter {
            inner: csv::Writer::from_writer(output),
        }
    }

    /// Writes one row, escaping formula-like cells.
    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        for cell in record {
            self.inner.write_field(csv_cell(cell.as_ref()))?;
        }
        self.inner.write_record(None::<&[u8]>)
    }

    /// Flushes the buffered rows.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    /// Flushes and returns the output.
    pub fn into_inner(self) -> std::io::Result<W> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_formula_is_escaped_and_a_number_is_not() {
        for formula in ["=HYPERLINK(\"x\")", "+SUM(A:A)", "-2+3", "@cmd", "\tx"] {
            assert_eq!(csv_cell(formula.as_bytes())[0], b'\'', "{formula}");
        }
        for plain in ["-12", "+3.5", "张三", "110101", ""] {
            assert_eq!(&*csv_cell(plain.as_bytes()), plain.as_bytes(), "{plain}");
        }
    }

    #[test]
    fn a_cell_too_long_for_excel_is_cut_to_its_limit() {
        let long = "长".repeat(40_000);
        assert_eq!(xlsx_cell(&long).chars().count(), XLSX_CELL_CHARS);
        assert_eq!(xlsx_cell("短"), "短");
    }

    proptest! {
        #[test]
        fn every_value_comes_back_from_its_escaped_cell(value in ".*") {
            let cell = csv_cell(value.as_bytes()).into_owned();
            let cell = String::from_utf8(cell).unwrap();
            prop_assert_eq!(csv_value(&cell), value.as_str());
        }
    }
}
