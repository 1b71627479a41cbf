//! Events: every change to a person is one, with the fields it changed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::{Education, Ethnicity, HukouType, MaritalStatus, Relation, Sex};
use crate::date::parse_date;
use crate::id_number::IdNumber;
use crate::name::PersonName;
use crate::person::{LifeStatus, Person, PersonId};
use crate::region::RegionCode;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Born (the person's first event).
    Birth,
    /// Entered the register other than by birth (first registration, import).
    Registration,
    /// Died; also recorded on the surviving spouse.
    Death,
    /// Married.
    Marriage,
    /// Divorced.
    Divorce,
    /// Moved to another village inside the province.
    MoveWithin,
    /// Moved out of the province.
    MoveOut,
    /// Moved (back) into the province.
    MoveIn,
    /// Household registration (hukou) region or category changed.
    RegistrationChange,
    /// A field was wrong and has been corrected.
    Correction,
    /// The person's region was recoded by an administrative re-zoning.
    Rezoning,
    /// Two records found to be one person were merged (on both records).
    Merge,
    /// A merge was undone (on both records).
    Unmerge,
    /// A finding of a reconciliation was checked and the record found right
    /// (it changes nothing; it says who checked what, and when).
    Verification,
}

impl EventKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [EventKind; 14] = [
        EventKind::Birth,
        EventKind::Registration,
        EventKind::Death,
        EventKind::Marriage,
        EventKind::Divorce,
        EventKind::MoveWithin,
        EventKind::MoveOut,
        EventKind::MoveIn,
        EventKind::RegistrationChange,
        EventKind::Correction,
        EventKind::Rezoning,
        EventKind::Merge,
        EventKind::Unmerge,
        EventKind::Verification,
    ];

    /// The snake_case name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Birth => "birth",
            EventKind::Registration => "registration",
            EventKind::Death => "death",
            EventKind::Marriage => "marriage",
            EventKind::Divorce => "divorce",
            EventKind::MoveWithin => "move_within",
            EventKind::MoveOut => "move_out",
            EventKind::MoveIn => "move_in",
            EventKind::RegistrationChange => "registration_change",
            EventKind::Correction => "correction",
            EventKind::Rezoning => "rezoning",
            EventKind::Merge => "merge",
            EventKind::Unmerge => "unmerge",
            EventKind::Verification => "verification",
        }
    }

    /// The Chinese label shown to users.
    pub fn chinese(self) -> &'static str {
        match self {
            EventKind::Birth => "出生",
            EventKind::Registration => "登记",
            EventKind::Death => "死亡",
            EventKind::Marriage => "结婚",
            EventKind::Divorce => "离婚",
            EventKind::MoveWithin => "省内迁移",
            EventKind::MoveOut => "迁出",
            EventKind::MoveIn => "迁入",
            EventKind::RegistrationChange => "户籍变更",
            EventKind::Correction => "信息更正",
            EventKind::Rezoning => "区划调整",
            EventKind::Merge => "重复记录合并",
            EventKind::Unmerge => "撤销合并",
            EventKind::Verification => "核查确认",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

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
}

/// A value that does not fit its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field:?}: {reason}")]
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
    pub const ALL: [Field; 17] = [
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
    ];

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
            v.ok_or_else(|| "cannot be empty".to_string())
        }
        let id = |s: &str| s.parse::<i64>().map_err(|e| e.to_string());
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
                    opt(value, |s| LifeStatus::parse(s).ok_or("not a status")).map_err(err)?;
                p.status = req(status).map_err(err)?
            }
            Field::DeathDate => p.death_date = opt(value, parse_date).map_err(err)?,
            Field::Mother => p.mother_id = opt(value, id).map_err(err)?.map(PersonId),
            Field::Father => p.father_id = opt(value, id).map_err(err)?.map(PersonId),
            Field::Spouse => p.spouse_id = opt(value, id).map_err(err)?.map(PersonId),
        }
        Ok(())
    }
}

/// An event before it is stored: who, what, when, and the fields it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedEvent {
    /// The person whose record changes (`None` for the newborn or newcomer
    /// the store is about to insert).
    pub person_id: Option<PersonId>,
    /// What happened.
    pub kind: EventKind,
    /// The day it happened.
    pub effective_date: NaiveDate,
    /// The other party (spouse, the deceased for a widow, ...).
    pub related_id: Option<PersonId>,
    /// Fields changed, in order.
    pub changes: Vec<FieldChange>,
    /// Free text, e.g. the destination of a move out of the province.
    pub note: Option<String>,
}
