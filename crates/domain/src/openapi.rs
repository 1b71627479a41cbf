//! OpenAPI schemas of the domain's text types: each is a string in JSON,
//! checked on the way in; code tables list their codes.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::codes::{Education, Ethnicity, HukouType, MaritalStatus, Relation, Sex};
use crate::wis::Method;
use crate::{IdNumber, PersonName, RegionCode, Username};

fn string(description: &str, pattern: Option<&str>, codes: Option<Vec<String>>) -> RefOr<Schema> {
    let mut builder = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description));
    if let Some(pattern) = pattern {
        builder = builder.pattern(Some(pattern));
    }
    if let Some(codes) = codes {
        builder = builder.enum_values(Some(codes));
    }
    RefOr::T(Schema::Object(builder.build()))
}

macro_rules! string_schema {
    ($ty:ty, $description:literal, $pattern:expr) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                string($description, $pattern, None)
            }
        }
        impl ToSchema for $ty {}
    };
}

macro_rules! code_schema {
    ($ty:ty, $description:literal) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                let codes = <$ty>::all().map(|c| c.code().to_string()).collect();
                string($description, None, Some(codes))
            }
        }
        impl ToSchema for $ty {}
    };
}

string_schema!(
    IdNumber,
    "公民身份号码 (GB 11643): 18 characters, the check character verified; 15-digit numbers are accepted on input",
    Some("^[0-9]{17}[0-9X]$")
);
string_schema!(
    RegionCode,
    "统计用区划代码: 12 digits (province 2, city 2, county 2, township 3, village 3); the province is never 00",
    Some("^(0[1-9]|[1-9][0-9])[0-9]{10}$")
);
string_schema!(PersonName, "姓名, trimmed and width-folded", None);
string_schema!(
    Username,
    "login name: 2-32 lower-case letters, digits, `_`, `.` or `-`",
    Some("^[a-z][a-z0-9_.-]{1,31}$")
);
code_schema!(Ethnicity, "民族, GB 3304-91 code");
code_schema!(Relation, "与户主关系, GB/T 4761-2008 code");
code_schema!(MaritalStatus, "婚姻状况, GB/T 2261.2-2003 code");
code_schema!(Education, "学历, GB/T 4658-2006 code");
code_schema!(HukouType, "户口类别, GA 324.1-2001 code");
code_schema!(Method, "避孕方法, project-local WIS code (`00`–`09`)");

impl PartialSchema for Sex {
    fn schema() -> RefOr<Schema> {
        let codes = ["0", "1", "2", "9"].map(String::from).to_vec();
        string(
            "性别, GB/T 2261.1-2003 code (男/女 accepted on input)",
            None,
            Some(codes),
        )
    }
}
impl ToSchema for Sex {}
