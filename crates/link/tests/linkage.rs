//! The linkage engine on small registers written by hand: the cases a
//! county's verifier meets, each asserted as the finding they expect.

use proptest::prelude::*;
use renkou_link::{RawFields, Record, reconcile};

/// A person and the variations of them each register writes.
#[derive(Clone)]
struct Row {
    id: String,
    id_number: String,
    name: String,
    sex: &'static str,
    birth: String,
    region: String,
    status: &'static str,
    death: String,
}

fn record(line: u64, r: &Row) -> Record {
    Record::normalize(
        line,
        &RawFields {
            record_id: &r.id,
            id_number: &r.id_number,
            name: &r.name,
            sex: r.sex,
            birth_date: &r.birth,
            region_code: &r.region,
            status: r.status,
            death_date: &r.death,
            ethnicity: "01",
        },
    )
    .0
}

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
];
const GIVEN: [&str; 16] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
];

/// A population of `n` distinct people with valid identity numbers.
fn population(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| {
            let birth = chrono::NaiveDate::from_ymd_opt(
                1950 + (i % 60) as i32,
                1 + (i % 12) as u32,
                1 + (i / 12 % 28) as u32,
            )
            .expect("a calendar date");
            let sex = if i % 2 == 0 { "1" } else { "2" };
            let seq = (i / 720 % 499) as u16 * 2 + if sex == "1" { 1 } else { 2 };
            let county = ["510104", "510105", "510106"][i % 3];
            let id = renkou_domain::IdNumber::from_parts(county, birth, seq).expect("an id");
            Row {
                id: format!("P{i}"),
                id_number: id.to_string(),
                name: format!(
                    "{}{}{}",
                    SURNAMES[i % 12],
                    GIVEN[i / 12 % 16],
                    GIVEN[i / 192 % 16]
                ),
                sex,
                birth: birth.to_string(),
                region: format!("{county}{:03}{:03}", 1 + i % 5, 1 + i % 7),
                status: "active",
                death: String::new(),
            }
        })
        .collect()
}

fn ids(side: &str, rows: &mut [Row]) {
    for r in rows.iter_mut() {
        r.id = format!("{side}{}", &r.id[1..]);
    }
}

fn linked(left: &[Row], right: &[Row]) -> (Vec<Record>, Vec<Record>, renkou_link::Linkage) {
    let l: Vec<Record> = left
        .iter()
        .enumerate()
        .map(|(i, r)| record(i as u64 + 2, r))
        .collect();
    let r: Vec<Record> = right
        .iter()
        .enumerate()
        .map(|(i, r)| record(i as u64 + 2, r))
        .collect();
    let linkage = reconcile(&l, &r, &|_| {});
    (l, r, linkage)
}

fn partner<'a>(
    l: &'a [Record],
    r: &'a [Record],
    k: &renkou_link::Linkage,
    left_id: &str,
) -> Option<&'a str> {
    k.matches
        .iter()
        .find(|m| l[m.a as usize].record_id == left_id)
        .map(|m| r[m.b as usize].record_id.as_str())
}

#[test]
fn the_same_people_written_differently_are_matched_one_to_one() {
    let mut left = population(3000);
    let mut right = left.clone();
    ids("L", &mut left);
    ids("R", &mut right);
    // Right writes a few people the way other registers do.
    right[10].id_number = String::new(); // no identity number
    right[11].id_number = {
        // One digit wrong.
        let mut b = left[11].id_number.clone().into_bytes();
        b[12] = if b[12] == b'5' { b'6' } else { b'5' };
        String::from_utf8(b).expect("ascii")
    };
    assert!(right[12].name.contains('伟'));
    right[12].name = right[12].name.replace('伟', "偉"); // traditional
    right[13].birth = right[13].birth.replace('-', ""); // YYYYMMDD
    right[14].region = format!("{}{}", &right[14].region[..9], "099"); // moved within the township
    right[15].id_number = String::new();
    right[15].name = {
        // A south-western clerk hears 刘 as 牛.
        let rest: String = right[15].name.chars().skip(1).collect();
        let surname = right[15].name.chars().next().expect("a surname");
        let misheard = match surname {
            '刘' => '牛',
            '陈' => '岑',
            '王' => '汪',
            _ => surname,
        };
        format!("{misheard}{rest}")
    };
    let (l, r, k) = linked(&left, &right);
    assert_eq!(k.matches.len(), 3000, "everyone is in both registers");
    for i in [10, 11, 12, 13, 14, 15] {
        assert_eq!(
            partner(&l, &r, &k, &format!("L{i}")),
            Some(format!("R{i}").as_str()),
            "person {i}"
        );
    }
    assert!(k.only_left.is_empty() && k.only_right.is_empty());
    let fields: Vec<&str> = k
        .conflicts
        .iter()
        .filter(|c| c.left == 11)
        .map(|c| c.field)
        .collect();
    assert_eq!(
        fields,
        vec!["id_number"],
        "the mistyped number is a conflict to verify"
    );
    assert!(
        !k.conflicts.iter().any(|c| c.left == 12 || c.left == 13),
        "traditional characters and date layouts are not conflicts"
    );
}

#[test]
fn people_missing_from_one_register_are_listed_on_their_side() {
    let mut left = population(2000);
    let mut right = left.clone();
    ids("L", &mut left);
    ids("R", &mut right);
    let gone_from_right: Vec<String> = right
        .drain(100..110)
        .map(|r| r.id.replacen('R', "L", 1))
        .collect();
    let (l, _, k) = linked(&left, &right);
    let only: Vec<&str> = k
        .only_left
        .iter()
        .map(|&i| l[i as usize].record_id.as_str())
        .collect();
    assert_eq!(only, gone_from_right);
    assert!(k.only_right.is_empty());
}

#[test]
fn a_death_one_register_never_heard_of_is_reported() {
    let mut left = population(2000);
    let mut right = left.clone();
    ids("L", &mut left);
    ids("R", &mut right);
    right[7].status = "dead";
    right[7].death = "2025-03-04".into();
    let (_, _, k) = linked(&left, &right);
    assert_eq!(k.deceased_active.len(), 1);
    let d = &k.deceased_active[0];
    assert_eq!((d.left, d.dead_side), (7, "right"));
    assert_eq!(
        d.death_date.map(|x| x.to_string()).as_deref(),
        Some("2025-03-04")
    );
}

#[test]
fn a_person_entered_twice_is_a_duplicate_but_twins_are_not() {
    let mut left = population(2000);
    let right = left.clone();
    ids("L", &mut left);
    // Entered again without the identity number.
    let mut again = left[20].clone();
    again.id = "L-again".into();
    again.id_number = String::new();
    left.push(again);
    // Twins: same surname, birth date, village; another name and number.
    let mut twin = left[30].clone();
    twin.id = "L-twin".into();
    twin.name = format!("{}子轩", twin.name.chars().next().expect("a surname"));
    let mut b = twin.id_number.clone().into_bytes();
    b[16] = if b[16] >= b'8' { b[16] - 2 } else { b[16] + 2 };
    b[17] = renkou_domain::id_number::check_char(&b[..17]);
    twin.id_number = String::from_utf8(b).expect("ascii");
    left.push(twin);
    let (l, _, k) = linked(&left, &right);
    let dups: Vec<(&str, &str)> = k
        .duplicates_left
        .iter()
        .map(|d| {
            (
                l[d.a as usize].record_id.as_str(),
                l[d.b as usize].record_id.as_str(),
            )
        })
        .collect();
    assert_eq!(dups, vec![("L20", "L-again")]);
    assert!(
        !k.only_left
            .iter()
            .any(|&i| l[i as usize].record_id == "L-again"),
        "the duplicate's person is in the other register: not missing from it"
    );
    let only: Vec<&str> = k
        .only_left
        .iter()
        .map(|&i| l[i as usize].record_id.as_str())
        .collect();
    assert_eq!(only, vec!["L-twin"], "the twin is a person of their own");
}

proptest! {
    #[test]
    fn normalising_any_text_never_fails(
        id in ".{0,20}", name in ".{0,8}", sex in ".{0,2}", birth in ".{0,12}", region in ".{0,14}",
    ) {
        let (r, _) = Record::normalize(2, &RawFields {
            record_id: "x", id_number: &id, name: &name, sex: &sex, birth_date: &birth,
            region_code: &region, ..RawFields::default()
        });
        prop_assert_eq!(r.record_id, "x");
    }

    #[test]
    fn a_15_digit_number_reads_as_its_18_digit_form(
        address in 0u32..10, y in 0u32..100, m in 1u32..13, d in 1u32..29, seq in 0u32..1000,
    ) {
        let address = format!("5101{:02}", address);
        let old = format!("{address}{y:02}{m:02}{d:02}{seq:03}");
        let birth = chrono::NaiveDate::from_ymd_opt(1900 + y as i32, m, d).expect("a date");
        let new = renkou_domain::IdNumber::from_parts(&address, birth, seq as u16).expect("an id");
        let (canonical, valid) = renkou_link::record::canonical_id(&old).expect("readable").expect("present");
        prop_assert!(valid);
        prop_assert_eq!(std::str::from_utf8(&canonical).expect("ascii"), new.as_str());
    }
}

/// Ways a register writes the same value differently; none changes meaning.
fn rewrite(r: &mut Row, how: u8) {
    match how % 6 {
        0 => r.birth = r.birth.replace('-', ""),
        1 => {
            // YYYY年M月D日
            let d = chrono::NaiveDate::parse_from_str(&r.birth, "%Y-%m-%d").expect("a date");
            r.birth = format!(
                "{}年{}月{}日",
                chrono::Datelike::year(&d),
                chrono::Datelike::month(&d),
                chrono::Datelike::day(&d)
            );
        }
        2 => {
            r.name = r
                .name
                .replace('伟', "偉")
                .replace('刘', "劉")
                .replace('张', "張")
                .replace('陈', "陳")
        }
        3 => r.id_number = format!(" {} ", r.id_number.to_lowercase()),
        4 if &r.id_number[6..8] == "19" => {
            r.id_number = format!("{}{}", &r.id_number[..6], &r.id_number[8..17]);
        }
        _ => {
            r.id_number = r
                .id_number
                .chars()
                .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
                .collect();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Whatever legacy layouts the second register uses, everyone is
    /// matched to themselves and nothing is reported as a conflict.
    #[test]
    fn layouts_never_change_who_is_who(ways in prop::collection::vec(any::<u8>(), 1200)) {
        let mut left = population(1200);
        let mut right = left.clone();
        ids("L", &mut left);
        ids("R", &mut right);
        for (r, how) in right.iter_mut().zip(&ways) {
            rewrite(r, *how);
        }
        let (l, r, k) = linked(&left, &right);
        prop_assert_eq!(k.matches.len(), 1200);
        for m in &k.matches {
            prop_assert_eq!(&l[m.a as usize].record_id[1..], &r[m.b as usize].record_id[1..]);
        }
        prop_assert!(k.conflicts.is_empty(), "{:?}", k.conflicts.first());
    }

    /// Which register is called left does not change the matches.
    #[test]
    fn the_order_of_the_registers_does_not_matter(drop_left in 0usize..1000, drop_right in 0usize..1000) {
        let mut left = population(1000);
        let mut right = left.clone();
        ids("L", &mut left);
        ids("R", &mut right);
        left.remove(drop_left);
        right.remove(drop_right);
        let (l, r, k) = linked(&left, &right);
        let (r2, l2, k2) = linked(&right, &left);
        let mut one: Vec<(String, String)> = k.matches.iter()
            .map(|m| (l[m.a as usize].record_id.clone(), r[m.b as usize].record_id.clone())).collect();
        let mut two: Vec<(String, String)> = k2.matches.iter()
            .map(|m| (l2[m.b as usize].record_id.clone(), r2[m.a as usize].record_id.clone())).collect();
        one.sort();
        two.sort();
        prop_assert_eq!(one, two);
    }
}
