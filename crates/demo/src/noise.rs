//! The noise of registers written by hand: names heard by ear (homophones,
//! south-western n/l, zh/z, en/eng ... confusions) and in traditional
//! characters, identity numbers mistyped, transposed, in the 15-digit form
//! or full-width, dates in four layouts. The reconciliation data and the
//! legacy WIS export both write with it.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use pinyin::ToPinyin;
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

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

/// One digit of the first 17 replaced by another.
pub(crate) fn mistype_digit(rng: &mut ChaCha8Rng, id: &mut String) {
    let mut b = id.clone().into_bytes();
    let i = rng.random_range(0..17);
    let old = b[i];
    while b[i] == old {
        b[i] = b'0' + rng.random_range(0..10u8);
    }
    *id = String::from_utf8(b).unwrap_or_default();
}

/// Two neighbouring digits swapped.
pub(crate) fn transpose_digits(rng: &mut ChaCha8Rng, id: &mut String) {
    let mut b = id.clone().into_bytes();
    let i = rng.random_range(0..16);
    if b[i] == b[i + 1] {
        return mistype_digit(rng, id);
    }
    b.swap(i, i + 1);
    *id = String::from_utf8(b).unwrap_or_default();
}

/// An identity number as a clerk wrote it: now and then in the old 15-digit
/// form (born in the 1900s), in full-width digits, or lower-case and padded.
pub(crate) fn id_as_written(rng: &mut ChaCha8Rng, id: &str, birth: NaiveDate) -> String {
    let x: f64 = rng.random();
    let born_1900s = (1900..2000).contains(&birth.year());
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
        id.to_string()
    }
}

/// A date in one of the four layouts registers use.
pub(crate) fn date_as_written(rng: &mut ChaCha8Rng, d: NaiveDate) -> String {
    match rng.random_range(0..10) {
        0 => format!("{:04}{:02}{:02}", d.year(), d.month(), d.day()),
        1 => format!("{}/{}/{}", d.year(), d.month(), d.day()),
        2 => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        _ => d.to_string(),
    }
}

/// A name now and then in traditional characters or with a leading space.
pub(crate) fn name_as_written(rng: &mut ChaCha8Rng, name: &str) -> String {
    if rng.random_bool(0.02) {
        traditional(name)
    } else if rng.random_bool(0.005) {
        format!(" {name}")
    } else {
        name.to_string()
    }
}

/// Traditional forms of simplified characters (the inverse of simplet2s,
/// which normalisation applies).
pub(crate) fn traditional(name: &str) -> String {
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
pub(crate) struct Sounds {
    by_pinyin: HashMap<&'static str, Vec<char>>,
}

impl Sounds {
    pub(crate) fn new() -> Sounds {
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
    pub(crate) fn homophone(&self, rng: &mut ChaCha8Rng, name: &str) -> String {
        self.replace_one(rng, name, |p| vec![p.to_string()])
    }

    /// Replaces one character by one a south-western speaker says alike.
    pub(crate) fn dialect(&self, rng: &mut ChaCha8Rng, name: &str) -> String {
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
