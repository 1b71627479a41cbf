//! The parts every event form is made of: its fields and how each is entered,
//! and the checks that name the field a refusal is about.

use std::fmt::Display;

use chrono::NaiveDate;
use maud::{Markup, html};
use renkou_domain::date::parse_date;
use renkou_domain::event::Field;
use renkou_domain::{Ethnicity, HukouType, Sex};

/// How a field is entered.
pub enum Input {
    Text,
    Date,
    Choice(Vec<(String, String)>),
    /// A region, chosen from a list or typed by name or code.
    Region(Area),
    /// Shown, not changed (sent along hidden): `(value, label)`.
    Fixed(String, String),
}

/// Where the region of a field may lie, and so how it is picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// A village the writer enters records for: a list of them, by township.
    OwnVillage,
    /// Any village of the province, typed by name.
    ProvinceVillage,
    /// Any region of the country at any level (a registration elsewhere).
    Anywhere,
}

/// Options of a list: `(value, label)`.
pub type Options = Vec<(String, String)>;
/// Villages grouped by township: `(township name, villages)`.
pub type VillageGroups = Vec<(String, Options)>;
/// Per region field, the regions a typed name could mean.
pub type Candidates = Vec<(&'static str, Options)>;

/// What the region fields of one showing of a form offer.
#[derive(Debug, Default)]
pub struct FieldOptions {
    /// The writer's villages grouped by township, when few enough to list.
    pub own_villages: Option<VillageGroups>,
    /// Per field: the regions a typed name could mean, `(code, path)`.
    pub candidates: Candidates,
}

/// One field of a form.
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
}

/// A field that must be filled.
pub fn required(name: &'static str, label: &'static str, input: Input) -> FormField {
    FormField {
        name,
        label,
        input,
        required: true,
    }
}

/// A field that may be left empty.
pub fn optional(name: &'static str, label: &'static str, input: Input) -> FormField {
    FormField {
        name,
        label,
        input,
        required: false,
    }
}

/// The date the event took effect.
pub fn event_date() -> FormField {
    required("date", "日期", Input::Date)
}

/// The two sexes, by label.
pub fn sexes() -> Input {
    Input::Choice(
        [Sex::Male, Sex::Female]
            .iter()
            .map(|s| (s.code().to_string(), s.name().to_string()))
            .collect(),
    )
}

/// The ethnicities of the national table, by label.
pub fn ethnicities() -> Input {
    Input::Choice(
        Ethnicity::all()
            .map(|e| (e.code().to_string(), e.name().to_string()))
            .collect(),
    )
}

/// The hukou types, with "unchanged" first.
pub fn hukou_types() -> Input {
    let mut options = vec![(String::new(), "（不变）".to_string())];
    options.extend(HukouType::all().map(|t| (t.code().to_string(), t.name().to_string())));
    Input::Choice(options)
}

/// The fields a correction may set (the others change only by their events).
pub fn correctable() -> Input {
    let fixed = [
        Field::Status,
        Field::DeathDate,
        Field::Mother,
        Field::Father,
        Field::Spouse,
        Field::Household,
    ];
    Input::Choice(
        Field::ALL
            .into_iter()
            .filter(|f| !fixed.contains(f))
            .map(|f| (f.as_str().to_string(), f.chinese().to_string()))
            .collect(),
    )
}

/// A field's label, entry and the refusals beside it.
pub fn input(f: &FormField, value: &str, errors: Vec<&str>, options: &FieldOptions) -> Markup {
    let id = f.name;
    let error_id = format!("{id}-error");
    let candidates = options
        .candidates
        .iter()
        .find(|(name, _)| *name == f.name)
        .map(|(_, c)| c);
    html! {
        label for=(id) { (f.label) @if f.required { " *" } }
        @match (&f.input, candidates) {
            (Input::Region(_), Some(candidates)) => {
                select #(id) name=(f.name) aria-describedby=(error_id) {
                    option value="" { "请选择" }
                    @for (code, path) in candidates { option value=(code) { (path) } }
                }
            }
            (Input::Region(Area::OwnVillage), None) if options.own_villages.is_some() => {
                select #(id) name=(f.name) aria-describedby=(error_id) {
                    option value="" { "请选择村（社区）" }
                    @for (township, villages) in options.own_villages.iter().flatten() {
                        optgroup label=(township) {
                            @for (code, name) in villages {
                                option value=(code) selected[code == value] { (name) }
                            }
                        }
                    }
                }
            }
            (Input::Region(_), None) => {
                input #(id) name=(f.name) value=(value) placeholder="输入名称，如：水井坊社区" aria-describedby=(error_id);
            }
            (Input::Choice(options), _) => {
                select #(id) name=(f.name) aria-describedby=(error_id) {
                    @for (code, name) in options {
                        option value=(code) selected[code == value] { (name) }
                    }
                }
            }
            (Input::Fixed(code, label), _) => {
                input type="hidden" name=(f.name) value=(code);
                output #(id) { (label) }
            }
            (Input::Date, _) => { input #(id) name=(f.name) type="date" value=(value) aria-describedby=(error_id); }
            (Input::Text, _) => { input #(id) name=(f.name) value=(value) aria-describedby=(error_id); }
        }
        @for e in errors { p.error id=(error_id) { (e) } }
    }
}

/// The errors of a submitted form: per field, and for the form as a whole.
pub type Errors = Vec<(Option<&'static str>, String)>;

/// Reads a form's fields, collecting a refusal for every field that is wrong.
#[derive(Default)]
pub struct Check {
    pub errors: Errors,
}

impl Check {
    /// Refuses a field (or the form, with `None`).
    pub fn refuse(&mut self, field: Option<&'static str>, message: impl Into<String>) {
        self.errors.push((field, message.into()));
    }

    /// The trimmed value of a field that must be filled.
    pub fn filled<'a>(&mut self, name: &'static str, value: &'a str) -> Option<&'a str> {
        let value = value.trim();
        if value.is_empty() {
            self.refuse(Some(name), "此项必填");
            return None;
        }
        Some(value)
    }

    /// A field that must be filled, parsed.
    pub fn parsed<T, E: Display>(
        &mut self,
        name: &'static str,
        what: &str,
        value: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let value = self.filled(name, value)?;
        self.parse(name, what, value, parse)
    }

    /// A field that may be empty, parsed when it is not.
    pub fn optional<T, E: Display>(
        &mut self,
        name: &'static str,
        what: &str,
        value: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match value.trim() {
            "" => None,
            value => self.parse(name, what, value, parse),
        }
    }

    /// A value parsed, the field refused when it does not read.
    pub fn parse<T, E: Display>(
        &mut self,
        name: &'static str,
        what: &str,
        value: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        parse(value)
            .map_err(|e| self.refuse(Some(name), format!("{what}有误：{e}")))
            .ok()
    }

    /// A date that must be filled.
    pub fn date(&mut self, name: &'static str, value: &str) -> Option<NaiveDate> {
        let value = self.filled(name, value)?;
        parse_date(value)
            .map_err(|_| self.refuse(Some(name), format!("日期有误：{value}（应为 年-月-日）")))
            .ok()
    }

    /// The value when no field was refused, else the refusals.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Errors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}

/// An optional text field as given, `None` when left empty.
pub fn given(value: &str) -> Option<String> {
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}
