//! The Fellegi–Sunter model: for each field and agreement level, how likely
//! that level is among pairs of one person (m) and among other pairs (u); a
//! pattern's weight is the log of its likelihood ratio.
//!
//! Everything is learned from the data at hand, the way Splink trains:
//! u from random pairs (nearly all of different persons); m of each field
//! from pairs that other fields already prove to be one person (the same
//! identity number proves name, birth date, sex, residence and ethnicity;
//! the same name, birth date and sex in one county prove the identity
//! number), so that no field grades itself; and the share of true pairs
//! among the compared ones by expectation–maximisation. Free EM over all
//! parameters at once was tried first: on registers full of look-alikes
//! (twins, neighbours born the same day) it learns "same village" instead
//! of "same person".

use crate::compare::{LEVELS, PATTERNS, Pattern, admissible, unpack};

/// Field count.
const F: usize = LEVELS.len();
/// Index of the identity number among the fields.
const ID: usize = 0;
/// Fewer anchor pairs than this and a field keeps its default m.
const MIN_ANCHORS: u64 = 50;

/// A trained model.
#[derive(Debug, Clone)]
pub struct Model {
    /// Share of the compared pairs that are one person.
    pub prior: f64,
    /// P(level | same person), per field.
    pub m: [Vec<f64>; F],
    /// P(level | different persons), per field.
    pub u: [Vec<f64>; F],
    /// EM rounds run for the prior.
    pub rounds: usize,
    weights: Vec<f64>,
}

/// How many pairs show each pattern.
pub fn histogram(patterns: impl Iterator<Item = Pattern>) -> Vec<u64> {
    let mut h = vec![0u64; PATTERNS];
    for p in patterns {
        h[p as usize] += 1;
    }
    h
}

/// Level frequencies of each field among the patterns `keep` admits, with
/// half a pair added to every level (no level is impossible), and the
/// number of pairs counted.
fn marginals(hist: &[u64], keep: impl Fn(&[usize; F]) -> bool) -> ([Vec<f64>; F], u64) {
    let mut out: [Vec<f64>; F] = std::array::from_fn(|f| vec![0.5; LEVELS[f]]);
    let mut n = 0;
    for (p, &count) in hist.iter().enumerate() {
        let levels = unpack(p as Pattern);
        if count == 0 || !keep(&levels) {
            continue;
        }
        n += count;
        for (f, level) in levels.into_iter().enumerate() {
            out[f][level] += count as f64;
        }
    }
    for levels in &mut out {
        let total: f64 = levels.iter().sum();
        levels.iter_mut().for_each(|x| *x /= total);
    }
    (out, n)
}

/// Fewer random pairs than this (a village's register) and u leans on
/// [`TYPICAL_U`] too, as if that many pairs had shown it.
const MIN_RANDOM: u64 = 10_000;

/// u as a county's register shows it, level by level (see
/// [`crate::compare`]): other persons rarely share a number, name or birth
/// date, share a sex half the time, an ethnicity mostly; the last level of
/// each field, "missing", is as likely as among one person's records.
const TYPICAL_U: [&[f64]; F] = [
    &[1e-6, 1e-5, 0.89999, 0.1],
    &[1e-4, 1e-3, 3e-3, 1e-2, 0.8859, 0.1],
    &[1e-4, 1e-3, 1e-2, 0.8889, 0.1],
    &[0.495, 0.495, 0.01],
    &[0.01, 0.05, 0.2, 0.3, 0.39, 0.05],
    &[0.89, 0.1, 0.01],
];

/// u from random pairs; where they are few, mixed with [`TYPICAL_U`].
fn learned_u(random: &[u64]) -> [Vec<f64>; F] {
    let (u, n) = marginals(random, |_| true);
    if n >= MIN_RANDOM {
        return u;
    }
    let (seen, typical) = (n as f64, MIN_RANDOM as f64);
    std::array::from_fn(|f| {
        u[f].iter()
            .zip(TYPICAL_U[f])
            .map(|(x, t)| (x * seen + t * typical) / (seen + typical))
            .collect()
    })
}

/// Before any anchor is found: one person's records mostly agree.
fn default_m(f: usize) -> Vec<f64> {
    let n = LEVELS[f];
    let mut v = vec![0.02 / (n - 1) as f64; n];
    v[0] = 0.98;
    v
}

/// Before anything is learned: one person's records mostly agree, other
/// persons' as in a typical county.
impl Default for Model {
    fn default() -> Model {
        let mut model = Model {
            prior: 0.5,
            m: std::array::from_fn(default_m),
            u: std::array::from_fn(|f| TYPICAL_U[f].to_vec()),
            rounds: 0,
            weights: Vec::new(),
        };
        model.weights = model.pattern_weights();
        model
    }
}

impl Model {
    /// Learns the model from the patterns of the compared pairs (`hist`) and
    /// of random pairs (`random`).
    pub fn train(hist: &[u64], random: &[u64]) -> Model {
        let u = learned_u(random);
        let mut m: [Vec<f64>; F] = std::array::from_fn(default_m);
        // Pairs with the same identity number: m of every other field.
        let (by_id, n_id) = marginals(hist, |l| l[ID] == 0);
        if n_id >= MIN_ANCHORS {
            m[1..F].clone_from_slice(&by_id[1..F]);
        }
        // Same name, birth date and sex in one county: m of the identity number.
        let (by_person, n_person) =
            marginals(hist, |l| l[1] == 0 && l[2] == 0 && l[3] == 0 && l[4] <= 2);
        if n_person >= MIN_ANCHORS {
            m[ID] = by_person[ID].clone();
        }
        let mut model = Model {
            prior: 0.5,
            m,
            u,
            rounds: 0,
            weights: Vec::new(),
        };
        model.weights = model.pattern_weights();
        model.fit_prior(hist);
        model
    }

    /// The parameters as JSON, to keep between runs (an incremental
    /// reconciliation scores the changed records with the weights the full
    /// run learned).
    pub fn to_json(&self) -> String {
        serde_json::json!({ "prior": self.prior, "m": self.m, "u": self.u }).to_string()
    }

    /// Reads what [`Model::to_json`] wrote; `None` when it does not fit the
    /// comparison levels of this version (the next run learns afresh).
    pub fn from_json(text: &str) -> Option<Model> {
        #[derive(serde::Deserialize)]
        struct Kept {
            prior: f64,
            m: Vec<Vec<f64>>,
            u: Vec<Vec<f64>>,
        }
        let kept: Kept = serde_json::from_str(text).ok()?;
        let fits = |v: &[Vec<f64>]| v.len() == F && v.iter().zip(LEVELS).all(|(l, n)| l.len() == n);
        if !(fits(&kept.m) && fits(&kept.u)) {
            return None;
        }
        let mut model = Model {
            prior: kept.prior,
            m: std::array::from_fn(|f| kept.m[f].clone()),
            u: std::array::from_fn(|f| kept.u[f].clone()),
            rounds: 0,
            weights: Vec::new(),
        };
        model.weights = model.pattern_weights();
        Some(model)
    }

    /// The same m and u with the share of true pairs learned again, for
    /// other candidate pairs (duplicates inside one source).
    pub fn refit(&self, hist: &[u64]) -> Model {
        let mut model = self.clone();
        model.prior = 0.01;
        model.fit_prior(hist);
        model
    }

    /// EM for the prior alone: the expected share of true pairs, until stable.
    fn fit_prior(&mut self, hist: &[u64]) {
        let total: f64 = hist.iter().sum::<u64>() as f64;
        if total == 0.0 {
            return;
        }
        for round in 1..=500 {
            let expected: f64 = hist
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(p, &n)| n as f64 * self.posterior(p as Pattern))
                .sum();
            let prior = (expected / total).clamp(1e-9, 1.0 - 1e-9);
            let change = (prior - self.prior).abs();
            self.prior = prior;
            self.rounds = round;
            if change < 1e-12 {
                break;
            }
        }
    }

    fn pattern_weights(&self) -> Vec<f64> {
        (0..PATTERNS)
            .map(|p| {
                unpack(p as Pattern)
                    .into_iter()
                    .enumerate()
                    .map(|(f, l)| (self.m[f][l] / self.u[f][l]).log2())
                    .sum()
            })
            .collect()
    }

    /// The match weight of a pattern: log2 of P(pattern | same) / P(pattern | different).
    pub fn weight(&self, p: Pattern) -> f64 {
        self.weights[p as usize]
    }

    /// The probability that a pair with this pattern is one person (none
    /// for a pattern that is not [`admissible`]).
    pub fn posterior(&self, p: Pattern) -> f64 {
        self.posterior_adjusted(p, 0.0)
    }

    /// The same with `bits` added to the pattern's weight (a term-frequency
    /// adjustment of one pair).
    pub fn posterior_adjusted(&self, p: Pattern, bits: f64) -> f64 {
        if !admissible(p) {
            return 0.0;
        }
        let odds = self.prior / (1.0 - self.prior) * (self.weight(p) + bits).exp2();
        odds / (1.0 + odds)
    }

    /// Bits to add to a pair whose names agree (exactly, by sound or by
    /// dialect) on a name a share `frequency` of all records carry: agreeing
    /// on 王芳 says less than agreeing on a rare name, though both count
    /// alike in the pattern (Splink's term-frequency adjustment).
    pub fn name_frequency_bits(&self, p: Pattern, frequency: f64) -> f64 {
        let level = unpack(p)[1];
        if level > 2 || frequency <= 0.0 {
            return 0.0;
        }
        self.u[1][level].log2() - frequency.log2()
    }
}
