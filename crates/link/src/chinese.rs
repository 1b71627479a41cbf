//! Chinese names as a matcher sees them: simplified characters, their pinyin,
//! and the pinyin folded the way south-western Mandarin speakers (and the
//! clerks who write down what they hear) merge sounds.

use pinyin::ToPinyin;

/// First and last code point of the table of [`simplified`].
const HAN: std::ops::RangeInclusive<u32> = 0x3400..=0x9FFF;

/// The name in simplified characters (traditional `劉華` reads `刘华`),
/// character by character (names have no phrases to convert as a whole).
pub fn simplified(name: &str) -> String {
    use std::sync::OnceLock;
    // simplet2s's table, turned once into a direct lookup per character.
    static TABLE: OnceLock<Vec<char>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        HAN.map(|code| {
            let c = char::from_u32(code).unwrap_or(' ');
            let s = simplet2s::convert(c.encode_utf8(&mut [0; 4]));
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(simple), None) => simple,
                _ => c,
            }
        })
        .collect()
    });
    name.chars()
        .map(|c| {
            let code = c as u32;
            if HAN.contains(&code) {
                table[(code - HAN.start()) as usize]
            } else {
                c
            }
        })
        .collect()
}

/// Toneless pinyin of each character, space-separated; characters without a
/// reading (letters, the separator dot) are kept as they are.
pub fn pinyin_of(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 2);
    for c in name.chars() {
        if c == '·' || c == '•' || c.is_whitespace() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        match c.to_pinyin() {
            Some(p) => out.push_str(p.plain()),
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The key a name is searched by: its toneless pinyin run together, a
/// space, and the syllables' initials (`张三` → `zhangsan zs`). A typed
/// pinyin query matches when it starts the key or its initials.
pub fn search_key(name: &str) -> String {
    // Keyboards type ü as v.
    let pinyin = pinyin_of(&simplified(name)).replace('ü', "v");
    let full: String = pinyin.split(' ').collect();
    let initials: String = pinyin.split(' ').filter_map(|s| s.chars().next()).collect();
    format!("{full} {initials}")
}

/// A typed pinyin query in the form [`search_key`] is matched against
/// (lower case, no spaces, ü as v); `None` when it is not pinyin (holds anything but
/// Latin letters and spaces).
pub fn pinyin_query(text: &str) -> Option<String> {
    let text = text.trim();
    let is_pinyin = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == 'ü');
    is_pinyin.then(|| {
        text.chars()
            .filter(|c| *c != ' ')
            .map(|c| {
                if c == 'ü' {
                    'v'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

/// Pinyin with the sounds that south-western Mandarin does not distinguish
/// merged: n/l, zh/z, ch/c, sh/s, hu/fu, and the finals eng/en, ing/in.
/// Names heard and written by ear compare equal in this form.
pub fn folded(pinyin: &str) -> String {
    let mut out = String::with_capacity(pinyin.len());
    for (i, syllable) in pinyin.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        fold_syllable(syllable, &mut out);
    }
    out
}

fn fold_syllable(s: &str, out: &mut String) {
    let (initial, rest) = if let Some(r) = s.strip_prefix("zh") {
        ("z", r)
    } else if let Some(r) = s.strip_prefix("ch") {
        ("c", r)
    } else if let Some(r) = s.strip_prefix("sh") {
        ("s", r)
    } else if let Some(r) = s.strip_prefix('n').filter(|r| !r.is_empty() && *r != "g") {
        ("l", r)
    } else if let Some(r) = s.strip_prefix('h').filter(|r| r.starts_with('u')) {
        ("f", r)
    } else {
        ("", s)
    };
    out.push_str(initial);
    if let Some(stem) = rest.strip_suffix("eng") {
        out.push_str(stem);
        out.push_str("en");
    } else if let Some(stem) = rest.strip_suffix("ing") {
        out.push_str(stem);
        out.push_str("in");
    } else {
        out.push_str(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_found_by_its_pinyin_or_its_initials() {
        assert_eq!(search_key("张三"), "zhangsan zs");
        assert_eq!(search_key("欧阳·娜娜"), "ouyangnana oynn");
        assert_eq!(pinyin_query(" Zhang San "), Some("zhangsan".into()));
        assert_eq!(pinyin_query("张三"), None);
        assert_eq!(pinyin_query("zs1"), None);
    }

    #[test]
    fn the_key_of_lü_matches_what_a_keyboard_types() {
        let key = search_key("吕");
        assert_eq!(key, "lv l");
    }

    #[test]
    fn traditional_names_read_as_simplified() {
        assert_eq!(simplified("劉華"), "刘华");
        assert_eq!(simplified("張偉"), "张伟");
        assert_eq!(simplified("王芳"), "王芳");
    }

    #[test]
    fn homophones_share_their_pinyin() {
        assert_eq!(pinyin_of("王伟"), "wang wei");
        assert_eq!(pinyin_of("王玮"), pinyin_of("王伟"));
    }

    #[test]
    fn south_western_confusions_fold_together() {
        // 刘 liu / 牛 niu, 陈 chen / 岑 cen, 成 cheng / 陈 chen, 胡 hu / 付 fu, 林 lin / 凌 ling.
        assert_eq!(folded(&pinyin_of("刘")), folded(&pinyin_of("牛")));
        assert_eq!(folded(&pinyin_of("陈")), folded(&pinyin_of("岑")));
        assert_eq!(folded(&pinyin_of("成")), folded(&pinyin_of("陈")));
        assert_eq!(folded(&pinyin_of("胡")), folded(&pinyin_of("付")));
        assert_eq!(folded(&pinyin_of("林")), folded(&pinyin_of("凌")));
        assert_ne!(folded(&pinyin_of("王")), folded(&pinyin_of("黄")));
    }
}
