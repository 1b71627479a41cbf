//! Reading and writing the register CSV.
//!
//! The reader turns every row into either a normalised [`RegisterRecord`] or a
//! [`RejectedRow`] that keeps the row as written with one [`RowError`] per bad
//! field: nothing is dropped. Whole-file problems (not UTF-8, not CSV, a
//! required column missing) are a [`FileError`].

use std::collections::HashMap;
use std::io::{Read, Write};

use chrono::NaiveDate;

use crate::csv_file::CsvFile;
pub use crate::csv_file::FileError;
use renkou_domain::date::today_in_china;
use renkou_domain::{
    Ethnicity, HukouType, IdNumber, LifeStatus, PersonName, RegionCode, RegionLevel, Relation, Sex,
    parse_date,
};

pub use crate::csv_file::MAX_FIELD_BYTES;

/// The columns of the format, in the order this system writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    RecordId,
    IdNumber,
    Name,
    Sex,
    BirthDate,
    Ethnicity,
    RegionCode,
    HouseholdNo,
    Relation,
    HukouType,
    Status,
    DeathDate,
}

impl Column {
    /// Every column in canonical order.
    pub const ALL: [Column; 12] = [
        Column::RecordId,
        Column::IdNumber,
        Column::Name,
        Column::Sex,
        Column::BirthDate,
        Column::Ethnicity,
        Column::RegionCode,
        Column::HouseholdNo,
        Column::Relation,
        Column::HukouType,
        Column::Status,
        Column::DeathDate,
    ];

    /// The header name.
    pub fn header(self) -> &'static str {
        match self {
            Column::RecordId => "record_id",
            Column::IdNumber => "id_number",
            Column::Name => "name",
            Column::Sex => "sex",
            Column::BirthDate => "birth_date",
            Column::Ethnicity => "ethnicity",
            Column::RegionCode => "region_code",
            Column::HouseholdNo => "household_no",
            Column::Relation => "relation",
            Column::HukouType => "hukou_type",
            Column::Status => "status",
            Column::DeathDate => "death_date",
        }
    }

    /// Whether a file without this column is refused.
    pub fn required(self) -> bool {
        matches!(
            self,
            Column::RecordId | Column::Name | Column::Sex | Column::BirthDate | Column::RegionCode
        )
    }
}

/// One bad field of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line in the file where the row starts (the header is line 1).
    pub line: u64,
    /// Header name of the column.
    pub column: String,
    /// The value as written.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

/// A row that could not be normalised, kept whole for correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// Line in the file where the row starts.
    pub line: u64,
    /// The row's record id, when it has one.
    pub record_id: Option<String>,
    /// Every (header, value) of the row as written, unknown columns included.
    pub raw: Vec<(String, String)>,
    /// What is wrong, one entry per bad field.
    pub errors: Vec<RowError>,
}

/// A row in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRecord {
    /// Line in the file where the row starts.
    pub line: u64,
    pub record_id: String,
    pub id_number: Option<IdNumber>,
    pub name: PersonName,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub ethnicity: Option<Ethnicity>,
    pub region_code: RegionCode,
    pub household_no: Option<String>,
    pub relation: Option<Relation>,
    pub hukou_type: Option<HukouType>,
    pub status: LifeStatus,
    pub death_date: Option<NaiveDate>,
    /// Columns the format does not define, kept as written.
    pub extra: Vec<(String, String)>,
}

/// What the reader makes of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// Every field normalised.
    Record(Box<RegisterRecord>),
    /// At least one field refused; the row is kept as written.
    Rejected(RejectedRow),
}

/// Reads a register CSV row by row.
pub struct RegisterReader<R: Read> {
    csv: CsvFile<R>,
    layout: Layout,
    /// Line on which each record id was first seen.
    seen_ids: rustc_hash::FxHashMap<String, u64>,
    record: csv::StringRecord,
}

/// What the header says about where each column is; all a row needs to be parsed.
struct Layout {
    headers: Vec<String>,
    index: HashMap<Column, usize>,
    today: NaiveDate,
}

/// Rows parsed together on all cores by [`RegisterReader::read_all`].
const BATCH: usize = 16_384;

impl<R: Read> RegisterReader<R> {
    /// Opens a reader and checks the header row; `file` names the file in errors.
    pub fn new(input: R, file: &str) -> Result<Self, FileError> {
        let csv = CsvFile::open(input, file)?;
        let headers = csv.headers().to_vec();
        let mut index = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            if let Some(column) = Column::ALL.into_iter().find(|c| c.header() == h)
                && index.insert(column, i).is_some()
            {
                return Err(FileError::DuplicateColumn {
                    file: file.into(),
                    column: h.clone(),
                });
            }
        }
        if let Some(missing) = Column::ALL
            .into_iter()
            .find(|c| c.required() && !index.contains_key(c))
        {
            return Err(FileError::MissingColumn {
                file: file.into(),
                column: missing.header(),
            });
        }
        Ok(RegisterReader {
            csv,
            layout: Layout {
                headers,
                index,
                today: today_in_china(),
            },
            seen_ids: rustc_hash::FxHashMap::default(),
            record: csv::StringRecord::new(),
        })
    }

    /// The file name given at opening.
    pub fn file(&self) -> &str {
        self.csv.file()
    }

    /// Reads the next row; `Ok(None)` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<Row>, FileError> {
        let mut record = std::mem::take(&mut self.record);
        let next = self.read_record(&mut record)?;
        let row =
            next.map(|(line, duplicate_of)| self.layout.parse_row(&record, line, duplicate_of));
        self.record = record;
        Ok(row)
    }

    /// Reads the whole file, parsing rows on all cores; the same rows, in file
    /// order, as [`RegisterReader::next_row`] would give.
    pub fn read_all(self) -> Result<(Vec<RegisterRecord>, Vec<RejectedRow>), FileError> {
        let rows = self.map_batches(|layout, r, line, dup| layout.parse_row(r, line, dup))?;
        let mut records = Vec::new();
        let mut rejected = Vec::new();
        for row in rows {
            match row {
                Row::Record(r) => records.push(*r),
                Row::Rejected(r) => rejected.push(r),
            }
        }
        Ok((records, rejected))
    }

    /// Reads the whole file without normalising it, handing each row's fields
    /// as written (by column; empty where the file lacks the column) and its
    /// line to `map`, on all cores, in file order. For readers more lenient
    /// than import, such as record linkage, which must use every row.
    pub fn map_raw<T: Send>(
        self,
        map: impl for<'r> Fn(&'r dyn Fn(Column) -> &'r str, u64) -> T + Sync,
    ) -> Result<Vec<T>, FileError> {
        self.map_batches(|layout, r, line, _| map(&|c| layout.field(r, c), line))
    }

    /// Reads the file in batches and maps each batch's rows on all cores
    /// (row, line, line of an earlier row with the same id), in file order.
    fn map_batches<T: Send>(
        mut self,
        map: impl Fn(&Layout, &csv::StringRecord, u64, Option<u64>) -> T + Sync,
    ) -> Result<Vec<T>, FileError> {
        use rayon::prelude::*;
        let mut out = Vec::new();
        let mut batch: Vec<(csv::StringRecord, u64, Option<u64>)> = Vec::with_capacity(BATCH);
        loop {
            let mut record = csv::StringRecord::new();
            let next = self.read_record(&mut record)?;
            if let Some((line, duplicate_of)) = next {
                batch.push((record, line, duplicate_of));
            }
            if batch.len() == BATCH || (next.is_none() && !batch.is_empty()) {
                let layout = &self.layout;
                let rows: Vec<T> = batch
                    .par_iter()
                    .map(|(r, line, dup)| map(layout, r, *line, *dup))
                    .collect();
                out.extend(rows);
                batch.clear();
            }
            if next.is_none() {
                return Ok(out);
            }
        }
    }

    /// Reads the next non-blank record: its line, and the line of an earlier
    /// record with the same id, if any.
    fn read_record(
        &mut self,
        record: &mut csv::StringRecord,
    ) -> Result<Option<(u64, Option<u64>)>, FileError> {
        let Some(line) = self.csv.next_record(record)? else {
            return Ok(None);
        };
        let id = self.layout.field(record, Column::RecordId).trim();
        let duplicate_of = if id.is_empty() {
            None
        } else {
            match self.seen_ids.get(id) {
                Some(first) => Some(*first),
                None => {
                    self.seen_ids.insert(id.to_string(), line);
                    None
                }
            }
        };
        Ok(Some((line, duplicate_of)))
    }
}

impl Layout {
    /// The column's value, without the `'` an escaped formula-like cell carries.
    fn field<'r>(&self, record: &'r csv::StringRecord, column: Column) -> &'r str {
        self.index
            .get(&column)
            .and_then(|&i| record.get(i))
            .map_or("", crate::cells::csv_value)
    }

    fn parse_row(&self, record: &csv::StringRecord, line: u64, duplicate_of: Option<u64>) -> Row {
        let mut p = RowParser {
            layout: self,
            record,
            line,
            errors: Vec::new(),
        };
        if record.len() > self.headers.len() {
            let extra = record.len() - self.headers.len();
            p.errors.push(RowError {
                line,
                column: String::new(),
                value: String::new(),
                reason: format!("本行比表头多 {extra} 个字段"),
            });
        }
        let record_id = p.text(Column::RecordId).trim().to_string();
        if record_id.is_empty() {
            p.fail(Column::RecordId, "记录编号为空".into());
        } else if let Some(first) = duplicate_of {
            p.fail(Column::RecordId, format!("记录编号与第 {first} 行重复"));
        }
        let today = self.today;
        let id_number = p.optional(Column::IdNumber, |s| IdNumber::parse_at(s, today));
        let name = p.required(Column::Name, PersonName::parse);
        let sex = p.required(Column::Sex, Sex::parse);
        let birth_date = p.required(Column::BirthDate, parse_date);
        if let Some(b) = birth_date.filter(|b| *b > today) {
            p.fail(Column::BirthDate, format!("出生日期 {b} 晚于今天"));
        }
        let region_code = p.required(Column::RegionCode, RegionCode::parse);
        if let Some(code) = region_code.filter(|c| c.level() != RegionLevel::Village) {
            let level = code.level().chinese();
            p.fail(
                Column::RegionCode,
                format!("{code} 是{level}级代码，这里需要村（社区）代码"),
            );
        }
        let ethnicity = p.optional(Column::Ethnicity, Ethnicity::parse);
        let relation = p.optional(Column::Relation, Relation::parse);
        let hukou_type = p.optional(Column::HukouType, HukouType::parse);
        let death_date = p.optional(Column::DeathDate, parse_date);
        let status = if p.text(Column::Status).trim().is_empty() {
            // No status but a death date: the register means dead.
            Some(if death_date.is_some() {
                LifeStatus::Dead
            } else {
                LifeStatus::Active
            })
        } else {
            p.optional(Column::Status, |s| {
                // A merged record is the registry's own state, not a register's.
                LifeStatus::parse(s)
                    .filter(|s| *s != LifeStatus::Merged)
                    .ok_or("人员状态应为 active（正常）、dead（死亡）或 moved_out（迁出）")
            })
        };
        if let (Some(status), Some(d)) = (status, death_date) {
            if status != LifeStatus::Dead {
                p.fail(
                    Column::DeathDate,
                    format!("填写了死亡日期，但人员状态为{}", status.chinese()),
                );
            } else if birth_date.is_some_and(|b| d < b) {
                p.fail(Column::DeathDate, "死亡日期早于出生日期".into());
            } else if d > today {
                p.fail(Column::DeathDate, format!("死亡日期 {d} 晚于今天"));
            }
        }
        let household_no =
            Some(p.text(Column::HouseholdNo).trim().to_string()).filter(|s| !s.is_empty());
        let errors = p.errors;

        match (name, sex, birth_date, region_code, status) {
            (Some(name), Some(sex), Some(birth_date), Some(region_code), Some(status))
                if errors.is_empty() =>
            {
                Row::Record(Box::new(RegisterRecord {
                    line,
                    record_id,
                    id_number,
                    name,
                    sex,
                    birth_date,
                    ethnicity,
                    region_code,
                    household_no,
                    relation,
                    hukou_type,
                    status,
                    death_date,
                    extra: self.extra_columns(record),
                }))
            }
            _ => Row::Rejected(RejectedRow {
                line,
                record_id: Some(record_id).filter(|s| !s.is_empty()),
                raw: self
                    .headers
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_string))
                    .collect(),
                errors,
            }),
        }
    }

    fn extra_columns(&self, record: &csv::StringRecord) -> Vec<(String, String)> {
        let known: Vec<usize> = self.index.values().copied().collect();
        self.headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !known.contains(i) && !h.is_empty())
            .filter_map(|(i, h)| Some((h.clone(), record.get(i)?.to_string())))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
}

impl<R: Read> Iterator for RegisterReader<R> {
    type Item = Result<Row, FileError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}

/// One row being parsed: its fields, and the errors found so far.
struct RowParser<'a> {
    layout: &'a Layout,
    record: &'a csv::StringRecord,
    line: u64,
    errors: Vec<RowError>,
}

impl RowParser<'_> {
    /// The column's text as written ("" when the row is short or the column absent).
    fn text(&self, column: Column) -> &str {
        self.layout.field(self.record, column)
    }

    /// Records that the column's value was refused.
    fn fail(&mut self, column: Column, reason: String) {
        let value = self.text(column).to_string();
        self.errors.push(RowError {
            line: self.line,
            column: column.header().into(),
            value,
            reason,
        });
    }

    /// Parses a column that must have a value.
    fn required<T, E: ToString>(
        &mut self,
        column: Column,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        if self.text(column).trim().is_empty() {
            self.fail(column, format!("“{}”列必须填写", column.header()));
            return None;
        }
        self.optional(column, parse)
    }

    /// Parses a column that may be empty.
    fn optional<T, E: ToString>(
        &mut self,
        column: Column,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = self.text(column);
        if text.trim().is_empty() {
            return None;
        }
        parse(text)
            .map_err(|e| self.fail(column, e.to_string()))
            .ok()
    }
}

/// Writes a register CSV with the canonical header.
pub struct RegisterWriter<W: Write> {
    writer: crate::cells::SafeCsvWriter<W>,
}

impl<W: Write> RegisterWriter<W> {
    /// Starts a file and writes the header row.
    pub fn new(output: W) -> csv::Result<Self> {
        let mut writer = crate::cells::SafeCsvWriter::new(output);
        writer.write_record(Column::ALL.map(Column::header))?;
        Ok(RegisterWriter { writer })
    }

    /// Writes one record in canonical form.
    pub fn write(&mut self, r: &RegisterRecord) -> csv::Result<()> {
        let text = |v: Option<String>| v.unwrap_or_default();
        self.writer.write_record([
            r.record_id.clone(),
            text(r.id_number.map(|i| i.to_string())),
            r.name.to_string(),
            r.sex.code().to_string(),
            r.birth_date.to_string(),
            text(r.ethnicity.map(|e| e.code().to_string())),
            r.region_code.to_string(),
            text(r.household_no.clone()),
            text(r.relation.map(|e| e.code().to_string())),
            text(r.hukou_type.map(|e| e.code().to_string())),
            r.status.as_str().to_string(),
            text(r.death_date.map(|d| d.to_string())),
        ])
    }

    /// Flushes and returns the output.
    pub fn finish(self) -> std::io::Result<W> {
        self.writer.into_inner()
    }
}
