//! The standard statistical reports: their names, columns and cells. Each
//! report has one row per region of the next level down (or the level asked
//! for) and a total row for the region itself.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize};

use crate::region::{RegionCode, RegionLevel};

/// A standard report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportName {
    /// Living residents by sex and five-year age group (the pyramid).
    Population,
    /// Registered, resident and migrant population.
    Registration,
    /// Households and their average size.
    Households,
    /// Births, deaths, marriages, divorces and moves in a period, with rates
    /// and the opening and closing population.
    Changes,
    /// Women aged 15–49 by marital status.
    Women,
    /// Completeness, consistency and possible duplicates of the records.
    Quality,
    /// Married women 15–49 by current method: contraceptive prevalence (WIS).
    Contraception,
    /// Births by order, sex and mother's age group, pregnancy outcomes and
    /// open pregnancies, in a period (WIS).
    Births,
    /// Migrants living here and registered here living elsewhere, by origin
    /// or destination, sex, age group and length of stay.
    Migrants,
}

impl ReportName {
    /// Every report, in the order menus list them.
    pub const ALL: [ReportName; 9] = [
        ReportName::Population,
        ReportName::Registration,
        ReportName::Households,
        ReportName::Changes,
        ReportName::Women,
        ReportName::Quality,
        ReportName::Contraception,
        ReportName::Births,
        ReportName::Migrants,
    ];

    /// The name used in URLs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportName::Population => "population",
            ReportName::Registration => "registration",
            ReportName::Households => "households",
            ReportName::Changes => "changes",
            ReportName::Women => "women",
            ReportName::Quality => "quality",
            ReportName::Contraception => "contraception",
            ReportName::Births => "births",
            ReportName::Migrants => "migrants",
        }
    }

    /// The report's Chinese title.
    pub fn title(self) -> &'static str {
        match self {
            ReportName::Population => "人口性别年龄结构",
            ReportName::Registration => "户籍、常住与流动人口",
            ReportName::Households => "户数与户均人口",
            ReportName::Changes => "人口变动情况",
            ReportName::Women => "育龄妇女婚姻状况",
            ReportName::Quality => "数据质量",
            ReportName::Contraception => "已婚育龄妇女避孕节育情况",
            ReportName::Births => "出生与孕情",
            ReportName::Migrants => "流动人口",
        }
    }

    /// Whether the report covers a period (else it is taken at a date).
    pub fn is_for_a_period(self) -> bool {
        matches!(self, ReportName::Changes | ReportName::Births)
    }

    /// Whether the report exists only as of today (the register's current
    /// state, not kept by date): it refuses another date.
    pub fn is_current_only(self) -> bool {
        matches!(
            self,
            ReportName::Registration | ReportName::Households | ReportName::Quality
        )
    }

    /// Parses a report name.
    pub fn parse(text: &str) -> Option<ReportName> {
        ReportName::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim())
    }
}

impl fmt::Display for ReportName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One column: its key in JSON and CSV, and its Chinese heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The JSON and CSV name.
    pub key: String,
    /// The heading people read.
    pub title: String,
}

impl Column {
    /// A column.
    pub fn new(key: impl Into<String>, title: impl Into<String>) -> Column {
        Column {
            key: key.into(),
            title: title.into(),
        }
    }
}

/// One cell: a count, or a ratio (absent where its denominator is zero).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// A whole number of people, households or events.
    Count(i64),
    /// A ratio, rate or average, rounded for display.
    Ratio(Option<f64>),
}

impl Cell {
    /// `part / whole × scale`, rounded to two decimals; `None` if `whole` is 0.
    pub fn ratio(part: i64, whole: i64, scale: f64) -> Cell {
        Cell::Ratio((whole != 0).then(|| {
            let v = part as f64 / whole as f64 * scale;
            (v * 100.0).round() / 100.0
        }))
    }

    /// `part / whole` in percent, rounded to one decimal (as prevalence
    /// rates are published); `None` if `whole` is 0.
    pub fn percent(part: i64, whole: i64) -> Cell {
        Cell::Ratio((whole != 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0))
    }

    /// The count, if the cell holds one.
    pub fn count(&self) -> Option<i64> {
        match self {
            Cell::Count(n) => Some(*n),
            Cell::Ratio(_) => None,
        }
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Ratio(Some(v)) => write!(f, "{v:.2}"),
            Cell::Ratio(None) => Ok(()),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Count(n) => s.serialize_i64(*n),
            Cell::Ratio(Some(v)) => s.serialize_f64(*v),
            Cell::Ratio(None) => s.serialize_none(),
        }
    }
}

// Read back as written (the shared cache keeps reports as JSON): a whole
// number is a count, any other number or null a ratio.
impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        match value {
            serde_json::Value::Null => Ok(Cell::Ratio(None)),
            serde_json::Value::Number(n) => Ok(match n.as_i64() {
                Some(count) if !n.is_f64() => Cell::Count(count),
                _ => Cell::Ratio(n.as_f64()),
            }),
            other => Err(serde::de::Error::custom(format!("not a cell: {other}"))),
        }
    }
}

/// One region's line of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The region.
    pub region_code: RegionCode,
    /// Its name.
    pub region_name: String,
    /// One cell per column, in the report's column order.
    pub cells: Vec<(String, Cell)>,
}

impl ReportRow {
    /// The cell of a column.
    pub fn get(&self, key: &str) -> Option<Cell> {
        self.cells.iter().find(|(k, _)| k == key).map(|(_, c)| *c)
    }
}

impl Serialize for ReportRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.cells.len() + 2))?;
        map.serialize_entry("region_code", self.region_code.as_str())?;
        map.serialize_entry("region_name", &self.region_name)?;
        for (key, cell) in &self.cells {
            map.serialize_entry(key, cell)?;
        }
        map.end()
    }
}

// The columns come back in the order they were written.
impl<'de> Deserialize<'de> for ReportRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = ReportRow;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a report row")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ReportRow, A::Error> {
                let (mut code, mut name, mut cells) = (None, None, Vec::new());
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "region_code" => code = Some(map.next_value::<RegionCode>()?),
                        "region_name" => name = Some(map.next_value::<String>()?),
                        _ => cells.push((key, map.next_value::<Cell>()?)),
                    }
                }
                Ok(ReportRow {
                    region_code: code
                        .ok_or_else(|| serde::de::Error::missing_field("region_code"))?,
                    region_name: name
                        .ok_or_else(|| serde::de::Error::missing_field("region_name"))?,
                    cells,
                })
            }
        }
        d.deserialize_map(RowVisitor)
    }
}

/// The region a report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRegion {
    /// Its code.
    pub code: RegionCode,
    /// Its name.
    pub name: String,
    /// Its level.
    pub level: RegionLevel,
}

/// A finished report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Which report.
    pub report: ReportName,
    /// Its Chinese title.
    pub title: String,
    /// The region reported on.
    pub region: ReportRegion,
    /// The level of the rows.
    pub level: RegionLevel,
    /// The day the figures hold at (the period's last day for a period report).
    pub date: chrono::NaiveDate,
    /// The period, for a period report (`2026-03`, `2026-Q1`, `2026`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The columns after the region's code and name.
    pub columns: Vec<Column>,
    /// One row per region at `level` inside the region.
    pub rows: Vec<ReportRow>,
    /// The region as a whole.
    pub total: ReportRow,
    /// Set when the figures were read from the decision-support copy (a
    /// read replica): how old they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<CopyAge>,
}

/// How old figures read from the decision-support copy are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyAge {
    /// The moment the copy's figures hold at.
    pub as_of: chrono::DateTime<chrono::Utc>,
    /// How far the copy was behind the primary, in milliseconds.
    pub lag_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, name: &str, cells: Vec<(&str, Cell)>) -> ReportRow {
        ReportRow {
            region_code: RegionCode::parse(code).unwrap(),
            region_name: name.into(),
            cells: cells.into_iter().map(|(k, c)| (k.to_string(), c)).collect(),
        }
    }

    #[test]
    fn a_report_reads_back_from_its_json_unchanged() {
        let cells = || {
            vec![
                ("persons", Cell::Count(1200)),
                ("rate", Cell::Ratio(Some(12.0))),
                ("share", Cell::percent(1, 3)),
                ("empty", Cell::Ratio(None)),
            ]
        };
        let report = Report {
            report: ReportName::Households,
            title: "户数统计".into(),
            region: ReportRegion {
                code: RegionCode::parse("510104000000").unwrap(),
                name: "锦江区".into(),
                level: RegionLevel::County,
            },
            level: RegionLevel::Township,
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            period: Some("2026-11".into()),
            columns: vec![Column::new("persons", "人数")],
            rows: vec![row("510104017000", "春熙路街道", cells())],
            total: row("510104000000", "锦江区", cells()),
            copy: None,
        };
        let json = serde_json::to_vec(&report).unwrap();
        let back: Report = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, report);
    }
}
