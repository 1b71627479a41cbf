//! The fields of the person record that events change: how each is read
//! from and written to a [`Person`], and a change of one as an event carries
//! it. (Kept apart from `event` and `person` so that neither needs the other.)

use serde::{Deserialize, Serialize};

use crate::codes::{Education, Ethnicity, HukouType, MaritalStatus, Relation, Sex};
use crate::date::parse_date;
use crate::id_number::IdNumber;
use crate::name::PersonName;
use crate::person::{LifeStatus, Person, PersonId};
use crate::region::RegionCode;
use crate::wis::Method;

/// A field of the person record that events change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    IdNumber,
    Name,
    Sex,
    BirthDate,
    Ethnicity,
    Residence,
    HukouRegion,
    HukouType,
    Household,
    Relation,
    MaritalStatus,
    Education,
    Status,
    DeathDate,
    Mother,
    Father,
    Spouse,
    Contraception,
    ContraceptionSince,
    PregnantSince,
    ExpectedDelivery,
    BirthOrder,
    ArrivedOn,
}

/// A value that does not fit its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}：{reason}", field.chinese())]
pub struct FieldValueError {
    /// The field.
    pub field: Field,
    /// Why the value does not fit.
    pub reason: String,
}

/// One field's old and new value, as canonical text (`None` = empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// Which field.
    pub field: Field,
    /// Value before the event.
    pub from: Option<String>,
    /// Value after the event.
    pub to: Option<String>,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 23] = [
        Field::IdNumber,
        Field::Name,
        Field::Sex,
        Field::BirthDate,
        Field::Ethnicity,
        Field::Residence,
        Field::HukouRegion,
        Field::HukouType,
        Field::Household,
        Field::Relation,
        Field::MaritalStatus,
        Field::Education,
        Field::Status,
        Field::DeathDate,
        Field::Mother,
        Field::Father,
        Field::Spouse,
        Field::Contraception,
        Field::ContraceptionSince,
        Field::PregnantSince,
        Field::ExpectedDelivery,
        Field::BirthOrder,
        Field::ArrivedOn,
    ];

    /// The family-planning fields (WIS): shown, exported and listed in a
    /// history only to readers granted the `wis` subsystem.
    pub fn is_wis(self) -> bool {
        matches!(
            self,
            Field::Contraception
                | Field::ContraceptionSince
                | Field::PregnantSince
                | Field::ExpectedDelivery
                | Field::BirthOrder
        )
    }

    /// The snake_case name used in files, commands and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::IdNumber => "id_number",
            Field::Name => "name",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::Ethnicity => "ethnicity",
            Field::Residence => "residence",
            Field::HukouRegion => "hukou_region",
            Field::HukouType => "hukou_type",
            Field::Household => "household",
            Field::Relation => "relation",
            Field::MaritalStatus => "marital_status",
            Field::Education => "education",
            Field::Status => "status",
            Field::DeathDate => "death_date",
            Field::Mother => "mother",
            Field::Father => "father",
            Field::Spouse => "spouse",
            Field::Contraception => "contraception",
            Field::ContraceptionSince => "contraception_since",
            Field::PregnantSince => "pregnant_since",
            Field::ExpectedDelivery => "expected_delivery",
            Field::BirthOrder => "birth_order",
            Field::ArrivedOn => "arrived_on",
        }
    }

    /// The Chinese label shown to users.
    pub fn chinese(self) -> &'static str {
        match self {
            Field::IdNumber => "公民身份号码",
            Field::Name => "姓名",
            Field::Sex => "性别",
            Field::BirthDate => "出生日期",
            Field::Ethnicity => "民族",
            Field::Residence => "现住地",
            Field::HukouRegion => "户籍地",
            Field::HukouType => "户口类别",
            Field::Household => "户",
            Field::Relation => "与户主关系",
            Field::MaritalStatus => "婚姻状况",
            Field::Education => "学历",
            Field::Status => "人员状态",
            Field::DeathDate => "死亡日期",
            Field::Mother => "母亲",
            Field::Father => "父亲",
            Field::Spouse => "配偶",
            Field::Contraception => "避孕方法",
            Field::ContraceptionSince => "避孕开始日期",
            Field::PregnantSince => "末次月经",
            Field::ExpectedDelivery => "预产期",
            Field::BirthOrder => "孩次",
            Field::ArrivedOn => "来本地日期",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(text: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == text.trim())
    }

    /// The field's current value as canonical text.
    pub fn get(self, p: &Person) -> Option<String> {
        fn s<T: ToString>(v: &Option<T>) -> Option<String> {
            v.as_ref().map(ToString::to_string)
        }
        match self {
            Field::IdNumber => s(&p.id_number),
            Field::Name => Some(p.name.to_string()),
            Field::Sex => Some(p.sex.code().to_string()),
            Field::BirthDate => Some(p.birth_date.to_string()),
            Field::Ethnicity => s(&p.ethnicity),
            Field::Residence => Some(p.residence.to_string()),
            Field::HukouRegion => s(&p.hukou_region),
            Field::HukouType => s(&p.hukou_type),
            Field::Household => s(&p.household_id),
            Field::Relation => s(&p.relation),
            Field::MaritalStatus => s(&p.marital_status),
            Field::Education => s(&p.education),
            Field::Status => Some(p.status.as_str().to_string()),
            Field::DeathDate => s(&p.death_date),
            Field::Mother => s(&p.mother_id),
            Field::Father => s(&p.father_id),
            Field::Spouse => s(&p.spouse_id),
            Field::Contraception => s(&p.contraception),
            Field::ContraceptionSince => s(&p.contraception_since),
            Field::PregnantSince => s(&p.pregnant_since),
            Field::ExpectedDelivery => s(&p.expected_delivery),
            Field::BirthOrder => s(&p.birth_order),
            Field::ArrivedOn => s(&p.arrived_on),
        }
    }

    /// Parses `value` for this field and stores it in the person.
    pub fn set(self, p: &mut Person, value: Option<&str>) -> Result<(), FieldValueError> {
        let err = |reason: String| FieldValueError {
            field: self,
            reason,
        };
        fn opt<T, E: ToString>(
            v: Option<&str>,
            parse: impl Fn(&str) -> Result<T, E>,
        ) -> Result<Option<T>, String> {
            v.map(|s| parse(s).map_err(|e| e.to_string())).transpose()
        }
        fn req<T>(v: Option<T>) -> Result<T, String> {
            v.ok_or_else(|| "不能为空".to_string())
        }
        let id = |s: &str| s.parse::<i64>().map_err(|_| format!("“{s}”不是记录编号"));
        match self {
            Field::IdNumber => p.id_number = opt(value, IdNumber::parse).map_err(err)?,
            Field::Name => {
                p.name = req(opt(value, PersonName::parse).map_err(err)?).map_err(err)?
            }
            Field::Sex => p.sex = req(opt(value, Sex::parse).map_err(err)?).map_err(err)?,
            Field::BirthDate => {
                p.birth_date = req(opt(value, parse_date).map_err(err)?).map_err(err)?
            }
            Field::Ethnicity => p.ethnicity = opt(value, Ethnicity::parse).map_err(err)?,
            Field::Residence => {
                p.residence = req(opt(value, RegionCode::parse).map_err(err)?).map_err(err)?
            }
            Field::HukouRegion => p.hukou_region = opt(value, RegionCode::parse).map_err(err)?,
            Field::HukouType => p.hukou_type = opt(value, HukouType::parse).map_err(err)?,
            Field::Household => p.household_id = opt(value, id).map_err(err)?,
            Field::Relation => p.relation = opt(value, Relation::parse).map_err(err)?,
            Field::MaritalStatus => {
                p.marital_status = opt(value, MaritalStatus::parse).map_err(err)?
            }
            Field::Education => p.education = opt(value, Education::parse).map_err(err)?,
            Field::Status => {
                let status =
                    opt(value, |s| LifeStatus::parse(s).ok_or("不是人员状态")).map_err(err)?;
                p.status = req(status).map_err(err)?
            }
            Field::DeathDate => p.death_date = opt(value, parse_date).map_err(err)?,
            Field::Mother => p.mother_id = opt(value, id).map_err(err)?.map(PersonId),
            Field::Father => p.father_id = opt(value, id).map_err(err)?.map(PersonId),
            Field::Spouse => p.spouse_id = opt(value, id).map_err(err)?.map(PersonId),
            Field::Contraception => p.contraception = opt(value, Method::parse).map_err(err)?,
            Field::ContraceptionSince => {
                p.contraception_since = opt(value, parse_date).map_err(err)?
            }
            Field::PregnantSince => p.pregnant_since = opt(value, parse_date).map_err(err)?,
            Field::ExpectedDelivery => p.expected_delivery = opt(value, parse_date).map_err(err)?,
            Field::BirthOrder => {
                let order = |s: &str| {
                    s.parse::<u8>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| format!("“{s}”不是孩次"))
                };
                p.birth_order = opt(value, order).map_err(err)?
            }
            Field::ArrivedOn => p.arrived_on = opt(value, parse_date).map_err(err)?,
        }
        Ok(())
    }
}

impl Person {
    /// Sets a field to the change's new value.
    pub fn apply(&mut self, change: &FieldChange) -> Result<(), FieldValueError> {
        change.field.set(self, change.to.as_deref())
    }

    /// Sets a field back to the change's old value.
    pub fn revert(&mut self, change: &FieldChange) -> Result<(), FieldValueError> {
        change.field.set(self, change.from.as_deref())
    }

    /// The change that sets `field` to `value`, or `None` when it already has it.
    pub fn change_to(&self, field: Field, value: Option<String>) -> Option<FieldChange> {
        let from = field.get(self);
        (from != value).then_some(FieldChange {
            field,
            from,
            to: value,
        })
    }
}
