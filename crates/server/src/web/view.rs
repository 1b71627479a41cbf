//! Pieces of pages shared by several: person tables, labels, dates.

use maud::{Markup, html};
use renkou_domain::account::mask_number;
use renkou_domain::event::Field;
use renkou_domain::{
    Education, Ethnicity, HukouType, LifeStatus, MaritalStatus, Person, Relation, Sex,
};

/// The identity number as this user may see it.
pub fn id_shown(person: &Person, full: bool) -> String {
    match &person.id_number {
        Some(n) if full => n.as_str().to_string(),
        Some(n) => mask_number(n.as_str()),
        None => "（无）".into(),
    }
}

/// A table of persons, each name linking to the person's page.
pub fn person_table(persons: &[Person], full: bool) -> Markup {
    html! {
        table {
            thead { tr { th { "姓名" } th { "性别" } th { "出生日期" } th { "公民身份号码" } th { "现住地" } th { "状态" } } }
            tbody {
                @for p in persons {
                    tr {
                        td { a href={ "/persons/" (p.id) } { (p.name.as_str()) } }
                        td { (p.sex.name()) }
                        td { (p.birth_date) }
                        td { (id_shown(p, full)) }
                        td { (p.residence) }
                        td { (p.status.chinese()) }
                    }
                }
            }
        }
    }
}

/// A coded value by its label (the code table's name, the status in
/// Chinese); other values (dates, names) as they are.
pub fn code_label(field: Field, v: &str) -> String {
    let name = match field {
        Field::Sex => Sex::parse(v).ok().map(|s| s.name()),
        Field::Ethnicity => Ethnicity::parse(v).ok().map(|e| e.name()),
        Field::MaritalStatus => MaritalStatus::parse(v).ok().map(|m| m.name()),
        Field::Relation => Relation::parse(v).ok().map(|r| r.name()),
        Field::Education => Education::parse(v).ok().map(|e| e.name()),
        Field::HukouType => HukouType::parse(v).ok().map(|h| h.name()),
        Field::Status => LifeStatus::parse(v).map(|s| s.chinese()),
        _ => None,
    };
    name.map_or_else(|| v.to_string(), str::to_string)
}
