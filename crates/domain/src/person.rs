//! A person's current record: the projection of their events.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::{Education, Ethnicity, HukouType, MaritalStatus, Relation, Sex};
use crate::id_number::IdNumber;
use crate::name::PersonName;
use crate::region::RegionCode;
use crate::wis::Method;

/// The stable internal id of a person; the identity number is only an
/// attribute (absent for newborns, correctable when wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct PersonId(pub i64);

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Whether the person is alive and in the province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LifeStatus {
    /// Alive and registered or resident here.
    Active,
    /// Deceased.
    Dead,
    /// Moved out of the province.
    MovedOut,
    /// A duplicate record merged into another person's (see the merge event).
    Merged,
}

impl LifeStatus {
    /// The lower-case form used in files and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            LifeStatus::Active => "active",
            LifeStatus::Dead => "dead",
            LifeStatus::MovedOut => "moved_out",
            LifeStatus::Merged => "merged",
        }
    }

    /// Parses `active`, `dead`, `moved_out` or `merged` (case and surrounding
    /// space ignored; the Chinese 正常 / 死亡 / 迁出 / 已合并 too).
    pub fn parse(text: &str) -> Option<LifeStatus> {
        match text.trim().to_ascii_lowercase().as_str() {
            "active" | "正常" | "在册" => Some(LifeStatus::Active),
            "dead" | "死亡" => Some(LifeStatus::Dead),
            "moved_out" | "迁出" => Some(LifeStatus::MovedOut),
            "merged" | "已合并" => Some(LifeStatus::Merged),
            _ => None,
        }
    }

    /// The Chinese label shown to users.
    pub fn chinese(self) -> &'static str {
        match self {
            LifeStatus::Active => "正常",
            LifeStatus::Dead => "死亡",
            LifeStatus::MovedOut => "迁出",
            LifeStatus::Merged => "已合并",
        }
    }

    /// Whether a person of this status holds their identity number against
    /// newcomers: the dead and merged records no longer do.
    pub fn holds_id_number(self) -> bool {
        matches!(self, LifeStatus::Active | LifeStatus::MovedOut)
    }
}

/// A person as the register knows them now (or as of a date, see [`Person::revert`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    /// Stable internal id.
    pub id: PersonId,
    /// Citizen identity number, when known.
    pub id_number: Option<IdNumber>,
    /// Full name.
    pub name: PersonName,
    /// Sex.
    pub sex: Sex,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Ethnicity.
    pub ethnicity: Option<Ethnicity>,
    /// Village or community of residence.
    pub residence: RegionCode,
    /// Village or community of household registration (hukou).
    pub hukou_region: Option<RegionCode>,
    /// Household registration category.
    pub hukou_type: Option<HukouType>,
    /// Household the person belongs to.
    pub household_id: Option<i64>,
    /// Relation to that household's head.
    pub relation: Option<Relation>,
    /// Marital status.
    pub marital_status: Option<MaritalStatus>,
    /// Highest education.
    pub education: Option<Education>,
    /// Alive here, dead, or moved out.
    pub status: LifeStatus,
    /// Date of death.
    pub death_date: Option<NaiveDate>,
    /// Mother, when in the register.
    pub mother_id: Option<PersonId>,
    /// Father, when in the register.
    pub father_id: Option<PersonId>,
    /// Current spouse, when in the register.
    pub spouse_id: Option<PersonId>,
    /// The contraception method in use (WIS; read under a `wis` grant only).
    pub contraception: Option<Method>,
    /// Since when the method is in use.
    pub contraception_since: Option<NaiveDate>,
    /// An open pregnancy: its last menstrual period.
    pub pregnant_since: Option<NaiveDate>,
    /// An open pregnancy: the expected delivery.
    pub expected_delivery: Option<NaiveDate>,
    /// For a child of a mother in the register: its order among her live births.
    pub birth_order: Option<u8>,
    /// Since when the person lives in the county of their residence (or,
    /// moved out, outside the province): what a migrant's stay is counted
    /// from. Empty where the register does not know.
    #[serde(default)]
    pub arrived_on: Option<NaiveDate>,
}

impl Person {
    /// A migrant lives outside the region of their household registration.
    pub fn is_migrant(&self) -> bool {
        self.hukou_region.is_some_and(|h| h != self.residence)
    }
}
