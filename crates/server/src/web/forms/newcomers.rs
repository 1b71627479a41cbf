//! The forms that bring a person into the register: a birth (on a parent's
//! page) and a move into the province.

use renkou_domain::birth::newborn_relation;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{
    BirthCertificateNumber, BirthDetails, Ethnicity, IdNumber, MaritalStatus, Person, PersonName,
    Relation, Sex,
};
use serde::{Deserialize, Serialize};

use super::fields::{
    Area, Check, Errors, FormField, Input, ethnicities, event_date, given, optional, required,
    sexes,
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
    async fn read(
        &self,
        check: &mut Check,
        context: &FormContext<'_>,
        id_number: Option<IdNumber>,
    ) -> Option<NewPerson> {
        let name = check.parsed("name", "姓名", &self.name, PersonName::parse);
        let sex = check.parsed("sex", "性别", &self.sex, Sex::parse);
        let birth_date = check.date("birth_date", &self.birth_date);
        let ethnicity = check.parsed("ethnicity", "民族", &self.ethnicity, Ethnicity::parse);
        let residence = context
            .region(check, "residence", &self.residence, Area::OwnVillage, true)
            .await;
        let mut person = NewPerson::new(name?, sex?, birth_date?, residence?);
        person.id_number = id_number;
        person.ethnicity = ethnicity;
        person.hukou_region = residence;
        Some(person)
    }
}

/// Which newcomer field a refusal of the register is about.
fn newcomer_field(field: &str) -> Option<&'static str> {
    match field {
        "date" => Some("birth_date"),
        "residence" => Some("residence"),
        "hukou_region" => Some("hukou_region"),
        "id_number" => Some("id_number"),
        "household" => Some("household"),
        _ => None,
    }
}

/// A newborn as a birth registration enters it: unmarried, of the parent's
/// hukou type, and when it joins the parent's household, registered there
/// (as the head's child or grandchild unless the relation is given).
pub(super) fn newborn(
    parent: Option<&Person>,
    mut child: NewPerson,
    relation: Option<Relation>,
    joins: bool,
) -> NewPerson {
    child.marital_status = Some(MaritalStatus::never_married());
    child.hukou_type = parent.and_then(|p| p.hukou_type);
    if joins && let Some(parent) = parent.filter(|p| p.household_id.is_some()) {
        child.household_id = parent.household_id;
        child.hukou_region = parent.hukou_region.or(Some(child.residence));
        child.relation = relation.or_else(|| newborn_relation(parent.relation, child.sex));
    }
    child
}

/// Whether a newborn joins the parent's household.
const JOIN: &str = "join";

/// The relations to the head, with "decided from the parent's" first.
fn relations() -> Input {
    let mut options = vec![(String::new(), "按父母与户主的关系确定".to_string())];
    options.extend(Relation::all().map(|r| (r.code().to_string(), r.name().to_string())));
    Input::Choice(options)
}

/// 出生登记, on the mother's or father's page: the child, the certificate,
/// and the household the child joins.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Birth {
    #[serde(flatten)]
    child: Newcomer,
    birthplace: String,
    certificate: String,
    household: String,
    relation: String,
    other_parent: String,
}

impl EventForm for Birth {
    const KIND: &'static str = "birth";
    const TITLE: &'static str = "出生登记";

    fn fields(&self) -> Vec<FormField> {
        vec![
            required("name", "婴儿姓名", Input::Text),
            required("sex", "性别", sexes()),
            required("birth_date", "出生日期", Input::Date),
            required("ethnicity", "民族", ethnicities()),
            optional("birthplace", "出生地（省市县或医院）", Input::Text),
            optional("certificate", "出生医学证明编号", Input::Text),
            required(
                "residence",
                "现住地（村/社区）",
                Input::Region(Area::OwnVillage),
            ),
            required(
                "household",
                "户口",
                Input::Choice(vec![
                    (JOIN.into(), "随本人入户（本户）".into()),
                    ("none".into(), "暂不入户".into()),
                ]),
            ),
            optional("relation", "与户主关系", relations()),
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
            household: JOIN.into(),
            ..Birth::default()
        }
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let child = self.child.read(&mut check, context, None).await;
        let certificate = check.optional(
            "certificate",
            "出生医学证明编号",
            &self.certificate,
            BirthCertificateNumber::parse,
        );
        let relation = check.optional("relation", "与户主关系", &self.relation, Relation::parse);
        let number = check.optional(
            "other_parent",
            "公民身份号码",
            &self.other_parent,
            IdNumber::parse,
        );
        let other = context
            .person_numbered(&mut check, "other_parent", number)
            .await;
        let parent = context.person;
        let joins = self.household != "none";
        let command = child.map(|child| {
            let child = newborn(parent, child, relation, joins);
            let (mut mother, mut father) = (None, None);
            for parent in parent.into_iter().chain(other.as_ref()) {
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
                details: BirthDetails {
                    birthplace: given(&self.birthplace),
                    certificate: certificate.clone(),
                },
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

/// 迁入登记: a person moving into the province, where from and where their
/// household is registered.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MoveIn {
    #[serde(flatten)]
    newcomer: Newcomer,
    id_number: String,
    hukou_region: String,
    origin: String,
    date: String,
}

impl EventForm for MoveIn {
    const KIND: &'static str = "move_in";
    const TITLE: &'static str = "迁入登记";

    fn fields(&self) -> Vec<FormField> {
        vec![
            required("name", "姓名", Input::Text),
            optional("id_number", "公民身份号码（可不填）", Input::Text),
            required("sex", "性别", sexes()),
            required("birth_date", "出生日期", Input::Date),
            required("ethnicity", "民族", ethnicities()),
            required(
                "residence",
                "现住地（村/社区）",
                Input::Region(Area::OwnVillage),
            ),
            optional(
                "hukou_region",
                "户籍地（不填则与现住地相同）",
                Input::Region(Area::Anywhere),
            ),
            optional("origin", "迁出地（省市县及详细地址）", Input::Text),
            event_date(),
        ]
    }

    fn opened(person: Option<&Person>) -> Self {
        MoveIn {
            newcomer: Newcomer::opened(person),
            ..MoveIn::default()
        }
    }

    async fn command(&self, context: &FormContext<'_>) -> Result<Command, Errors> {
        let mut check = Check::default();
        let number = check.optional(
            "id_number",
            "公民身份号码",
            &self.id_number,
            IdNumber::parse,
        );
        let newcomer = self.newcomer.read(&mut check, context, number).await;
        let hukou = context
            .region(
                &mut check,
                "hukou_region",
                &self.hukou_region,
                Area::Anywhere,
                false,
            )
            .await;
        let date = check.date("date", &self.date);
        let command = newcomer.map(|mut newcomer| {
            if hukou.is_some() {
                newcomer.hukou_region = hukou;
            }
            Command::MoveIn {
                date: date.unwrap_or(newcomer.birth_date),
                newcomer,
                origin: given(&self.origin),
            }
        });
        check.finish(command)
    }

    fn field_of(field: &str, _person: Option<&Person>) -> Option<&'static str> {
        newcomer_field(field)
    }
}
