//! Property tests: the check character catches every single-digit error and
//! every adjacent transposition in the first 17 digits, and parsing is stable.

use chrono::NaiveDate;
use proptest::prelude::*;
use renkou_domain::date::parse_date;
use renkou_domain::{IdNumber, IdNumberError};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

prop_compose! {
    fn valid_id()(
        province in prop::sample::select(vec!["11", "31", "44", "51", "54", "65"]),
        rest in 0u32..10_000,
        days in 0i64..40_000,
        seq in 0u16..1000,
    ) -> IdNumber {
        let address = format!("{province}{rest:04}");
        let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Duration::days(days);
        IdNumber::from_parts(&address, birth, seq).unwrap()
    }
}

/// An error caught by a later rule, or the check character: never accepted.
fn is_rejected(text: &str) -> bool {
    IdNumber::parse_at(text, today()).is_err()
}

proptest! {
    #[test]
    fn every_single_digit_substitution_is_caught(id in valid_id(), pos in 0usize..18, delta in 1u8..10) {
        let mut bytes = id.as_str().as_bytes().to_vec();
        let original = bytes[pos];
        bytes[pos] = if pos == 17 {
            // The check position also takes X: cycle through the 11 possible characters.
            let chars = b"0123456789X";
            let i = chars.iter().position(|&c| c == original).unwrap();
            chars[(i + delta as usize) % 11]
        } else {
            b'0' + (original - b'0' + delta) % 10
        };
        let text = String::from_utf8(bytes).unwrap();
        prop_assert!(is_rejected(&text), "{} accepted after changing position {}", text, pos + 1);
    }

    #[test]
    fn every_adjacent_transposition_in_the_first_17_digits_is_caught(id in valid_id(), pos in 0usize..16) {
        let mut bytes = id.as_str().as_bytes().to_vec();
        prop_assume!(bytes[pos] != bytes[pos + 1]);
        bytes.swap(pos, pos + 1);
        let text = String::from_utf8(bytes).unwrap();
        prop_assert!(is_rejected(&text), "{} accepted after swapping {} and {}", text, pos + 1, pos + 2);
    }

    #[test]
    fn the_canonical_form_parses_to_itself(id in valid_id()) {
        let again = IdNumber::parse_at(id.as_str(), today()).unwrap();
        prop_assert_eq!(again, id);
        prop_assert_eq!(IdNumber::parse_at(&id.as_str().to_lowercase(), today()).unwrap(), id);
    }

    #[test]
    fn a_15_digit_number_upgrades_to_the_same_person(id in valid_id()) {
        prop_assume!(id.as_str()[6..8] == *"19");
        let short = format!("{}{}", &id.as_str()[..6], &id.as_str()[8..17]);
        prop_assert_eq!(IdNumber::parse_at(&short, today()).unwrap(), id);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,24}") {
        let _ = IdNumber::parse_at(&text, today());
        let _ = parse_date(&text);
    }

    #[test]
    fn dates_round_trip_through_every_register_layout(days in 0i64..60_000) {
        let d = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
        use chrono::Datelike;
        for text in [
            d.format("%Y-%m-%d").to_string(),
            d.format("%Y%m%d").to_string(),
            format!("{}/{}/{}", d.year(), d.month(), d.day()),
            format!("{}-{}-{}", d.year(), d.month(), d.day()),
            format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        ] {
            prop_assert_eq!(parse_date(&text), Ok(d));
        }
    }
}

#[test]
fn a_check_digit_error_names_the_expected_digit() {
    assert_eq!(
        IdNumber::parse_at("510104198503120011", today()),
        Err(IdNumberError::CheckDigit {
            found: '1',
            expected: '0'
        })
    );
}
