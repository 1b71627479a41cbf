//! Incoming migrant records of demo persons, with the truth beside them: the
//! benchmark data of the migrant import (issue 15). As a department of
//! another county would report them: residents of the register now living
//! in another county of the province (their registration where they lived),
//! written with the noise of the reconciliation registers (names heard by
//! ear, identity numbers missing, mistyped or in the old form, dates shifted
//! and in other layouts, the registration written as its county only) —
//! and newcomers from other provinces the register never had, a person
//! reported twice, rows too broken to read.

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::IndexedRandom;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::{IdNumber, Person, RegionCode, RegionLevel};

use crate::names::{given_name, surname};
use crate::noise::{
    Sounds, date_as_written, id_as_written, mistype_digit, name_as_written, transpose_digits,
};

/// What to write.
#[derive(Debug, Clone)]
pub struct MigrantExportOptions {
    pub records: usize,
    pub seed: u64,
    pub today: NaiveDate,
}

/// How a record relates to the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrantTruthKind {
    /// A person of the register, now living in another county.
    Register,
    /// A second record of such a person (another department's).
    Duplicate,
    /// A person the register never had (from another province).
    New,
    /// A second record of such a newcomer.
    NewDuplicate,
    /// A record too broken to read.
    Unreadable,
}

impl MigrantTruthKind {
    /// The word in `truth.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            MigrantTruthKind::Register => "register",
            MigrantTruthKind::Duplicate => "duplicate",
            MigrantTruthKind::New => "new",
            MigrantTruthKind::NewDuplicate => "new_duplicate",
            MigrantTruthKind::Unreadable => "unreadable",
        }
    }
}

/// One record's truth: the register's person, or for a newcomer the
/// record that first reported them.
#[derive(Debug, Clone)]
pub struct MigrantTruth {
    pub record_id: String,
    pub person_id: Option<i64>,
    pub kind: MigrantTruthKind,
    /// For a newcomer's second record: the first one's id.
    pub same_as: Option<String>,
}

/// The rows (in `formats::migrant_records::MIGRANT_COLUMNS` order) and the truth.
#[derive(Debug, Clone, Default)]
pub struct MigrantExport {
    pub rows: Vec<[String; 16]>,
    pub truth: Vec<MigrantTruth>,
}

const REASONS: [(&str, u32); 9] = [
    ("1", 60),
    ("2", 4),
    ("3", 6),
    ("4", 14),
    ("5", 6),
    ("6", 2),
    ("7", 1),
    ("8", 5),
    ("9", 2),
];
const WORKPLACES: [&str; 8] = [
    "建筑工地",
    "电子厂",
    "餐饮店",
    "物流公司",
    "个体经营",
    "家政服务",
    "制衣厂",
    "超市",
];

/// Writes the records: 70% residents who moved to another county, 30%
/// newcomers from `outside` counties (codes of other provinces), 0.5% of
/// each reported twice, 0.3% too broken to read.
pub fn migrant_export(
    residents: &[Person],
    outside: &[RegionCode],
    options: &MigrantExportOptions,
) -> MigrantExport {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x4D16_4A27);
    let sounds = Sounds::new();
    let adults: Vec<&Person> = residents
        .iter()
        .filter(|p| (16..=64).contains(&(options.today.year() - p.birth_date.year())))
        .collect();
    let mut villages: Vec<RegionCode> = residents.iter().map(|p| p.residence).collect();
    villages.sort_unstable();
    villages.dedup();
    let duplicates = options.records / 200;
    let total = options.records.saturating_sub(duplicates);
    let from_register = (total * 7 / 10).min(adults.len());
    let newcomers = total - from_register;
    let mut records: Vec<([String; 16], MigrantTruth)> = Vec::new();
    for i in sample(&mut rng, adults.len(), from_register) {
        let p = adults[i];
        let Some(to) = village_elsewhere(&mut rng, &villages, p.residence) else {
            continue;
        };
        let row = noisy_row(&mut rng, &sounds, p, to, p.residence, options.today);
        records.push((row, truth(Some(p.id.0), MigrantTruthKind::Register)));
    }
    for _ in 0..newcomers {
        let (Some(county), Some(to)) = (outside.choose(&mut rng), villages.choose(&mut rng)) else {
            break;
        };
        let p = newcomer(&mut rng, *county, *to, options.today);
        let row = noisy_row(&mut rng, &sounds, &p, *to, *county, options.today);
        records.push((row, truth(None, MigrantTruthKind::New)));
    }
    // Reported again by another department: the same facts, written anew.
    let firsts = records.len();
    for _ in 0..duplicates {
        let k = rng.random_range(0..firsts);
        let (mut row, first) = records[k].clone();
        if rng.random_bool(0.4) {
            row[1].clear();
        }
        let kind = match first.kind {
            MigrantTruthKind::Register => MigrantTruthKind::Duplicate,
            _ => MigrantTruthKind::NewDuplicate,
        };
        let mut t = truth(first.person_id, kind);
        t.same_as = Some(format!("#{k}"));
        records.push((row, t));
    }
    // Record ids of the reporting system, in an order that says nothing; a
    // second record names the first by its id.
    let mut order: Vec<usize> = (0..records.len()).collect();
    rand::seq::SliceRandom::shuffle(order.as_mut_slice(), &mut rng);
    let mut id_of = vec![String::new(); records.len()];
    for (n, &k) in order.iter().enumerate() {
        id_of[k] = format!("M{:08}", n + 1);
    }
    let mut out = MigrantExport::default();
    for k in order {
        let (mut row, mut t) = records[k].clone();
        row[0] = id_of[k].clone();
        if t.kind == MigrantTruthKind::Register && rng.random_bool(0.003) {
            // A row a clerk broke: no birth date, or no arrival.
            if rng.random_bool(0.5) {
                row[4].clear();
            } else {
                row[11] = "不详".into();
            }
            t.kind = MigrantTruthKind::Unreadable;
        }
        t.same_as = t.same_as.take().and_then(|first| {
            first
                .strip_prefix('#')
                .and_then(|i| i.parse::<usize>().ok())
                .map(|i| id_of[i].clone())
        });
        t.record_id = id_of[k].clone();
        out.rows.push(row);
        out.truth.push(t);
    }
    out
}

fn truth(person_id: Option<i64>, kind: MigrantTruthKind) -> MigrantTruth {
    MigrantTruth {
        record_id: String::new(),
        person_id,
        kind,
        same_as: None,
    }
}

/// A village of another county.
fn village_elsewhere(
    rng: &mut ChaCha8Rng,
    villages: &[RegionCode],
    home: RegionCode,
) -> Option<RegionCode> {
    let county = home.ancestor(RegionLevel::County);
    (0..20)
        .filter_map(|_| villages.choose(rng).copied())
        .find(|v| v.ancestor(RegionLevel::County) != county)
}

/// A newcomer from a county of another province, with a valid number.
fn newcomer(rng: &mut ChaCha8Rng, county: RegionCode, to: RegionCode, today: NaiveDate) -> Person {
    let male = rng.random_bool(0.55);
    let age = rng.random_range(16..=58);
    let birth = NaiveDate::from_ymd_opt(today.year() - age, 1, 1).unwrap_or(today)
        + Duration::days(rng.random_range(0..365));
    let sequence = rng.random_range(0..499u16) * 2 + u16::from(male);
    let name =
        renkou_domain::PersonName::parse(&format!("{}{}", surname(rng), given_name(rng, male)))
            .unwrap_or_else(|_| unreachable!("generated names are names"));
    let mut p = renkou_domain::rules::NewPerson::new(
        name,
        if male {
            renkou_domain::Sex::Male
        } else {
            renkou_domain::Sex::Female
        },
        birth,
        to,
    )
    .into_person(renkou_domain::PersonId(0));
    p.id_number = IdNumber::from_parts(&county.as_str()[..6], birth, sequence);
    p
}

/// A record as the reporting department writes it.
fn noisy_row(
    rng: &mut ChaCha8Rng,
    sounds: &Sounds,
    p: &Person,
    to: RegionCode,
    registered: RegionCode,
    today: NaiveDate,
) -> [String; 16] {
    let mut id = p.id_number.map(|n| n.to_string()).unwrap_or_default();
    if rng.random_bool(0.05) {
        id.clear();
    } else if !id.is_empty() {
        let x: f64 = rng.random();
        if x < 0.008 {
            mistype_digit(rng, &mut id);
        } else if x < 0.012 {
            transpose_digits(rng, &mut id);
        }
        id = id_as_written(rng, &id, p.birth_date);
    }
    let x: f64 = rng.random();
    let mut name = p.name.to_string();
    if x < 0.015 {
        name = sounds.homophone(rng, &name);
    } else if x < 0.03 {
        name = sounds.dialect(rng, &name);
    }
    let mut birth = p.birth_date;
    let x: f64 = rng.random();
    if x < 0.005 && birth.day() <= 12 && birth.day() != birth.month() {
        birth = NaiveDate::from_ymd_opt(birth.year(), birth.day(), birth.month()).unwrap_or(birth);
    } else if x < 0.01 {
        birth +=
            Duration::days(rng.random_range(1..=3) * if rng.random_bool(0.5) { 1 } else { -1 });
    }
    // Registration as the village, or only its county.
    let hukou = if rng.random_bool(0.15) {
        format!("{}000000", &registered.as_str()[..6])
    } else {
        registered.to_string()
    };
    let earliest = (p.birth_date + Duration::days(16 * 366)).max(today - Duration::days(6 * 365));
    let arrived =
        earliest + Duration::days(rng.random_range(0..=(today - earliest).num_days().max(1)));
    let reason = REASONS
        .choose_weighted(rng, |r| r.1)
        .map_or("9", |r| r.0)
        .to_string();
    let workplace = if reason == "1" {
        WORKPLACES.choose(rng).copied().unwrap_or("").to_string()
    } else {
        String::new()
    };
    [
        String::new(),
        id,
        name_as_written(rng, &name),
        p.sex.code().to_string(),
        date_as_written(rng, birth),
        p.ethnicity
            .map(|e| e.code().to_string())
            .unwrap_or_default(),
        to.to_string(),
        String::new(),
        String::new(),
        p.hukou_type
            .map(|h| h.code().to_string())
            .unwrap_or_default(),
        hukou,
        date_as_written(rng, arrived.min(today)),
        reason,
        workplace,
        String::new(),
        String::new(),
    ]
}
