//! Values of the national code tables (GB/T 2261, GB 3304, GB/T 4761, ...),
//! compiled in from `standards/`. A value of one of these types is always a
//! code that exists in its table.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::half_width_trimmed;

/// A value that is not in its code table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{value}”不在{table}代码表中")]
pub struct CodeError {
    /// The table's name as staff read it, e.g. `民族`.
    pub table: &'static str,
    /// The value as written.
    pub value: String,
}

/// One code table: (code, name) rows in file order, and an index by code and by name.
pub(crate) struct Table {
    pub(crate) rows: Vec<(&'static str, &'static str)>,
    index: std::collections::HashMap<&'static str, usize>,
    width: usize,
}

impl Table {
    /// Reads a table shipped as CSV: header row, then `code,name,...` rows.
    pub(crate) fn from_csv(content: &'static str) -> Table {
        let rows: Vec<(&'static str, &'static str)> = content
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut fields = line.trim_end_matches('\r').split(',');
                Some((fields.next()?, fields.next()?))
            })
            .filter(|(code, _)| !code.is_empty())
            .collect();
        let width = rows.iter().map(|(c, _)| c.len()).max().unwrap_or(1);
        let mut index = std::collections::HashMap::new();
        for (i, (code, name)) in rows.iter().enumerate() {
            index.insert(*name, i);
            index.insert(*code, i);
        }
        Table { rows, index, width }
    }

    /// Finds a code written as the code (leading zeros optional, as a
    /// spreadsheet drops them) or as the name.
    pub(crate) fn find(&self, input: &str) -> Option<(&'static str, &'static str)> {
        let text = half_width_trimmed(input);
        let found = if !text.is_empty()
            && text.len() < self.width
            && text.bytes().all(|b| b.is_ascii_digit())
        {
            self.index
                .get(format!("{text:0>width$}", width = self.width).as_str())
        } else {
            // Registers also write ethnicities without 族 (汉, 彝).
            self.index
                .get(text.as_ref())
                .or_else(|| self.index.get(format!("{text}族").as_str()))
        };
        found.map(|&i| self.rows[i])
    }
}

macro_rules! code_type {
    ($(#[$doc:meta])* $ty:ident, $file:literal, $table:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $ty(&'static str, &'static str);

        impl $ty {
            fn table() -> &'static $crate::codes::Table {
                static TABLE: std::sync::LazyLock<$crate::codes::Table> = std::sync::LazyLock::new(|| {
                    $crate::codes::Table::from_csv(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../standards/", $file)))
                });
                &TABLE
            }

            /// Parses a code (or the official name) into a table value.
            pub fn parse(input: &str) -> Result<Self, $crate::codes::CodeError> {
                Self::table()
                    .find(input)
                    .map(|(code, name)| $ty(code, name))
                    .ok_or_else(|| $crate::codes::CodeError { table: $table, value: input.trim().to_string() })
            }

            /// The code as the standard writes it (leading zeros kept).
            pub fn code(&self) -> &'static str {
                self.0
            }

            /// The official Chinese name.
            pub fn name(&self) -> &'static str {
                self.1
            }

            /// Every value of the table, in the standard's order.
            pub fn all() -> impl Iterator<Item = $ty> {
                Self::table().rows.iter().map(|&(c, n)| $ty(c, n))
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({} {})", stringify!($ty), self.0, self.1)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                $ty::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use code_type;

code_type!(
    /// Ethnicity, GB 3304-91 (`01` 汉族 … `56` 基诺族, `97` 其他, `98` 外国血统中国籍人士).
    Ethnicity, "ethnicity.csv", "民族"
);
code_type!(
    /// Relation to the household head, GB/T 4761-2008 (`02` 户主, `10` 配偶, ...).
    Relation, "relation.csv", "与户主关系"
);
code_type!(
    /// Marital status, GB/T 2261.2-2003 (`10` 未婚, `20` 已婚, `40` 离婚, ...).
    MaritalStatus, "marital-status.csv", "婚姻状况"
);
code_type!(
    /// Education, GB/T 4658-2006.
    Education, "education.csv", "文化程度"
);
code_type!(
    /// Household registration category, GA 324.1-2001 (`1` 非农业家庭户口, ...).
    HukouType, "hukou-category.csv", "户口类别"
);

impl Relation {
    /// The household head (户主).
    pub fn head() -> Relation {
        Relation("02", "户主")
    }
    /// Whether this is the household head.
    pub fn is_head(&self) -> bool {
        self.0 == "02"
    }
}

impl MaritalStatus {
    /// Never married (未婚).
    pub fn never_married() -> MaritalStatus {
        Self::known("10")
    }
    /// Married, first marriage (初婚).
    pub fn first_marriage() -> MaritalStatus {
        Self::known("21")
    }
    /// Remarried (再婚).
    pub fn remarried() -> MaritalStatus {
        Self::known("22")
    }
    /// Widowed (丧偶).
    pub fn widowed() -> MaritalStatus {
        Self::known("30")
    }
    /// Divorced (离婚).
    pub fn divorced() -> MaritalStatus {
        Self::known("40")
    }
    /// Whether the person is married now (20, 21, 22 or 23).
    pub fn is_married(&self) -> bool {
        self.0.starts_with('2')
    }

    fn known(code: &'static str) -> MaritalStatus {
        Self::parse(code).unwrap_or(MaritalStatus(code, ""))
    }
}

impl Ethnicity {
    /// Han (汉族), code `01`.
    pub fn han() -> Ethnicity {
        Self::parse("01").unwrap_or(Ethnicity("01", "汉族"))
    }
}

/// Sex, GB/T 2261.1-2003.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Sex {
    /// `0` 未知的性别
    Unknown,
    /// `1` 男性
    Male,
    /// `2` 女性
    Female,
    /// `9` 未说明的性别
    Unstated,
}

impl Sex {
    /// Parses the code, or the Chinese name (男 / 女 / 男性 / 女性).
    pub fn parse(input: &str) -> Result<Sex, CodeError> {
        match half_width_trimmed(input).as_ref() {
            "0" | "未知的性别" | "未知" => Ok(Sex::Unknown),
            "1" | "男" | "男性" | "M" | "m" | "male" | "Male" | "MALE" => Ok(Sex::Male),
            "2" | "女" | "女性" | "F" | "f" | "female" | "Female" | "FEMALE" => Ok(Sex::Female),
            "9" | "未说明的性别" | "未说明" => Ok(Sex::Unstated),
            _ => Err(CodeError {
                table: "性别",
                value: input.trim().to_string(),
            }),
        }
    }

    /// The one-digit code.
    pub fn code(&self) -> &'static str {
        match self {
            Sex::Unknown => "0",
            Sex::Male => "1",
            Sex::Female => "2",
            Sex::Unstated => "9",
        }
    }

    /// The short Chinese name used on screen.
    pub fn name(&self) -> &'static str {
        match self {
            Sex::Unknown => "未知",
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::Unstated => "未说明",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Sex {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Sex::parse(&value)
    }
}

impl From<Sex> for String {
    fn from(sex: Sex) -> String {
        sex.code().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load_with_every_code_the_standard_has() {
        assert_eq!(Ethnicity::all().count(), 58);
        assert_eq!(Relation::all().count(), 84);
        assert_eq!(MaritalStatus::all().count(), 8);
        assert_eq!(HukouType::all().count(), 9);
        assert_eq!(Education::all().count(), 40);
    }

    #[test]
    fn codes_keep_leading_zeros_and_accept_what_spreadsheets_do_to_them() {
        assert_eq!(Ethnicity::parse("01").unwrap().name(), "汉族");
        assert_eq!(Ethnicity::parse("1").unwrap().code(), "01");
        assert_eq!(Ethnicity::parse("彝族").unwrap().code(), "07");
        assert_eq!(Ethnicity::parse("汉").unwrap().code(), "01");
        assert_eq!(Relation::parse("2").unwrap(), Relation::head());
        assert_eq!(HukouType::parse("2").unwrap().name(), "农业家庭户口");
    }

    #[test]
    fn an_unknown_code_is_refused_naming_its_table() {
        let err = Ethnicity::parse("99").unwrap_err();
        assert_eq!(err.to_string(), "“99”不在民族代码表中");
        assert!(Sex::parse("3").is_err());
    }

    #[test]
    fn sex_reads_codes_and_chinese_names() {
        assert_eq!(Sex::parse("1"), Ok(Sex::Male));
        assert_eq!(Sex::parse("女"), Ok(Sex::Female));
        assert_eq!(Sex::parse(" 9 "), Ok(Sex::Unstated));
        assert_eq!(Sex::parse("F"), Ok(Sex::Female));
    }
}
