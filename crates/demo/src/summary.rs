//! The headline figures of a generated province.

use std::collections::HashMap;

use chrono::Datelike;
use renkou_store::PersonRow;

use crate::{Builder, DemoSummary};

impl Builder<'_> {
    pub(crate) fn summary(&self) -> DemoSummary {
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
