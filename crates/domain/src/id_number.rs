//! Citizen identity number, GB 11643-1999 (公民身份号码).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::Sex;
use crate::date::today_in_china;
use crate::text::half_width_trimmed;

/// ISO 7064 MOD 11-2 weights, w_i = 2^(18-i) mod 11.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder S mod 11.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";
/// Province-level prefixes of GB/T 2260, plus 83 (Taiwan residents' permits).
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// A valid 18-character identity number: canonical form, check digit verified,
/// a real birth date not in the future.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber([u8; 18]);

/// Why a text is not a valid identity number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Nothing was written.
    #[error("公民身份号码为空")]
    Empty,
    /// Neither 18 characters nor the pre-1999 15-digit form.
    #[error("应为 18 位（或 15 位旧号码），实为 {0} 位")]
    Length(usize),
    /// A character that cannot stand where it stands.
    #[error("第 {position} 位的“{found}”有误：前 17 位应为数字，末位为数字或 X")]
    BadCharacter { position: usize, found: char },
    /// The first two digits name no province.
    #[error("地址码 {address} 有误：没有代码为 {province} 的省份")]
    UnknownProvince { address: String, province: String },
    /// The eight birth-date digits are not a calendar date.
    #[error("出生日期 {0} 不存在")]
    ImpossibleDate(String),
    /// The birth date lies after today.
    #[error("出生日期 {0} 晚于今天")]
    FutureDate(NaiveDate),
    /// The check character does not match the first 17 digits.
    #[error("校验码有误：末位为 {found}，按前 17 位应为 {expected}（请核对号码）")]
    CheckDigit { found: char, expected: char },
}

impl IdNumber {
    /// Parses an identity number as written in a register, normalising the
    /// legacy forms (whitespace, full-width, lower-case `x`, 15 digits); the
    /// birth date must not be after today (China time).
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        Self::parse_at(input, today_in_china())
    }

    /// Like [`IdNumber::parse`], with "today" given by the caller.
    pub fn parse_at(input: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let text = half_width_trimmed(input);
        let text = if text.bytes().any(|b| b == b'x') {
            Cow::Owned(text.to_ascii_uppercase())
        } else {
            text
        };
        if text.is_empty() {
            return Err(IdNumberError::Empty);
        }
        let chars: Vec<char> = text.chars().collect();
        let digits: Vec<u8> = match chars.len() {
            18 => {
                check_characters(&chars[..17], 0)?;
                if !(chars[17].is_ascii_digit() || chars[17] == 'X') {
                    return Err(IdNumberError::BadCharacter {
                        position: 18,
                        found: chars[17],
                    });
                }
                chars.iter().map(|&c| c as u8).collect()
            }
            15 => {
                check_characters(&chars, 0)?;
                let mut upgraded: Vec<u8> = Vec::with_capacity(18);
                upgraded.extend(chars[..6].iter().map(|&c| c as u8));
                upgraded.extend_from_slice(b"19");
                upgraded.extend(chars[6..].iter().map(|&c| c as u8));
                upgraded.push(check_char(&upgraded));
                upgraded
            }
            len => return Err(IdNumberError::Length(len)),
        };
        let mut bytes = [0u8; 18];
        bytes.copy_from_slice(&digits);
        let province = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
        if !PROVINCES.contains(&province) {
            return Err(IdNumberError::UnknownProvince {
                address: ascii(&bytes[..6]),
                province: ascii(&bytes[..2]),
            });
        }
        let birth = digits_date(&bytes[6..14])
            .ok_or_else(|| IdNumberError::ImpossibleDate(ascii(&bytes[6..14])))?;
        if birth > today {
            return Err(IdNumberError::FutureDate(birth));
        }
        let expected = check_char(&bytes[..17]);
        if bytes[17] != expected {
            return Err(IdNumberError::CheckDigit {
                found: bytes[17] as char,
                expected: expected as char,
            });
        }
        Ok(IdNumber(bytes))
    }

    /// The canonical 18-character form.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and 'X' are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The 6-digit GB/T 2260 address code of the registration at issue.
    pub fn address_code(&self) -> &str {
        &self.as_str()[..6]
    }

    /// The birth date encoded in the number.
    pub fn birth_date(&self) -> NaiveDate {
        digits_date(&self.0[6..14]).unwrap_or_default()
    }

    /// The 3-digit sequence number (odd for men, even for women).
    pub fn sequence(&self) -> u16 {
        self.as_str()[14..17].parse().unwrap_or_default()
    }

    /// The sex encoded by the parity of the sequence number.
    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Builds a valid number from its parts, computing the check character.
    /// Returns `None` when the parts cannot form one (bad address, sequence > 999).
    pub fn from_parts(address: &str, birth: NaiveDate, sequence: u16) -> Option<Self> {
        if address.len() != 6 || !address.bytes().all(|b| b.is_ascii_digit()) || sequence > 999 {
            return None;
        }
        let first17 = format!("{address}{}{sequence:03}", birth.format("%Y%m%d"));
        let check = check_char(first17.as_bytes()) as char;
        Self::parse_at(&format!("{first17}{check}"), NaiveDate::MAX).ok()
    }
}

/// The check character for 17 ASCII digits (ISO 7064 MOD 11-2).
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// `YYYYMMDD` as ASCII digits to a date, if it is one.
fn digits_date(d: &[u8]) -> Option<NaiveDate> {
    let n = |r: std::ops::Range<usize>| {
        d[r].iter().try_fold(0u32, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(n(0..4)? as i32, n(4..6)?, n(6..8)?)
}

fn check_characters(chars: &[char], offset: usize) -> Result<(), IdNumberError> {
    match chars.iter().position(|c| !c.is_ascii_digit()) {
        Some(i) => Err(IdNumberError::BadCharacter {
            position: offset + i + 1,
            found: chars[i],
        }),
        None => Ok(()),
    }
}

fn ascii(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.as_str())
    }
}

impl FromStr for IdNumber {
    type Err = IdNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for IdNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        IdNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn the_published_valid_examples_parse_with_their_birth_date_and_sex() {
        let cases = [
            ("510104198503120010", "1985-03-12", Sex::Male),
            ("510107199001010026", "1990-01-01", Sex::Female),
            ("513401200002290134", "2000-02-29", Sex::Male),
            ("110105194910010189", "1949-10-01", Sex::Female),
            ("310115197811300053", "1978-11-30", Sex::Male),
            ("440305201208151248", "2012-08-15", Sex::Female),
            ("420106196304079379", "1963-04-07", Sex::Male),
            ("51018220240229006X", "2024-02-29", Sex::Female),
            ("540102199512314412", "1995-12-31", Sex::Male),
            ("650102197206150778", "1972-06-15", Sex::Male),
            ("11010519491231002X", "1949-12-31", Sex::Female),
        ];
        for (text, birth, sex) in cases {
            let id = IdNumber::parse_at(text, today()).unwrap();
            assert_eq!(id.as_str(), text);
            assert_eq!(id.birth_date().to_string(), birth);
            assert_eq!(id.sex(), sex);
        }
    }

    #[test]
    fn the_published_invalid_examples_name_their_cause() {
        let cases = [
            (
                "510104198503120011",
                "校验码有误：末位为 1，按前 17 位应为 0（请核对号码）",
            ),
            (
                "510104198503120100",
                "校验码有误：末位为 0，按前 17 位应为 9（请核对号码）",
            ),
            ("51010419850230001X", "出生日期 19850230 不存在"),
            ("513401202102290130", "出生日期 20210229 不存在"),
            ("510104198513120014", "出生日期 19851312 不存在"),
            ("510104202701010014", "出生日期 2027-01-01 晚于今天"),
            (
                "99010419850312001X",
                "地址码 990104 有误：没有代码为 99 的省份",
            ),
            (
                "51010419850312001",
                "应为 18 位（或 15 位旧号码），实为 17 位",
            ),
            (
                "5101041985031200101",
                "应为 18 位（或 15 位旧号码），实为 19 位",
            ),
            (
                "5101041985031200X0",
                "第 17 位的“X”有误：前 17 位应为数字，末位为数字或 X",
            ),
        ];
        for (text, reason) in cases {
            let err = IdNumber::parse_at(text, today()).unwrap_err();
            assert_eq!(err.to_string(), reason, "{text}");
        }
    }

    #[test]
    fn legacy_forms_normalise_to_the_canonical_number() {
        for text in [
            " 51018220240229006x ",
            "５１０１８２２０２４０２２９００６Ｘ",
            "\u{3000}51018220240229006X\t",
        ] {
            assert_eq!(
                IdNumber::parse_at(text, today()).unwrap().as_str(),
                "51018220240229006X"
            );
        }
        // 15-digit pre-1999 form: 19 is inserted and a check digit appended.
        let upgraded = IdNumber::parse_at("510104850312001", today()).unwrap();
        assert_eq!(upgraded.as_str(), "510104198503120010");
    }

    #[test]
    fn from_parts_computes_the_check_character() {
        let birth = NaiveDate::from_ymd_opt(1949, 12, 31).unwrap();
        assert_eq!(
            IdNumber::from_parts("110105", birth, 2).unwrap().as_str(),
            "11010519491231002X"
        );
    }
}
