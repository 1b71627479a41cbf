//! Blocking: only records that share at least one key are compared. Several
//! independent keys, so that a wrong or missing identity number, a mistyped
//! birth date or a misheard name each still leave a key in common. A pair
//! that several keys bring together is compared once, under the first.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::FxHasher;

use crate::compare::{Pattern, pattern};
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
const R: usize = RULES.len();

/// A block bigger than this many pairs says its key does not tell people
/// apart (a placeholder number, say); it is skipped.
pub const MAX_BLOCK_PAIRS: usize = 20_000;

/// Each record's keys (0 = the record has no such key).
pub type Keys = Vec<[u64; R]>;

/// One compared pair: indexes into the two sides and its pattern.
pub type Candidate = (u32, u32, Pattern);

fn hash(parts: impl Hash) -> u64 {
    let mut h = FxHasher::default();
    parts.hash(&mut h);
    h.finish().max(1)
}

/// The keys of every record.
pub fn keys(records: &[Record]) -> Keys {
    records.par_iter().map(keys_of).collect()
}

fn keys_of(r: &Record) -> [u64; R] {
    let mut k = [0u64; R];
    let id = r.id_number.as_ref();
    let birth = r.birth_number();
    let name = (!r.folded.is_empty()).then_some(r.folded.as_str());
    let surname = name.and_then(|n| n.split(' ').next());
    if let Some(id) = id {
        k[0] = hash((0u8, id));
        k[5] = hash((5u8, &id[..14]));
        k[6] = hash((6u8, &id[6..]));
    }
    if let (Some(b), Some(s)) = (birth, surname) {
        k[1] = hash((1u8, b, s));
    }
    if let (Some(n), Some(c)) = (name, r.county()) {
        k[2] = hash((2u8, n, c));
    }
    if let (Some(n), Some(b)) = (name, birth) {
        k[3] = hash((3u8, n, b / 10_000));
    }
    if let (Some(b), Some(s), Some(c)) = (birth, r.sex, r.county()) {
        k[4] = hash((4u8, b, s, c));
    }
    k
}

/// Groups of equal keys under one rule: (key, index) sorted by key.
fn sorted(keys: &Keys, rule: usize) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| k[rule] != 0)
        .map(|(i, k)| (k[rule], i as u32))
        .collect();
    v.par_sort_unstable();
    v
}

/// Whether an earlier rule already brings the two together.
fn seen_before(a: &[u64; R], b: &[u64; R], rule: usize) -> bool {
    (0..rule).any(|j| a[j] != 0 && a[j] == b[j])
}

/// Runs of equal keys in a sorted list.
fn runs(v: &[(u64, u32)]) -> Vec<(u64, usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=v.len() {
        if i == v.len() || v[i].0 != v[start].0 {
            out.push((v[start].0, start, i));
            start = i;
        }
    }
    out
}

/// Every pair of a left and a right record that shares a key, each once,
/// with its pattern. Also returns the number of blocks skipped as too big.
pub fn cross_pairs(
    left: &[Record],
    right: &[Record],
    lk: &Keys,
    rk: &Keys,
) -> (Vec<Candidate>, usize) {
    let mut all = Vec::new();
    let mut skipped = 0;
    for rule in 0..R {
        let (l, r) = (sorted(lk, rule), sorted(rk, rule));
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
        let found: Vec<Candidate> = blocks
            .par_iter()
            .flat_map_iter(|(ls, rs)| {
                let (l, r) = (&l, &r);
                ls.clone().flat_map(move |x| {
                    rs.clone().filter_map(move |y| {
                        let (li, ri) = (l[x].1, r[y].1);
                        (!seen_before(&lk[li as usize], &rk[ri as usize], rule))
                            .then(|| (li, ri, pattern(&left[li as usize], &right[ri as usize])))
                    })
                })
            })
            .collect();
        all.extend(found);
    }
    (all, skipped)
}

/// Every pair of records of one source that shares a key, each once (the
/// lower index first), with its pattern.
pub fn inner_pairs(records: &[Record], k: &Keys) -> (Vec<Candidate>, usize) {
    let mut all = Vec::new();
    let mut skipped = 0;
    for rule in 0..R {
        let v = sorted(k, rule);
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
        let found: Vec<Candidate> = blocks
            .par_iter()
            .flat_map_iter(|range| {
                let v = &v;
                let range = range.clone();
                range.clone().flat_map(move |x| {
                    (x + 1..range.end).filter_map(move |y| {
                        let (a, b) = (v[x].1.min(v[y].1), v[x].1.max(v[y].1));
                        (!seen_before(&k[a as usize], &k[b as usize], rule))
                            .then(|| (a, b, pattern(&records[a as usize], &records[b as usize])))
                    })
                })
            })
            .collect();
        all.extend(found);
    }
    (all, skipped)
}
