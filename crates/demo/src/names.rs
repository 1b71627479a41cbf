//! Chinese names drawn with realistic frequencies.

use rand::Rng;
use rand::seq::IndexedRandom;

/// The most common surnames with their rough share (per mille) of the population.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 72),
    ("李", 72),
    ("张", 68),
    ("刘", 54),
    ("陈", 53),
    ("杨", 38),
    ("黄", 24),
    ("赵", 23),
    ("吴", 20),
    ("周", 20),
    ("徐", 16),
    ("孙", 15),
    ("马", 14),
    ("朱", 14),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("林", 11),
    ("罗", 11),
    ("高", 11),
    ("郑", 9),
    ("梁", 9),
    ("谢", 8),
    ("宋", 7),
    ("唐", 7),
    ("许", 7),
    ("韩", 7),
    ("邓", 7),
    ("冯", 7),
    ("曹", 6),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 5),
    ("董", 5),
    ("潘", 5),
    ("袁", 5),
    ("蔡", 5),
    ("蒋", 5),
    ("余", 5),
    ("于", 5),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("魏", 4),
    ("苏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("卢", 4),
    ("姚", 3),
    ("沈", 3),
    ("钟", 3),
    ("姜", 3),
    ("崔", 3),
    ("谭", 3),
    ("陆", 3),
    ("范", 3),
    ("汪", 3),
    ("廖", 3),
    ("石", 3),
    ("金", 3),
    ("韦", 3),
    ("贾", 3),
    ("夏", 3),
    ("付", 3),
    ("方", 3),
    ("邹", 2),
    ("熊", 2),
    ("白", 2),
    ("孟", 2),
    ("秦", 2),
    ("邱", 2),
    ("侯", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("龙", 2),
    ("黎", 2),
    ("史", 2),
    ("陶", 2),
    ("贺", 2),
    ("毛", 2),
    ("郝", 2),
    ("顾", 2),
    ("欧阳", 1),
    ("司马", 1),
    ("诸葛", 1),
];

const MALE_CHARS: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳", "建", "国",
    "志", "文", "海", "东", "亮", "成", "德", "福", "昊", "然", "轩", "博", "睿", "泽", "子", "晨",
];

const FEMALE_CHARS: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "燕", "萍", "红", "梅",
    "琳", "雪", "慧", "婷", "倩", "洁", "颖", "琴", "云", "莉", "欣", "怡", "佳", "悦", "涵", "萱",
    "雨", "思", "可", "诗", "梓", "晴", "玉", "兰", "凤", "珍", "春", "月", "美", "紫", "一", "心",
];

/// Tibetan personal names, written without a surname (two parts of two syllables).
const TIBETAN_PARTS: &[&str] = &[
    "扎西", "卓玛", "次仁", "央金", "格桑", "拉姆", "多吉", "措姆", "旦增", "尼玛", "达瓦", "曲珍",
    "洛桑", "德吉", "平措", "白玛", "泽仁", "益西", "贡布", "仁青",
];

/// A surname drawn by frequency.
pub fn surname(rng: &mut impl Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for (name, weight) in SURNAMES {
        if pick < *weight {
            return name;
        }
        pick -= weight;
    }
    "王"
}

/// A given name of one or two characters.
pub fn given_name(rng: &mut impl Rng, male: bool) -> String {
    let chars = if male { MALE_CHARS } else { FEMALE_CHARS };
    let first = chars.choose(rng).copied().unwrap_or("明");
    if rng.random_bool(0.7) {
        let second = chars.choose(rng).copied().unwrap_or("明");
        format!("{first}{second}")
    } else {
        first.to_string()
    }
}

/// A Tibetan name of two parts.
pub fn tibetan_name(rng: &mut impl Rng) -> String {
    let a = TIBETAN_PARTS.choose(rng).copied().unwrap_or("扎西");
    let b = TIBETAN_PARTS.choose(rng).copied().unwrap_or("卓玛");
    format!("{a}{b}")
}
