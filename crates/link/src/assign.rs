//! One-to-one assignment: each record is one person, so it is matched at
//! most once. Greedy by probability (then weight): the surest pairs are
//! taken first and a record already taken is not offered again. On registers,
//! where competing candidates are rare (twins, namesakes), greedy agrees
//! with an optimal assignment on all but a handful of pairs.

use crate::Link;

/// Keeps the best pair of each record.
pub fn one_to_one(mut links: Vec<Link>, weight: &impl Fn(&Link) -> f64) -> Vec<Link> {
    let mut keyed: Vec<(f64, f64, Link)> = links
        .drain(..)
        .map(|l| (l.probability, weight(&l), l))
        .collect();
    keyed.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then(y.1.total_cmp(&x.1))
            .then((x.2.a, x.2.b).cmp(&(y.2.a, y.2.b)))
    });
    let mut taken_a = rustc_hash::FxHashSet::default();
    let mut taken_b = rustc_hash::FxHashSet::default();
    let mut out = Vec::new();
    for (_, _, l) in keyed {
        if !taken_a.contains(&l.a) && !taken_b.contains(&l.b) {
            taken_a.insert(l.a);
            taken_b.insert(l.b);
            out.push(l);
        }
    }
    out.sort_by_key(|l| (l.a, l.b));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_record_keeps_only_its_surest_partner() {
        let l = |a, b, p| Link {
            a,
            b,
            probability: p,
        };
        let out = one_to_one(
            vec![l(0, 0, 0.9), l(0, 1, 0.99), l(1, 1, 0.8), l(1, 0, 0.7)],
            &|_| 0.0,
        );
        assert_eq!(out, vec![l(0, 1, 0.99), l(1, 0, 0.7)]);
    }
}
