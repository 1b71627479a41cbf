//! Scoring an output against the truth: precision, recall and F1 of a set
//! of findings (pairs, records, conflicting fields ...), each identified by
//! its key columns.

use std::collections::HashSet;
use std::hash::Hash;

/// Precision, recall and F1 of one file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub truth: usize,
    pub found: usize,
    pub correct: usize,
}

impl Score {
    /// Compares a found set with the true one.
    pub fn of<T: Eq + Hash>(truth: &HashSet<T>, found: &HashSet<T>) -> Score {
        Score {
            truth: truth.len(),
            found: found.len(),
            correct: found.intersection(truth).count(),
        }
    }

    /// Share of what was found that is true (1 when nothing was found).
    pub fn precision(&self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.correct as f64 / self.found as f64
        }
    }

    /// Share of the truth that was found (1 when there was nothing to find).
    pub fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.correct as f64 / self.truth as f64
        }
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// A pair whose order does not matter (duplicates).
pub fn unordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_balances_what_was_missed_and_what_was_wrong() {
        let truth: HashSet<u32> = (0..100).collect();
        let found: HashSet<u32> = (10..110).collect();
        let s = Score::of(&truth, &found);
        assert_eq!(s.correct, 90);
        assert!((s.precision() - 0.9).abs() < 1e-12);
        assert!((s.recall() - 0.9).abs() < 1e-12);
        assert!((s.f1() - 0.9).abs() < 1e-12);
        assert_eq!(unordered("b", "a"), unordered("a", "b"));
    }
}
