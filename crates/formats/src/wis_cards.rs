//! The legacy WIS card export (`formats/wis-card-csv.md`): `women.csv`, one
//! card per woman, and `children.csv`, one row per child. Every value is
//! read leniently, as the register's are (15-digit and full-width numbers,
//! four date layouts, padded names); a value that cannot be read is reported
//! with file, line, column and reason. A card or child lacking what it
//! cannot do without (its card, a name or birth date, a village) is kept
//! whole and reported as unreadable; the rest are used.

use std::collections::HashMap;
use std::io::{Read, Write};

use chrono::NaiveDate;
use renkou_domain::wis::{ChildHealth, LegacyCard, LegacyChild, Method, Outcome};
use renkou_domain::{IdNumber, MaritalStatus, PersonName, RegionCode, Sex};

use crate::cells::SafeCsvWriter;
use crate::csv_file::{CsvFile, FileError};
use crate::lenient_rows::{Fields, checked_columns, date};

/// The columns of `women.csv`, in the order this system writes them.
pub const WOMEN_COLUMNS: [&str; 12] = [
    "card_id",
    "id_number",
    "name",
    "birth_date",
    "region_code",
    "marital_status",
    "marriage_date",
    "spouse_name",
    "spouse_id_number",
    "method",
    "method_start",
    "pregnant_since",
];
const WOMEN_REQUIRED: [&str; 4] = ["card_id", "name", "birth_date", "region_code"];

/// The columns of `children.csv`.
pub const CHILDREN_COLUMNS: [&str; 8] = [
    "card_id",
    "name",
    "id_number",
    "sex",
    "birth_date",
    "outcome",
    "health",
    "alive",
];
const CHILDREN_REQUIRED: [&str; 4] = ["card_id", "sex", "birth_date", "outcome"];

/// A woman's card as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WomanCard {
    pub card_id: String,
    /// Line in `women.csv` (the header is line 1).
    pub line: u64,
    /// The identity number, when it reads and passes its check.
    pub id_number: Option<IdNumber>,
    /// The identity number as written: even a mistyped one is evidence for
    /// finding her in the register.
    pub id_text: String,
    /// Her name as written, trimmed.
    pub name: String,
    pub birth_date: NaiveDate,
    /// Her village.
    pub region: RegionCode,
    pub spouse_name: Option<String>,
    /// What the card says beyond who she is: marriage, method, pregnancy,
    /// and the children of `children.csv`.
    pub facts: LegacyCard,
    /// Columns the format does not know, kept with the card.
    pub extra: Vec<(String, String)>,
}

pub use crate::lenient_rows::ValueProblem as CardProblem;

/// A row that could not be used, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableRow {
    pub file: String,
    /// A card (a row of the women's file), not a child row.
    pub is_card: bool,
    pub line: u64,
    pub card_id: String,
    /// (header, value) as written.
    pub raw: Vec<(String, String)>,
}

/// Both files of an export, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WisCards {
    /// Rows of `women.csv` read, usable or not.
    pub cards_read: usize,
    pub women: Vec<WomanCard>,
    /// Children read and placed on their cards.
    pub children: usize,
    /// Every value not understood (of used and unusable rows alike).
    pub problems: Vec<CardProblem>,
    /// Rows that could not be used.
    pub unreadable: Vec<UnreadableRow>,
}

/// Reads both files of an export; a file that is not a card file (a column
/// missing, not CSV, not UTF-8) is refused whole.
pub fn read_wis_cards(
    women: impl Read,
    women_file: &str,
    children: impl Read,
    children_file: &str,
) -> Result<WisCards, FileError> {
    let mut out = WisCards::default();
    let mut csv = CsvFile::open(women, women_file)?;
    checked_columns(&csv, &WOMEN_REQUIRED)?;
    let headers = csv.headers().to_vec();
    let mut record = csv::StringRecord::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    while let Some(line) = csv.next_record(&mut record)? {
        out.cards_read += 1;
        let mut f = Fields {
            file: women_file,
            line,
            headers: &headers,
            record: &record,
            problems: Vec::new(),
        };
        let card_id = f.text("card_id").to_string();
        let name = f.text("name").to_string();
        let duplicate = first_line.get(&card_id).copied();
        if card_id.is_empty() {
            f.problem("card_id", "", "此项必填");
        } else if let Some(first) = duplicate {
            f.problem(
                "card_id",
                &card_id,
                format!("卡号重复，首次出现于第 {first} 行"),
            );
        } else {
            first_line.insert(card_id.clone(), line);
        }
        if name.is_empty() {
            f.problem("name", "", "此项必填");
        } else if let Err(e) = PersonName::parse(&name) {
            f.problem("name", &name, e.to_string());
        }
        let birth_date = f.needed("birth_date", date);
        let region = f.needed("region_code", RegionCode::parse);
        let id_text = f.text("id_number").to_string();
        let id_number = f.read("id_number", IdNumber::parse);
        let marital_status = f.read("marital_status", MaritalStatus::parse);
        let marriage_date = f.read("marriage_date", date);
        let spouse_name = Some(f.text("spouse_name").to_string()).filter(|s| !s.is_empty());
        let spouse_id_number = f.read("spouse_id_number", IdNumber::parse);
        let method = f.read("method", Method::parse);
        let method_start = f.read("method_start", date);
        let pregnant_since = f.read("pregnant_since", date);
        let named = PersonName::parse(&name).is_ok();
        match (birth_date, region) {
            (Some(birth_date), Some(region))
                if !card_id.is_empty() && duplicate.is_none() && named =>
            {
                out.women.push(WomanCard {
                    card_id,
                    line,
                    id_number,
                    id_text,
                    name,
                    birth_date,
                    region,
                    spouse_name,
                    facts: LegacyCard {
                        marital_status,
                        marriage_date,
                        spouse_id_number,
                        method,
                        method_start,
                        pregnant_since,
                        children: Vec::new(),
                    },
                    extra: headers
                        .iter()
                        .zip(record.iter())
                        .filter(|(h, v)| {
                            !WOMEN_COLUMNS.contains(&h.as_str()) && !v.trim().is_empty()
                        })
                        .map(|(h, v)| (h.clone(), v.to_string()))
                        .collect(),
                });
            }
            _ => out.unreadable.push(UnreadableRow {
                file: women_file.into(),
                is_card: true,
                line,
                card_id,
                raw: f.raw(),
            }),
        }
        out.problems.append(&mut f.problems);
    }
    let cards: HashMap<String, usize> = out
        .women
        .iter()
        .enumerate()
        .map(|(i, w)| (w.card_id.clone(), i))
        .collect();
    let mut csv = CsvFile::open(children, children_file)?;
    checked_columns(&csv, &CHILDREN_REQUIRED)?;
    let headers = csv.headers().to_vec();
    let mut unreadable = Vec::new();
    let mut problems = Vec::new();
    while let Some(line) = csv.next_record(&mut record)? {
        let mut f = Fields {
            file: children_file,
            line,
            headers: &headers,
            record: &record,
            problems: Vec::new(),
        };
        let card_id = f.text("card_id").to_string();
        if card_id.is_empty() {
            f.problem("card_id", "", "此项必填");
        } else if !cards.contains_key(&card_id) {
            f.problem("card_id", &card_id, "women.csv 中没有可用的该卡号");
        }
        let sex = f.needed("sex", Sex::parse);
        let birth_date = f.needed("birth_date", date);
        let outcome = f.needed("outcome", Outcome::parse);
        let name = f.read("name", PersonName::parse);
        let id_number = f.read("id_number", IdNumber::parse);
        let health = f.read("health", ChildHealth::parse);
        let alive = f.read("alive", |v| match v {
            "1" => Ok(true),
            "0" => Ok(false),
            other => Err(format!("“{other}”应为 1（在世）或 0（已故）")),
        });
        match (sex, birth_date, outcome, cards.get(&card_id)) {
            (Some(sex), Some(birth_date), Some(outcome), Some(&i)) => {
                out.women[i].facts.children.push(LegacyChild {
                    name,
                    id_number,
                    sex,
                    birth_date,
                    outcome,
                    health,
                    alive,
                });
                out.children += 1;
            }
            _ => unreadable.push(UnreadableRow {
                file: children_file.into(),
                is_card: false,
                line,
                card_id,
                raw: f.raw(),
            }),
        }
        problems.append(&mut f.problems);
    }
    out.unreadable.extend(unreadable);
    out.problems.extend(problems);
    Ok(out)
}

/// Writes an export: the two files, their canonical headers first.
pub struct WisCardWriter<W: Write> {
    women: SafeCsvWriter<W>,
    children: SafeCsvWriter<W>,
}

impl<W: Write> WisCardWriter<W> {
    /// Starts both files.
    pub fn new(women: W, children: W) -> csv::Result<Self> {
        let mut women = SafeCsvWriter::new(women);
        women.write_record(WOMEN_COLUMNS)?;
        let mut children = SafeCsvWriter::new(children);
        children.write_record(CHILDREN_COLUMNS)?;
        Ok(WisCardWriter { women, children })
    }

    /// A card, its values as written (in [`WOMEN_COLUMNS`] order).
    pub fn woman(&mut self, values: &[String; 12]) -> csv::Result<()> {
        self.women.write_record(values)
    }

    /// A child row (in [`CHILDREN_COLUMNS`] order).
    pub fn child(&mut self, values: &[String; 8]) -> csv::Result<()> {
        self.children.write_record(values)
    }

    /// Flushes both files.
    pub fn finish(self) -> std::io::Result<(W, W)> {
        Ok((self.women.into_inner()?, self.children.into_inner()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WOMEN: &str = "\u{feff}card_id,name,birth_date,region_code,id_number,method,method_start,county_note\n\
        W1,王芳,1988年7月7日,510104017001,510104198807070024,3,2019-01-05,老卡\n\
        W2, 李 丽 ,19900101,510104017001,51010419900101002,05,2020/02/30,\n\
        W2,重复,1990-01-01,510104017001,,,,\n\
        W3,,1991-01-01,510104017001,,,,\n";
    const CHILDREN: &str = "card_id,name,sex,birth_date,outcome,alive\n\
        W1,李小明,1,2015-03-01,1,1\n\
        W1,,2,2017-05-05,2,\n\
        W9,某某,1,2018-01-01,1,1\n\
        W2,李娜,女,2019-09-09,活产,0\n";

    #[test]
    fn every_card_is_read_leniently_and_every_bad_value_is_placed() {
        let cards = read_wis_cards(
            WOMEN.as_bytes(),
            "women.csv",
            CHILDREN.as_bytes(),
            "children.csv",
        )
        .unwrap();
        let names: Vec<&str> = cards.women.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["王芳", "李 丽"]);
        let w1 = &cards.women[0];
        assert_eq!(w1.birth_date.to_string(), "1988-07-07");
        assert_eq!(
            w1.facts.method.map(|m| m.code()),
            Some("03"),
            "one digit read as the code"
        );
        assert_eq!(w1.extra, [("county_note".to_string(), "老卡".to_string())]);
        let w2 = &cards.women[1];
        assert_eq!(w2.id_number, None, "17 digits do not read");
        assert_eq!(w2.id_text, "51010419900101002", "but are kept for matching");
        assert_eq!(w2.facts.method_start, None);
        // The duplicate card and the nameless one are kept whole, not used.
        let lines: Vec<u64> = cards.unreadable.iter().map(|u| u.line).collect();
        assert_eq!(lines, [4, 5, 4]);
        let placed: Vec<(String, u64, String)> = cards
            .problems
            .iter()
            .map(|p| (p.file.clone(), p.line, p.column.clone()))
            .collect();
        assert!(placed.contains(&("women.csv".into(), 3, "method_start".into())));
        assert!(placed.contains(&("women.csv".into(), 4, "card_id".into())));
        assert!(placed.contains(&("children.csv".into(), 4, "card_id".into())));
        assert_eq!(cards.children, 3);
        assert_eq!(w1.facts.children.len(), 2);
        let w2_child = &w2.facts.children[0];
        assert_eq!(w2_child.alive, Some(false));
        assert_eq!(w2_child.outcome.code(), "1", "活产 read by its label");
    }

    #[test]
    fn a_file_that_is_not_a_card_file_is_refused_whole() {
        let e = read_wis_cards(
            "id,name\n1,x\n".as_bytes(),
            "women.csv",
            CHILDREN.as_bytes(),
            "c.csv",
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "women.csv：表头缺少必需的列“card_id”");
    }
}
