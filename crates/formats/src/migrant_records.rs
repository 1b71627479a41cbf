//! Incoming migrant records: the register CSV (`formats/register-csv.md`)
//! plus where the person is registered (`hukou_region`) and the day they
//! came (`arrival_date`), and optionally why (`reason`), where they work
//! (`workplace`), live (`address`) and their `phone` — as a department or
//! another region reports them (`docs/exchange-formats.md`). Every value is
//! read leniently, as the register's are; a row lacking what it cannot do
//! without is kept whole and reported as unreadable, and a wrong optional
//! value (a mistyped identity number) is reported while the row is used.

use std::io::{Read, Write};

use chrono::NaiveDate;
use renkou_domain::date::today_in_china;
use renkou_domain::migrants::{MigrantDetails, MoveReason};
use renkou_domain::{Ethnicity, HukouType, IdNumber, PersonName, PhoneNumber, RegionCode, Sex};

use crate::cells::SafeCsvWriter;
use crate::csv_file::{CsvFile, FileError};
use crate::lenient_rows::{Fields, ValueProblem, checked_columns, date};
use crate::wis_cards::UnreadableRow;

/// The columns, in the order this system writes them.
pub const MIGRANT_COLUMNS: [&str; 16] = [
    "record_id",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "region_code",
    "household_no",
    "relation",
    "hukou_type",
    "hukou_region",
    "arrival_date",
    "reason",
    "workplace",
    "address",
    "phone",
];
const REQUIRED: [&str; 7] = [
    "record_id",
    "name",
    "sex",
    "birth_date",
    "region_code",
    "hukou_region",
    "arrival_date",
];

/// One migrant as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrantRecord {
    pub record_id: String,
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// The identity number, when it reads and passes its check.
    pub id_number: Option<IdNumber>,
    /// The identity number as written (evidence for matching even when wrong).
    pub id_text: String,
    pub name: PersonName,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub ethnicity: Option<Ethnicity>,
    pub hukou_type: Option<HukouType>,
    /// The village they live in now.
    pub region: RegionCode,
    /// Where they are registered.
    pub hukou_region: RegionCode,
    /// The day they came.
    pub arrived_on: NaiveDate,
    /// Why, where they work and live.
    pub details: MigrantDetails,
    pub phone: Option<PhoneNumber>,
    /// Columns the format does not know, kept.
    pub extra: Vec<(String, String)>,
    /// The row as written (header, value), to keep it whole if it cannot be used after all.
    pub raw: Vec<(String, String)>,
}

/// A file of migrant records, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrantRecords {
    /// Rows read, usable or not.
    pub rows: usize,
    pub records: Vec<MigrantRecord>,
    /// Every value not understood (of used and unusable rows alike).
    pub problems: Vec<ValueProblem>,
    /// Rows that could not be used, kept as written.
    pub unreadable: Vec<UnreadableRow>,
}

/// Reads a file of migrant records; a file that is not one (a required
/// column missing, not CSV, not UTF-8) is refused whole.
pub fn read_migrant_records(input: impl Read, file: &str) -> Result<MigrantRecords, FileError> {
    let today = today_in_china();
    let mut out = MigrantRecords::default();
    let mut csv = CsvFile::open(input, file)?;
    checked_columns(&csv, &REQUIRED)?;
    let headers = csv.headers().to_vec();
    let mut record = csv::StringRecord::new();
    let mut first_line = std::collections::HashMap::new();
    while let Some(line) = csv.next_record(&mut record)? {
        out.rows += 1;
        let mut f = Fields {
            file,
            line,
            headers: &headers,
            record: &record,
            problems: Vec::new(),
        };
        let record_id = f.text("record_id").to_string();
        let duplicate = first_line.get(&record_id).copied();
        if record_id.is_empty() {
            f.problem("record_id", "", "此项必填");
        } else if let Some(first) = duplicate {
            f.problem(
                "record_id",
                &record_id,
                format!("记录号重复，首次出现于第 {first} 行"),
            );
        } else {
            first_line.insert(record_id.clone(), line);
        }
        let name = f.needed("name", PersonName::parse);
        let sex = f.needed("sex", Sex::parse);
        let birth_date = f.needed("birth_date", date);
        let region = f.needed("region_code", RegionCode::parse);
        let hukou_region = f.needed("hukou_region", RegionCode::parse);
        let mut arrived_on = f.needed("arrival_date", date);
        if let (Some(arrived), Some(born)) = (arrived_on, birth_date) {
            let text = f.text("arrival_date").to_string();
            if arrived > today {
                f.problem("arrival_date", &text, format!("日期 {arrived} 晚于今天"));
                arrived_on = None;
            } else if arrived < born {
                f.problem(
                    "arrival_date",
                    &text,
                    format!("日期 {arrived} 早于出生日期 {born}"),
                );
                arrived_on = None;
            }
        }
        let id_text = f.text("id_number").to_string();
        let id_number = f.read("id_number", IdNumber::parse);
        let ethnicity = f.read("ethnicity", Ethnicity::parse);
        let hukou_type = f.read("hukou_type", HukouType::parse);
        let reason = f.read("reason", MoveReason::parse);
        let phone = f.read("phone", PhoneNumber::parse);
        let text = |f: &Fields, c: &str| Some(f.text(c).to_string()).filter(|v| !v.is_empty());
        let details = MigrantDetails {
            reason,
            workplace: text(&f, "workplace"),
            address: text(&f, "address"),
            reported_by: None,
        };
        match (name, sex, birth_date, region, hukou_region, arrived_on) {
            (
                Some(name),
                Some(sex),
                Some(birth_date),
                Some(region),
                Some(hukou_region),
                Some(arrived_on),
            ) if !record_id.is_empty() && duplicate.is_none() => {
                out.records.push(MigrantRecord {
                    record_id,
                    line,
                    id_number,
                    id_text,
                    name,
                    sex,
                    birth_date,
                    ethnicity,
                    hukou_type,
                    region,
                    hukou_region,
                    arrived_on,
                    details,
                    phone,
                    extra: headers
                        .iter()
                        .zip(record.iter())
                        .filter(|(h, v)| {
                            !MIGRANT_COLUMNS.contains(&h.as_str()) && !v.trim().is_empty()
                        })
                        .map(|(h, v)| (h.clone(), v.to_string()))
                        .collect(),
                    raw: f.raw(),
                });
            }
            _ => out.unreadable.push(UnreadableRow {
                file: file.into(),
                is_card: true,
                line,
                card_id: record_id,
                raw: f.raw(),
            }),
        }
        out.problems.append(&mut f.problems);
    }
    Ok(out)
}

/// Reads the same records as JSON Lines: one object a line, its keys the
/// columns (values as strings or numbers). A line that is not a JSON
/// object is reported and kept; lines are numbered as in the file.
pub fn read_migrant_records_jsonl(input: &[u8], file: &str) -> Result<MigrantRecords, FileError> {
    let text = std::str::from_utf8(input).map_err(|e| FileError::NotUtf8 {
        file: file.into(),
        line: input[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
            + 1,
    })?;
    let mut columns: Vec<String> = Vec::new();
    let mut objects: Vec<(u64, serde_json::Map<String, serde_json::Value>)> = Vec::new();
    let mut broken: Vec<(u64, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let number = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(o)) => {
                for k in o.keys() {
                    if !columns.contains(k) {
                        columns.push(k.clone());
                    }
                }
                objects.push((number, o));
            }
            _ => broken.push((number, line.to_string())),
        }
    }
    if objects.is_empty() && broken.is_empty() {
        return Err(FileError::Empty { file: file.into() });
    }
    // As the CSV reader reads them: a header, then a row per object.
    let mut csv = SafeCsvWriter::new(Vec::new());
    csv.write_record(&columns)
        .map_err(|_| FileError::Empty { file: file.into() })?;
    for (_, o) in &objects {
        let row: Vec<String> = columns
            .iter()
            .map(|c| match o.get(c) {
                Some(serde_json::Value::String(v)) => v.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            })
            .collect();
        csv.write_record(&row)
            .map_err(|_| FileError::Empty { file: file.into() })?;
    }
    let bytes = csv
        .into_inner()
        .map_err(|_| FileError::Empty { file: file.into() })?;
    let mut read = read_migrant_records(bytes.as_slice(), file)?;
    // CSV line k + 2 is object k.
    let line_of = |csv_line: u64| {
        objects
            .get((csv_line as usize).saturating_sub(2))
            .map_or(csv_line, |(n, _)| *n)
    };
    for r in &mut read.records {
        r.line = line_of(r.line);
    }
    for p in &mut read.problems {
        p.line = line_of(p.line);
    }
    for u in &mut read.unreadable {
        u.line = line_of(u.line);
    }
    for (line, raw) in broken {
        read.rows += 1;
        read.problems.push(ValueProblem {
            file: file.into(),
            line,
            column: String::new(),
            value: raw.chars().take(80).collect(),
            reason: "不是 JSON 对象".into(),
        });
        read.unreadable.push(UnreadableRow {
            file: file.into(),
            is_card: true,
            line,
            card_id: String::new(),
            raw: vec![("json".into(), raw)],
        });
    }
    Ok(read)
}

/// Writes migrant records in the format (for exports and generated data).
pub struct MigrantWriter<W: Write> {
    csv: SafeCsvWriter<W>,
}

impl<W: Write> MigrantWriter<W> {
    /// Starts a file with its header.
    pub fn new(output: W) -> csv::Result<Self> {
        let mut csv = SafeCsvWriter::new(output);
        csv.write_record(MIGRANT_COLUMNS)?;
        Ok(MigrantWriter { csv })
    }

    /// Writes one row, the values as texts in column order.
    pub fn write(&mut self, row: &[&str; 16]) -> csv::Result<()> {
        self.csv.write_record(row)
    }

    /// Flushes and returns the output.
    pub fn finish(self) -> std::io::Result<W> {
        self.csv.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "record_id,id_number,name,sex,birth_date,region_code,hukou_region,arrival_date,reason,employer\n";

    #[test]
    fn a_mistyped_number_is_reported_and_the_row_still_used() {
        let text = format!(
            "{HEADER}r1,110105194912310022,王芳,2,1949-12-31,510104001001,500103000000,2026年3月1日,务工经商,某厂\n"
        );
        let read = read_migrant_records(text.as_bytes(), "m.csv").unwrap();
        assert_eq!(read.records.len(), 1);
        let r = &read.records[0];
        assert_eq!(r.arrived_on.to_string(), "2026-03-01");
        assert_eq!(r.details.reason.map(|m| m.name()), Some("务工经商"));
        assert_eq!(r.extra, vec![("employer".to_string(), "某厂".to_string())]);
        assert!(r.id_number.is_none());
        assert_eq!(read.problems[0].column, "id_number");
        assert_eq!(read.problems[0].line, 2);
    }

    #[test]
    fn a_row_without_its_registration_or_arrival_is_kept_unreadable_with_where_and_why() {
        let text = format!(
            "{HEADER}r1,,王芳,2,1990-01-01,510104001001,,2026-03-01,,\nr2,,李四,1,1990-01-01,510104001001,500103000000,1989-01-01,,\n"
        );
        let read = read_migrant_records(text.as_bytes(), "m.csv").unwrap();
        assert!(read.records.is_empty());
        assert_eq!(read.unreadable.len(), 2);
        let where_why: Vec<(u64, &str, &str)> = read
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_str(), p.reason.as_str()))
            .collect();
        assert_eq!(
            where_why,
            vec![
                (2, "hukou_region", "此项必填"),
                (3, "arrival_date", "日期 1989-01-01 早于出生日期 1990-01-01")
            ]
        );
    }

    #[test]
    fn json_lines_read_as_the_csv_with_their_own_line_numbers() {
        let text = "{\"record_id\":\"r1\",\"name\":\"王芳\",\"sex\":2,\"birth_date\":\"1990-01-01\",\"region_code\":\"510104001001\",\"hukou_region\":\"500103000000\",\"arrival_date\":\"2026-03-01\"}\n\
                    not json\n\
                    {\"record_id\":\"r2\",\"name\":\"李四\",\"sex\":\"1\",\"birth_date\":\"1990-02-30\",\"region_code\":\"510104001001\",\"hukou_region\":\"500103000000\",\"arrival_date\":\"2026-03-01\"}\n";
        let read = read_migrant_records_jsonl(text.as_bytes(), "m.jsonl").unwrap();
        assert_eq!(read.rows, 3);
        assert_eq!(read.records.len(), 1);
        assert_eq!(read.records[0].line, 1);
        let placed: Vec<(u64, &str)> = read
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_str()))
            .collect();
        assert_eq!(placed, vec![(3, "birth_date"), (2, "")]);
    }

    #[test]
    fn a_file_without_the_arrival_column_is_refused_whole() {
        let text = "record_id,name,sex,birth_date,region_code,hukou_region\n";
        let e = read_migrant_records(text.as_bytes(), "m.csv").unwrap_err();
        assert_eq!(e.to_string(), "m.csv：表头缺少必需的列“arrival_date”");
    }
}
