//! A person's own facts: identity number, education, ethnicity of their
//! prefecture.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use renkou_domain::IdNumber;
use renkou_store::PersonRow;

use crate::{Builder, Household, names};

impl Builder<'_> {
    pub(crate) fn person(
        &mut self,
        hh: &Household,
        relation: &str,
        male: bool,
        birth: NaiveDate,
        surname: Option<&str>,
    ) -> i64 {
        let id = self.population.persons.len() as i64 + 1;
        let name = if hh.ethnicity == "04" {
            names::tibetan_name(&mut self.rng)
        } else {
            let family =
                surname.map_or_else(|| names::surname(&mut self.rng).to_string(), str::to_string);
            format!("{family}{}", names::given_name(&mut self.rng, male))
        };
        // Newborns often have no number yet.
        let id_number = if (self.today - birth).num_days() < 365 && self.rng.random_bool(0.4) {
            None
        } else {
            self.id_number(&hh.hukou[..6], birth, male)
        };
        let age = self.today.year() - birth.year();
        let education = self.education(age, hh.rural);
        let ethnicity = if hh.ethnicity != "01" && self.rng.random_bool(0.1) {
            "01"
        } else {
            hh.ethnicity
        };
        let divorced =
            age >= 20 && relation != "02" && relation != "10" && self.rng.random_bool(0.1);
        let hukou_type = match (self.rng.random_range(0..10), hh.rural) {
            (0..3, _) => None,
            (_, true) => Some("2".into()),
            (_, false) => Some("1".into()),
        };
        self.last_event.push(birth);
        self.population.persons.push(PersonRow {
            id,
            id_number: id_number.map(|n| n.to_string()),
            name,
            sex: if male { "1" } else { "2" }.into(),
            birth_date: birth,
            ethnicity: Some(ethnicity.into()),
            residence: hh.residence.clone(),
            hukou_region: Some(hh.hukou.clone()),
            hukou_type,
            household_id: Some(hh.id),
            relation: Some(relation.into()),
            marital_status: Some(if divorced { "40" } else { "10" }.into()),
            education,
            status: "active".into(),
            death_date: None,
            mother_id: None,
            father_id: None,
            spouse_id: None,
            contraception: None,
            contraception_since: None,
            pregnant_since: None,
            expected_delivery: None,
            birth_order: None,
            arrived_on: None,
        });
        id
    }

    pub(crate) fn id_number(
        &mut self,
        address: &str,
        birth: NaiveDate,
        male: bool,
    ) -> Option<IdNumber> {
        let first = self.first_sequence;
        let next = self
            .sequences
            .entry((address.to_string(), birth))
            .or_insert(first);
        let sequence = *next * 2 + u16::from(male);
        *next += 1;
        IdNumber::from_parts(address, birth, sequence)
    }

    pub(crate) fn education(&mut self, age: i32, rural: bool) -> Option<String> {
        let code = match age {
            ..7 => return None,
            7..13 => "83",
            13..16 => "81",
            16..19 => "73",
            _ => {
                let roll = self.rng.random_range(0..100) + if rural { 0 } else { 25 };
                match roll {
                    0..25 => "81",
                    25..60 => "71",
                    60..80 => "61",
                    80..92 => "31",
                    92..112 => "21",
                    _ => "14",
                }
            }
        };
        Some(code.into())
    }

    pub(crate) fn ethnicity(&mut self, hukou: &str) -> &'static str {
        let roll = self.rng.random_range(0..1000);
        match &hukou[..4] {
            "5134" => {
                if roll < 530 {
                    "07"
                } else if roll < 550 {
                    "04"
                } else {
                    "01"
                }
            }
            "5133" => {
                if roll < 780 {
                    "04"
                } else if roll < 800 {
                    "07"
                } else {
                    "01"
                }
            }
            "5132" => {
                if roll < 570 {
                    "04"
                } else if roll < 760 {
                    "33"
                } else if roll < 790 {
                    "03"
                } else {
                    "01"
                }
            }
            _ => {
                if roll < 4 {
                    "03"
                } else if roll < 8 {
                    "15"
                } else if roll < 10 {
                    "06"
                } else {
                    "01"
                }
            }
        }
    }

    pub(crate) fn index(&self, id: i64) -> usize {
        (id - 1) as usize
    }

    pub(crate) fn birth_of(&self, id: i64) -> NaiveDate {
        self.population.persons[self.index(id)].birth_date
    }

    pub(crate) fn death_of(&self, id: i64) -> Option<NaiveDate> {
        self.population.persons[self.index(id)].death_date
    }
}
