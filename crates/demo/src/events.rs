//! The events behind each person: births, marriages, deaths and widowhood,
//! moves, each dated after what came before.

use chrono::{Datelike, Duration, NaiveDate};
use renkou_domain::event::{EventKind, Field, FieldChange};
use renkou_store::NewEventRow;

use crate::draws::years_after;
use crate::{Builder, Household, RECORDER};

impl Builder<'_> {
    pub(crate) fn birth_event(&mut self, id: i64, hh: &Household) {
        let p = &self.population.persons[self.index(id)];
        let born_here = hh.arrived.is_none_or(|a| p.birth_date >= a);
        let residence = if born_here {
            p.residence.clone()
        } else {
            hh.hukou.clone()
        };
        let mut changes = vec![
            change(Field::Name, None, Some(&p.name)),
            change(Field::Sex, None, Some(&p.sex)),
            change(Field::BirthDate, None, Some(&p.birth_date.to_string())),
            change(Field::Residence, None, Some(&residence)),
            change(Field::Household, None, Some(&hh.id.to_string())),
            change(Field::Status, None, Some("active")),
            change(Field::MaritalStatus, None, Some("10")),
        ];
        let optional = [
            (Field::IdNumber, p.id_number.clone()),
            (Field::Ethnicity, p.ethnicity.clone()),
            (Field::HukouRegion, p.hukou_region.clone()),
            (Field::HukouType, p.hukou_type.clone()),
            (Field::Relation, p.relation.clone()),
            (Field::Mother, p.mother_id.map(|m| m.to_string())),
            (Field::Father, p.father_id.map(|f| f.to_string())),
            (Field::BirthOrder, p.birth_order.map(|o| o.to_string())),
        ];
        for (field, value) in optional {
            if let Some(v) = value {
                changes.push(change(field, None, Some(&v)));
            }
        }
        let (date, region) = (p.birth_date, residence);
        // A birth counts by the mother's age group at the birth.
        let details = p.mother_id.map(|m| self.birth_details(id, m));
        self.event(id, EventKind::Birth, date, None, region, changes);
        if let (Some(details), Some(e)) = (details, self.population.events.last_mut()) {
            e.details = Some(details);
        }
    }

    /// What a birth's statistics count it by: the mother's birth year and
    /// the default policy indicators' verdicts on it.
    fn birth_details(&self, child: i64, mother: i64) -> renkou_domain::event::EventDetails {
        let c = &self.population.persons[self.index(child)];
        let m = &self.population.persons[self.index(mother)];
        // A mother's children are made one after another: the previous one
        // is the person before.
        let previous = (child > 1)
            .then(|| &self.population.persons[self.index(child - 1)])
            .filter(|s| s.mother_id == Some(mother) && c.birth_order.is_some_and(|o| o > 1))
            .map(|s| s.birth_date);
        let facts = renkou_domain::wis::BirthFacts {
            order: c.birth_order.map_or(0, i64::from),
            mother_age: i64::from(c.birth_date.year() - m.birth_date.year()),
            months_since_previous: previous.map_or(-1, |p| {
                i64::from(
                    (c.birth_date.year() - p.year()) * 12 + c.birth_date.month() as i32
                        - p.month() as i32,
                )
            }),
            mother_married: m.spouse_id.is_some(),
            sex: c.sex.clone(),
        };
        let policy = renkou_domain::wis::policy::evaluate(
            &renkou_domain::wis::PolicyRule::defaults(),
            &facts,
        )
        .unwrap_or_default();
        renkou_domain::event::EventDetails::Birth {
            mother_born: m.birth_date.year(),
            policy,
        }
    }

    /// Marries two persons at a plausible date (or not at all, if too young); returns the date.
    pub(crate) fn marry(&mut self, husband: i64, wife: i64) -> Option<NaiveDate> {
        let (hb, wb) = (self.birth_of(husband), self.birth_of(wife));
        let legal = years_after(hb, 22).max(years_after(wb, 20));
        if legal > self.today {
            return None;
        }
        let date = self.date_between(legal, (legal + Duration::days(6 * 365)).min(self.today));
        for (me, other) in [(husband, wife), (wife, husband)] {
            let p = self.index(me);
            let before = self.population.persons[p]
                .marital_status
                .replace("21".into());
            self.population.persons[p].spouse_id = Some(other);
            let region = self.population.persons[p].residence.clone();
            self.event(
                me,
                EventKind::Marriage,
                date,
                Some(other),
                region,
                vec![
                    change(Field::MaritalStatus, before.as_deref(), Some("21")),
                    change(Field::Spouse, None, Some(&other.to_string())),
                ],
            );
        }
        Some(date)
    }

    pub(crate) fn die(&mut self, id: i64, date: NaiveDate) {
        let p = self.index(id);
        self.population.persons[p].status = "dead".into();
        self.population.persons[p].death_date = Some(date);
        let region = self.population.persons[p].residence.clone();
        self.event(
            id,
            EventKind::Death,
            date,
            None,
            region.clone(),
            vec![
                change(Field::Status, Some("active"), Some("dead")),
                change(Field::DeathDate, None, Some(&date.to_string())),
            ],
        );
        if let Some(spouse) = self.population.persons[p].spouse_id {
            let s = self.index(spouse);
            if self.population.persons[s].status != "dead" {
                self.population.persons[s].marital_status = Some("30".into());
                self.population.persons[s].spouse_id = None;
                self.event(
                    spouse,
                    EventKind::Death,
                    date,
                    Some(id),
                    region,
                    vec![
                        change(Field::MaritalStatus, Some("21"), Some("30")),
                        change(Field::Spouse, Some(&id.to_string()), None),
                    ],
                );
            }
        }
    }

    pub(crate) fn set_parents(&mut self, child: i64, mother: i64, father: i64) {
        let c = self.index(child);
        self.population.persons[c].mother_id = Some(mother);
        self.population.persons[c].father_id = Some(father);
        let birth = self.population.persons[c].birth_date;
        for parent in [mother, father] {
            let i = self.index(parent);
            self.last_event[i] = self.last_event[i].max(birth);
        }
    }

    pub(crate) fn event(
        &mut self,
        person: i64,
        kind: EventKind,
        date: NaiveDate,
        related: Option<i64>,
        region: String,
        changes: Vec<FieldChange>,
    ) {
        let i = self.index(person);
        self.last_event[i] = self.last_event[i].max(date);
        self.population.events.push(NewEventRow {
            person_id: person,
            kind,
            effective_date: date,
            recorded_at: chrono::DateTime::from_naive_utc_and_offset(
                date.and_hms_opt(9, 0, 0).unwrap_or_default(),
                chrono::Utc,
            ),
            recorder: RECORDER.into(),
            source: RECORDER.into(),
            region_code: region,
            related_id: related,
            changes,
            note: None,
            details: None,
        });
    }
}

pub(crate) fn change(field: Field, from: Option<&str>, to: Option<&str>) -> FieldChange {
    FieldChange {
        field,
        from: from.map(str::to_string),
        to: to.map(str::to_string),
    }
}
