//! The 12-digit statistical division code (统计用区划代码): 2 digits province,
//! 2 city, 2 county (together the GB/T 2260 code), 3 township, 3 village.
//! Every level is a prefix, so a region's people are a range of codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::text::half_width_trimmed;

/// Widths of the five segments of a code.
const SEGMENTS: [usize; 5] = [2, 2, 2, 3, 3];

/// The five administrative levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 省
    Province,
    /// 市 (地级)
    City,
    /// 县 (区、县级市)
    County,
    /// 乡镇 (街道)
    Township,
    /// 村 (社区、居委会)
    Village,
}

impl RegionLevel {
    /// All levels from the top down.
    pub const ALL: [RegionLevel; 5] = [
        RegionLevel::Province,
        RegionLevel::City,
        RegionLevel::County,
        RegionLevel::Township,
        RegionLevel::Village,
    ];

    /// Number of leading digits that identify a region of this level.
    pub fn prefix_len(self) -> usize {
        SEGMENTS[..=self.index()].iter().sum()
    }

    /// The English name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Township => "township",
            RegionLevel::Village => "village",
        }
    }

    /// The Chinese name of the level.
    pub fn chinese(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "市",
            RegionLevel::County => "县",
            RegionLevel::Township => "乡镇",
            RegionLevel::Village => "村",
        }
    }

    /// Parses `province` … `village` (also `prefecture` for city).
    pub fn parse(text: &str) -> Option<RegionLevel> {
        match text.trim() {
            "province" => Some(RegionLevel::Province),
            "city" | "prefecture" => Some(RegionLevel::City),
            "county" => Some(RegionLevel::County),
            "township" => Some(RegionLevel::Township),
            "village" => Some(RegionLevel::Village),
            _ => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Why a text is not a region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    /// Neither 12 digits nor the 6-digit GB/T 2260 form.
    #[error("区划代码“{0}”有误：应为 12 位数字（省、市、县也可写 2、4、6 位）")]
    Format(String),
    /// All zeros, or a lower segment set below an empty one (e.g. `510000001000`
    /// has a township but no city) is allowed only where a level is skipped.
    #[error("区划代码 {0} 不对应任何区域")]
    Empty(String),
}

/// A well-formed 12-digit region code. Whether the region exists is a question
/// for the region table, which the store holds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode([u8; 12]);

impl RegionCode {
    /// Parses 12 digits, or the 6-digit GB/T 2260 form (padded with zeros).
    pub fn parse(input: &str) -> Result<RegionCode, RegionCodeError> {
        let text = half_width_trimmed(input);
        // The province (2 digits), city (4) and county (6) forms of GB/T 2260.
        let padded = match text.len() {
            12 => text.into_owned(),
            2 | 4 | 6 => format!("{text:0<12}"),
            _ => return Err(RegionCodeError::Format(input.trim().to_string())),
        };
        if !padded.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::Format(input.trim().to_string()));
        }
        let mut bytes = [0u8; 12];
        bytes.copy_from_slice(padded.as_bytes());
        let code = RegionCode(bytes);
        if code.as_str().starts_with("00") {
            return Err(RegionCodeError::Empty(padded));
        }
        Ok(code)
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The level: that of the lowest non-zero segment. Where a level is skipped
    /// (the townships of 东莞 sit directly under the city) the code still tells
    /// its own level.
    pub fn level(&self) -> RegionLevel {
        let mut level = RegionLevel::Province;
        let mut start = 0;
        for (i, width) in SEGMENTS.iter().enumerate() {
            if self.0[start..start + width].iter().any(|&b| b != b'0') {
                level = RegionLevel::ALL[i];
            }
            start += width;
        }
        level
    }

    /// The digits that identify this region; every region inside it starts with them.
    pub fn prefix(&self) -> &str {
        &self.as_str()[..self.level().prefix_len()]
    }

    /// The code of the enclosing region of the given (higher) level.
    pub fn ancestor(&self, level: RegionLevel) -> RegionCode {
        let keep = level.prefix_len().min(12);
        let mut bytes = [b'0'; 12];
        bytes[..keep].copy_from_slice(&self.0[..keep]);
        RegionCode(bytes)
    }

    /// The enclosing region by code structure (zeroing the lowest non-zero
    /// segment); `None` for a province. The region table's parent column
    /// is authoritative where a level is skipped.
    pub fn structural_parent(&self) -> Option<RegionCode> {
        let level = self.level();
        let upper = *RegionLevel::ALL.get(level.index().checked_sub(1)?)?;
        Some(self.ancestor(upper))
    }

    /// Whether `other` is this region or lies inside it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.as_str().starts_with(self.prefix())
    }

    /// The half-open range `[low, high)` of 12-digit codes inside this region,
    /// for index range scans (`code >= low AND code < high`).
    pub fn descendant_range(&self) -> (String, String) {
        let prefix = self.prefix();
        let low = format!("{prefix:0<12}");
        // Increment the prefix as a decimal number; ':' sorts after '9' for the all-nines edge.
        let high = match prefix.parse::<u64>() {
            Ok(n) if (n + 1).to_string().len() == prefix.len() => {
                format!(
                    "{:0<12}",
                    format!("{:0width$}", n + 1, width = prefix.len())
                )
            }
            _ => format!("{prefix}:"),
        };
        (low, high)
    }

    /// Replaces the leading digits `old` by `new` (same length): how a re-zoning
    /// moves the regions inside a recoded one.
    pub fn with_prefix_replaced(&self, old: &RegionCode, new: &RegionCode) -> RegionCode {
        let keep = old.prefix().len();
        let mut bytes = self.0;
        bytes[..keep].copy_from_slice(&new.0[..keep]);
        RegionCode(bytes)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.as_str())
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        RegionCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn each_level_is_read_from_the_code() {
        assert_eq!(code("510000000000").level(), RegionLevel::Province);
        assert_eq!(code("510100000000").level(), RegionLevel::City);
        assert_eq!(code("510104000000").level(), RegionLevel::County);
        assert_eq!(code("510104001000").level(), RegionLevel::Township);
        assert_eq!(code("510104001001").level(), RegionLevel::Village);
        // 东莞's townships hang under the city: the county segment is empty.
        assert_eq!(code("441900003000").level(), RegionLevel::Township);
        assert_eq!(
            code("441900003000").structural_parent(),
            Some(code("441900000000"))
        );
    }

    #[test]
    fn the_short_forms_of_province_city_and_county_are_padded() {
        assert_eq!(code("510104").as_str(), "510104000000");
        assert_eq!(code("5101").as_str(), "510100000000");
        assert_eq!(code("51").as_str(), "510000000000");
        assert!(RegionCode::parse("510").is_err());
        assert!(RegionCode::parse("51010400100a").is_err());
        assert!(RegionCode::parse("000000000000").is_err());
    }

    #[test]
    fn a_county_is_a_prefix_range() {
        let county = code("510104000000");
        assert_eq!(
            county.descendant_range(),
            ("510104000000".into(), "510105000000".into())
        );
        assert!(county.contains(&code("510104001001")));
        assert!(!county.contains(&code("510105001001")));
        assert_eq!(code("510104001000").descendant_range().1, "510104002000");
        assert_eq!(code("519900000000").descendant_range().1, "520000000000");
    }

    #[test]
    fn recoding_a_county_moves_its_villages() {
        let village = code("510104001001");
        let moved = village.with_prefix_replaced(&code("510104"), &code("510199"));
        assert_eq!(moved.as_str(), "510199001001");
    }
}
