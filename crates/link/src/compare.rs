//! Comparing two records field by field: each field falls into one of a few
//! agreement levels, and the levels of all fields form the pair's pattern,
//! which the model turns into a weight.

use chrono::Datelike;

use crate::record::Record;

/// Number of levels of each field, in pattern order (identity number, name,
/// birth date, sex, residence, ethnicity); the last level of each is "missing".
pub const LEVELS: [usize; 6] = [4, 6, 5, 3, 6, 3];
/// Number of distinct patterns.
pub const PATTERNS: usize = 4 * 6 * 5 * 3 * 6 * 3;

/// A pair's agreement levels, packed into one number (mixed radix over [`LEVELS`]).
pub type Pattern = u16;

/// What comparison needs of a record, packed small (about 100 bytes) so
/// that the millions of candidate pairs read one cache line or two each, not
/// a record and its strings: names by hash, the folded name by syllable.
#[derive(Debug, Clone, Copy, Default)]
pub struct Profile {
    id: [u8; 18],
    has_id: bool,
    id_valid: bool,
    /// Hashes of the name, its pinyin and its folded pinyin (0 = no name).
    name: u64,
    pinyin: u64,
    folded: u64,
    /// The folded syllables, hashed; `syllables` of them, or more than fit.
    sounds: [u16; MAX_SYLLABLES],
    syllables: u8,
    /// YYYYMMDD and days since 1 January of year 1 (0 = no date).
    birth: u32,
    birth_day: i32,
    sex: u8,
    ethnicity: u8,
    region: u64,
}

/// Names longer than this (some minority names) compare whole, not by syllable.
const MAX_SYLLABLES: usize = 6;

fn hash_of(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    text.hash(&mut h);
    h.finish().max(1)
}

impl Profile {
    /// The profile of a record.
    pub fn of(r: &Record) -> Profile {
        let named = !r.name.is_empty();
        let mut sounds = [0u16; MAX_SYLLABLES];
        let mut syllables = 0usize;
        for s in r.folded.split(' ').filter(|s| !s.is_empty()) {
            if syllables < MAX_SYLLABLES {
                sounds[syllables] = hash_of(s) as u16;
            }
            syllables += 1;
        }
        Profile {
            id: r.id_number.unwrap_or([0; 18]),
            has_id: r.id_number.is_some(),
            id_valid: r.id_valid,
            name: if named { hash_of(&r.name) } else { 0 },
            pinyin: if named { hash_of(&r.pinyin) } else { 0 },
            folded: if named { hash_of(&r.folded) } else { 0 },
            sounds,
            syllables: syllables.min(u8::MAX as usize) as u8,
            birth: r.birth_number().unwrap_or(0),
            birth_day: r.birth_date.map_or(0, |d| d.num_days_from_ce()),
            sex: r.sex.unwrap_or(0),
            ethnicity: r.ethnicity.unwrap_or(0),
            region: r.region.unwrap_or(0),
        }
    }

    /// The folded name's hash (0 = no name): records sounding alike share it.
    pub fn sound_key(&self) -> u64 {
        self.folded
    }

    fn sounds(&self) -> Option<&[u16]> {
        let n = self.syllables as usize;
        (n <= MAX_SYLLABLES).then(|| &self.sounds[..n])
    }
}

/// The profiles of many records, on all cores.
pub fn profiles(records: &[Record]) -> Vec<Profile> {
    use rayon::prelude::*;
    records.par_iter().map(Profile::of).collect()
}

/// Identity numbers: equal; one digit wrong or two adjacent swapped;
/// different; missing. The check digit catches every such slip, so a pair of
/// numbers that both pass it are two numbers issued, not one mistyped:
/// twins' numbers differ in one digit of the sequence and its check digit.
pub fn id_level(a: &Profile, b: &Profile) -> usize {
    if !(a.has_id && b.has_id) {
        3
    } else if a.id == b.id {
        0
    } else if !(a.id_valid && b.id_valid) && one_typo_apart(&a.id, &b.id) {
        1
    } else {
        2
    }
}

/// Names: equal; same pinyin (homophone); same folded pinyin (dialect);
/// one syllable apart; different; missing.
pub fn name_level(a: &Profile, b: &Profile) -> usize {
    if a.name == 0 || b.name == 0 {
        5
    } else if a.name == b.name {
        0
    } else if a.pinyin == b.pinyin {
        1
    } else if a.folded == b.folded {
        2
    } else if let (Some(x), Some(y)) = (a.sounds(), b.sounds())
        && one_syllable_apart(x, y)
    {
        3
    } else {
        4
    }
}

/// Names that sound alike but for one character: one syllable different,
/// or one added or dropped (a given name written with one character less).
fn one_syllable_apart(a: &[u16], b: &[u16]) -> bool {
    if a.len() == b.len() {
        a.iter().zip(b).filter(|(x, y)| x != y).count() == 1
    } else if a.len().abs_diff(b.len()) == 1 {
        let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
        // Drop each syllable of the longer in turn.
        (0..long.len()).any(|skip| {
            long.iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, s)| s)
                .eq(short.iter())
        })
    } else {
        false
    }
}

/// Birth dates: equal; day and month swapped, one digit off or within a
/// month; within a year; different; missing.
pub fn birth_level(a: &Profile, b: &Profile) -> usize {
    let (x, y) = (a.birth, b.birth);
    if x == 0 || y == 0 {
        return 4;
    }
    if x == y {
        return 0;
    }
    let (xm, xd) = ((x / 100) % 100, x % 100);
    let swapped = x / 10_000 == y / 10_000 && xm == y % 100 && xd == (y / 100) % 100;
    let digits_apart = {
        let (mut p, mut q, mut differing) = (x, y, 0);
        for _ in 0..8 {
            differing += u32::from(p % 10 != q % 10);
            p /= 10;
            q /= 10;
        }
        differing == 1
    };
    let days = (a.birth_day - b.birth_day).abs();
    if swapped || digits_apart || days <= 31 {
        1
    } else if days <= 366 {
        2
    } else {
        3
    }
}

/// Sex: equal; different; missing or unknown.
pub fn sex_level(a: &Profile, b: &Profile) -> usize {
    match (a.sex, b.sex) {
        (0, _) | (_, 0) => 2,
        (x, y) if x == y => 0,
        _ => 1,
    }
}

/// Residence: same village; same township; same county; same city; elsewhere; missing.
pub fn region_level(a: &Profile, b: &Profile) -> usize {
    let (x, y) = (a.region, b.region);
    if x == 0 || y == 0 {
        5
    } else if x == y {
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
pub fn ethnicity_level(a: &Profile, b: &Profile) -> usize {
    match (a.ethnicity, b.ethnicity) {
        (0, _) | (_, 0) => 2,
        (x, y) if x == y => 0,
        _ => 1,
    }
}

/// The pair's pattern.
pub fn pattern(a: &Profile, b: &Profile) -> Pattern {
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

/// Whether a pair may be one person at all: it must share a name at least
/// similar, or the very identity number. Records whose names differ outright
/// and that no number ties together (a newborn and a neighbour's newborn
/// born the same day; a mistyped number that lands on a neighbour's) are
/// left for a person to look at, however well the rest agrees: a renamed
/// person (改名) is matched by the number, and without it no register would
/// accept the link.
pub fn admissible(p: Pattern) -> bool {
    let levels = unpack(p);
    levels[0] == 0 || levels[1] <= 3 || (levels[0] == 1 && levels[1] == 5)
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
    fn names_one_character_apart_are_similar() {
        let s = |t: &str| -> Vec<u16> { t.split(' ').map(|x| hash_of(x) as u16).collect() };
        assert!(one_syllable_apart(&s("wang wei min"), &s("wang wei lin")));
        assert!(one_syllable_apart(&s("wang wei min"), &s("wang min")));
        assert!(one_syllable_apart(&s("wang min"), &s("wang wei min")));
        assert!(!one_syllable_apart(&s("wang wei min"), &s("li wei lin")));
        assert!(!one_syllable_apart(&s("wang min"), &s("wang min")));
        assert!(!one_syllable_apart(&s("wang"), &s("li wei min")));
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
