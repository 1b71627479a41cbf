//! A synthetic province: realistic households (head, spouse, children, elderly
//! parents, left-behind grandchildren), an age pyramid close to Sichuan's 2020
//! census, a sex ratio at birth of about 1.05, the ethnicities of each
//! prefecture, migrants, deaths and move-outs, valid identity numbers matching
//! birth date, sex and county, and the events behind it all (births since
//! 2000, marriages, deaths and widowhood, moves). The same seed gives the same
//! province.

mod draws;
mod events;
mod households;
pub mod migrant_export;
mod names;
mod noise;
mod persons;
pub mod registers;
mod summary;
mod wis;
pub mod wis_export;

use std::collections::HashMap;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand::distr::weighted::WeightedIndex;
use rand_chacha::ChaCha8Rng;
use renkou_domain::RegionCode;
use renkou_store::Population;
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
    /// Households already in the register: the new ones are numbered after
    /// them, so that a population added to another keeps its 户号 unique.
    pub households_before: i64,
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
        households_before: options.households_before,
        // A population added to another draws its identity numbers' sequences
        // from a block of its own (by seed), clear of the first one's.
        first_sequence: if options.households_before == 0 {
            0
        } else {
            100 + (options.seed % 8) as u16 * 45
        },
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
    /// Households numbered before this population.
    households_before: i64,
    /// Where each (address, birth date)'s number sequence starts.
    first_sequence: u16,
}
