//! Why a command cannot be recorded, in words for staff.

use chrono::NaiveDate;

use crate::event::Field;
use crate::person::PersonId;
use crate::region::RegionCode;

/// Why a command cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    #[error("person {0} is not in the register")]
    UnknownPerson(PersonId),
    #[error("person {person} died on {death_date}: no event after death")]
    AfterDeath {
        person: PersonId,
        death_date: NaiveDate,
    },
    #[error("person {person} has moved out of the province")]
    MovedOut { person: PersonId },
    #[error("date {date} is before person {person} was born ({birth_date})")]
    BeforeBirth {
        person: PersonId,
        date: NaiveDate,
        birth_date: NaiveDate,
    },
    #[error("date {0} is in the future")]
    FutureDate(NaiveDate),
    #[error("mother {mother} would be {age} at the birth; a mother must be 12 to 60")]
    MotherAge { mother: PersonId, age: i32 },
    #[error("person {0} is recorded as male and cannot be a mother")]
    MotherNotFemale(PersonId),
    #[error("person {0} is recorded as female and cannot be a father")]
    FatherNotMale(PersonId),
    #[error("person {person} is {age}, under the legal marriage age of {minimum}")]
    UnderMarriageAge {
        person: PersonId,
        age: i32,
        minimum: i32,
    },
    #[error("person {0} is already married")]
    AlreadyMarried(PersonId),
    #[error("a marriage needs a man and a woman")]
    SameSex,
    #[error("persons {a} and {b} are not married to each other")]
    NotSpouses { a: PersonId, b: PersonId },
    #[error("a person cannot marry or divorce themselves")]
    SamePerson,
    #[error("the record already says so: nothing to change")]
    NoChange,
    #[error(
        "person {person}'s {field:?} was changed by an event of {later}, after {date}: correct that event first"
    )]
    ConflictsWithLaterEvent {
        person: PersonId,
        field: Field,
        date: NaiveDate,
        later: NaiveDate,
    },
    #[error("person {0}'s record was merged into another: record on that one")]
    Merged(PersonId),
    #[error("person {0}'s record is not merged into another")]
    NotMerged(PersonId),
    #[error("{field:?} cannot be corrected; it changes only by its own events")]
    NotCorrectable { field: Field },
    #[error("person {0} is not recorded as dead: no death date to correct")]
    NotDead(PersonId),
    #[error("{to} is outside the province of {from}: record a move out instead")]
    OtherProvince { from: RegionCode, to: RegionCode },
    #[error("person {0} has a spouse recorded: the marital status must stay married")]
    SpouseRecorded(PersonId),
    #[error("a person cannot be their own parent")]
    OwnParent,
    #[error("{0}")]
    InvalidValue(String),
    #[error("{0}")]
    Wis(crate::wis::WisRefusal),
    #[error("{0}")]
    Migrant(crate::migrants::rules::MigrantRefusal),
}

impl RuleViolation {
    /// The refusal as shown to staff, in Chinese.
    pub fn chinese(&self) -> String {
        match self {
            RuleViolation::UnknownPerson(p) => format!("人员 {p} 不在登记范围内"),
            RuleViolation::AfterDeath { person, death_date } => {
                format!("人员 {person} 已于 {death_date} 死亡，不能再登记其后的事件")
            }
            RuleViolation::MovedOut { person } => format!("人员 {person} 已迁出本省"),
            RuleViolation::BeforeBirth {
                date, birth_date, ..
            } => format!("日期 {date} 早于出生日期 {birth_date}"),
            RuleViolation::FutureDate(d) => format!("日期 {d} 晚于今天"),
            RuleViolation::MotherAge { age, .. } => {
                format!("母亲生育时年龄为 {age} 岁，应在 12 至 60 岁之间")
            }
            RuleViolation::MotherNotFemale(p) => format!("人员 {p} 登记为男性，不能作为母亲"),
            RuleViolation::FatherNotMale(p) => format!("人员 {p} 登记为女性，不能作为父亲"),
            RuleViolation::UnderMarriageAge {
                person,
                age,
                minimum,
            } => format!("人员 {person} 现年 {age} 岁，未达法定婚龄 {minimum} 岁"),
            RuleViolation::AlreadyMarried(p) => format!("人员 {p} 已婚"),
            RuleViolation::SameSex => "结婚双方应为一男一女".into(),
            RuleViolation::NotSpouses { a, b } => format!("人员 {a} 与 {b} 不是配偶"),
            RuleViolation::SamePerson => "双方不能是同一人".into(),
            RuleViolation::NoChange => "记录已是该值，无需更改".into(),
            RuleViolation::ConflictsWithLaterEvent {
                person,
                field,
                date,
                later,
            } => format!(
                "人员 {person} 的{}已在 {later} 有变更，晚于本次的 {date}；请先更正那次变更",
                field.chinese()
            ),
            RuleViolation::Merged(p) => {
                format!("人员 {p} 的记录已合并至其他记录，请在合并后的记录上登记")
            }
            RuleViolation::NotMerged(p) => format!("人员 {p} 的记录没有被合并"),
            RuleViolation::NotCorrectable { field } => match field {
                Field::Status => {
                    "人员状态只能通过死亡、迁出、迁回、合并等登记变更，不能更正".into()
                }
                Field::Spouse => "配偶只能通过结婚、离婚登记变更，不能更正".into(),
                Field::Contraception | Field::ContraceptionSince => {
                    "避孕方法只能通过开始、更换、停止避孕登记变更；只能更正正在使用的方法的开始日期"
                        .into()
                }
                Field::PregnantSince | Field::ExpectedDelivery => {
                    "孕情只能通过孕情登记、妊娠结局登记变更；只能更正在孕妊娠的日期".into()
                }
                other => format!("{}不能通过信息更正修改", other.chinese()),
            },
            RuleViolation::NotDead(p) => format!("人员 {p} 未登记死亡，没有可更正的死亡日期"),
            RuleViolation::OtherProvince { to, .. } => {
                format!("{to} 不在本省；迁往外省请登记迁出")
            }
            RuleViolation::SpouseRecorded(p) => {
                format!("人员 {p} 登记有配偶，婚姻状况应为有配偶；请先登记离婚或配偶死亡")
            }
            RuleViolation::OwnParent => "不能把本人登记为自己的父母".into(),
            RuleViolation::InvalidValue(v) => format!("填写的值有误：{v}"),
            RuleViolation::Wis(r) => r.chinese(),
            RuleViolation::Migrant(r) => r.chinese(),
        }
    }

    /// The request field the refusal is about, where one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            RuleViolation::FutureDate(_)
            | RuleViolation::BeforeBirth { .. }
            | RuleViolation::ConflictsWithLaterEvent { .. } => Some("date"),
            RuleViolation::MotherAge { .. } | RuleViolation::MotherNotFemale(_) => Some("mother"),
            RuleViolation::FatherNotMale(_) => Some("father"),
            RuleViolation::NotCorrectable { .. }
            | RuleViolation::NotDead(_)
            | RuleViolation::SpouseRecorded(_)
            | RuleViolation::OwnParent => Some("value"),
            RuleViolation::OtherProvince { .. } => Some("to"),
            RuleViolation::Wis(r) => r.field(),
            RuleViolation::Migrant(r) => r.field(),
            _ => None,
        }
    }
}
