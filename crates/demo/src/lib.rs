//! A synthetic province: realistic households (head, spouse, children, elderly
//! parents, left-behind grandchildren), an age pyramid close to Sichuan's 2020
//! census, a sex ratio at birth of about 1.05, the ethnicities of each
//! prefecture, migrants, deaths and move-outs, valid identity numbers matching
//! birth date, sex and county, and the events behind it all (births since
//! 2000, marriages, deaths and widowhood, moves). The same seed gives the same
//! province.

mod names;
pub mod registers;

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::event::{EventKind, Field, FieldChange};
use renkou_domain::{IdNumber, RegionCode};
use renkou_store::{HouseholdRow, NewEventRow, PersonRow, Population};
use serde::Serialize;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// About this many persons (households are completed, so a few more).
    pub people: usize,
    /// The seed: the same seed gives the same province.
    pub seed: u64,
    /// The day the province is generated "as of".
    pub today: NaiveDate,
}

/// A village or community people can live in.
#[derive(Debug, Clone)]
pub struct Village {
    pub code: RegionCode,
    pub name: String,
}

/// Headline figures of a generated province.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoSummary {
    pub persons: usize,
    pub households: usize,
    pub living: usize,
    pub dead: usize,
    pub moved_out: usize,
    pub migrants: usize,
    pub events: usize,
    /// Men per 100 women among the living.
    pub sex_ratio: f64,
    /// Share of the living aged 0–14, 15–59 and 60+ (percent).
    pub age_groups: [f64; 3],
    /// Living persons per ethnicity code, largest first.
    pub ethnicities: Vec<(String, usize)>,
}

const RECORDER: &str = "demo";

/// Generates a province over the given villages.
pub fn generate(villages: &[Village], options: &DemoOptions) -> (Population, DemoSummary) {
    // Urban communities are larger than villages; the plateau prefectures are sparse.
    let weights = villages.iter().map(|v| {
        let urban = if v.name.ends_with("居委会") || v.name.ends_with("社区") {
            3.0
        } else {
            1.0
        };
        let sparse = if matches!(&v.code.as_str()[..4], "5132" | "5133") {
            0.3
        } else {
            1.0
        };
        urban * sparse
    });
    let village_weights = WeightedIndex::new(weights).ok();
    let mut b = Builder {
        village_weights,
        rng: ChaCha8Rng::seed_from_u64(options.seed),
        today: options.today,
        villages,
        population: Population::default(),
        sequences: HashMap::new(),
        migrants: 0,
        last_event: Vec::new(),
    };
    while b.population.persons.len() < options.people && !villages.is_empty() {
        b.household();
    }
    let summary = b.summary();
    (b.population, summary)
}

struct Household {
    id: i64,
    residence: String,
    hukou: String,
    ethnicity: &'static str,
    rural: bool,
    /// When a migrant household came to its residence.
    arrived: Option<NaiveDate>,
}

struct Builder<'a> {
    rng: ChaCha8Rng,
    village_weights: Option<WeightedIndex<f64>>,
    today: NaiveDate,
    villages: &'a [Village],
    population: Population,
    /// Next identity-number sequence per (address code, birth date).
    sequences: HashMap<(String, NaiveDate), u16>,
    migrants: usize,
    /// Per person, the latest day anything happened to them: a death comes after it.
    last_event: Vec<NaiveDate>,
}

impl Builder<'_> {
    fn household(&mut self) {
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
            household_no: format!("{}{:09}", &hh.residence[..6], id),
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
    fn children(
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
            out.push(child);
            earliest = birth + Duration::days(400);
        }
        out
    }

    /// The head's parents, one or both.
    fn elderly_parents(
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
    fn finish_household(&mut self, hh: &Household, members: &[i64]) {
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
                let residence = self.population.persons[p].residence.clone();
                self.event(
                    id,
                    EventKind::MoveOut,
                    date,
                    None,
                    residence,
                    vec![change(Field::Status, Some("active"), Some("moved_out"))],
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
                let changes = vec![change(
                    Field::Residence,
                    Some(&hh.hukou),
                    Some(&hh.residence),
                )];
                self.event(id, EventKind::MoveWithin, arrived, None, residence, changes);
            }
            if birth.year() >= 2000 {
                self.birth_event(id, hh);
            }
        }
    }

    fn birth_event(&mut self, id: i64, hh: &Household) {
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
        ];
        for (field, value) in optional {
            if let Some(v) = value {
                changes.push(change(field, None, Some(&v)));
            }
        }
        let (date, region) = (p.birth_date, residence);
        self.event(id, EventKind::Birth, date, None, region, changes);
    }

    /// Marries two persons at a plausible date (or not at all, if too young); returns the date.
    fn marry(&mut self, husband: i64, wife: i64) -> Option<NaiveDate> {
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

    fn die(&mut self, id: i64, date: NaiveDate) {
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

    fn person(
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
        });
        id
    }

    fn set_parents(&mut self, child: i64, mother: i64, father: i64) {
        let c = self.index(child);
        self.population.persons[c].mother_id = Some(mother);
        self.population.persons[c].father_id = Some(father);
        let birth = self.population.persons[c].birth_date;
        for parent in [mother, father] {
            let i = self.index(parent);
            self.last_event[i] = self.last_event[i].max(birth);
        }
    }

    fn id_number(&mut self, address: &str, birth: NaiveDate, male: bool) -> Option<IdNumber> {
        let next = self
            .sequences
            .entry((address.to_string(), birth))
            .or_insert(0);
        let sequence = *next * 2 + u16::from(male);
        *next += 1;
        IdNumber::from_parts(address, birth, sequence)
    }

    fn education(&mut self, age: i32, rural: bool) -> Option<String> {
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

    fn ethnicity(&mut self, hukou: &str) -> &'static str {
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

    fn pick_village(&mut self) -> Village {
        let index = match &self.village_weights {
            Some(w) => w.sample(&mut self.rng),
            None => self.rng.random_range(0..self.villages.len()),
        };
        self.villages[index].clone()
    }

    /// An age drawn from a census-like pyramid restricted to [low, high].
    fn age_between(&mut self, low: i32, high: i32) -> i32 {
        loop {
            let age = self.rng.random_range(low..=high);
            // Fewer people at the oldest ages; a dip for the small 1960s and 1980s cohorts is ignored.
            let keep = if age < 60 {
                1.0
            } else {
                (1.0 - f64::from(age - 60) / 40.0).max(0.05)
            };
            if self.rng.random_bool(keep) {
                return age;
            }
        }
    }

    fn birth_for_age(&mut self, age: i32) -> NaiveDate {
        let start = self.today - Duration::days(i64::from(age + 1) * 365 + i64::from(age / 4))
            + Duration::days(1);
        let birth = start + Duration::days(self.rng.random_range(0..365));
        birth.min(self.today)
    }

    fn date_between(&mut self, low: NaiveDate, high: NaiveDate) -> NaiveDate {
        if high <= low {
            return low;
        }
        low + Duration::days(self.rng.random_range(0..=(high - low).num_days()))
    }

    fn event(
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
        });
    }

    fn index(&self, id: i64) -> usize {
        (id - 1) as usize
    }

    fn birth_of(&self, id: i64) -> NaiveDate {
        self.population.persons[self.index(id)].birth_date
    }

    fn death_of(&self, id: i64) -> Option<NaiveDate> {
        self.population.persons[self.index(id)].death_date
    }

    fn summary(&self) -> DemoSummary {
        let persons = &self.population.persons;
        let living: Vec<&PersonRow> = persons.iter().filter(|p| p.status == "active").collect();
        let men = living.iter().filter(|p| p.sex == "1").count();
        let mut groups = [0usize; 3];
        let mut ethnicities: HashMap<String, usize> = HashMap::new();
        for p in &living {
            let age = self.today.year() - p.birth_date.year();
            groups[if age < 15 {
                0
            } else if age < 60 {
                1
            } else {
                2
            }] += 1;
            *ethnicities
                .entry(p.ethnicity.clone().unwrap_or_default())
                .or_default() += 1;
        }
        let mut ethnicities: Vec<(String, usize)> = ethnicities.into_iter().collect();
        ethnicities.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let share = |n: usize| {
            if living.is_empty() {
                0.0
            } else {
                100.0 * n as f64 / living.len() as f64
            }
        };
        DemoSummary {
            persons: persons.len(),
            households: self.population.households.len(),
            living: living.len(),
            dead: persons.iter().filter(|p| p.status == "dead").count(),
            moved_out: persons.iter().filter(|p| p.status == "moved_out").count(),
            migrants: persons
                .iter()
                .filter(|p| p.status == "active" && p.hukou_region.as_deref() != Some(&p.residence))
                .count(),
            events: self.population.events.len(),
            sex_ratio: if living.len() == men {
                0.0
            } else {
                100.0 * men as f64 / (living.len() - men) as f64
            },
            age_groups: groups.map(share),
            ethnicities,
        }
    }
}

fn years_after(date: NaiveDate, years: i32) -> NaiveDate {
    date.with_year(date.year() + years)
        .unwrap_or_else(|| date + Duration::days(i64::from(years) * 365 + 1))
}

fn change(field: Field, from: Option<&str>, to: Option<&str>) -> FieldChange {
    FieldChange {
        field,
        from: from.map(str::to_string),
        to: to.map(str::to_string),
    }
}
