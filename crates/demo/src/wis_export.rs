//! A legacy WIS card export of demo women, with the truth beside it: the
//! benchmark data of the card conversion (issue 14). Each card is a woman
//! of the register as a county's old WIS database would have her — written
//! with the noise of the reconciliation registers (names heard by ear,
//! identity numbers missing, mistyped or in the old form, dates shifted and
//! in other layouts, women who moved village) — plus what such databases
//! also hold: women the register never had, a woman carded twice, a method
//! the register does not know, children without numbers, and rows too
//! broken to read.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::IndexedRandom;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::IdNumber;
use renkou_store::RegisterCard;

use crate::names::{given_name, surname};
use crate::noise::{
    Sounds, date_as_written, id_as_written, mistype_digit, name_as_written, transpose_digits,
};

/// What to write.
#[derive(Debug, Clone)]
pub struct WisExportOptions {
    /// Cards in the export (at most the register's women, plus the absent
    /// and the duplicates); `None`: one per woman.
    pub cards: Option<usize>,
    pub seed: u64,
    pub today: NaiveDate,
}

/// How a card of the export relates to the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardTruthKind {
    /// A woman of the register.
    Register,
    /// A second card of a woman of the register.
    Duplicate,
    /// A woman the register never had (补录).
    Absent,
    /// A card of a woman of the register too broken to read.
    Unreadable,
}

impl CardTruthKind {
    /// The word in `truth.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            CardTruthKind::Register => "register",
            CardTruthKind::Duplicate => "duplicate",
            CardTruthKind::Absent => "absent",
            CardTruthKind::Unreadable => "unreadable",
        }
    }
}

/// One card's truth.
#[derive(Debug, Clone)]
pub struct CardTruth {
    pub card_id: String,
    /// The register's person, `None` for a woman it never had.
    pub person_id: Option<i64>,
    pub kind: CardTruthKind,
    /// What the card says that the register does not: `method_differs` (a
    /// conflict to verify), `new_method` and `new_child` (to record).
    pub notes: Vec<&'static str>,
}

/// The two files and the truth.
#[derive(Debug, Clone, Default)]
pub struct WisExport {
    pub women: Vec<[String; 12]>,
    pub children: Vec<[String; 8]>,
    pub truth: Vec<CardTruth>,
}

/// Writes the export of these cards.
pub fn wis_export(register: &[RegisterCard], options: &WisExportOptions) -> WisExport {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x0057_15CA_4D5E);
    let sounds = Sounds::new();
    let total = options.cards.unwrap_or(register.len());
    let absent = total * 3 / 100;
    let duplicates = total * 3 / 1000;
    let real = total
        .saturating_sub(absent + duplicates)
        .min(register.len());
    let mut chosen: Vec<usize> = sample(&mut rng, register.len(), real).into_vec();
    chosen.sort_unstable();
    let mut villages: HashMap<&str, Vec<String>> = HashMap::new();
    for card in register {
        let code = card.woman.residence.as_str();
        let list = villages.entry(&code[..6]).or_default();
        if !list.iter().any(|v| v == code) {
            list.push(code.to_string());
        }
    }

    // (woman row, children rows, truth without card id)
    let mut cards: Vec<([String; 12], Vec<[String; 8]>, CardTruth)> = Vec::new();
    for &i in &chosen {
        let card = &register[i];
        let (mut row, method_differs) = noisy_woman(&mut rng, card, &sounds, &villages);
        let mut children = noisy_children(&mut rng, card, &sounds);
        let mut notes = Vec::new();
        if method_differs {
            notes.push("method_differs");
        }
        // What the register missed: the family-planning office hears of a
        // birth first, and of a method the register never got.
        if let Some(child) = newborn(&mut rng, card, options.today) {
            children.push(child);
            notes.push("new_child");
        }
        if row[9].is_empty() && row[5].starts_with('2') && rng.random_bool(0.1) {
            let since = card
                .children
                .last()
                .map_or(card.woman.birth_date + Duration::days(20 * 365), |c| {
                    c.birth_date
                })
                + Duration::days(rng.random_range(60..720));
            if since < options.today {
                row[9] = ["03", "05", "07"]
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or("07")
                    .into();
                row[10] = date_as_written(&mut rng, since);
                notes.push("new_method");
            }
        }
        let truth = CardTruth {
            card_id: String::new(),
            person_id: Some(card.woman.id.0),
            kind: CardTruthKind::Register,
            notes,
        };
        cards.push((row, children, truth));
    }
    for _ in 0..duplicates.min(chosen.len()) {
        let Some(&i) = chosen.choose(&mut rng) else {
            break;
        };
        let card = &register[i];
        let (mut row, _) = noisy_woman(&mut rng, card, &sounds, &villages);
        // Entered again by someone else, often without her number.
        if rng.random_bool(0.4) {
            row[1].clear();
        }
        let truth = CardTruth {
            card_id: String::new(),
            person_id: Some(card.woman.id.0),
            kind: CardTruthKind::Duplicate,
            notes: Vec::new(),
        };
        cards.push((row, Vec::new(), truth));
    }
    for _ in 0..absent {
        let Some(model) = register.choose(&mut rng) else {
            break;
        };
        let row = absent_woman(&mut rng, model, options.today);
        let truth = CardTruth {
            card_id: String::new(),
            person_id: None,
            kind: CardTruthKind::Absent,
            notes: Vec::new(),
        };
        cards.push((row, Vec::new(), truth));
    }
    // Card ids of the old system, in an order that says nothing.
    rand::seq::SliceRandom::shuffle(cards.as_mut_slice(), &mut rng);
    let mut out = WisExport::default();
    for (k, (mut row, children, mut truth)) in cards.into_iter().enumerate() {
        let card_id = format!("K{:08}", k + 1);
        row[0] = card_id.clone();
        if truth.kind == CardTruthKind::Register && rng.random_bool(0.003) {
            break_card(&mut rng, &mut row);
            truth.kind = CardTruthKind::Unreadable;
        }
        for mut child in children {
            child[0] = card_id.clone();
            if rng.random_bool(0.002) {
                child[3] = "不详".into();
            }
            out.children.push(child);
        }
        truth.card_id = card_id;
        out.women.push(row);
        out.truth.push(truth);
    }
    out
}

/// A woman's card row as the old system has it; whether her method differs.
fn noisy_woman(
    rng: &mut ChaCha8Rng,
    card: &RegisterCard,
    sounds: &Sounds,
    villages: &HashMap<&str, Vec<String>>,
) -> ([String; 12], bool) {
    let mut row = card.woman_row();
    let w = &card.woman;
    // Her identity number: missing, mistyped, transposed, in another form.
    if rng.random_bool(0.05) {
        row[1].clear();
    } else if !row[1].is_empty() {
        let x: f64 = rng.random();
        if x < 0.008 {
            mistype_digit(rng, &mut row[1]);
        } else if x < 0.012 {
            transpose_digits(rng, &mut row[1]);
        }
        row[1] = id_as_written(rng, &row[1], w.birth_date);
    }
    let x: f64 = rng.random();
    let mut name = w.name.to_string();
    if x < 0.015 {
        name = sounds.homophone(rng, &name);
    } else if x < 0.03 {
        name = sounds.dialect(rng, &name);
    }
    row[2] = name_as_written(rng, &name);
    let mut birth = w.birth_date;
    let x: f64 = rng.random();
    if x < 0.005 && birth.day() <= 12 && birth.day() != birth.month() {
        birth = NaiveDate::from_ymd_opt(birth.year(), birth.day(), birth.month()).unwrap_or(birth);
    } else if x < 0.01 {
        birth +=
            Duration::days(rng.random_range(1..=3) * if rng.random_bool(0.5) { 1 } else { -1 });
    }
    row[3] = date_as_written(rng, birth);
    // Moved village since the card was last updated.
    if rng.random_bool(0.03)
        && let Some(v) = villages.get(&row[4][..6]).and_then(|list| list.choose(rng))
    {
        row[4] = v.clone();
    }
    for i in [6, 10, 11] {
        if let Ok(d) = NaiveDate::parse_from_str(&row[i], "%Y-%m-%d") {
            row[i] = date_as_written(rng, d);
        }
    }
    // The spouse's number, often not carried over.
    if rng.random_bool(0.1) {
        row[8].clear();
    }
    // A method the register does not know of.
    let mut method_differs = false;
    if !row[9].is_empty() && row[9] != "00" && rng.random_bool(0.02) {
        let other = ["02", "03", "04", "05", "07"]
            .iter()
            .filter(|m| **m != row[9])
            .copied()
            .collect::<Vec<_>>();
        if let Some(m) = other.choose(rng) {
            row[9] = (*m).to_string();
            method_differs = true;
        }
    }
    (row, method_differs)
}

/// Her children as the old system has them: many without numbers, a few
/// names heard differently and dates a day or two off, now and then a
/// child not carded.
fn noisy_children(rng: &mut ChaCha8Rng, card: &RegisterCard, sounds: &Sounds) -> Vec<[String; 8]> {
    card.children_rows()
        .into_iter()
        .filter_map(|mut child| {
            if rng.random_bool(0.01) {
                return None;
            }
            if rng.random_bool(0.3) {
                child[2].clear();
            }
            if rng.random_bool(0.02) {
                child[1] = sounds.homophone(rng, &child[1]);
            }
            if let Ok(mut d) = NaiveDate::parse_from_str(&child[4], "%Y-%m-%d") {
                if rng.random_bool(0.03) {
                    d += Duration::days(rng.random_range(-2..=2));
                }
                child[4] = date_as_written(rng, d);
            }
            Some(child)
        })
        .collect()
}

/// Now and then a child born this year the register does not have yet (no
/// number yet), when she could have had one.
fn newborn(rng: &mut ChaCha8Rng, card: &RegisterCard, today: NaiveDate) -> Option<[String; 8]> {
    let w = &card.woman;
    let age = today.year() - w.birth_date.year();
    if !(20..=42).contains(&age) || w.pregnant_since.is_some() || !rng.random_bool(0.02) {
        return None;
    }
    let born = today - Duration::days(rng.random_range(10..300));
    if card
        .children
        .last()
        .is_some_and(|c| (born - c.birth_date).num_days() < 400)
    {
        return None;
    }
    let family = card
        .spouse
        .as_ref()
        .map_or_else(|| w.name.to_string(), |s| s.name.to_string());
    let male = rng.random_bool(0.51);
    Some([
        String::new(),
        format!(
            "{}{}",
            family.chars().next().unwrap_or('王'),
            given_name(rng, male)
        ),
        String::new(),
        if male { "1" } else { "2" }.into(),
        date_as_written(rng, born),
        "1".into(),
        "1".into(),
        "1".into(),
    ])
}

/// A woman the register never had: someone of the model's county.
fn absent_woman(rng: &mut ChaCha8Rng, model: &RegisterCard, today: NaiveDate) -> [String; 12] {
    let birth = NaiveDate::from_ymd_opt(
        today.year() - rng.random_range(18..=49),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    )
    .unwrap_or(model.woman.birth_date);
    let county = &model.woman.residence.as_str()[..6];
    let number = IdNumber::from_parts(county, birth, rng.random_range(1..=499) * 2)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let married = rng.random_bool(0.7);
    [
        String::new(),
        number,
        format!("{}{}", surname(rng), given_name(rng, false)),
        birth.to_string(),
        model.woman.residence.to_string(),
        if married { "20" } else { "10" }.into(),
        String::new(),
        String::new(),
        String::new(),
        if married { "03" } else { "" }.into(),
        String::new(),
        String::new(),
    ]
}

/// Breaks a card the way old exports are broken: an impossible date, a
/// truncated village code or a lost name.
fn break_card(rng: &mut ChaCha8Rng, row: &mut [String; 12]) {
    match rng.random_range(0..3) {
        0 => row[3] = format!("{}-02-30", &row[3].chars().take(4).collect::<String>()),
        1 => row[4].truncate(5),
        _ => row[2].clear(),
    }
}
