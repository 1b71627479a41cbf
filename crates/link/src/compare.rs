//! Comparing two records field by field: each field falls into one of a few
//! agreement levels, and the levels of all fields form the pair's pattern,
//! which the model turns into a weight.

use chrono::Datelike;

use crate::record::Record;

/// The compared fields, in pattern order.
pub const FIELDS: [&str; 6] = [
    "id_number",
    "name",
    "birth_date",
    "sex",
    "region",
    "ethnicity",
];
/// Number of levels of each field (the last level of each is "missing").
pub const LEVELS: [usize; 6] = [4, 6, 5, 3, 6, 3];
/// Number of distinct patterns.
pub const PATTERNS: usize = 4 * 6 * 5 * 3 * 6 * 3;

/// A pair's agreement levels, packed into one number (mixed radix over [`LEVELS`]).
pub type Pattern = u16;

/// Identity numbers: equal; one digit wrong or two adjacent swapped;
/// different; missing. The check digit catches every such slip, so a pair of
/// numbers that both pass it are two numbers issued, not one mistyped:
/// twins' numbers differ in one digit of the sequence and its check digit.
pub fn id_level(a: &Record, b: &Record) -> usize {
    match (&a.id_number, &b.id_number) {
        (Some(x), Some(y)) if x == y => 0,
        (Some(x), Some(y)) if !(a.id_valid && b.id_valid) && one_typo_apart(x, y) => 1,
        (Some(_), Some(_)) => 2,
        _ => 3,
    }
}

/// Names: equal; same pinyin (homophone); same folded pinyin (dialect);
/// similar; different; missing.
pub fn name_level(a: &Record, b: &Record) -> usize {
    if a.name.is_empty() || b.name.is_empty() {
        5
    } else if a.name == b.name {
        0
    } else if a.pinyin == b.pinyin {
        1
    } else if a.folded == b.folded {
        2
    } else if strsim::jaro_winkler(&a.folded, &b.folded) >= 0.9 {
        3
    } else {
        4
    }
}

/// Birth dates: equal; day and month swapped, one digit off or within a
/// month; within a year; different; missing.
pub fn birth_level(a: &Record, b: &Record) -> usize {
    let (Some(x), Some(y)) = (a.birth_date, b.birth_date) else {
        return 4;
    };
    if x == y {
        return 0;
    }
    let swapped = x.year() == y.year() && x.month() == y.day() && x.day() == y.month();
    let days = (x - y).num_days().abs();
    let digits_apart = {
        let (p, q) = (a.birth_number().unwrap_or(0), b.birth_number().unwrap_or(0));
        let (ps, qs) = (p.to_string(), q.to_string());
        ps.len() == qs.len() && ps.bytes().zip(qs.bytes()).filter(|(c, d)| c != d).count() == 1
    };
    if swapped || digits_apart || days <= 31 {
        1
    } else if days <= 366 {
        2
    } else {
        3
    }
}

/// Sex: equal; different; missing or unknown.
pub fn sex_level(a: &Record, b: &Record) -> usize {
    match (a.sex, b.sex) {
        (Some(x), Some(y)) if x == y => 0,
        (Some(_), Some(_)) => 1,
        _ => 2,
    }
}

/// Residence: same village; same township; same county; same city; elsewhere; missing.
pub fn region_level(a: &Record, b: &Record) -> usize {
    let (Some(x), Some(y)) = (a.region, b.region) else {
        return 5;
    };
    if x == y {
        0
    } else if x / 1_000 == y / 1_000 {
        1
    } else if x / 1_000_000 == y / 1_000_000 {
        2
    } else if x / 100_000_000 == y / 100_000_000 {
        3
    } else {
        4
    }
}

/// Ethnicity: equal; different; missing.
pub fn ethnicity_level(a: &Record, b: &Record) -> usize {
    match (a.ethnicity, b.ethnicity) {
        (Some(x), Some(y)) if x == y => 0,
        (Some(_), Some(_)) => 1,
        _ => 2,
    }
}

/// The pair's pattern.
pub fn pattern(a: &Record, b: &Record) -> Pattern {
    let levels = [
        id_level(a, b),
        name_level(a, b),
        birth_level(a, b),
        sex_level(a, b),
        region_level(a, b),
        ethnicity_level(a, b),
    ];
    pack(&levels)
}

/// Whether a pair may be one person at all: it must share the identity
/// number (or one mistyped) or a name at least similar. Records whose names
/// differ outright and that no identity number ties together (a newborn and
/// a neighbour's newborn born the same day, say) are left for a person to
/// look at, however well the rest agrees: a renamed person (改名) is matched
/// by the number, and without it no register would accept the link.
pub fn admissible(p: Pattern) -> bool {
    let levels = unpack(p);
    levels[0] <= 1 || levels[1] <= 3
}

/// Packs levels into a pattern.
pub fn pack(levels: &[usize; 6]) -> Pattern {
    let mut p = 0usize;
    for (level, radix) in levels.iter().zip(LEVELS) {
        p = p * radix + level;
    }
    p as Pattern
}

/// Unpacks a pattern into its levels.
pub fn unpack(pattern: Pattern) -> [usize; 6] {
    let mut p = pattern as usize;
    let mut levels = [0; 6];
    for i in (0..6).rev() {
        levels[i] = p % LEVELS[i];
        p /= LEVELS[i];
    }
    levels
}

/// One character replaced, or two adjacent characters swapped.
fn one_typo_apart(x: &[u8; 18], y: &[u8; 18]) -> bool {
    let diff: Vec<usize> = (0..18).filter(|&i| x[i] != y[i]).collect();
    match diff.as_slice() {
        [_] => true,
        // A wrong digit also changes the check digit.
        [i, 17] if *i < 17 => true,
        [i, j] if *j == i + 1 => x[*i] == y[*j] && x[*j] == y[*i],
        [i, j, 17] if *j == i + 1 => x[*i] == y[*j] && x[*j] == y[*i],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn patterns_round_trip(levels in (0..4usize, 0..6usize, 0..5usize, 0..3usize, 0..6usize, 0..3usize)) {
            let l = [levels.0, levels.1, levels.2, levels.3, levels.4, levels.5];
            prop_assert_eq!(unpack(pack(&l)), l);
            prop_assert!((pack(&l) as usize) < PATTERNS);
        }
    }

    #[test]
    fn typos_in_identity_numbers_are_near() {
        let a = *b"510104198001010014";
        let mut one = a;
        one[10] = b'9';
        let mut swapped = a;
        swapped.swap(8, 9);
        let mut two = a;
        two[3] = b'9';
        two[12] = b'7';
        assert!(one_typo_apart(&a, &one));
        assert!(one_typo_apart(&a, &swapped));
        assert!(!one_typo_apart(&a, &two));
    }
}
