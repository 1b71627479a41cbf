//! Blocking: only records that share at least one key are compared. Several
//! independent keys, so that a wrong or missing identity number, a mistyped
//! birth date or a misheard name each still leave a key in common. A pair
//! that several keys bring together is compared once.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::FxHasher;

use crate::compare::{Pattern, Profile, pattern};
use crate::record::Record;

/// The blocking keys, in order.
pub const RULES: [&str; 7] = [
    "identity number",
    "birth date + surname sound",
    "name sound + county",
    "name sound + birth year",
    "birth date + sex + county",
    "identity number address and birth date",
    "identity number birth date and sequence",
];

/// A block bigger than this many pairs says its key does not tell people
/// apart (a placeholder number, say); it is skipped.
pub const MAX_BLOCK_PAIRS: usize = 20_000;

/// One compared pair: indexes into the two sides and its pattern.
pub type Candidate = (u32, u32, Pattern);

fn hash(parts: impl Hash) -> u64 {
    let mut h = FxHasher::default();
    parts.hash(&mut h);
    h.finish().max(1)
}

/// A record's key under one rule (0 = the record has none).
fn key(r: &Record, rule: usize) -> u64 {
    let id = r.id_number.as_ref();
    let birth = r.birth_number();
    let name = (!r.folded.is_empty()).then_some(r.folded.as_str());
    match rule {
        0 => id.map_or(0, |id| hash((0u8, id))),
        1 => match (birth, name.and_then(|n| n.split(' ').next())) {
            (Some(b), Some(s)) => hash((1u8, b, s)),
            _ => 0,
        },
        2 => match (name, r.county()) {
            (Some(n), Some(c)) => hash((2u8, n, c)),
            _ => 0,
        },
        3 => match (name, birth) {
            (Some(n), Some(b)) => hash((3u8, n, b / 10_000)),
            _ => 0,
        },
        4 => match (birth, r.sex, r.county()) {
            (Some(b), Some(s), Some(c)) => hash((4u8, b, s, c)),
            _ => 0,
        },
        5 => id.map_or(0, |id| hash((5u8, &id[..14]))),
        _ => id.map_or(0, |id| hash((6u8, &id[6..]))),
    }
}

/// Every record's key under one rule, folded to 32 bits and packed with the
/// record's index into one number, sorted: equal keys are runs. Two keys
/// that fold alike (a few hundred among millions) only add pairs to compare.
fn sorted(records: &[Record], rule: usize) -> Vec<u64> {
    let mut v: Vec<u64> = records
        .par_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let k = key(r, rule);
            (k != 0).then_some((((k >> 32) ^ (k & 0xFFFF_FFFF)) << 32) | i as u64)
        })
        .collect();
    v.par_sort_unstable();
    v
}

fn key_of(x: u64) -> u64 {
    x >> 32
}

fn index_of(x: u64) -> u32 {
    x as u32
}

/// Runs of equal keys in a sorted list: (key, start, end).
fn runs(v: &[u64]) -> Vec<(u64, usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=v.len() {
        if i == v.len() || key_of(v[i]) != key_of(v[start]) {
            out.push((key_of(v[start]), start, i));
            start = i;
        }
    }
    out
}

/// Two indexes as one number, for sorting and removing repeats.
fn pack(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// The distinct pairs, in order, each with its pattern.
fn compared(mut pairs: Vec<u64>, left: &[Profile], right: &[Profile]) -> Vec<Candidate> {
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
        .par_iter()
        .map(|&x| {
            let (a, b) = ((x >> 32) as u32, x as u32);
            (a, b, pattern(&left[a as usize], &right[b as usize]))
        })
        .collect()
}

/// Which pairs of record indexes to compare (an incremental run compares
/// only pairs with a changed record); `None` for all.
pub type PairFilter<'a> = Option<&'a (dyn Fn(u32, u32) -> bool + Sync)>;

/// Every pair of a left and a right record that shares a key and passes
/// `keep`, once, with its pattern. Also returns the number of blocks
/// skipped as too big.
pub fn cross_pairs(
    left: &[Record],
    right: &[Record],
    lp: &[Profile],
    rp: &[Profile],
    keep: PairFilter<'_>,
) -> (Vec<Candidate>, usize) {
    let mut pairs: Vec<u64> = Vec::new();
    let mut skipped = 0;
    for rule in 0..RULES.len() {
        let (l, r) = rayon::join(|| sorted(left, rule), || sorted(right, rule));
        let (lr, rr) = (runs(&l), runs(&r));
        // Join the two run lists on the key.
        let mut blocks = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < lr.len() && j < rr.len() {
            match lr[i].0.cmp(&rr[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let (a, b) = (&lr[i], &rr[j]);
                    if (a.2 - a.1) * (b.2 - b.1) > MAX_BLOCK_PAIRS {
                        skipped += 1;
                    } else {
                        blocks.push((a.1..a.2, b.1..b.2));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        pairs.par_extend(blocks.par_iter().flat_map_iter(|(ls, rs)| {
            let (l, r) = (&l, &r);
            ls.clone().flat_map(move |x| {
                rs.clone()
                    .map(move |y| (index_of(l[x]), index_of(r[y])))
                    .filter(move |&(a, b)| keep.is_none_or(|k| k(a, b)))
                    .map(|(a, b)| pack(a, b))
            })
        }));
    }
    (compared(pairs, lp, rp), skipped)
}

/// Every pair of records of one source that shares a key and passes `keep`,
/// once (the lower index first), with its pattern.
pub fn inner_pairs(
    records: &[Record],
    profiles: &[Profile],
    keep: PairFilter<'_>,
) -> (Vec<Candidate>, usize) {
    let mut pairs: Vec<u64> = Vec::new();
    let mut skipped = 0;
    for rule in 0..RULES.len() {
        let v = sorted(records, rule);
        let blocks: Vec<std::ops::Range<usize>> = runs(&v)
            .into_iter()
            .filter(|(_, s, e)| e - s > 1)
            .filter_map(|(_, s, e)| {
                let n = e - s;
                if n * (n - 1) / 2 > MAX_BLOCK_PAIRS {
                    skipped += 1;
                    None
                } else {
                    Some(s..e)
                }
            })
            .collect();
        pairs.par_extend(blocks.par_iter().flat_map_iter(|range| {
            let v = &v;
            let end = range.end;
            range.clone().flat_map(move |x| {
                (x + 1..end)
                    .map(move |y| {
                        let (a, b) = (index_of(v[x]), index_of(v[y]));
                        (a.min(b), a.max(b))
                    })
                    .filter(move |&(a, b)| keep.is_none_or(|k| k(a, b)))
                    .map(|(a, b)| pack(a, b))
            })
        }));
    }
    (compared(pairs, profiles, profiles), skipped)
}
