//! The forms of a person's life events: death, marriage, divorce.

use renkou_domain::IdNumber;
use renkou_domain::rules::Command;
use serde::{Deserialize, Serialize};

use super::fields::{Check, Errors, FormField, Input, event_date, required};
use super::{EventForm, FormContext};

/// 死亡登记.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Death {
    date: String,
}

impl EventForm for Death {
    const KIND: &'static str = "death";
    const TITLE: &'static str = "死亡登记";

    fn fields(&self) -> Vec<FormField> {
        vec![required("date", "死亡日期", Input::Date)]
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let date = check.date("date", &self.date);
        let command = date.map(|date| Command::Death {
            person: context.me(),
            date,
        });
        check.finish(command)
    }
}

/// 结婚登记: the spouse named by identity number, in the user's regions.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Marriage {
    spouse: String,
    date: String,
}

impl EventForm for Marriage {
    const KIND: &'static str = "marriage";
    const TITLE: &'static str = "结婚登记";

    fn fields(&self) -> Vec<FormField> {
        vec![
            required("spouse", "配偶的公民身份号码", Input::Text),
            event_date(),
        ]
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let number = check.parsed("spouse", "公民身份号码", &self.spouse, IdNumber::parse);
        let date = check.date("date", &self.date);
        let spouse = context.person_numbered(&mut check, "spouse", number).await;
        let command = spouse.zip(date).map(|(spouse, date)| Command::Marriage {
            a: context.me(),
            b: spouse.id,
            date,
        });
        check.finish(command)
    }
}

/// 离婚登记: from the spouse the register holds.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Divorce {
    date: String,
}

impl EventForm for Divorce {
    const KIND: &'static str = "divorce";
    const TITLE: &'static str = "离婚登记";

    fn fields(&self) -> Vec<FormField> {
        vec![event_date()]
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let Some(spouse) = context.person.and_then(|p| p.spouse_id) else {
            check.refuse(None, "此人没有登记配偶");
            return Err(check.errors);
        };
        let date = check.date("date", &self.date);
        let command = date.map(|date| Command::Divorce {
            a: context.me(),
            b: spouse,
            date,
        });
        check.finish(command)
    }
}
