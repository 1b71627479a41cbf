//! The forms of a woman's card (育龄妇女信息卡): a pregnancy, its checks and
//! its outcome (a live birth registers the children), contraception started,
//! changed or stopped, an IUD check, a visit, a reproductive-health
//! service. Each writes under a grant that opens `wis`, and goes back to
//! the card.

use renkou_domain::date::today_in_china;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::wis::rules::{ContraceptionAction, WisCommand};
use renkou_domain::wis::{
    CheckResult, ChildHealth, Facility, IudCheckResult, Method, Outcome, Service,
};
use renkou_domain::{
    BirthCertificateNumber, BirthDetails, IdNumber, Person, PersonName, Sex, Subsystem,
};
use serde::{Deserialize, Serialize};

use super::fields::{Check, Errors, FormField, Input, given, optional, required, sexes};
use super::newcomers::newborn;
use super::{EventForm, FormContext};

/// A code table as a list to pick from, with a blank first when it may be left empty.
fn choices(
    values: impl Iterator<Item = (&'static str, &'static str)>,
    blank: Option<&str>,
) -> Input {
    let mut options: Vec<(String, String)> = blank
        .map(|b| vec![(String::new(), b.to_string())])
        .unwrap_or_default();
    options.extend(values.map(|(c, n)| (c.to_string(), n.to_string())));
    Input::Choice(options)
}

fn facilities() -> Input {
    choices(
        Facility::all().map(|f| (f.code(), f.name())),
        Some("（不填）"),
    )
}

/// The methods one can start or change to (未避孕 is none).
fn methods() -> Input {
    choices(
        Method::all()
            .filter(Method::contracepts)
            .map(|m| (m.code(), m.name())),
        Some("请选择"),
    )
}

/// The date a card's event took effect, today unless said otherwise.
fn dated(label: &'static str) -> FormField {
    required("date", label, Input::Date)
}

fn today() -> String {
    today_in_china().to_string()
}

/// What every card form reads first: the date, and the facility if asked.
struct Read {
    check: Check,
}

impl Read {
    fn new() -> Read {
        Read {
            check: Check::default(),
        }
    }

    fn date(&mut self, value: &str) -> Option<chrono::NaiveDate> {
        self.check.date("date", value)
    }

    fn facility(&mut self, value: &str) -> Option<Facility> {
        self.check
            .optional("facility", "服务机构类型", value, Facility::parse)
    }
}

/// 孕情登记.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Pregnancy {
    last_period: String,
    expected: String,
    date: String,
}

impl EventForm for Pregnancy {
    const KIND: &'static str = "pregnancy";
    const TITLE: &'static str = "孕情登记";
    const SUBSYSTEM: Subsystem = Subsystem::Wis;

    fn fields(&self) -> Vec<FormField> {
        vec![
            required("last_period", "末次月经", Input::Date),
            optional(
                "expected",
                "预产期（不填则按末次月经加 280 天）",
                Input::Date,
            ),
            dated("登记日期"),
        ]
    }

    fn opened(_person: Option<&Person>) -> Self {
        Pregnancy {
            date: today(),
            ..Pregnancy::default()
        }
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut r = Read::new();
        let last_period = r.check.date("last_period", &self.last_period);
        let expected = r.check.optional("expected", "预产期", &self.expected, |v| {
            renkou_domain::parse_date(v).map_err(|_| format!("{v}（应为 年-月-日）"))
        });
        let date = r.date(&self.date);
        let command = last_period.zip(date).map(|(last_period, date)| {
            Command::Wis(WisCommand::Pregnancy {
                woman: context.me(),
                last_period,
                expected,
                date,
            })
        });
        r.check.finish(command)
    }

    fn field_of(field: &str, _person: Option<&Person>) -> Option<&'static str> {
        match field {
            "last_period" => Some("last_period"),
            "expected" => Some("expected"),
            "date" => Some("date"),
            _ => None,
        }
    }
}

/// A check of hers with its result and where it was done.
macro_rules! check_form {
    ($(#[$doc:meta])* $form:ident, $kind:literal, $title:literal, $result:ident, $command:ident) => {
        $(#[$doc])*
        #[derive(Debug, Default, Deserialize, Serialize)]
        #[serde(default)]
        pub struct $form {
            date: String,
            result: String,
            facility: String,
        }

        impl EventForm for $form {
            const KIND: &'static str = $kind;
            const TITLE: &'static str = $title;
            const SUBSYSTEM: Subsystem = Subsystem::Wis;

            fn fields(&self) -> Vec<FormField> {
                vec![
                    dated("检查日期"),
                    required(
                        "result",
                        "检查结果",
                        choices($result::all().map(|c| (c.code(), c.name())), Some("请选择")),
                    ),
                    optional("facility", "服务机构类型", facilities()),
                ]
            }

            fn opened(_person: Option<&Person>) -> Self {
                $form {
                    date: today(),
                    ..$form::default()
                }
            }

            async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
                let mut r = Read::new();
                let date = r.date(&self.date);
                let result = r
                    .check
                    .parsed("result", "检查结果", &self.result, $result::parse);
                let facility = r.facility(&self.facility);
                let command = date.zip(result).map(|(date, result)| {
                    Command::Wis(WisCommand::$command {
                        woman: context.me(),
                        date,
                        result,
                        facility,
                    })
                });
                r.check.finish(command)
            }

            fn field_of(field: &str, _person: Option<&Person>) -> Option<&'static str> {
                match field {
                    "date" => Some("date"),
                    _ => Some("result"),
                }
            }
        }
    };
}

check_form!(
    /// 孕情检查.
    PregnancyCheck, "pregnancy_check", "孕情检查", CheckResult, PregnancyCheck
);

/// 妊娠结局: a live birth names up to three children (twins, triplets),
/// born on the day, who join her household.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PregnancyOutcome {
    outcome: String,
    date: String,
    facility: String,
    health: String,
    child1_name: String,
    child1_sex: String,
    child2_name: String,
    child2_sex: String,
    child3_name: String,
    child3_sex: String,
    certificate: String,
    other_parent: String,
}

impl EventForm for PregnancyOutcome {
    const KIND: &'static str = "pregnancy_outcome";
    const TITLE: &'static str = "妊娠结局登记";
    const SUBSYSTEM: Subsystem = Subsystem::Wis;

    fn fields(&self) -> Vec<FormField> {
        let sex = || {
            let Input::Choice(mut options) = sexes() else {
                unreachable!("sexes() is a choice")
            };
            options.insert(0, (String::new(), "（无）".into()));
            Input::Choice(options)
        };
        vec![
            required(
                "outcome",
                "妊娠结局",
                choices(Outcome::all().map(|o| (o.code(), o.name())), Some("请选择")),
            ),
            dated("结局日期"),
            optional("facility", "服务机构类型", facilities()),
            optional(
                "health",
                "子女出生健康状况（活产）",
                choices(
                    ChildHealth::all().map(|h| (h.code(), h.name())),
                    Some("（不填）"),
                ),
            ),
            optional("child1_name", "第一个孩子姓名（活产）", Input::Text),
            optional("child1_sex", "第一个孩子性别", sex()),
            optional("child2_name", "双胎：第二个孩子姓名", Input::Text),
            optional("child2_sex", "第二个孩子性别", sex()),
            optional("child3_name", "三胎：第三个孩子姓名", Input::Text),
            optional("child3_sex", "第三个孩子性别", sex()),
            optional("certificate", "出生医学证明编号（第一个孩子）", Input::Text),
            optional(
                "other_parent",
                "孩子父亲的公民身份号码（可不填）",
                Input::Text,
            ),
        ]
    }

    fn opened(_person: Option<&Person>) -> Self {
        PregnancyOutcome {
            date: today(),
            ..PregnancyOutcome::default()
        }
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut r = Read::new();
        let outcome = r
            .check
            .parsed("outcome", "妊娠结局", &self.outcome, Outcome::parse);
        let date = r.date(&self.date);
        let facility = r.facility(&self.facility);
        let health = r
            .check
            .optional("health", "健康状况", &self.health, ChildHealth::parse);
        let certificate = r.check.optional(
            "certificate",
            "出生医学证明编号",
            &self.certificate,
            BirthCertificateNumber::parse,
        );
        let number = r.check.optional(
            "other_parent",
            "公民身份号码",
            &self.other_parent,
            IdNumber::parse,
        );
        let father = context
            .person_numbered(&mut r.check, "other_parent", number)
            .await;
        let mut named = Vec::new();
        for (name_field, name, sex_field, sex) in [
            (
                "child1_name",
                &self.child1_name,
                "child1_sex",
                &self.child1_sex,
            ),
            (
                "child2_name",
                &self.child2_name,
                "child2_sex",
                &self.child2_sex,
            ),
            (
                "child3_name",
                &self.child3_name,
                "child3_sex",
                &self.child3_sex,
            ),
        ] {
            if name.trim().is_empty() && sex.trim().is_empty() {
                continue;
            }
            let name = r.check.parsed(name_field, "姓名", name, PersonName::parse);
            let sex = r.check.parsed(sex_field, "性别", sex, Sex::parse);
            named.push(name.zip(sex));
        }
        let live = outcome.is_some_and(|o| o.is_live_birth());
        if live && named.is_empty() {
            r.check
                .refuse(Some("child1_name"), "活产请填写出生孩子的姓名和性别");
        }
        let mother = context.person;
        let command = outcome.zip(date).map(|(outcome, date)| {
            let children: Vec<NewPerson> = named
                .iter()
                .flatten()
                .filter_map(|(name, sex)| {
                    let mother = mother?;
                    let child = NewPerson {
                        ethnicity: mother.ethnicity,
                        hukou_region: Some(mother.residence),
                        ..NewPerson::new(name.clone(), *sex, date, mother.residence)
                    };
                    Some(newborn(Some(mother), child, None, true))
                })
                .collect();
            Command::Wis(WisCommand::PregnancyOutcome {
                woman: context.me(),
                date,
                outcome,
                children,
                father: father.map(|f| f.id),
                health,
                facility,
                details: BirthDetails {
                    birthplace: None,
                    certificate,
                },
            })
        });
        r.check.finish(command)
    }

    fn field_of(field: &str, _person: Option<&Person>) -> Option<&'static str> {
        match field {
            "date" => Some("date"),
            "children" => Some("child1_name"),
            "father" => Some("other_parent"),
            _ => None,
        }
    }
}

/// The fields of a form that names a method (start, change).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MethodNamed {
    method: String,
    date: String,
    facility: String,
}

impl MethodNamed {
    fn fields() -> Vec<FormField> {
        vec![
            required("method", "避孕方法", methods()),
            dated("开始日期"),
            optional("facility", "实施机构类型", facilities()),
        ]
    }

    fn command(
        &self,
        context: &FormContext<'_>,
        action: ContraceptionAction,
    ) -> Result<Command, Errors> {
        let mut r = Read::new();
        let method = r
            .check
            .parsed("method", "避孕方法", &self.method, Method::parse);
        let date = r.date(&self.date);
        let facility = r.facility(&self.facility);
        let command = method.zip(date).map(|(method, date)| {
            Command::Wis(WisCommand::Contraception {
                woman: context.me(),
                action,
                method: Some(method),
                facility,
                date,
            })
        });
        r.check.finish(command)
    }
}

/// A form that names a method, recording `$action`.
macro_rules! method_form {
    ($(#[$doc:meta])* $form:ident, $kind:literal, $title:literal, $action:ident) => {
        $(#[$doc])*
        #[derive(Debug, Default, Deserialize, Serialize)]
        #[serde(transparent)]
        pub struct $form(MethodNamed);

        impl EventForm for $form {
            const KIND: &'static str = $kind;
            const TITLE: &'static str = $title;
            const SUBSYSTEM: Subsystem = Subsystem::Wis;

            fn fields(&self) -> Vec<FormField> {
                MethodNamed::fields()
            }

            fn opened(_person: Option<&Person>) -> Self {
                $form(MethodNamed {
                    date: today(),
                    ..MethodNamed::default()
                })
            }

            async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
                self.0.command(context, ContraceptionAction::$action)
            }

            fn field_of(field: &str, _person: Option<&Person>) -> Option<&'static str> {
                match field {
                    "method" => Some("method"),
                    "date" => Some("date"),
                    _ => None,
                }
            }
        }
    };
}

method_form!(
    /// 开始避孕.
    ContraceptionStart, "contraception_start", "开始避孕", Start
);
method_form!(
    /// 更换避孕方法.
    ContraceptionChange, "contraception_change", "更换避孕方法", Change
);

/// 停止避孕 (an IUD removed, a method given up).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ContraceptionStop {
    date: String,
    facility: String,
}

impl EventForm for ContraceptionStop {
    const KIND: &'static str = "contraception_stop";
    const TITLE: &'static str = "停止避孕";
    const SUBSYSTEM: Subsystem = Subsystem::Wis;

    fn fields(&self) -> Vec<FormField> {
        vec![
            dated("停止日期"),
            optional("facility", "实施机构类型", facilities()),
        ]
    }

    fn opened(_person: Option<&Person>) -> Self {
        ContraceptionStop {
            date: today(),
            ..ContraceptionStop::default()
        }
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut r = Read::new();
        let date = r.date(&self.date);
        let facility = r.facility(&self.facility);
        let command = date.map(|date| {
            Command::Wis(WisCommand::Contraception {
                woman: context.me(),
                action: ContraceptionAction::Stop,
                method: None,
                facility,
                date,
            })
        });
        r.check.finish(command)
    }
}

check_form!(
    /// 节育器检查.
    IudCheck, "iud_check", "节育器检查", IudCheckResult, IudCheck
);

/// 随访.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Visit {
    date: String,
    result: String,
}

impl EventForm for Visit {
    const KIND: &'static str = "visit";
    const TITLE: &'static str = "随访";
    const SUBSYSTEM: Subsystem = Subsystem::Wis;

    fn fields(&self) -> Vec<FormField> {
        vec![
            dated("随访日期"),
            optional("result", "随访情况", Input::Text),
        ]
    }

    fn opened(_person: Option<&Person>) -> Self {
        Visit {
            date: today(),
            ..Visit::default()
        }
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut r = Read::new();
        let date = r.date(&self.date);
        let command = date.map(|date| {
            Command::Wis(WisCommand::Visit {
                woman: context.me(),
                date,
                result: given(&self.result),
            })
        });
        r.check.finish(command)
    }
}

/// 生殖健康服务.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct HealthService {
    service: String,
    date: String,
    facility: String,
    result: String,
    complications: String,
}

impl EventForm for HealthService {
    const KIND: &'static str = "health_service";
    const TITLE: &'static str = "生殖健康服务";
    const SUBSYSTEM: Subsystem = Subsystem::Wis;

    fn fields(&self) -> Vec<FormField> {
        vec![
            required(
                "service",
                "服务项目",
                choices(Service::all().map(|s| (s.code(), s.name())), Some("请选择")),
            ),
            dated("服务日期"),
            optional("facility", "服务机构类型", facilities()),
            optional("result", "服务结果", Input::Text),
            optional("complications", "并发症", Input::Text),
        ]
    }

    fn opened(_person: Option<&Person>) -> Self {
        HealthService {
            date: today(),
            ..HealthService::default()
        }
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut r = Read::new();
        let service = r
            .check
            .parsed("service", "服务项目", &self.service, Service::parse);
        let date = r.date(&self.date);
        let facility = r.facility(&self.facility);
        let command = service.zip(date).map(|(service, date)| {
            Command::Wis(WisCommand::HealthService {
                woman: context.me(),
                date,
                service,
                facility,
                result: given(&self.result),
                complications: given(&self.complications),
            })
        });
        r.check.finish(command)
    }
}
