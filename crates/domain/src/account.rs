//! Accounts: one account, one password, many roles, each granted for a region
//! (the single sign-on of every subsystem).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::region::{RegionCode, RegionLevel};

/// What a user may do, and at which level of region it is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 村级信息员: enters and checks the data of one village.
    VillageCollector,
    /// 乡镇操作员: enters and manages the data of one township.
    TownshipOperator,
    /// 县级管理员: reviews, approves and reports for one county.
    CountyManager,
    /// 市级管理员: reviews and reports for one city.
    CityManager,
    /// 省级分析员: reads aggregates of the province.
    ProvinceAnalyst,
    /// 系统管理员: manages accounts and the region table.
    Admin,
    /// 审计员: reads the audit log.
    Auditor,
    /// 计生专干: enters and reads the family-planning records (the cards of
    /// women of childbearing age) of a village, township or county.
    FamilyPlanningOfficer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 8] = [
        Role::VillageCollector,
        Role::TownshipOperator,
        Role::CountyManager,
        Role::CityManager,
        Role::ProvinceAnalyst,
        Role::Admin,
        Role::Auditor,
        Role::FamilyPlanningOfficer,
    ];

    /// The name used on the command line and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::VillageCollector => "village_collector",
            Role::TownshipOperator => "township_operator",
            Role::CountyManager => "county_manager",
            Role::CityManager => "city_manager",
            Role::ProvinceAnalyst => "province_analyst",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::FamilyPlanningOfficer => "family_planning_officer",
        }
    }

    /// The Chinese title shown to users.
    pub fn chinese(self) -> &'static str {
        match self {
            Role::VillageCollector => "村级信息员",
            Role::TownshipOperator => "乡镇操作员",
            Role::CountyManager => "县级管理员",
            Role::CityManager => "市级管理员",
            Role::ProvinceAnalyst => "省级分析员",
            Role::Admin => "系统管理员",
            Role::Auditor => "审计员",
            Role::FamilyPlanningOfficer => "计生专干",
        }
    }

    /// Parses the command-line name.
    pub fn parse(text: &str) -> Result<Role, AccountError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim())
            .ok_or_else(|| AccountError::UnknownRole(text.trim().to_string()))
    }

    /// Whether the role sees identity and phone numbers in full: the staff who
    /// enter and check records do; analysts, city staff and auditors see them masked.
    pub fn sees_full_numbers(self) -> bool {
        self.enters_records()
    }

    /// Whether the role enters and changes records (the others only read).
    pub fn enters_records(self) -> bool {
        matches!(
            self,
            Role::VillageCollector
                | Role::TownshipOperator
                | Role::CountyManager
                | Role::Admin
                | Role::FamilyPlanningOfficer
        )
    }

    /// Whether the role decides applications at its office's level (passes
    /// them up, approves or returns them): the offices from the township up.
    pub fn decides_cases(self) -> bool {
        matches!(
            self,
            Role::TownshipOperator
                | Role::CountyManager
                | Role::CityManager
                | Role::FamilyPlanningOfficer
                | Role::Admin
        )
    }

    /// Whether the role confirms or returns the entries collectors make,
    /// where the province asks for that review.
    pub fn reviews_entries(self) -> bool {
        matches!(
            self,
            Role::TownshipOperator | Role::CountyManager | Role::Admin
        )
    }

    /// The level of region the role is granted for (`None`: any level).
    pub fn level(self) -> Option<RegionLevel> {
        match self {
            Role::VillageCollector => Some(RegionLevel::Village),
            Role::TownshipOperator => Some(RegionLevel::Township),
            Role::CountyManager => Some(RegionLevel::County),
            Role::CityManager => Some(RegionLevel::City),
            Role::ProvinceAnalyst => Some(RegionLevel::Province),
            Role::Admin | Role::Auditor | Role::FamilyPlanningOfficer => None,
        }
    }

    /// The subsystems a grant of the role opens when the grant names none:
    /// the register for every role; the family-planning services too for
    /// the family-planning officer; everything for the administrator.
    pub fn default_subsystems(self) -> Subsystems {
        match self {
            Role::FamilyPlanningOfficer => Subsystems::of(&[
                Subsystem::Registry,
                Subsystem::Wis,
                Subsystem::Migrants,
                Subsystem::Support,
                Subsystem::Requests,
                Subsystem::Certificates,
                Subsystem::Rebirth,
            ]),
            Role::Admin => Subsystems::ALL,
            _ => Subsystems::of(&[Subsystem::Registry]),
        }
    }
}

/// A part of the platform a grant may open: the population register, and
/// each service built on it. One account holds many grants, each a role for
/// a region and the subsystems it may use there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Subsystem {
    /// 全员人口库: persons, households, events, reports, verification.
    Registry,
    /// 育龄妇女信息 (WIS): pregnancies, contraception, reproductive health.
    Wis,
    /// 流动人口: arrivals of migrants, their registers and their exchange.
    Migrants,
    /// 奖励扶助: the yearly reward and special support rolls and their review.
    Support,
    /// 群众需求: citizens' requests, answered level by level.
    Requests,
    /// 独生子女证: only-child parents' certificates, issued and revoked.
    Certificates,
    /// 再生育审批: re-birth approvals with their documents.
    Rebirth,
}

impl Subsystem {
    /// Every subsystem.
    pub const ALL: [Subsystem; 7] = [
        Subsystem::Registry,
        Subsystem::Wis,
        Subsystem::Migrants,
        Subsystem::Support,
        Subsystem::Requests,
        Subsystem::Certificates,
        Subsystem::Rebirth,
    ];

    /// The name on the command line and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Subsystem::Registry => "registry",
            Subsystem::Wis => "wis",
            Subsystem::Migrants => "migrants",
            Subsystem::Support => "support",
            Subsystem::Requests => "requests",
            Subsystem::Certificates => "certificates",
            Subsystem::Rebirth => "rebirth",
        }
    }

    /// The name staff read.
    pub fn chinese(self) -> &'static str {
        match self {
            Subsystem::Registry => "全员人口",
            Subsystem::Wis => "育龄妇女",
            Subsystem::Migrants => "流动人口",
            Subsystem::Support => "奖励扶助",
            Subsystem::Requests => "群众需求",
            Subsystem::Certificates => "独生子女证",
            Subsystem::Rebirth => "再生育审批",
        }
    }

    /// Parses the command-line name.
    pub fn parse(text: &str) -> Option<Subsystem> {
        Subsystem::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of subsystems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Subsystems(u8);

impl Subsystems {
    /// Every subsystem.
    pub const ALL: Subsystems = Subsystems(0b111_1111);

    /// The set of these.
    pub fn of(list: &[Subsystem]) -> Subsystems {
        Subsystems(list.iter().fold(0, |bits, s| bits | s.bit()))
    }

    /// Whether the set holds a subsystem.
    pub fn contains(self, s: Subsystem) -> bool {
        self.0 & s.bit() != 0
    }

    /// The members, in order.
    pub fn iter(self) -> impl Iterator<Item = Subsystem> {
        Subsystem::ALL
            .into_iter()
            .filter(move |s| self.contains(*s))
    }

    /// `registry,wis`: how the set is written on the command line and stored.
    pub fn to_list(self) -> String {
        self.iter()
            .map(Subsystem::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads `registry,wis`; `None` for a name that is no subsystem.
    pub fn parse_list(text: &str) -> Option<Subsystems> {
        let mut set = Subsystems::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            set.0 |= Subsystem::parse(part)?.bit();
        }
        Some(set)
    }
}

impl Serialize for Subsystems {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Subsystems {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<Subsystem>::deserialize(d)?;
        Ok(Subsystems::of(&list))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Subsystems {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <Vec<Subsystem> as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Subsystems {}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role held for a region (and everything inside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub role: Role,
    pub region: RegionCode,
    /// The subsystems the grant opens (the role's own by default).
    pub subsystems: Subsystems,
}

impl Grant {
    /// A grant whose region is of the role's level, for the role's subsystems.
    pub fn new(role: Role, region: RegionCode) -> Result<Grant, AccountError> {
        match role.level() {
            Some(level) if region.level() != level => Err(AccountError::WrongLevel {
                role,
                region,
                expected: level,
            }),
            _ => Ok(Grant {
                role,
                region,
                subsystems: role.default_subsystems(),
            }),
        }
    }

    /// The same grant for other subsystems (the register always among them:
    /// every subsystem reads the persons it serves).
    pub fn with_subsystems(self, subsystems: Subsystems) -> Grant {
        Grant {
            subsystems: Subsystems(subsystems.0 | Subsystem::Registry.bit()),
            ..self
        }
    }

    /// Whether the grant opens a subsystem.
    pub fn opens(&self, subsystem: Subsystem) -> bool {
        self.subsystems.contains(subsystem)
    }
}

/// A login name: 2–32 lower-case letters, digits, `_`, `.` or `-`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// Checks and lower-cases a login name.
    pub fn parse(text: &str) -> Result<Username, AccountError> {
        let name = text.trim().to_ascii_lowercase();
        let valid = (2..=32).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
        if valid {
            Ok(Username(name))
        } else {
            Err(AccountError::BadUsername(text.trim().to_string()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `510104********1234`: the first six and last four characters of a number.
pub fn mask_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - 10;
    format!(
        "{}{}{}",
        chars[..6].iter().collect::<String>(),
        "*".repeat(hidden),
        chars[chars.len() - 4..].iter().collect::<String>()
    )
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks a new password: at least 10 characters, with letters and digits.
pub fn check_new_password(password: &str) -> Result<(), AccountError> {
    let long_enough = password.chars().count() >= MIN_PASSWORD_CHARS;
    let letters = password.chars().any(char::is_alphabetic);
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if long_enough && letters && digits {
        Ok(())
    } else {
        Err(AccountError::WeakPassword)
    }
}

/// Why an account request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "{0:?} is not a role (village_collector, township_operator, county_manager, city_manager, province_analyst, admin, auditor, family_planning_officer)"
    )]
    UnknownRole(String),
    #[error("{role} is granted for a {}, but {region} is a {}", expected.as_str(), region.level().as_str())]
    WrongLevel {
        role: Role,
        region: RegionCode,
        expected: RegionLevel,
    },
    #[error(
        "{0:?} is not a valid user name (2-32 lower-case letters, digits, _ . -, starting with a letter)"
    )]
    BadUsername(String),
    #[error(
        "the password must have at least {MIN_PASSWORD_CHARS} characters, with letters and digits"
    )]
    WeakPassword,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn a_role_is_granted_for_a_region_of_its_level() {
        assert!(Grant::new(Role::TownshipOperator, code("510104001000")).is_ok());
        let err = Grant::new(Role::TownshipOperator, code("510104000000")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "township_operator is granted for a township, but 510104000000 is a county"
        );
        assert!(Grant::new(Role::Admin, code("510000000000")).is_ok());
        assert!(Grant::new(Role::Auditor, code("510104000000")).is_ok());
    }

    #[test]
    fn numbers_are_masked_to_their_first_six_and_last_four() {
        assert_eq!(mask_number("510104198503121234"), "510104********1234");
        assert_eq!(mask_number("13800001234"), "138000*1234");
    }

    #[test]
    fn user_names_and_passwords_follow_the_policy() {
        assert_eq!(Username::parse(" Wang ").unwrap().as_str(), "wang");
        assert!(Username::parse("王").is_err());
        assert!(Username::parse("1wang").is_err());
        assert_eq!(
            check_new_password("short1"),
            Err(AccountError::WeakPassword)
        );
        assert_eq!(
            check_new_password("onlyletterslong"),
            Err(AccountError::WeakPassword)
        );
        assert!(check_new_password("renkou2026pw").is_ok());
    }
}
