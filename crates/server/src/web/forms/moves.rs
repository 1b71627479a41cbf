//! The forms of a move: within the province, out of it, back into it.

use renkou_domain::RegionCode;
use renkou_domain::rules::Command;
use renkou_domain::{Person, PersonId};
use serde::{Deserialize, Serialize};

use super::fields::{Area, Check, Errors, FormField, Input, event_date, given, optional, required};
use super::{EventForm, FormContext};

/// The village moved to, and when.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Destination {
    to: String,
    date: String,
}

impl Destination {
    fn fields() -> Vec<FormField> {
        vec![
            required(
                "to",
                "迁入地（村/社区）",
                Input::Region(Area::ProvinceVillage),
            ),
            event_date(),
        ]
    }

    /// The command `make` builds from the village and date, when both read.
    async fn command(
        &self,
        context: &FormContext<'_>,
        make: impl FnOnce(PersonId, RegionCode, chrono::NaiveDate) -> Command,
    ) -> Result<Command, Errors> {
        let mut check = Check::default();
        let to = context
            .region(&mut check, "to", &self.to, Area::ProvinceVillage, true)
            .await;
        let date = check.date("date", &self.date);
        let command = to.zip(date).map(|(to, date)| make(context.me(), to, date));
        check.finish(command)
    }

    fn field_of(field: &str) -> Option<&'static str> {
        match field {
            "date" => Some("date"),
            "residence" => Some("to"),
            _ => None,
        }
    }
}

/// A form that asks only for the destination, recording `$command`.
macro_rules! destination_form {
    ($(#[$doc:meta])* $form:ident, $kind:literal, $title:literal, $command:ident) => {
        $(#[$doc])*
        #[derive(Debug, Default, Deserialize, Serialize)]
        #[serde(transparent)]
        pub struct $form(Destination);

        impl EventForm for $form {
            const KIND: &'static str = $kind;
            const TITLE: &'static str = $title;

            fn fields(&self) -> Vec<FormField> {
                Destination::fields()
            }

            async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
                self.0
                    .command(context, |person, to, date| Command::$command { person, to, date })
                    .await
            }

            fn field_of(field: &str, _person: Option<&Person>) -> Option<&'static str> {
                Destination::field_of(field)
            }
        }
    };
}

destination_form!(
    /// 省内迁移登记.
    MoveWithin, "move_within", "省内迁移登记", MoveWithin
);
destination_form!(
    /// 迁回本省登记: a person who moved out comes back.
    MoveBack, "move_back", "迁回本省登记", MoveBack
);

/// 迁出本省登记: where to, if known.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MoveOut {
    date: String,
    destination: String,
}

impl EventForm for MoveOut {
    const KIND: &'static str = "move_out";
    const TITLE: &'static str = "迁出本省登记";

    fn fields(&self) -> Vec<FormField> {
        vec![
            event_date(),
            optional("destination", "迁往地（省市县及详细地址）", Input::Text),
        ]
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let date = check.date("date", &self.date);
        let command = date.map(|date| Command::MoveOut {
            person: context.me(),
            date,
            destination: given(&self.destination),
        });
        check.finish(command)
    }
}
