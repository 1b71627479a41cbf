//! Exchange formats. The register CSV (`formats/register-csv.md`) is how person
//! records travel between registers: a police extract, a family-planning
//! extract, an export of this system.

pub mod register_csv;

pub use register_csv::{
    Column, FileError, RegisterReader, RegisterRecord, RegisterWriter, RejectedRow, Row, RowError,
};
