//! Reports as files: CSV (one header row — Chinese headings after a byte
//! order mark, so that Excel reads the file as UTF-8, or the columns' keys
//! for programs — then one row per region and the total last) and XLSX
//! (Chinese headings, frozen header row, numbers as numbers).

use renkou_domain::report::{Cell, Report, ReportRow};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::cells::{SafeCsvWriter, xlsx_cell};

/// What the heading row of a CSV report holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvHeadings {
    /// The Chinese headings, after a UTF-8 byte order mark (for people, in Excel).
    #[default]
    Chinese,
    /// The columns' keys, no byte order mark (for programs).
    Keys,
}

/// The heading row: code, name, then every column.
fn headings(report: &Report, kind: CsvHeadings) -> Vec<&str> {
    match kind {
        CsvHeadings::Keys => {
            let mut out = vec!["region_code", "region_name"];
            out.extend(report.columns.iter().map(|c| c.key.as_str()));
            out
        }
        CsvHeadings::Chinese => {
            let mut out = vec!["区划代码", "区划名称"];
            out.extend(report.columns.iter().map(|c| c.title.as_str()));
            out
        }
    }
}

/// The byte order mark that tells Excel a CSV file is UTF-8.
const UTF8_BOM: &[u8] = "\u{feff}".as_bytes();

/// A CSV writer into memory, started with the byte order mark Chinese
/// headings want.
fn csv_writer(kind: CsvHeadings) -> SafeCsvWriter<Vec<u8>> {
    SafeCsvWriter::new(match kind {
        CsvHeadings::Chinese => UTF8_BOM.to_vec(),
        CsvHeadings::Keys => Vec::new(),
    })
}

/// The rows in file order: each region, then the region as a whole.
fn rows(report: &Report) -> impl Iterator<Item = &ReportRow> {
    report.rows.iter().chain(std::iter::once(&report.total))
}

/// The report as CSV text; the last row is the region as a whole ("合计").
pub fn report_csv(report: &Report, kind: CsvHeadings) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv_writer(kind);
    w.write_record(headings(report, kind))?;
    for (i, row) in rows(report).enumerate() {
        let name = if i == report.rows.len() {
            format!("{}(合计)", row.region_name)
        } else {
            row.region_name.clone()
        };
        let mut record = vec![row.region_code.to_string(), name];
        record.extend(report.columns.iter().map(|c| {
            row.get(&c.key)
                .map(|cell| cell.to_string())
                .unwrap_or_default()
        }));
        w.write_record(record)?;
    }
    Ok(w.into_inner()?)
}

/// The report as an XLSX workbook: a title line, Chinese headings frozen
/// above the rows, the total in bold at the bottom.
pub fn report_xlsx(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(report.report.as_str())?;
    let bold = Format::new().set_bold();
    let ratio = Format::new().set_num_format("0.00");
    let title = match &report.period {
        Some(p) => format!("{} {}（{}）", report.region.name, report.title, p),
        None => format!("{} {}（{}）", report.region.name, report.title, report.date),
    };
    sheet.write_string_with_format(0, 0, &title, &bold)?;
    let mut headings = vec!["区划代码".to_string(), "区划名称".to_string()];
    headings.extend(report.columns.iter().map(|c| c.title.clone()));
    for (col, heading) in headings.iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, heading, &bold)?;
    }
    sheet.set_freeze_panes(2, 2)?;
    sheet.set_column_width(0, 14)?;
    sheet.set_column_width(1, 18)?;
    for (i, row) in rows(report).enumerate() {
        let r = (i + 2) as u32;
        let total = i == report.rows.len();
        let name = if total {
            format!("{}(合计)", row.region_name)
        } else {
            row.region_name.clone()
        };
        if total {
            sheet.write_string_with_format(r, 0, row.region_code.as_str(), &bold)?;
            sheet.write_string_with_format(r, 1, &name, &bold)?;
        } else {
            sheet.write_string(r, 0, row.region_code.as_str())?;
            sheet.write_string(r, 1, &name)?;
        }
        for (c, column) in report.columns.iter().enumerate() {
            let col = (c + 2) as u16;
            match row.get(&column.key) {
                Some(Cell::Count(n)) if total => {
                    sheet.write_number_with_format(r, col, n as f64, &bold)?
                }
                Some(Cell::Count(n)) => sheet.write_number(r, col, n as f64)?,
                Some(Cell::Ratio(Some(v))) => sheet.write_number_with_format(r, col, v, &ratio)?,
                _ => sheet.write_blank(r, col, &Format::new())?,
            };
        }
    }
    book.save_to_buffer()
}

/// A list (persons …) as CSV: the headings (Chinese after a byte order
/// mark, or the keys for programs), then the rows.
pub fn list_csv(
    headings: &[&str],
    rows: &[Vec<String>],
    kind: CsvHeadings,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv_writer(kind);
    w.write_record(headings)?;
    for row in rows {
        w.write_record(row)?;
    }
    Ok(w.into_inner()?)
}

/// A list (tasks, persons …) as an XLSX workbook: a title line, then the
/// Chinese headings in bold, frozen above the rows; every cell as text.
pub fn list_xlsx(
    title: &str,
    headings: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, title, &bold)?;
    for (col, heading) in headings.iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, *heading, &bold)?;
        sheet.set_column_width(col as u16, 16)?;
    }
    sheet.set_freeze_panes(2, 0)?;
    for (i, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            sheet.write_string((i + 2) as u32, col as u16, xlsx_cell(value))?;
        }
    }
    book.save_to_buffer()
}
