//! The family-planning histories of the demo's women (WIS): the method of
//! each married woman of 15–49 in the shares provincial reports give (IUD
//! and sterilisation most), started after her last child; the IUD checks
//! and visits it called for, most of them done and some overdue; a few
//! open pregnancies, a few past their expected delivery; so that the cards,
//! the work lists and the reports are full on the demo.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use renkou_domain::event::{EventDetails, EventKind, Field};
use renkou_domain::wis::{Facility, IudCheckResult, Method, Schedule, WisDetails};

use crate::Builder;
use crate::events::change;

/// Methods of married women 15–49 and their weights (per mille): none,
/// male and female sterilisation, IUD, implant, pill, injection, condom,
/// topical, other.
const METHODS: [(&str, u32); 10] = [
    ("00", 80),
    ("01", 40),
    ("02", 220),
    ("03", 440),
    ("04", 20),
    ("05", 30),
    ("06", 10),
    ("07", 140),
    ("08", 10),
    ("09", 10),
];

/// Share of the checks and visits due that were done (the rest overdue).
const DONE: f64 = 0.9;

impl Builder<'_> {
    /// The card of a living married woman of 15–49: a pregnancy, or a method
    /// and the follow-up it called for.
    pub(crate) fn family_planning(&mut self, woman: i64, last_birth: Option<NaiveDate>) {
        let i = self.index(woman);
        let p = &self.population.persons[i];
        let age = self.today.year() - p.birth_date.year();
        if p.sex != "2"
            || p.status != "active"
            || p.spouse_id.is_none()
            || !renkou_domain::wis::CARD_AGES.contains(&age)
        {
            return;
        }
        let region = p.residence.clone();
        let fifteenth = crate::draws::years_after(p.birth_date, 15);
        let ready = self.last_event[i].max(fifteenth);
        if (20..=42).contains(&age) && self.rng.random_bool(0.04) {
            return self.pregnancy(woman, region, ready);
        }
        let code = self.weighted_method();
        if code == "00" {
            return;
        }
        let Ok(method) = Method::parse(code) else {
            return;
        };
        // Started after the last child (42 days to a year on), or after the wedding.
        let after = last_birth
            .map(|b| b + Duration::days(self.rng.random_range(42..365)))
            .unwrap_or(ready)
            .max(ready);
        if after >= self.today {
            return;
        }
        let since = if method.long_acting() {
            after
        } else {
            // A short-acting method is a recent one.
            self.date_between(after.max(self.today - Duration::days(2 * 365)), self.today)
        };
        self.population.persons[i].contraception = Some(code.into());
        self.population.persons[i].contraception_since = Some(since);
        let facility = self.facility();
        self.wis_event(
            woman,
            EventKind::ContraceptionStart,
            since,
            region.clone(),
            vec![
                change(Field::Contraception, None, Some(code)),
                change(Field::ContraceptionSince, None, Some(&since.to_string())),
            ],
            WisDetails {
                method: Some(method),
                facility,
                ..WisDetails::default()
            },
        );
        let schedule = Schedule::default();
        if method.is_iud() {
            let mut last = None;
            loop {
                let due = schedule.next_iud_check(since, last);
                if due > self.today {
                    break;
                }
                if !self.rng.random_bool(DONE) {
                    break;
                }
                let done = (due + Duration::days(self.rng.random_range(-10..20))).min(self.today);
                let result =
                    IudCheckResult::parse(if self.rng.random_bool(0.97) { "1" } else { "2" });
                let facility = self.facility();
                self.wis_event(
                    woman,
                    EventKind::IudCheck,
                    done,
                    region.clone(),
                    Vec::new(),
                    WisDetails {
                        iud_check: result.ok(),
                        facility,
                        ..WisDetails::default()
                    },
                );
                last = Some(done.max(due));
            }
        } else if !method.long_acting() {
            let mut last = None;
            loop {
                let due = schedule.next_visit(since, last);
                if due > self.today || !self.rng.random_bool(DONE) {
                    break;
                }
                self.wis_event(
                    woman,
                    EventKind::Visit,
                    due,
                    region.clone(),
                    Vec::new(),
                    WisDetails::default(),
                );
                last = Some(due);
            }
        }
    }

    /// An open pregnancy; one in ten past its expected delivery unreported.
    fn pregnancy(&mut self, woman: i64, region: String, ready: NaiveDate) {
        let days_ago = if self.rng.random_bool(0.1) {
            self.rng.random_range(300..320)
        } else {
            self.rng.random_range(30..270)
        };
        let lmp = self.today - Duration::days(days_ago);
        let registered = (lmp + Duration::days(self.rng.random_range(30..80))).min(self.today);
        if lmp < ready {
            return;
        }
        let expected = lmp + Duration::days(280);
        let i = self.index(woman);
        self.population.persons[i].pregnant_since = Some(lmp);
        self.population.persons[i].expected_delivery = Some(expected);
        self.wis_event(
            woman,
            EventKind::Pregnancy,
            registered,
            region,
            vec![
                change(Field::PregnantSince, None, Some(&lmp.to_string())),
                change(Field::ExpectedDelivery, None, Some(&expected.to_string())),
            ],
            WisDetails::default(),
        );
    }

    fn weighted_method(&mut self) -> &'static str {
        let total: u32 = METHODS.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.random_range(0..total);
        for (code, weight) in METHODS {
            if roll < weight {
                return code;
            }
            roll -= weight;
        }
        "00"
    }

    fn facility(&mut self) -> Option<Facility> {
        let codes = ["1", "2", "3", "4", "5"];
        Facility::parse(codes[self.rng.random_range(0..codes.len())]).ok()
    }

    /// An event of the card, with its details.
    fn wis_event(
        &mut self,
        person: i64,
        kind: EventKind,
        date: NaiveDate,
        region: String,
        changes: Vec<renkou_domain::event::FieldChange>,
        details: WisDetails,
    ) {
        self.event(person, kind, date, None, region, changes);
        if let Some(e) = self.population.events.last_mut() {
            e.details = Some(EventDetails::Wis(Box::new(details)));
        }
    }
}
