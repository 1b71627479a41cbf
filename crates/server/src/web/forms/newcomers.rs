//! The forms that bring a person into the register: a birth (on a parent's
//! page) and a move into the province.

use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{Ethnicity, IdNumber, Person, PersonName, RegionCode, Sex};
use serde::{Deserialize, Serialize};

use super::fields::{
    Check, Errors, FormField, Input, ethnicities, event_date, optional, required, sexes,
};
use super::{EventForm, FormContext};

/// The code of the Han ethnicity, the one most forms are filled with.
const HAN: &str = "01";

/// What every newcomer's form asks.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Newcomer {
    name: String,
    sex: String,
    birth_date: String,
    ethnicity: String,
    residence: String,
}

impl Newcomer {
    /// Opens on the page's person's village and ethnicity.
    fn opened(person: Option<&Person>) -> Newcomer {
        Newcomer {
            ethnicity: person
                .and_then(|p| p.ethnicity)
                .map_or(HAN.to_string(), |e| e.code().to_string()),
            residence: person.map(|p| p.residence.to_string()).unwrap_or_default(),
            ..Newcomer::default()
        }
    }

    /// The newcomer, when every field reads.
    fn read(&self, check: &mut Check, id_number: Option<IdNumber>) -> Option<NewPerson> {
        let name = check.parsed("name", "姓名", &self.name, PersonName::parse);
        let sex = check.parsed("sex", "性别", &self.sex, Sex::parse);
        let birth_date = check.date("birth_date", &self.birth_date);
        let ethnicity = check.parsed("ethnicity", "民族", &self.ethnicity, Ethnicity::parse);
        let residence = check.parsed("residence", "区划代码", &self.residence, RegionCode::parse);
        Some(NewPerson {
            id_number,
            name: name?,
            sex: sex?,
            birth_date: birth_date?,
            ethnicity,
            residence: residence?,
            hukou_region: residence,
            hukou_type: None,
            household_id: None,
            relation: None,
            marital_status: None,
            education: None,
        })
    }
}

/// Which newcomer field a refusal of the register is about.
fn newcomer_field(field: &str) -> Option<&'static str> {
    match field {
        "date" => Some("birth_date"),
        "residence" => Some("residence"),
        "id_number" => Some("id_number"),
        _ => None,
    }
}

/// 出生登记, on the mother's or father's page.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Birth {
    #[serde(flatten)]
    child: Newcomer,
    other_parent: String,
}

impl EventForm for Birth {
    const KIND: &'static str = "birth";
    const TITLE: &'static str = "出生登记";

    fn fields() -> Vec<FormField> {
        vec![
            required("name", "婴儿姓名", Input::Text),
            required("sex", "性别", sexes()),
            required("birth_date", "出生日期", Input::Date),
            required("ethnicity", "民族", ethnicities()),
            required("residence", "现住地区划代码（村/社区）", Input::Text),
            optional(
                "other_parent",
                "另一方父母的公民身份号码（可不填）",
                Input::Text,
            ),
        ]
    }

    fn opened(person: Option<&Person>) -> Self {
        Birth {
            child: Newcomer::opened(person),
            ..Birth::default()
        }
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let child = self.child.read(&mut check, None);
        let number = check.optional(
            "other_parent",
            "公民身份号码",
            &self.other_parent,
            IdNumber::parse,
        );
        let other = context
            .person_numbered(&mut check, "other_parent", number)
            .await;
        let command = child.map(|mut child| {
            child.household_id = context.person.and_then(|p| p.household_id);
            let (mut mother, mut father) = (None, None);
            for parent in context.person.into_iter().chain(other.as_ref()) {
                if parent.sex == Sex::Female {
                    mother = Some(parent.id)
                } else {
                    father = Some(parent.id)
                }
            }
            Command::Birth {
                child,
                mother,
                father,
            }
        });
        check.finish(command)
    }

    fn field_of(field: &str, person: Option<&Person>) -> Option<&'static str> {
        let on_page = |sex: Sex| person.is_some_and(|p| p.sex == sex);
        match field {
            // The age of the parent whose page this is: the form as a whole.
            "mother" if on_page(Sex::Female) => None,
            "father" if on_page(Sex::Male) => None,
            "mother" | "father" => Some("other_parent"),
            _ => newcomer_field(field),
        }
    }
}

/// 迁入登记: a person moving into the province.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MoveIn {
    #[serde(flatten)]
    newcomer: Newcomer,
    id_number: String,
    date: String,
}

impl EventForm for MoveIn {
    const KIND: &'static str = "move_in";
    const TITLE: &'static str = "迁入登记";

    fn fields() -> Vec<FormField> {
        vec![
            required("name", "姓名", Input::Text),
            optional("id_number", "公民身份号码（可不填）", Input::Text),
            required("sex", "性别", sexes()),
            required("birth_date", "出生日期", Input::Date),
            required("ethnicity", "民族", ethnicities()),
            required("residence", "现住地区划代码（村/社区）", Input::Text),
            event_date(),
        ]
    }

    fn opened(person: Option<&Person>) -> Self {
        MoveIn {
            newcomer: Newcomer::opened(person),
            ..MoveIn::default()
        }
    }

    async fn command(&self, _context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let number = check.optional(
            "id_number",
            "公民身份号码",
            &self.id_number,
            IdNumber::parse,
        );
        let newcomer = self.newcomer.read(&mut check, number);
        let date = check.date("date", &self.date);
        let command = newcomer.map(|newcomer| Command::MoveIn {
            date: date.unwrap_or(newcomer.birth_date),
            newcomer,
        });
        check.finish(command)
    }

    fn field_of(field: &str, _person: Option<&Person>) -> Option<&'static str> {
        newcomer_field(field)
    }
}
