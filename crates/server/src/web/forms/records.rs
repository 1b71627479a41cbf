//! The forms that correct what the register holds: a change of household
//! registration, a correction of a field.

use renkou_domain::date::today_in_china;
use renkou_domain::event::Field;
use renkou_domain::rules::Command;
use renkou_domain::{Education, HukouType, MaritalStatus, Person, Relation};
use serde::{Deserialize, Serialize};

use super::fields::{
    Area, Check, Errors, FormField, Input, correctable, ethnicities, event_date, given,
    hukou_types, optional, required, sexes,
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

    fn fields(&self) -> Vec<FormField> {
        vec![
            optional(
                "hukou_region",
                "户籍地（名称或区划代码，可不填）",
                Input::Region(Area::Anywhere),
            ),
            optional("hukou_type", "户口类别", hukou_types()),
            event_date(),
        ]
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let hukou_region = context
            .region(
                &mut check,
                "hukou_region",
                &self.hukou_region,
                Area::Anywhere,
                false,
            )
            .await;
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

/// The entry of a corrected field's right value: its code table by label,
/// a date, a region, or text.
fn value_input(field: Field) -> Input {
    let table = |codes: Vec<(&'static str, &'static str)>| {
        let mut options = vec![(String::new(), "（清空此项）".to_string())];
        options.extend(
            codes
                .into_iter()
                .map(|(c, n)| (c.to_string(), n.to_string())),
        );
        Input::Choice(options)
    };
    match field {
        Field::Sex => sexes(),
        Field::Ethnicity => ethnicities(),
        Field::MaritalStatus => table(MaritalStatus::all().map(|v| (v.code(), v.name())).collect()),
        Field::Relation => table(Relation::all().map(|v| (v.code(), v.name())).collect()),
        Field::Education => table(Education::all().map(|v| (v.code(), v.name())).collect()),
        Field::HukouType => table(HukouType::all().map(|v| (v.code(), v.name())).collect()),
        Field::BirthDate | Field::DeathDate => Input::Date,
        Field::Residence => Input::Region(Area::ProvinceVillage),
        Field::HukouRegion => Input::Region(Area::Anywhere),
        _ => Input::Text,
    }
}

/// 信息更正: first the field, then its right value (entered as that field
/// is: a list, a date, a region by name) and why.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Correction {
    field: String,
    value: String,
    date: String,
    reason: String,
}

impl Correction {
    fn chosen(&self) -> Option<Field> {
        Field::parse(self.field.trim())
    }
}

impl EventForm for Correction {
    const KIND: &'static str = "correction";
    const TITLE: &'static str = "信息更正";

    fn fields(&self) -> Vec<FormField> {
        let Some(field) = self.chosen() else {
            return vec![required("field", "更正项目", correctable())];
        };
        vec![
            required(
                "field",
                "更正项目",
                Input::Fixed(field.as_str().to_string(), field.chinese().to_string()),
            ),
            optional("value", "正确的值", value_input(field)),
            event_date(),
            required("reason", "更正原因", Input::Text),
        ]
    }

    fn ready(&self) -> bool {
        self.chosen().is_some()
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
        let field = self.chosen();
        if field.is_none() {
            check.refuse(Some("field"), "请选择更正项目");
        }
        let value = match field.map(value_input) {
            Some(Input::Region(area)) => context
                .region(&mut check, "value", &self.value, area, false)
                .await
                .map(|r| r.to_string()),
            _ => given(&self.value),
        };
        let reason = check.filled("reason", &self.reason).map(str::to_string);
        let date = check.date("date", &self.date);
        let command =
            field
                .zip(date)
                .zip(reason)
                .map(|((field, date), reason)| Command::Correction {
                    person: context.me(),
                    field,
                    value,
                    date,
                    reason,
                });
        check.finish(command)
    }

    fn field_of(field: &str, _person: Option<&Person>) -> Option<&'static str> {
        match field {
            "date" => Some("date"),
            "reason" => Some("reason"),
            // The register names the corrected field itself.
            _ => Some("value"),
        }
    }
}
