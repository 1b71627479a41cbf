//! The events of a woman's reproductive life (孕情、妊娠结局、避孕节育、生殖健康
//! 服务), what each changes on her record, and what each may not do. A live
//! birth is also the child's birth in the register, with its birth order.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::codes::{CheckResult, ChildHealth, Facility, IudCheckResult, Method, Outcome, Service};
use super::details::WisDetails;
use crate::birth::BirthDetails;
use crate::codes::Sex;
use crate::date::age_on;
use crate::event::{EventDetails, EventKind, Field, PlannedEvent};
use crate::person::{Person, PersonId};
use crate::rules::{Command, MOTHER_AGE, NewPerson, RuleViolation, changing, event, living};

/// Days from the last menstrual period to the expected delivery (Naegele).
pub const PREGNANCY_DAYS: i64 = 280;
/// A pregnancy registered this many days after its last period is refused:
/// it would be over.
pub const LONGEST_PREGNANCY_DAYS: i64 = 310;

/// Whether contraception starts, changes or stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContraceptionAction {
    /// 开始避孕: a first method, or one after a stop.
    Start,
    /// 更换方法.
    Change,
    /// 停止避孕 (an IUD removed, pills stopped, a sterilisation reversed).
    Stop,
}

/// Something recorded on a woman's card. In JSON, inside the `wis` key of a
/// command: `{"wis": {"pregnancy": {"woman": 7, …}}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WisCommand {
    /// 孕情登记: a pregnancy, from its last menstrual period.
    Pregnancy {
        woman: PersonId,
        last_period: NaiveDate,
        /// The expected delivery (280 days after the last period when not given).
        #[serde(default)]
        expected: Option<NaiveDate>,
        /// The day it was registered.
        date: NaiveDate,
    },
    /// 孕情检查.
    PregnancyCheck {
        woman: PersonId,
        date: NaiveDate,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        result: CheckResult,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        facility: Option<Facility>,
    },
    /// 妊娠结局: how the pregnancy ended; a live birth names its children,
    /// who are born in the register with it.
    PregnancyOutcome {
        woman: PersonId,
        date: NaiveDate,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        outcome: Outcome,
        #[serde(default)]
        children: Vec<NewPerson>,
        #[serde(default)]
        father: Option<PersonId>,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        health: Option<ChildHealth>,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        facility: Option<Facility>,
        /// Place of birth and certificate (of a live birth).
        #[serde(default)]
        details: BirthDetails,
    },
    /// 避孕节育: a method started, changed or stopped.
    Contraception {
        woman: PersonId,
        action: ContraceptionAction,
        /// The method started or changed to (none for a stop).
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        method: Option<Method>,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        facility: Option<Facility>,
        date: NaiveDate,
    },
    /// 节育器检查 (of a woman with an IUD).
    IudCheck {
        woman: PersonId,
        date: NaiveDate,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        result: IudCheckResult,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        facility: Option<Facility>,
    },
    /// 随访: a follow-up visit.
    Visit {
        woman: PersonId,
        date: NaiveDate,
        #[serde(default)]
        result: Option<String>,
    },
    /// 生殖健康服务: a check-up, a family-planning operation, …
    HealthService {
        woman: PersonId,
        date: NaiveDate,
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        service: Service,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
        facility: Option<Facility>,
        #[serde(default)]
        result: Option<String>,
        #[serde(default)]
        complications: Option<String>,
    },
}

/// Why a WIS event cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WisRefusal {
    #[error("the person is recorded as male: cards are of women")]
    NotAWoman,
    #[error("she would be {age} at the last period")]
    PregnancyAge { age: i32 },
    #[error("a pregnancy since {since} is open")]
    OpenPregnancy { since: NaiveDate },
    #[error("no pregnancy is open")]
    NoOpenPregnancy,
    #[error("{date} is before the pregnancy's last period {since}")]
    BeforePregnancy { date: NaiveDate, since: NaiveDate },
    #[error("the last period {0} is too long before the registration")]
    PeriodTooEarly(NaiveDate),
    #[error("the expected delivery is not after the last period")]
    ExpectedBeforePeriod,
    #[error("a live birth names its children")]
    LiveBirthWithoutChild,
    #[error("only a live birth has children")]
    ChildrenWithoutLiveBirth,
    #[error("a child of the outcome of {0} is born on another day")]
    ChildBornOtherDay(NaiveDate),
    #[error("{date} is before her 15th birthday {fifteenth}")]
    MethodBeforeFifteen {
        date: NaiveDate,
        fifteenth: NaiveDate,
    },
    #[error("a method is in use: change it")]
    MethodInUse(Method),
    #[error("no method is in use")]
    NoMethod,
    #[error("the method named is the one in use")]
    SameMethod,
    #[error("no method named")]
    MethodMissing,
    #[error("{date} is before the method in use started ({since})")]
    BeforeMethod { date: NaiveDate, since: NaiveDate },
    #[error("the method in use is not an IUD")]
    NotIud,
}

impl WisRefusal {
    /// The refusal as staff read it.
    pub fn chinese(&self) -> String {
        match self {
            WisRefusal::NotAWoman => "此人登记为男性，育龄妇女信息只登记女性".into(),
            WisRefusal::PregnancyAge { age } => {
                format!("末次月经时年龄为 {age} 岁，应在 12 至 60 岁之间")
            }
            WisRefusal::OpenPregnancy { since } => {
                format!("已登记在孕（末次月经 {since}），请先登记本次妊娠的结局")
            }
            WisRefusal::NoOpenPregnancy => {
                "没有登记在孕，不能登记孕情检查或妊娠结局（请先登记孕情）".into()
            }
            WisRefusal::BeforePregnancy { date, since } => {
                format!("日期 {date} 早于本次妊娠的末次月经 {since}")
            }
            WisRefusal::PeriodTooEarly(d) => {
                format!("末次月经 {d} 距登记日超过 310 天，本次妊娠应已结束，请登记妊娠结局")
            }
            WisRefusal::ExpectedBeforePeriod => "预产期应晚于末次月经".into(),
            WisRefusal::LiveBirthWithoutChild => "活产须登记出生的子女".into(),
            WisRefusal::ChildrenWithoutLiveBirth => "只有活产才登记出生子女".into(),
            WisRefusal::ChildBornOtherDay(d) => format!("出生子女的出生日期应为妊娠结局日期 {d}"),
            WisRefusal::MethodBeforeFifteen { date, fifteenth } => {
                format!("避孕开始日期 {date} 早于本人满 15 周岁（{fifteenth}）")
            }
            WisRefusal::MethodInUse(m) => {
                format!("正在使用{}，更换方法请登记“更换方法”", m.name())
            }
            WisRefusal::NoMethod => "没有正在使用的避孕方法".into(),
            WisRefusal::SameMethod => "新方法与正在使用的方法相同".into(),
            WisRefusal::MethodMissing => {
                "请选择避孕方法（“未避孕”不是方法：停止避孕请登记“停止避孕”）".into()
            }
            WisRefusal::BeforeMethod { date, since } => {
                format!("日期 {date} 早于现用方法的开始日期 {since}")
            }
            WisRefusal::NotIud => "现用避孕方法不是宫内节育器，不能登记节育器检查".into(),
        }
    }

    /// The request field the refusal is about.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            WisRefusal::PregnancyAge { .. } | WisRefusal::PeriodTooEarly(_) => Some("last_period"),
            WisRefusal::ExpectedBeforePeriod => Some("expected"),
            WisRefusal::LiveBirthWithoutChild
            | WisRefusal::ChildrenWithoutLiveBirth
            | WisRefusal::ChildBornOtherDay(_) => Some("children"),
            WisRefusal::MethodInUse(_)
            | WisRefusal::SameMethod
            | WisRefusal::MethodMissing
            | WisRefusal::NotIud => Some("method"),
            WisRefusal::BeforePregnancy { .. }
            | WisRefusal::MethodBeforeFifteen { .. }
            | WisRefusal::BeforeMethod { .. } => Some("date"),
            _ => None,
        }
    }
}

impl From<WisRefusal> for RuleViolation {
    fn from(r: WisRefusal) -> Self {
        RuleViolation::Wis(r)
    }
}

impl WisCommand {
    /// The woman whose card it is.
    pub fn woman(&self) -> PersonId {
        match self {
            WisCommand::Pregnancy { woman, .. }
            | WisCommand::PregnancyCheck { woman, .. }
            | WisCommand::PregnancyOutcome { woman, .. }
            | WisCommand::Contraception { woman, .. }
            | WisCommand::IudCheck { woman, .. }
            | WisCommand::Visit { woman, .. }
            | WisCommand::HealthService { woman, .. } => *woman,
        }
    }

    /// The persons in the register it involves: her, and a child's father.
    pub fn involved(&self) -> Vec<PersonId> {
        let mut out = vec![self.woman()];
        if let WisCommand::PregnancyOutcome {
            father: Some(f), ..
        } = self
        {
            out.push(*f);
        }
        out
    }

    /// The children a live birth brings into the register.
    pub fn newcomers(&self) -> &[NewPerson] {
        match self {
            WisCommand::PregnancyOutcome { children, .. } => children,
            _ => &[],
        }
    }

    /// The event kind it records on her card.
    pub fn kind(&self) -> EventKind {
        match self {
            WisCommand::Pregnancy { .. } => EventKind::Pregnancy,
            WisCommand::PregnancyCheck { .. } => EventKind::PregnancyCheck,
            WisCommand::PregnancyOutcome { .. } => EventKind::PregnancyOutcome,
            WisCommand::Contraception { action, .. } => match action {
                ContraceptionAction::Start => EventKind::ContraceptionStart,
                ContraceptionAction::Change => EventKind::ContraceptionChange,
                ContraceptionAction::Stop => EventKind::ContraceptionStop,
            },
            WisCommand::IudCheck { .. } => EventKind::IudCheck,
            WisCommand::Visit { .. } => EventKind::Visit,
            WisCommand::HealthService { .. } => EventKind::HealthService,
        }
    }
}

/// An event on her card with its details and the field changes.
fn on_card(
    woman: &Person,
    kind: EventKind,
    date: NaiveDate,
    wanted: Vec<(Field, Option<String>)>,
    details: WisDetails,
) -> Result<PlannedEvent, RuleViolation> {
    let mut e = if wanted.is_empty() {
        event(Some(woman.id), kind, date, Vec::new())
    } else {
        changing(woman, kind, date, wanted)?
    };
    e.details = Some(EventDetails::Wis(Box::new(details)));
    Ok(e)
}

/// The open pregnancy's last period.
fn open_pregnancy(woman: &Person) -> Result<NaiveDate, WisRefusal> {
    woman.pregnant_since.ok_or(WisRefusal::NoOpenPregnancy)
}

/// The method in use and since when.
fn method_in_use(woman: &Person) -> Option<(Method, NaiveDate)> {
    woman
        .contraception
        .filter(Method::contracepts)
        .map(|m| (m, woman.contraception_since.unwrap_or(woman.birth_date)))
}

/// Checks a command of the card against the persons it involves and
/// returns the events to record: on her card, and for a live birth each
/// child's birth.
pub(crate) fn plan(
    command: &WisCommand,
    persons: &HashMap<PersonId, Person>,
    today: NaiveDate,
) -> Result<Vec<PlannedEvent>, RuleViolation> {
    let woman = persons
        .get(&command.woman())
        .ok_or(RuleViolation::UnknownPerson(command.woman()))?;
    if woman.sex == Sex::Male {
        return Err(WisRefusal::NotAWoman.into());
    }
    let kind = command.kind();
    match command {
        WisCommand::Pregnancy {
            last_period,
            expected,
            date,
            ..
        } => {
            living(woman, *date, today)?;
            if let Some(since) = woman.pregnant_since {
                return Err(WisRefusal::OpenPregnancy { since }.into());
            }
            let age = age_on(woman.birth_date, *last_period);
            if !MOTHER_AGE.contains(&age) {
                return Err(WisRefusal::PregnancyAge { age }.into());
            }
            if *last_period > *date {
                return Err(WisRefusal::BeforePregnancy {
                    date: *date,
                    since: *last_period,
                }
                .into());
            }
            if (*date - *last_period).num_days() > LONGEST_PREGNANCY_DAYS {
                return Err(WisRefusal::PeriodTooEarly(*last_period).into());
            }
            let expected =
                expected.unwrap_or(*last_period + chrono::Duration::days(PREGNANCY_DAYS));
            if expected <= *last_period {
                return Err(WisRefusal::ExpectedBeforePeriod.into());
            }
            Ok(vec![on_card(
                woman,
                kind,
                *date,
                vec![
                    (Field::PregnantSince, Some(last_period.to_string())),
                    (Field::ExpectedDelivery, Some(expected.to_string())),
                ],
                WisDetails::default(),
            )?])
        }
        WisCommand::PregnancyCheck {
            date,
            result,
            facility,
            ..
        } => {
            living(woman, *date, today)?;
            let since = open_pregnancy(woman)?;
            after(*date, since)?;
            Ok(vec![on_card(
                woman,
                kind,
                *date,
                Vec::new(),
                WisDetails {
                    check: Some(*result),
                    facility: *facility,
                    ..WisDetails::default()
                },
            )?])
        }
        WisCommand::PregnancyOutcome {
            date,
            outcome,
            children,
            father,
            health,
            facility,
            details,
            ..
        } => {
            living(woman, *date, today)?;
            let since = open_pregnancy(woman)?;
            after(*date, since)?;
            if outcome.is_live_birth() && children.is_empty() {
                return Err(WisRefusal::LiveBirthWithoutChild.into());
            }
            if !outcome.is_live_birth() && !children.is_empty() {
                return Err(WisRefusal::ChildrenWithoutLiveBirth.into());
            }
            if children.iter().any(|c| c.birth_date != *date) {
                return Err(WisRefusal::ChildBornOtherDay(*date).into());
            }
            let mut events = vec![on_card(
                woman,
                kind,
                *date,
                vec![
                    (Field::PregnantSince, None),
                    (Field::ExpectedDelivery, None),
                ],
                WisDetails {
                    outcome: Some(*outcome),
                    live_born: u8::try_from(children.len()).ok().filter(|n| *n > 0),
                    health: *health,
                    facility: *facility,
                    ..WisDetails::default()
                },
            )?];
            // Each child is born in the register, the mother as any birth's.
            for child in children {
                let birth = Command::Birth {
                    child: child.clone(),
                    mother: Some(woman.id),
                    father: *father,
                    details: details.clone(),
                };
                events.extend(crate::rules::plan(&birth, persons, None, today)?);
            }
            Ok(events)
        }
        WisCommand::Contraception {
            action,
            method,
            facility,
            date,
            ..
        } => {
            living(woman, *date, today)?;
            let in_use = method_in_use(woman);
            let wanted = match action {
                ContraceptionAction::Start | ContraceptionAction::Change => {
                    let method = method
                        .filter(Method::contracepts)
                        .ok_or(WisRefusal::MethodMissing)?;
                    match (action, in_use) {
                        (ContraceptionAction::Start, Some((m, _))) => {
                            return Err(WisRefusal::MethodInUse(m).into());
                        }
                        (ContraceptionAction::Change, None) => {
                            return Err(WisRefusal::NoMethod.into());
                        }
                        (ContraceptionAction::Change, Some((m, since))) => {
                            if m == method {
                                return Err(WisRefusal::SameMethod.into());
                            }
                            after_method(*date, since)?;
                        }
                        _ => {}
                    }
                    let fifteenth = woman
                        .birth_date
                        .with_year(woman.birth_date.year() + 15)
                        .unwrap_or(woman.birth_date + chrono::Duration::days(15 * 365 + 4));
                    if *date < fifteenth {
                        return Err(WisRefusal::MethodBeforeFifteen {
                            date: *date,
                            fifteenth,
                        }
                        .into());
                    }
                    vec![
                        (Field::Contraception, Some(method.code().to_string())),
                        (Field::ContraceptionSince, Some(date.to_string())),
                    ]
                }
                ContraceptionAction::Stop => {
                    let (_, since) = in_use.ok_or(WisRefusal::NoMethod)?;
                    after_method(*date, since)?;
                    vec![
                        (Field::Contraception, None),
                        (Field::ContraceptionSince, None),
                    ]
                }
            };
            let named = match action {
                ContraceptionAction::Stop => in_use.map(|(m, _)| m),
                _ => *method,
            };
            Ok(vec![on_card(
                woman,
                kind,
                *date,
                wanted,
                WisDetails {
                    method: named,
                    facility: *facility,
                    ..WisDetails::default()
                },
            )?])
        }
        WisCommand::IudCheck {
            date,
            result,
            facility,
            ..
        } => {
            living(woman, *date, today)?;
            match method_in_use(woman) {
                Some((m, since)) if m.is_iud() => after_method(*date, since)?,
                _ => return Err(WisRefusal::NotIud.into()),
            }
            Ok(vec![on_card(
                woman,
                kind,
                *date,
                Vec::new(),
                WisDetails {
                    iud_check: Some(*result),
                    facility: *facility,
                    ..WisDetails::default()
                },
            )?])
        }
        WisCommand::Visit { date, result, .. } => {
            living(woman, *date, today)?;
            Ok(vec![on_card(
                woman,
                kind,
                *date,
                Vec::new(),
                WisDetails {
                    result: result.clone(),
                    ..WisDetails::default()
                },
            )?])
        }
        WisCommand::HealthService {
            date,
            service,
            facility,
            result,
            complications,
            ..
        } => {
            living(woman, *date, today)?;
            Ok(vec![on_card(
                woman,
                kind,
                *date,
                Vec::new(),
                WisDetails {
                    service: Some(*service),
                    facility: *facility,
                    result: result.clone(),
                    complications: complications.clone(),
                    ..WisDetails::default()
                },
            )?])
        }
    }
}

fn after(date: NaiveDate, since: NaiveDate) -> Result<(), WisRefusal> {
    if date < since {
        Err(WisRefusal::BeforePregnancy { date, since })
    } else {
        Ok(())
    }
}

fn after_method(date: NaiveDate, since: NaiveDate) -> Result<(), WisRefusal> {
    if date < since {
        Err(WisRefusal::BeforeMethod { date, since })
    } else {
        Ok(())
    }
}
