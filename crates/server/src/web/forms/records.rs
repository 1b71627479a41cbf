//! The forms that correct what the register holds: a change of household
//! registration, a correction of a field.

use renkou_domain::date::today_in_china;
use renkou_domain::event::Field;
use renkou_domain::rules::Command;
use renkou_domain::{HukouType, Person, RegionCode};
use serde::{Deserialize, Serialize};

use super::fields::{
    Check, Errors, FormField, Input, correctable, event_date, given, hukou_types, optional,
    required,
};
use super::{EventForm, FormContext};

/// 户籍变更登记: the registration region, the type, or both.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RegistrationChange {
    hukou_region: String,
    hukou_type: String,
    date: String,
}

impl EventForm for RegistrationChange {
    const KIND: &'static str = "registration_change";
    const TITLE: &'static str = "户籍变更登记";

    fn fields() -> Vec<FormField> {
        vec![
            optional("hukou_region", "户籍地区划代码（可不填）", Input::Text),
            optional("hukou_type", "户口类别", hukou_types()),
            event_date(),
        ]
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let hukou_region = check.optional(
            "hukou_region",
            "区划代码",
            &self.hukou_region,
            RegionCode::parse,
        );
        let hukou_type =
            check.optional("hukou_type", "户口类别", &self.hukou_type, HukouType::parse);
        let date = check.date("date", &self.date);
        let command = date.map(|date| Command::RegistrationChange {
            person: context.me(),
            hukou_region,
            hukou_type,
            date,
        });
        check.finish(command)
    }
}

/// 信息更正: one field, its right value, and why.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Correction {
    field: String,
    value: String,
    date: String,
    reason: String,
}

impl EventForm for Correction {
    const KIND: &'static str = "correction";
    const TITLE: &'static str = "信息更正";

    fn fields() -> Vec<FormField> {
        vec![
            required("field", "更正项目", correctable()),
            optional("value", "正确的值（代码或日期）", Input::Text),
            event_date(),
            required("reason", "更正原因", Input::Text),
        ]
    }

    /// Dated today: most corrections are of mistakes found now.
    fn opened(_person: Option<&Person>) -> Self {
        Correction {
            date: today_in_china().to_string(),
            ..Correction::default()
        }
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let field = Field::parse(self.field.trim());
        if field.is_none() {
            check.refuse(Some("field"), "请选择更正项目");
        }
        let reason = check.filled("reason", &self.reason).map(str::to_string);
        let date = check.date("date", &self.date);
        let command =
            field
                .zip(date)
                .zip(reason)
                .map(|((field, date), reason)| Command::Correction {
                    person: context.me(),
                    field,
                    value: given(&self.value),
                    date,
                    reason,
                });
        check.finish(command)
    }
}
