//! Households as they are made: a couple, their children, the head's
//! parents, and what happens to them once the household is complete.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use renkou_domain::event::{EventKind, Field};
use renkou_store::HouseholdRow;

use crate::events::change;
use crate::{Builder, Household, names};

impl Builder<'_> {
    pub(crate) fn household(&mut self) {
        let village = self.pick_village();
        let migrant = self.rng.random_bool(0.12);
        let hukou = if migrant {
            self.pick_village()
        } else {
            village.clone()
        };
        let id = self.population.households.len() as i64 + 1;
        let mut hh = Household {
            id,
            residence: village.code.to_string(),
            hukou: hukou.code.to_string(),
            ethnicity: self.ethnicity(hukou.code.as_str()),
            rural: village.name.ends_with("村委会") || village.name.ends_with('村'),
            arrived: None,
        };
        self.population.households.push(HouseholdRow {
            id,
            household_no: format!("{}{:09}", &hh.residence[..6], id + self.households_before),
            region_code: hh.residence.clone(),
            address: Some(format!(
                "{}{}号",
                village.name,
                self.rng.random_range(1..300)
            )),
            kind: "family".into(),
            head_id: None,
        });
        let roll = self.rng.random_range(0..100);
        let surname = names::surname(&mut self.rng);
        let head_age = match roll {
            0..8 => self.age_between(20, 92),
            8..28 => self.age_between(25, 85),
            28..73 => self.age_between(24, 58),
            73..95 => self.age_between(30, 62),
            _ => self.age_between(52, 78),
        };
        let head_male = self.rng.random_bool(0.8);
        let head_birth = self.birth_for_age(head_age);
        let head = self.person(&hh, "02", head_male, head_birth, Some(surname));
        self.population.households[(id - 1) as usize].head_id = Some(head);
        if migrant {
            let earliest = head_birth + Duration::days(18 * 366);
            let arrived = self.date_between(
                earliest.max(self.today - Duration::days(15 * 365)),
                self.today,
            );
            hh.arrived = Some(arrived);
            self.migrants += 1;
        }
        if roll < 8 {
            self.finish_household(&hh, &[head]);
            return;
        }
        // A spouse a few years apart.
        let spouse_birth = head_birth + Duration::days(self.rng.random_range(-5 * 365..3 * 365));
        let spouse_birth = spouse_birth.min(self.today - Duration::days(20 * 366));
        let spouse = self.person(&hh, "10", !head_male, spouse_birth, None);
        let (husband, wife) = if head_male {
            (head, spouse)
        } else {
            (spouse, head)
        };
        let mut members = vec![head, spouse];
        let wedding = self.marry(husband, wife);
        let wife_birth = self.birth_of(wife);
        match roll {
            8..28 => {}
            28..95 => {
                let children = self.children(&hh, husband, wife, wife_birth, wedding, surname);
                members.extend(children);
                if roll >= 73 {
                    members.extend(self.elderly_parents(&hh, head_birth, head_male, surname));
                }
            }
            _ => {
                // Grandparents raising grandchildren whose parents work elsewhere.
                for _ in 0..self.rng.random_range(1..=2) {
                    let male = self.rng.random_bool(0.515);
                    let age = self.rng.random_range(2..16);
                    let birth = self.birth_for_age(age);
                    let relation = if male { "41" } else { "42" };
                    members.push(self.person(&hh, relation, male, birth, Some(surname)));
                }
            }
        }
        self.finish_household(&hh, &members);
    }

    /// 1–3 children of a couple, born when the mother was 20–38.
    pub(crate) fn children(
        &mut self,
        hh: &Household,
        father: i64,
        mother: i64,
        mother_birth: NaiveDate,
        wedding: Option<NaiveDate>,
        surname: &str,
    ) -> Vec<i64> {
        let mut out = Vec::new();
        let count = match (self.rng.random_range(0..100), hh.ethnicity) {
            (0..45, "01") => 1,
            (45..90, "01") => 2,
            (_, "01") => 3,
            (0..25, _) => 1,
            (25..65, _) => 2,
            _ => 3,
        };
        let mut earliest = mother_birth + Duration::days(20 * 366);
        if let Some(w) = wedding {
            earliest = earliest.max(w + Duration::days(300));
        }
        let latest = (mother_birth + Duration::days(38 * 365)).min(self.today);
        for n in 0..count {
            if earliest >= latest {
                break;
            }
            let birth = self.date_between(earliest, latest.min(earliest + Duration::days(6 * 365)));
            let male = self.rng.random_bool(105.0 / 205.0);
            let relation = match (male, n) {
                (true, 0) => "22",
                (true, 1) => "23",
                (true, _) => "24",
                (false, 0) => "32",
                (false, 1) => "33",
                (false, _) => "34",
            };
            let child = self.person(hh, relation, male, birth, Some(surname));
            self.set_parents(child, mother, father);
            let c = self.index(child);
            self.population.persons[c].birth_order = Some(n + 1);
            out.push(child);
            earliest = birth + Duration::days(400);
        }
        out
    }

    /// The head's parents, one or both.
    pub(crate) fn elderly_parents(
        &mut self,
        hh: &Household,
        head_birth: NaiveDate,
        head_male: bool,
        surname: &str,
    ) -> Vec<i64> {
        let gap = self.rng.random_range(22..34);
        let father_birth = head_birth - Duration::days(gap * 365 + self.rng.random_range(0..700));
        let mother_birth = father_birth + Duration::days(self.rng.random_range(0..4 * 365));
        let (f_rel, m_rel) = if head_male {
            ("51", "52")
        } else {
            ("55", "56")
        };
        let mut out = Vec::new();
        let both = self.rng.random_bool(0.6);
        if both || self.rng.random_bool(0.3) {
            out.push(self.person(hh, f_rel, true, father_birth, Some(surname)));
        }
        if both || out.is_empty() {
            out.push(self.person(hh, m_rel, false, mother_birth, None));
        }
        if out.len() == 2 {
            self.marry(out[0], out[1]);
        }
        out
    }

    /// Deaths, move-outs, moves of migrants and birth events, once a household is complete.
    pub(crate) fn finish_household(&mut self, hh: &Household, members: &[i64]) {
        for &id in members {
            let birth = self.birth_of(id);
            let age = self.today.year() - birth.year();
            let p_death = if age >= 60 {
                0.015 * f64::from(age - 58)
            } else {
                0.002
            };
            if self.rng.random_bool(p_death.min(0.6)) {
                let from = (birth + Duration::days(366))
                    .max(self.today - Duration::days(10 * 365))
                    .max(self.last_event[self.index(id)]);
                let date = self.date_between(from.min(self.today), self.today);
                self.die(id, date);
            } else if (20..40).contains(&age) && self.rng.random_bool(0.01) {
                let from =
                    (birth + Duration::days(18 * 366)).max(self.today - Duration::days(5 * 365));
                let date = self.date_between(from.min(self.today), self.today);
                let p = self.index(id);
                self.population.persons[p].status = "moved_out".into();
                let before = self.population.persons[p].arrived_on.map(|d| d.to_string());
                self.population.persons[p].arrived_on = Some(date);
                let residence = self.population.persons[p].residence.clone();
                self.event(
                    id,
                    EventKind::MoveOut,
                    date,
                    None,
                    residence,
                    vec![
                        change(Field::Status, Some("active"), Some("moved_out")),
                        change(Field::ArrivedOn, before.as_deref(), Some(&date.to_string())),
                    ],
                );
            }
        }
        for &id in members {
            let birth = self.birth_of(id);
            let p = self.index(id);
            // Those born after the household arrived were born here: no move.
            if let Some(arrived) = hh
                .arrived
                .filter(|a| birth < *a && self.death_of(id).is_none_or(|d| d > *a))
            {
                let residence = self.population.persons[p].residence.clone();
                let mut changes = vec![change(
                    Field::Residence,
                    Some(&hh.hukou),
                    Some(&hh.residence),
                )];
                // Their stay is counted from the day they came to the county, as a move records it.
                if hh.hukou[..6] != hh.residence[..6] {
                    let day = arrived.to_string();
                    changes.push(change(Field::ArrivedOn, None, Some(&day)));
                    self.population.persons[p].arrived_on = Some(arrived);
                }
                self.event(id, EventKind::MoveWithin, arrived, None, residence, changes);
            }
            if birth.year() >= 2000 {
                self.birth_event(id, hh);
            }
        }
        for &id in members {
            let last_birth = members
                .iter()
                .map(|c| &self.population.persons[self.index(*c)])
                .filter(|c| c.mother_id == Some(id))
                .map(|c| c.birth_date)
                .max();
            self.family_planning(id, last_birth);
        }
    }
}
