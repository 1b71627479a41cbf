//! What a birth registration carries beyond the child's record: the birth
//! medical certificate (出生医学证明) and the place of birth, and the
//! newborn's relation to the head of the household it joins.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::{Relation, Sex};
use crate::text::half_width_trimmed;

/// Why a text is not a birth certificate number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”应为 1 个字母加 9 位数字（如 Q510012345）")]
pub struct CertificateError(pub String);

/// The number of a birth medical certificate (出生医学证明编号): one
/// letter (the edition) and nine digits, kept in upper case.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BirthCertificateNumber(String);

impl BirthCertificateNumber {
    /// Reads a number as written (full-width, lower case and spaces accepted).
    pub fn parse(input: &str) -> Result<Self, CertificateError> {
        let text: String = half_width_trimmed(input)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let mut chars = text.chars();
        let letter = chars.next().is_some_and(|c| c.is_ascii_uppercase());
        let digits: Vec<char> = chars.collect();
        if letter && digits.len() == 9 && digits.iter().all(char::is_ascii_digit) {
            Ok(BirthCertificateNumber(text))
        } else {
            Err(CertificateError(input.trim().to_string()))
        }
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BirthCertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BirthCertificateNumber({})", self.0)
    }
}

impl fmt::Display for BirthCertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for BirthCertificateNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        BirthCertificateNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// What the birth registration form records besides the child.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BirthDetails {
    /// Place of birth as written on the certificate (省市县, or the hospital).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthplace: Option<String>,
    /// The birth medical certificate's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "Q510012345"))]
    pub certificate: Option<BirthCertificateNumber>,
}

impl BirthDetails {
    /// The details as the birth event's note (`None` when there are none).
    pub fn note(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(place) = &self.birthplace {
            parts.push(format!("出生地：{place}"));
        }
        if let Some(number) = &self.certificate {
            parts.push(format!("出生医学证明编号：{number}"));
        }
        (!parts.is_empty()).then(|| parts.join("；"))
    }
}

/// A newborn's relation to the head of the household it joins, from its
/// parent's relation: the head's or spouse's child is a son or daughter
/// (子 / 女), a son's child a grandchild (孙子 / 孙女), a daughter's child a
/// daughter's grandchild (外孙子 / 外孙女). `None` where the table cannot say
/// (the parent is a parent or sibling of the head, say): the clerk chooses.
pub fn newborn_relation(parent: Option<Relation>, child: Sex) -> Option<Relation> {
    let parent = parent?.code();
    let (son, daughter) = match parent {
        "01" | "02" | "10" | "11" | "12" => ("20", "30"),
        // A son-in-law's child is a daughter's; a daughter-in-law's a son's.
        "28" => ("43", "44"),
        "38" => ("41", "42"),
        c if c.starts_with('2') => ("41", "42"),
        c if c.starts_with('3') => ("43", "44"),
        _ => return None,
    };
    let code = if child == Sex::Female { daughter } else { son };
    Relation::parse(code).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_number_is_a_letter_and_nine_digits() {
        let n = BirthCertificateNumber::parse(" ｑ５１００１２３４５ ").unwrap();
        assert_eq!(n.as_str(), "Q510012345");
        assert!(BirthCertificateNumber::parse("510012345").is_err());
        assert!(BirthCertificateNumber::parse("Q51001234").is_err());
        let e = BirthCertificateNumber::parse("QQ10012345").unwrap_err();
        assert!(e.to_string().contains("应为 1 个字母加 9 位数字"));
    }

    #[test]
    fn the_heads_child_is_a_son_and_a_sons_child_a_grandchild() {
        let r = |code: &str| Relation::parse(code).ok();
        let name = |r: Option<Relation>| r.map(|r| r.name());
        assert_eq!(name(newborn_relation(r("02"), Sex::Male)), Some("子"));
        assert_eq!(name(newborn_relation(r("12"), Sex::Female)), Some("女"));
        assert_eq!(name(newborn_relation(r("22"), Sex::Female)), Some("孙女"));
        assert_eq!(name(newborn_relation(r("38"), Sex::Male)), Some("孙子"));
        assert_eq!(name(newborn_relation(r("32"), Sex::Male)), Some("外孙子"));
        assert_eq!(name(newborn_relation(r("28"), Sex::Female)), Some("外孙女"));
        assert_eq!(newborn_relation(r("51"), Sex::Male), None);
        assert_eq!(newborn_relation(None, Sex::Male), None);
    }
}
