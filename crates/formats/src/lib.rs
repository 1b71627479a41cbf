//! File formats. The register CSV (`formats/register-csv.md`) is how person
//! records travel between registers: a police extract, a family-planning
//! extract, an export of this system. Statistical reports leave as CSV or XLSX.

pub mod cells;
mod csv_file;
mod lenient_rows;
pub mod migrant_records;
pub mod register_csv;
pub mod report_files;
pub mod wis_cards;

pub use cells::{SafeCsvWriter, csv_value, shortened, xlsx_cell};
pub use lenient_rows::ValueProblem;
pub use migrant_records::{
    MigrantRecord, MigrantRecords, MigrantWriter, read_migrant_records, read_migrant_records_jsonl,
};
pub use register_csv::{
    Column, FileError, RegisterReader, RegisterRecord, RegisterWriter, RejectedRow, Row, RowError,
};
pub use report_files::{CsvHeadings, list_csv, list_xlsx, report_csv, report_xlsx};
pub use wis_cards::{
    CardProblem, UnreadableRow, WisCardWriter, WisCards, WomanCard, read_wis_cards,
};
