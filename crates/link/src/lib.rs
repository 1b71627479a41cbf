//! Record linkage for Chinese person registers (比对筛查).
//!
//! Two registers of one population disagree: names heard and written by ear,
//! traditional characters, identity numbers missing, mistyped or in the old
//! 15-digit form, birth dates swapped or shifted, people who moved, died or
//! were never registered. [`reconcile`] finds who is the same person across
//! the two ([`record`] normalises, [`blocking`] proposes pairs, [`compare`]
//! grades them, [`model`] learns the weights, [`assign`] pairs one to one),
//! who is listed twice in one source, and what the matched pairs disagree on
//! ([`findings`]). Pure Rust, no I/O; multi-threaded with rayon.

pub mod assign;
pub mod blocking;
pub mod chinese;
pub mod compare;
pub mod evaluate;
pub mod findings;
pub mod model;
pub mod record;

use rayon::prelude::*;

pub use findings::{Conflict, DeceasedActive};
pub use model::Model;
pub use record::{FieldProblem, RawFields, Record, Status};

/// Pairs at or above this probability of being one person are matches.
pub const THRESHOLD: f64 = 0.5;

/// A pair of records taken to be one person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    /// Probability that the two are one person.
    pub probability: f64,
}

/// Everything found between two registers (indexes into the inputs).
#[derive(Debug, Clone, Default)]
pub struct Linkage {
    pub matches: Vec<Link>,
    pub only_left: Vec<u32>,
    pub only_right: Vec<u32>,
    pub duplicates_left: Vec<Link>,
    pub duplicates_right: Vec<Link>,
    pub conflicts: Vec<Conflict>,
    pub deceased_active: Vec<DeceasedActive>,
    pub stats: LinkStats,
    /// The weights used (to keep for an incremental run).
    pub model: Model,
}

/// Figures of a run, for the summary.
#[derive(Debug, Clone, Default)]
pub struct LinkStats {
    /// Pairs compared across the sources.
    pub compared: usize,
    /// Pairs compared inside the sources.
    pub compared_inside: usize,
    /// Blocks skipped because their key was shared by too many records.
    pub blocks_skipped: usize,
    /// Share of compared pairs the model takes for one person.
    pub prior: f64,
    /// EM rounds.
    pub rounds: usize,
}

/// The stages of a run, reported as they start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Blocking,
    Training,
    Assigning,
    Duplicates,
    Findings,
}

/// Links two registers, learning the weights from them.
pub fn reconcile(left: &[Record], right: &[Record], progress: &(dyn Fn(Stage) + Sync)) -> Linkage {
    reconcile_with(left, right, None, progress)
}

/// What an earlier run settled, for an incremental one.
#[derive(Debug, Clone, Copy)]
pub struct Earlier<'a> {
    /// The weights the earlier (full) run learned.
    pub model: &'a Model,
    /// Pairs (left, right) matched then and unchanged on both sides since.
    pub kept: &'a [(u32, u32)],
    /// Which records of each side are new or changed (or were matched to
    /// nobody): only pairs with one of them are compared.
    pub changed_left: &'a [bool],
    pub changed_right: &'a [bool],
}

/// Fewer candidate pairs than this and a known model keeps its prior.
const MIN_PAIRS_FOR_PRIOR: u64 = 1_000;

/// Links two registers; with `earlier`, incrementally: the kept pairs stay
/// matched and are not compared again, candidate pairs (cross and inside
/// each side) are scored only where one record changed, with the earlier
/// run's weights — the changes are too few and too unlike the whole to
/// learn from (the share of true pairs is learned again where there are
/// enough pairs). Blocking still runs on everything, so that a changed
/// record meets the unchanged record it duplicates. `matches`,
/// `conflicts` and `deceased_active` then hold only new pairs; `only_*`
/// and the duplicates hold what is found over all records.
pub fn reconcile_with(
    left: &[Record],
    right: &[Record],
    earlier: Option<Earlier<'_>>,
    progress: &(dyn Fn(Stage) + Sync),
) -> Linkage {
    progress(Stage::Blocking);
    let (lp, rp) = rayon::join(|| compare::profiles(left), || compare::profiles(right));
    let mut kept_left = vec![false; left.len()];
    let mut kept_right = vec![false; right.len()];
    if let Some(e) = earlier {
        for &(a, b) in e.kept {
            kept_left[a as usize] = true;
            kept_right[b as usize] = true;
        }
    }
    // A kept record is taken: only pairs of two free records, one changed.
    let free_and_changed = |a: u32, b: u32| {
        let (a, b) = (a as usize, b as usize);
        earlier.is_none_or(|e| {
            !kept_left[a] && !kept_right[b] && (e.changed_left[a] || e.changed_right[b])
        })
    };
    let (pairs, skipped) = blocking::cross_pairs(
        left,
        right,
        &lp,
        &rp,
        earlier.map(|_| &free_and_changed as &(dyn Fn(u32, u32) -> bool + Sync)),
    );

    progress(Stage::Training);
    let hist = model::histogram(pairs.iter().map(|c| c.2));
    let model = match earlier {
        Some(e) if hist.iter().sum::<u64>() >= MIN_PAIRS_FOR_PRIOR => e.model.refit(&hist),
        Some(e) => e.model.clone(),
        None => {
            let random = model::histogram(random_pairs(&lp, &rp, 200_000).into_iter());
            Model::train(&hist, &random)
        }
    };

    progress(Stage::Assigning);
    let names = NameFrequency::of(&[&lp, &rp]);
    let scored: Vec<Link> = pairs
        .par_iter()
        .filter_map(|&(a, b, p)| {
            let bits = names.bits(&model, p, &lp[a as usize]);
            let probability = model.posterior_adjusted(p, bits);
            (probability >= THRESHOLD).then_some(Link { a, b, probability })
        })
        .collect();
    let compared = pairs.len();
    drop(pairs);
    let order = |l: &Link| {
        let p = compare::pattern(&lp[l.a as usize], &rp[l.b as usize]);
        model.weight(p) + names.bits(&model, p, &lp[l.a as usize])
    };
    let matches = assign::one_to_one(scored, &order);

    progress(Stage::Duplicates);
    let (changed_left, changed_right) = match earlier {
        Some(e) => (Some(e.changed_left), Some(e.changed_right)),
        None => (None, None),
    };
    let (duplicates_left, duplicates_right) = rayon::join(
        || duplicates(left, &lp, &model, &names, changed_left),
        || duplicates(right, &rp, &model, &names, changed_right),
    );
    let compared_inside = duplicates_left.1 + duplicates_right.1;

    progress(Stage::Findings);
    let mut matched_left = kept_left;
    let mut matched_right = kept_right;
    for m in &matches {
        matched_left[m.a as usize] = true;
        matched_right[m.b as usize] = true;
    }
    let only_left = unmatched(&matched_left, &duplicates_left.0);
    let only_right = unmatched(&matched_right, &duplicates_right.0);
    let conflicts = matches
        .par_iter()
        .flat_map_iter(|m| findings::conflicts(m.a, m.b, &left[m.a as usize], &right[m.b as usize]))
        .collect();
    let deceased_active = matches
        .iter()
        .filter_map(|m| {
            findings::deceased_active(m.a, m.b, &left[m.a as usize], &right[m.b as usize])
        })
        .collect();
    Linkage {
        matches,
        only_left,
        only_right,
        duplicates_left: duplicates_left.0,
        duplicates_right: duplicates_right.0,
        conflicts,
        deceased_active,
        stats: LinkStats {
            compared,
            compared_inside,
            blocks_skipped: skipped,
            prior: model.prior,
            rounds: model.rounds,
        },
        model,
    }
}

/// How often each name (by sound) occurs among all records.
struct NameFrequency {
    counts: rustc_hash::FxHashMap<u64, u32>,
    total: f64,
}

impl NameFrequency {
    fn of(sides: &[&[compare::Profile]]) -> NameFrequency {
        let mut counts = rustc_hash::FxHashMap::default();
        let mut total = 0usize;
        for side in sides {
            total += side.len();
            for p in side.iter() {
                *counts.entry(p.sound_key()).or_insert(0) += 1;
            }
        }
        NameFrequency {
            counts,
            total: total.max(1) as f64,
        }
    }

    /// The term-frequency adjustment of a pair whose first record is `a`.
    fn bits(&self, model: &Model, p: compare::Pattern, a: &compare::Profile) -> f64 {
        let n = self.counts.get(&a.sound_key()).copied().unwrap_or(1);
        model.name_frequency_bits(p, f64::from(n) / self.total)
    }
}

/// Records of one side that are matched to nobody, leaving out those that
/// duplicate a record of the same side (that person is accounted for).
fn unmatched(matched: &[bool], duplicates: &[Link]) -> Vec<u32> {
    let mut covered = matched.to_vec();
    for d in duplicates {
        let (a, b) = (d.a as usize, d.b as usize);
        if matched[a] || matched[b] {
            covered[a] = true;
            covered[b] = true;
        }
    }
    (0..matched.len() as u32)
        .filter(|&i| !covered[i as usize])
        .collect()
}

/// Pairs of records of one source that are one person. Two different
/// identity numbers both present mean two registered persons (twins share
/// everything else), so such a pair is never a duplicate.
fn duplicates(
    records: &[Record],
    profiles: &[compare::Profile],
    cross: &Model,
    names: &NameFrequency,
    changed: Option<&[bool]>,
) -> (Vec<Link>, usize) {
    let touches_changed = |a: u32, b: u32| changed.is_none_or(|c| c[a as usize] || c[b as usize]);
    let (pairs, _) = blocking::inner_pairs(
        records,
        profiles,
        changed.map(|_| &touches_changed as &(dyn Fn(u32, u32) -> bool + Sync)),
    );
    let hist = model::histogram(pairs.iter().map(|c| c.2));
    let model = cross.refit(&hist);
    let mut found: Vec<Link> = pairs
        .par_iter()
        .filter(|&&(_, _, p)| compare::unpack(p)[0] != 2)
        .filter_map(|&(a, b, p)| {
            let bits = names.bits(&model, p, &profiles[a as usize]);
            let probability = model.posterior_adjusted(p, bits);
            (probability >= THRESHOLD).then_some(Link { a, b, probability })
        })
        .collect();
    found.sort_by_key(|l| (l.a, l.b));
    (found, pairs.len())
}

/// Patterns of pseudo-random pairs (deterministic), for u; every pair when
/// there are no more than `n` (a village's registers), so that a small
/// register is not sampled over and over.
fn random_pairs(
    left: &[compare::Profile],
    right: &[compare::Profile],
    n: usize,
) -> Vec<compare::Pattern> {
    let (nl, nr) = (left.len() as u64, right.len() as u64);
    // A pair sharing the identity number is one person, not a random
    // pair: on a small register (a township's) random pairs would be
    // full of them.
    let different = |p: &compare::Pattern| compare::unpack(*p)[0] != 0;
    if nl * nr <= n as u64 {
        return left
            .iter()
            .flat_map(|a| right.iter().map(move |b| compare::pattern(a, b)))
            .filter(different)
            .collect();
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..n)
        .map(|_| {
            let a = (next() % nl) as usize;
            let b = (next() % nr) as usize;
            compare::pattern(&left[a], &right[b])
        })
        .filter(different)
        .collect()
}
