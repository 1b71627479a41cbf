//! Two noisy registers of one synthetic population, with the truth beside
//! them: the benchmark data of reconciliation (issue 5). The population is
//! the demo province (plus twins); each register keeps most of it and writes
//! it down with the noise real registers carry: names heard by ear
//! (homophones, south-western n/l, zh/z, en/eng ... confusions), traditional
//! characters, identity numbers missing, mistyped, transposed or in the
//! 15-digit form, birth dates swapped, shifted and in four layouts, people
//! who moved village, newborns the police never registered, deaths never
//! deregistered, people missing from one side, and duplicates.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::IdNumber;
use renkou_store::PersonRow;

use crate::noise::{
    Sounds, date_as_written, id_as_written, mistype_digit, name_as_written, transpose_digits,
};
use crate::{DemoOptions, Village, generate};

/// What to generate.
#[derive(Debug, Clone)]
pub struct RegisterOptions {
    /// Persons in the population (each register holds about 97% of them).
    pub people: usize,
    pub seed: u64,
    pub today: NaiveDate,
}

/// One row of a register CSV, as written (columns of `formats/register-csv.md`).
#[derive(Debug, Clone, Default)]
pub struct RegisterRow {
    pub record_id: String,
    pub id_number: String,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub ethnicity: String,
    pub region_code: String,
    pub household_no: String,
    pub status: String,
    pub death_date: String,
}

/// What the generator knows and a perfect reconciliation would find.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// (left record id, right record id), one pair per person in both.
    pub matches: Vec<(String, String)>,
    pub only_left: Vec<String>,
    pub only_right: Vec<String>,
    /// Pairs of record ids of one person inside one register.
    pub duplicates_left: Vec<(String, String)>,
    pub duplicates_right: Vec<(String, String)>,
    /// (left, right, field, left value, right value) in normalised form.
    pub conflicts: Vec<(String, String, &'static str, String, String)>,
    /// (left, right, dead side, death date).
    pub deceased_active: Vec<(String, String, &'static str, String)>,
}

/// The two registers and their truth.
#[derive(Debug, Clone, Default)]
pub struct RegisterPair {
    pub left: Vec<RegisterRow>,
    pub right: Vec<RegisterRow>,
    pub truth: Truth,
}

/// A person as a register should hold them, before any noise.
#[derive(Debug, Clone)]
struct Truly {
    id_number: Option<String>,
    name: String,
    sex: u8,
    birth: NaiveDate,
    ethnicity: Option<String>,
    region: String,
    household: String,
    dead: Option<NaiveDate>,
}

/// A record's values after the noise that changes meaning (not mere layout).
#[derive(Debug, Clone)]
struct Written {
    id_number: Option<String>,
    name: String,
    sex: u8,
    birth: NaiveDate,
    ethnicity: Option<String>,
    region: String,
    status: &'static str,
    death: Option<NaiveDate>,
}

/// Which side a register is: the police household register (left) or the
/// family-planning register (right). They fail differently.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Police,
    FamilyPlanning,
}

/// Generates the pair.
pub fn generate_registers(villages: &[Village], options: &RegisterOptions) -> RegisterPair {
    let (population, _) = generate(
        villages,
        &DemoOptions {
            people: options.people,
            seed: options.seed,
            today: options.today,
            households_before: 0,
        },
    );
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x005E_ED0F_11AC);
    let mut people: Vec<Truly> = population
        .persons
        .iter()
        .filter(|p| p.status != "moved_out")
        .map(truly)
        .collect();
    add_twins(&mut people, &mut rng);
    let sounds = Sounds::new();
    let villages_by_county = villages_by_county(villages);

    let mut left: Vec<(usize, Written, bool)> = Vec::new(); // (person, values, is duplicate)
    let mut right: Vec<(usize, Written, bool)> = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let newborn = (options.today - p.birth).num_days() < 365;
        let (in_left, left_status) = presence(&mut rng, Side::Police, p, newborn);
        let (in_right, right_status) = presence(&mut rng, Side::FamilyPlanning, p, newborn);
        if in_left {
            let w = write(
                &mut rng,
                Side::Police,
                p,
                left_status,
                newborn,
                &sounds,
                &villages_by_county,
            );
            left.push((i, w, false));
        }
        if in_right {
            let w = write(
                &mut rng,
                Side::FamilyPlanning,
                p,
                right_status,
                newborn,
                &sounds,
                &villages_by_county,
            );
            right.push((i, w, false));
        }
    }
    for side in [&mut left, &mut right] {
        let n = side.len();
        for k in 0..n {
            if rng.random_bool(0.004) {
                let (i, w, _) = side[k].clone();
                let copy = duplicate(&mut rng, w, &sounds);
                side.push((i, copy, true));
            }
        }
        side.shuffle(&mut rng);
    }
    let ids = |side: &[(usize, Written, bool)], prefix: &str| -> Vec<String> {
        (0..side.len())
            .map(|k| format!("{prefix}{:08}", k + 1))
            .collect()
    };
    let (left_ids, right_ids) = (ids(&left, "L"), ids(&right, "R"));

    let mut truth = Truth::default();
    let originals = |side: &[(usize, Written, bool)]| -> HashMap<usize, usize> {
        side.iter()
            .enumerate()
            .filter(|(_, (_, _, dup))| !dup)
            .map(|(k, (i, _, _))| (*i, k))
            .collect()
    };
    let (lo, ro) = (originals(&left), originals(&right));
    for (k, (i, w, dup)) in left.iter().enumerate() {
        if *dup {
            truth
                .duplicates_left
                .push((left_ids[lo[i]].clone(), left_ids[k].clone()));
            continue;
        }
        match ro.get(i) {
            Some(&r) => {
                let (l_id, r_id) = (&left_ids[k], &right_ids[r]);
                truth.matches.push((l_id.clone(), r_id.clone()));
                let rw = &right[r].1;
                for (field, a, b) in differences(w, rw) {
                    truth
                        .conflicts
                        .push((l_id.clone(), r_id.clone(), field, a, b));
                }
                match (w.status, rw.status) {
                    ("dead", "active") => truth.deceased_active.push((
                        l_id.clone(),
                        r_id.clone(),
                        "left",
                        w.death.map(|d| d.to_string()).unwrap_or_default(),
                    )),
                    ("active", "dead") => truth.deceased_active.push((
                        l_id.clone(),
                        r_id.clone(),
                        "right",
                        rw.death.map(|d| d.to_string()).unwrap_or_default(),
                    )),
                    _ => {}
                }
            }
            None => truth.only_left.push(left_ids[k].clone()),
        }
    }
    for (k, (i, _, dup)) in right.iter().enumerate() {
        if *dup {
            truth
                .duplicates_right
                .push((right_ids[ro[i]].clone(), right_ids[k].clone()));
        } else if !lo.contains_key(i) {
            truth.only_right.push(right_ids[k].clone());
        }
    }
    let rows = |side: &[(usize, Written, bool)], ids: &[String], rng: &mut ChaCha8Rng| {
        side.iter()
            .zip(ids)
            .map(|((i, w, _), id)| layout(rng, id, w, &people[*i]))
            .collect::<Vec<_>>()
    };
    RegisterPair {
        left: rows(&left, &left_ids, &mut rng),
        right: rows(&right, &right_ids, &mut rng),
        truth,
    }
}

fn truly(p: &PersonRow) -> Truly {
    Truly {
        id_number: p.id_number.clone(),
        name: p.name.clone(),
        sex: if p.sex == "2" { 2 } else { 1 },
        birth: p.birth_date,
        ethnicity: p.ethnicity.clone(),
        region: p.residence.clone(),
        household: p
            .household_id
            .map(|h| format!("H{h:09}"))
            .unwrap_or_default(),
        dead: if p.status == "dead" {
            Some(p.death_date.unwrap_or(p.birth_date))
        } else {
            None
        },
    }
}

/// About 1% of births are twins: same birth date, household, surname;
/// another given name and the next sequence number.
fn add_twins(people: &mut Vec<Truly>, rng: &mut ChaCha8Rng) {
    let n = people.len();
    let mut issued: std::collections::HashSet<String> =
        people.iter().filter_map(|p| p.id_number.clone()).collect();
    for i in 0..n {
        if !rng.random_bool(0.005) {
            continue;
        }
        let p = people[i].clone();
        let Some(id) = p.id_number.as_deref().and_then(|s| IdNumber::parse(s).ok()) else {
            continue;
        };
        let sex = if rng.random_bool(0.5) {
            p.sex
        } else {
            3 - p.sex
        };
        // The next free sequence number of the twin's sex (odd for men).
        let mut seq = id.sequence() + 1;
        if (seq % 2 == 1) != (sex == 1) {
            seq += 1;
        }
        let twin_id = loop {
            match IdNumber::from_parts(id.address_code(), p.birth, seq) {
                Some(t) if issued.contains(t.as_str()) => seq += 2,
                other => break other,
            }
        };
        let Some(twin_id) = twin_id else {
            continue;
        };
        issued.insert(twin_id.to_string());
        let surname: String = p.name.chars().take(1).collect();
        let given = if sex == 1 {
            "子轩浩然宇航俊杰"
        } else {
            "子涵欣怡诗雨梓萱"
        };
        let chars: Vec<char> = given.chars().collect();
        let name = format!(
            "{surname}{}{}",
            chars[rng.random_range(0..chars.len())],
            chars[rng.random_range(0..chars.len())]
        );
        if name == p.name {
            continue;
        }
        people.push(Truly {
            id_number: Some(twin_id.to_string()),
            name,
            sex,
            ..p
        });
    }
}

/// Whether a register holds the person, and with which status.
fn presence(rng: &mut ChaCha8Rng, side: Side, p: &Truly, newborn: bool) -> (bool, &'static str) {
    match (side, p.dead.is_some()) {
        // Deaths: the police deregister most (dropped from the extract or
        // kept as dead); some are never reported.
        (Side::Police, true) => {
            let x: f64 = rng.random();
            if x < 0.5 {
                (false, "dead")
            } else if x < 0.75 {
                (true, "active")
            } else {
                (true, "dead")
            }
        }
        (Side::FamilyPlanning, true) => (rng.random_bool(0.6), "dead"),
        // Newborns reach the family-planning register first.
        (Side::Police, false) if newborn => (rng.random_bool(0.6), "active"),
        (Side::FamilyPlanning, false) if newborn => (rng.random_bool(0.98), "active"),
        (_, false) => (rng.random_bool(0.97), "active"),
    }
}

/// The values one register holds, with the noise that changes meaning.
fn write(
    rng: &mut ChaCha8Rng,
    side: Side,
    p: &Truly,
    status: &'static str,
    newborn: bool,
    sounds: &Sounds,
    villages: &HashMap<String, Vec<String>>,
) -> Written {
    let mut id_number = p.id_number.clone();
    let missing = match side {
        Side::Police => 0.02,
        Side::FamilyPlanning if newborn => 0.7,
        Side::FamilyPlanning => 0.05,
    };
    if rng.random_bool(missing) {
        id_number = None;
    }
    if let Some(id) = id_number.as_mut() {
        let x: f64 = rng.random();
        if x < 0.008 {
            mistype_digit(rng, id);
        } else if x < 0.012 {
            transpose_digits(rng, id);
        }
    }
    let mut name = p.name.clone();
    let x: f64 = rng.random();
    if x < 0.015 {
        name = sounds.homophone(rng, &name);
    } else if x < 0.03 {
        name = sounds.dialect(rng, &name);
    }
    let mut birth = p.birth;
    let x: f64 = rng.random();
    if x < 0.005 && birth.day() <= 12 && birth.day() != birth.month() {
        birth = NaiveDate::from_ymd_opt(birth.year(), birth.day(), birth.month()).unwrap_or(birth);
    } else if x < 0.01 {
        birth +=
            Duration::days(rng.random_range(1..=3) * if rng.random_bool(0.5) { 1 } else { -1 });
    }
    let mut sex = p.sex;
    if rng.random_bool(0.002) {
        sex = 3 - sex;
    }
    let mut ethnicity = p.ethnicity.clone();
    if rng.random_bool(0.05) {
        ethnicity = None;
    }
    let mut region = p.region.clone();
    let moved = match side {
        Side::Police => 0.01,
        Side::FamilyPlanning => 0.03,
    };
    if rng.random_bool(moved)
        && let Some(others) = villages.get(&region[..6])
        && let Some(v) = others.choose(rng)
    {
        region = v.clone();
    }
    Written {
        id_number,
        name,
        sex,
        birth,
        ethnicity,
        region,
        status,
        death: (status == "dead").then_some(p.dead).flatten(),
    }
}

/// A second record of the same person in the same register: entered again
/// by someone else, often without the identity number.
fn duplicate(rng: &mut ChaCha8Rng, mut w: Written, sounds: &Sounds) -> Written {
    let x: f64 = rng.random();
    if x < 0.4 {
        w.id_number = None;
    } else if x < 0.55
        && let Some(id) = w.id_number.as_mut()
    {
        mistype_digit(rng, id);
    }
    if rng.random_bool(0.2) {
        w.name = sounds.homophone(rng, &w.name);
    }
    w
}

/// Fields whose normalised values differ between the two records of one person.
fn differences(a: &Written, b: &Written) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut differ = |field, x: Option<String>, y: Option<String>| {
        if let (Some(x), Some(y)) = (x, y)
            && x != y
        {
            out.push((field, x, y));
        }
    };
    differ("id_number", a.id_number.clone(), b.id_number.clone());
    differ("name", Some(a.name.clone()), Some(b.name.clone()));
    differ("sex", Some(a.sex.to_string()), Some(b.sex.to_string()));
    differ(
        "birth_date",
        Some(a.birth.to_string()),
        Some(b.birth.to_string()),
    );
    differ(
        "region_code",
        Some(a.region.clone()),
        Some(b.region.clone()),
    );
    differ("ethnicity", a.ethnicity.clone(), b.ethnicity.clone());
    differ(
        "status",
        Some(a.status.to_string()),
        Some(b.status.to_string()),
    );
    out
}

/// The row as written: layout noise that normalisation must undo.
fn layout(rng: &mut ChaCha8Rng, record_id: &str, w: &Written, p: &Truly) -> RegisterRow {
    let id_number = w
        .id_number
        .as_deref()
        .map(|id| id_as_written(rng, id, w.birth))
        .unwrap_or_default();
    let birth_date = date_as_written(rng, w.birth);
    let name = name_as_written(rng, &w.name);
    RegisterRow {
        record_id: record_id.to_string(),
        id_number,
        name,
        sex: w.sex.to_string(),
        birth_date,
        ethnicity: w.ethnicity.clone().unwrap_or_default(),
        region_code: w.region.clone(),
        household_no: p.household.clone(),
        status: w.status.to_string(),
        death_date: w.death.map(|d| d.to_string()).unwrap_or_default(),
    }
}

fn villages_by_county(villages: &[Village]) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for v in villages {
        out.entry(v.code.as_str()[..6].to_string())
            .or_default()
            .push(v.code.to_string());
    }
    out
}
