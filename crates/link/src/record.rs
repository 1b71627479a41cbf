//! One register row made comparable: every field normalised once, leniently.
//! A field that cannot be normalised is absent, and the reason is kept so the
//! caller can report it; the row is still linked on what remains.

use chrono::{Datelike, NaiveDate};
use renkou_domain::id_number::check_char;
use renkou_domain::text::half_width_trimmed;
use renkou_domain::{IdNumber, parse_date};

use crate::chinese::{folded, pinyin_of, simplified};

/// The fields of a row as written (empty where the column is absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct RawFields<'a> {
    pub record_id: &'a str,
    pub id_number: &'a str,
    pub name: &'a str,
    pub sex: &'a str,
    pub birth_date: &'a str,
    pub ethnicity: &'a str,
    pub region_code: &'a str,
    pub status: &'a str,
    pub death_date: &'a str,
}

/// Life status as a register states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Dead,
    MovedOut,
}

impl Status {
    /// The register CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Dead => "dead",
            Status::MovedOut => "moved_out",
        }
    }
}

/// A field that could not be normalised (the record is still linked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// Header name of the column.
    pub column: &'static str,
    /// The value as written.
    pub value: String,
    /// Why it was not understood.
    pub reason: String,
}

/// A normalised record.
#[derive(Debug, Clone)]
pub struct Record {
    /// The record's key in its file.
    pub record_id: String,
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// Canonical 18 characters (15-digit numbers upgraded), even when the
    /// check digit fails: a mistyped number is evidence for matching.
    pub id_number: Option<[u8; 18]>,
    /// Whether `id_number` passes its check digit and date.
    pub id_valid: bool,
    /// Simplified characters, no spaces.
    pub name: String,
    /// Toneless pinyin, syllables separated by spaces.
    pub pinyin: String,
    /// Pinyin with dialect confusions merged ([`crate::chinese::folded`]).
    pub folded: String,
    /// `1` male, `2` female; unknown and unstated are absent.
    pub sex: Option<u8>,
    pub birth_date: Option<NaiveDate>,
    /// GB/T 3304 code number.
    pub ethnicity: Option<u8>,
    /// The 12-digit village code as a number.
    pub region: Option<u64>,
    pub status: Status,
    pub death_date: Option<NaiveDate>,
}

impl Record {
    /// Normalises a row; the problems found are returned beside it.
    pub fn normalize(line: u64, raw: &RawFields<'_>) -> (Record, Vec<FieldProblem>) {
        let mut problems = Vec::new();
        let mut problem = |column: &'static str, value: &str, reason: String| {
            problems.push(FieldProblem {
                column,
                value: value.to_string(),
                reason,
            })
        };
        let (id_number, id_valid) = match canonical_id(raw.id_number) {
            Ok(Some((id, valid))) => {
                if !valid {
                    problem(
                        "id_number",
                        raw.id_number,
                        "check digit or date fails; kept for matching".into(),
                    );
                }
                (Some(id), valid)
            }
            Ok(None) => (None, false),
            Err(reason) => {
                problem("id_number", raw.id_number, reason);
                (None, false)
            }
        };
        let name: String = simplified(&half_width_trimmed(raw.name))
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if name.is_empty() {
            problem("name", raw.name, "name is empty".into());
        }
        let pinyin = pinyin_of(&name);
        let folded = folded(&pinyin);
        let sex = match half_width_trimmed(raw.sex).as_ref() {
            "1" | "男" => Some(1),
            "2" | "女" => Some(2),
            "" | "0" | "9" => None,
            other => {
                problem(
                    "sex",
                    raw.sex,
                    format!("{other:?} is not a GB/T 2261.1 code"),
                );
                None
            }
        };
        let mut date = |column: &'static str, text: &str| -> Option<NaiveDate> {
            if text.trim().is_empty() {
                return None;
            }
            match parse_date(text) {
                Ok(d) => Some(d),
                Err(e) => {
                    problem(column, text, e.to_string());
                    None
                }
            }
        };
        let birth_date = date("birth_date", raw.birth_date);
        let death_date = date("death_date", raw.death_date);
        let ethnicity = match half_width_trimmed(raw.ethnicity).as_ref() {
            "" => None,
            t => match t.parse::<u8>() {
                Ok(n) if (1..=98).contains(&n) => Some(n),
                _ => {
                    problem("ethnicity", raw.ethnicity, "not a GB/T 3304 code".into());
                    None
                }
            },
        };
        let region = region_number(raw.region_code);
        if region.is_none() && !raw.region_code.trim().is_empty() {
            problem(
                "region_code",
                raw.region_code,
                "not a 12-digit (or 6-digit) division code".into(),
            );
        }
        let status = match half_width_trimmed(raw.status).to_ascii_lowercase().as_str() {
            "dead" | "deceased" | "死亡" => Status::Dead,
            "moved_out" | "迁出" => Status::MovedOut,
            _ if death_date.is_some() => Status::Dead,
            _ => Status::Active,
        };
        (
            Record {
                record_id: raw.record_id.trim().to_string(),
                line,
                id_number,
                id_valid,
                name,
                pinyin,
                folded,
                sex,
                birth_date,
                ethnicity,
                region,
                status,
                death_date,
            },
            problems,
        )
    }

    /// The identity number as text.
    pub fn id_text(&self) -> Option<&str> {
        self.id_number
            .as_ref()
            .and_then(|b| std::str::from_utf8(b).ok())
    }

    /// A hash of everything linkage reads of the record (not its line or
    /// id): equal fingerprints, nothing to compare again. Stable across
    /// runs and machines.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        (
            self.id_number,
            self.id_valid,
            &self.name,
            self.sex,
            self.birth_date,
            self.ethnicity,
            self.region,
            self.status.as_str(),
            self.death_date,
        )
            .hash(&mut h);
        h.finish()
    }

    /// The county (first six digits) of the residence.
    pub fn county(&self) -> Option<u64> {
        self.region.map(|r| r / 1_000_000)
    }

    /// Birth date as `YYYYMMDD`, for keys.
    pub fn birth_number(&self) -> Option<u32> {
        self.birth_date
            .map(|d| d.year() as u32 * 10_000 + d.month() * 100 + d.day())
    }
}

/// The canonical 18 characters of an identity number and whether it is
/// valid; `Ok(None)` when empty, `Err` when it cannot be an identity number.
pub fn canonical_id(text: &str) -> Result<Option<([u8; 18], bool)>, String> {
    let t = half_width_trimmed(text).to_ascii_uppercase();
    if t.is_empty() {
        return Ok(None);
    }
    let b = t.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let mut id = [0u8; 18];
    match b.len() {
        18 if digits(&b[..17]) && (b[17].is_ascii_digit() || b[17] == b'X') => {
            id.copy_from_slice(b);
        }
        15 if digits(b) => {
            id[..6].copy_from_slice(&b[..6]);
            id[6..8].copy_from_slice(b"19");
            id[8..17].copy_from_slice(&b[6..]);
            id[17] = check_char(&id[..17]);
        }
        n => {
            return Err(format!(
                "{n} characters: not an 18- or 15-digit identity number"
            ));
        }
    }
    // Validity without "today": a number is not less valid for being read late.
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let valid = std::str::from_utf8(&id)
        .map(|s| IdNumber::parse_at(s, far).is_ok())
        .unwrap_or(false);
    Ok(Some((id, valid)))
}

/// A 12-digit code (a 6-digit county code is padded) as a number.
fn region_number(text: &str) -> Option<u64> {
    let t = half_width_trimmed(text);
    let t = t.as_ref();
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match t.len() {
        12 => t.parse().ok(),
        6 => t.parse::<u64>().ok().map(|n| n * 1_000_000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(id: &'a str, name: &'a str, birth: &'a str) -> RawFields<'a> {
        RawFields {
            record_id: "r1",
            id_number: id,
            name,
            sex: "1",
            birth_date: birth,
            region_code: "510104017001",
            ..RawFields::default()
        }
    }

    #[test]
    fn legacy_forms_normalise_to_the_canonical_record() {
        let (r, problems) =
            Record::normalize(2, &raw(" 510104800101001 ", "劉 華", "1980年1月1日"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(r.id_text(), Some("510104198001010014"));
        assert!(r.id_valid);
        assert_eq!(r.name, "刘华");
        assert_eq!(r.birth_number(), Some(19800101));
    }

    #[test]
    fn a_mistyped_identity_number_is_kept_and_reported() {
        let (r, problems) = Record::normalize(2, &raw("510104198001010015", "刘华", "1980-01-01"));
        assert_eq!(r.id_text(), Some("510104198001010015"));
        assert!(!r.id_valid);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column, "id_number");
    }

    #[test]
    fn an_unreadable_date_is_absent_and_reported() {
        let (r, problems) = Record::normalize(2, &raw("", "刘华", "1980-13-01"));
        assert_eq!(r.birth_date, None);
        assert_eq!(problems[0].column, "birth_date");
    }
}
