//! A person's name as the register keeps it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::half_width_trimmed;

/// Longest name accepted (minority and foreign-origin names can be long).
const MAX_CHARS: usize = 60;

/// Why a text is not a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing was written.
    #[error("姓名为空")]
    Empty,
    /// Longer than any real name.
    #[error("姓名有 {0} 个字，超过 {MAX_CHARS} 个")]
    TooLong(usize),
    /// Digits or control characters: usually a shifted column.
    #[error("姓名“{0}”含有数字或控制字符")]
    BadCharacter(String),
}

/// A non-empty name without surrounding or (between Han characters) inner
/// spaces; minority names keep their separator dot (·).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Normalises and checks a name as written in a register.
    pub fn parse(input: &str) -> Result<PersonName, NameError> {
        let text = half_width_trimmed(input);
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        if text.chars().any(|c| c.is_control() || c.is_ascii_digit()) {
            return Err(NameError::BadCharacter(text.into_owned()));
        }
        let all_han = text.chars().all(|c| c.is_whitespace() || is_han(c));
        let name: String = if all_han {
            text.chars().filter(|c| !c.is_whitespace()).collect()
        } else {
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let count = name.chars().count();
        if count > MAX_CHARS {
            return Err(NameError::TooLong(count));
        }
        Ok(PersonName(name))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// CJK unified ideographs (basic block and extensions A–F).
fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2EBEF | 0xF900..=0xFAFF)
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({})", self.0)
    }
}

impl<'de> Deserialize<'de> for PersonName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PersonName::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_around_and_inside_han_names_are_dropped() {
        assert_eq!(
            PersonName::parse(" 王\u{3000}芳 ").unwrap().as_str(),
            "王芳"
        );
        assert_eq!(
            PersonName::parse("阿依古丽·买买提").unwrap().as_str(),
            "阿依古丽·买买提"
        );
    }

    #[test]
    fn empty_or_shifted_column_names_are_refused() {
        assert_eq!(PersonName::parse("  "), Err(NameError::Empty));
        assert!(matches!(
            PersonName::parse("1985-03-12"),
            Err(NameError::BadCharacter(_))
        ));
    }
}
