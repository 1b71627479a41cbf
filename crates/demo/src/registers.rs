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
use pinyin::ToPinyin;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use renkou_domain::IdNumber;
use renkou_store::PersonRow;

use crate::{DemoOptions, Village, generate};

/// Characters clerks write for one another when they hear a name.
const COMMON: &str = "伟玮炜维薇卫威蔚微为唯巍强墙蔷磊垒蕾军君钧均俊峻骏勇永咏涌杰洁婕捷倩茜芳方舫\
    娜纳敏闵珉静靖婧晶菁丽莉俐立力艳燕雁彦娟鹃涓霞侠秀绣琇玲灵凌琳林霖麟桂贵英瑛莹萍平苹屏红虹宏鸿洪\
    梅玫媚雪慧惠蕙辉晖婷亭庭颖影琴芹勤云芸韵欣鑫新馨怡宜仪颐佳家嘉悦越月玥涵晗寒萱轩宣雨宇羽禹语思斯\
    诗师可珂梓子紫晴清青庆玉钰毓兰岚澜凤峰锋丰枫珍真贞春纯美楣明铭鸣敏刚钢纲平涛韬滔斌彬超朝潮鹏朋\
    华桦骅飞菲非波博柏帆凡繁浩昊皓凯楷健建剑帅宁凝龙隆阳洋扬国帼志智致文雯闻海东冬栋亮靓成诚城承程德\
    福富付傅胡湖虎然冉睿瑞泽则晨辰陈岑沉刘流留柳牛纽农龙浓李黎丽礼倪尼泥兰南楠男蓝难张章彰王黄杨羊\
    周舟邹赵召吴武伍徐许孙朱祝孙马郭何罗高郑梁谢宋唐韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程苏魏吕丁任\
    沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴\
    莫孔向汤生升声申深森身神沈审婶胜盛圣成晨尘呈诚承城乘";

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

fn mistype_digit(rng: &mut ChaCha8Rng, id: &mut String) {
    let mut b = id.clone().into_bytes();
    let i = rng.random_range(0..17);
    let old = b[i];
    while b[i] == old {
        b[i] = b'0' + rng.random_range(0..10u8);
    }
    *id = String::from_utf8(b).unwrap_or_default();
}

fn transpose_digits(rng: &mut ChaCha8Rng, id: &mut String) {
    let mut b = id.clone().into_bytes();
    let i = rng.random_range(0..16);
    if b[i] == b[i + 1] {
        return mistype_digit(rng, id);
    }
    b.swap(i, i + 1);
    *id = String::from_utf8(b).unwrap_or_default();
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
    let id_number = match &w.id_number {
        None => String::new(),
        Some(id) => {
            let x: f64 = rng.random();
            let born_1900s = (1900..2000).contains(&w.birth.year());
            if x < 0.03 && born_1900s && id.len() == 18 && &id[6..8] == "19" {
                format!("{}{}", &id[..6], &id[8..17])
            } else if x < 0.035 {
                id.chars()
                    .map(|c| match c {
                        '0'..='9' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                        'X' => 'Ｘ',
                        _ => c,
                    })
                    .collect()
            } else if x < 0.05 {
                format!(" {} ", id.to_lowercase())
            } else {
                id.clone()
            }
        }
    };
    let d = w.birth;
    let birth_date = match rng.random_range(0..10) {
        0 => format!("{:04}{:02}{:02}", d.year(), d.month(), d.day()),
        1 => format!("{}/{}/{}", d.year(), d.month(), d.day()),
        2 => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        _ => d.to_string(),
    };
    let name = if rng.random_bool(0.02) {
        traditional(&w.name)
    } else if rng.random_bool(0.005) {
        format!(" {}", w.name)
    } else {
        w.name.clone()
    };
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

/// Traditional forms of simplified characters (the inverse of simplet2s,
/// which normalisation applies).
fn traditional(name: &str) -> String {
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        for code in 0x4E00u32..=0x9FA5 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let s = simplet2s::convert(&c.to_string());
            let mut chars = s.chars();
            if let (Some(simple), None) = (chars.next(), chars.next())
                && simple != c
            {
                t.entry(simple).or_insert(c);
            }
        }
        t
    });
    name.chars().map(|c| *table.get(&c).unwrap_or(&c)).collect()
}

/// Common name characters grouped by how they sound.
struct Sounds {
    by_pinyin: HashMap<&'static str, Vec<char>>,
}

impl Sounds {
    fn new() -> Sounds {
        let mut by_pinyin: HashMap<&'static str, Vec<char>> = HashMap::new();
        for c in COMMON.chars().filter(|c| !c.is_whitespace()) {
            if let Some(p) = c.to_pinyin() {
                let v = by_pinyin.entry(p.plain()).or_default();
                if !v.contains(&c) {
                    v.push(c);
                }
            }
        }
        Sounds { by_pinyin }
    }

    /// Replaces one character (the given name's, mostly) by another read the same.
    fn homophone(&self, rng: &mut ChaCha8Rng, name: &str) -> String {
        self.replace_one(rng, name, |p| vec![p.to_string()])
    }

    /// Replaces one character by one a south-western speaker says alike.
    fn dialect(&self, rng: &mut ChaCha8Rng, name: &str) -> String {
        self.replace_one(rng, name, dialect_variants)
    }

    fn replace_one(
        &self,
        rng: &mut ChaCha8Rng,
        name: &str,
        sounds_like: impl Fn(&str) -> Vec<String>,
    ) -> String {
        let chars: Vec<char> = name.chars().collect();
        let mut positions: Vec<usize> = (0..chars.len()).collect();
        positions.shuffle(rng);
        // Given-name characters first: surnames are better known.
        positions.sort_by_key(|&i| i == 0);
        for i in positions {
            let Some(p) = chars[i].to_pinyin() else {
                continue;
            };
            let options: Vec<char> = sounds_like(p.plain())
                .iter()
                .filter_map(|s| self.by_pinyin.get(s.as_str()))
                .flatten()
                .copied()
                .filter(|&c| c != chars[i])
                .collect();
            if let Some(&c) = options.choose(rng) {
                let mut out = chars.clone();
                out[i] = c;
                return out.into_iter().collect();
            }
        }
        name.to_string()
    }
}

/// Syllables a south-western Mandarin speaker does not tell apart from `p`.
fn dialect_variants(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    let swaps_initial = [
        ("zh", "z"),
        ("ch", "c"),
        ("sh", "s"),
        ("n", "l"),
        ("hu", "fu"),
    ];
    for (a, b) in swaps_initial {
        if let Some(rest) = p.strip_prefix(a) {
            out.push(format!("{b}{rest}"));
        } else if let Some(rest) = p.strip_prefix(b)
            && !(b == "z" && p.starts_with("zh"))
            && !(b == "c" && p.starts_with("ch"))
            && !(b == "s" && p.starts_with("sh"))
        {
            out.push(format!("{a}{rest}"));
        }
    }
    for (a, b) in [("eng", "en"), ("ing", "in")] {
        if let Some(stem) = p.strip_suffix(a) {
            out.push(format!("{stem}{b}"));
        } else if let Some(stem) = p.strip_suffix(b) {
            out.push(format!("{stem}{a}"));
        }
    }
    out
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
