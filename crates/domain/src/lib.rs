//! Renkou's domain: the types a population register is made of and the rules
//! that keep it right. Everything here is pure: no database, no files, no clock
//! except where a caller passes "today".

pub mod account;
pub mod birth;
pub mod cases;
pub mod certificates;
pub mod codes;
pub mod date;
pub mod event;
pub mod field;
pub mod id_number;
pub mod migrants;
pub mod name;
#[cfg(feature = "openapi")]
mod openapi;
pub mod password;
pub mod period;
pub mod person;
pub mod phone;
pub mod quality;
pub mod rebirth;
pub mod region;
pub mod report;
pub mod rules;
pub mod stats;
pub mod support;
pub mod text;
pub mod verification;
pub mod wis;
pub mod work;

pub use account::{AccountError, Grant, Role, Subsystem, Subsystems, Username};
pub use birth::{BirthCertificateNumber, BirthDetails};
pub use codes::{CodeError, Education, Ethnicity, HukouType, MaritalStatus, Relation, Sex};
pub use date::{DateError, parse_date};
pub use event::{EventKind, Field, FieldChange};
pub use id_number::{IdNumber, IdNumberError};
pub use name::{NameError, PersonName};
pub use period::{Period, PeriodError};
pub use person::{LifeStatus, Person, PersonId};
pub use phone::{PhoneError, PhoneNumber};
pub use region::{RegionCode, RegionCodeError, RegionLevel};
pub use rules::RuleViolation;
