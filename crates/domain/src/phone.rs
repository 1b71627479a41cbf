//! Phone numbers: a mobile number (11 digits, `1[3-9]…`) or a fixed line
//! with its area code (`0` + 2–3 digits, then 7–8 digits). Kept as digits
//! only; shown masked (`138****5678`) to roles that do not see them whole.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::half_width_trimmed;

/// A checked phone number, digits only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”既不是手机号码（13–19 开头的 11 位数字），也不是带区号的固定电话")]
pub struct PhoneError(pub String);

impl PhoneNumber {
    /// Parses a number as people write it: spaces, dashes, brackets,
    /// full-width digits and a `+86` prefix are allowed.
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        let text = half_width_trimmed(input);
        let mut digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '+'))
            .collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(PhoneError(input.trim().to_string()));
        }
        for prefix in ["0086", "86"] {
            if digits.len() == 11 + prefix.len()
                && digits.starts_with(prefix)
                && digits[prefix.len()..].starts_with('1')
            {
                digits = digits[prefix.len()..].to_string();
            }
        }
        let second = digits.as_bytes().get(1).copied().unwrap_or(b'0');
        let mobile =
            digits.len() == 11 && digits.starts_with('1') && (b'3'..=b'9').contains(&second);
        let fixed = digits.starts_with('0') && second != b'0' && (10..=12).contains(&digits.len());
        if mobile || fixed {
            Ok(PhoneNumber(digits))
        } else {
            Err(PhoneError(input.trim().to_string()))
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: the first three and last four digits.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{}{}{}", &self.0[..3], "*".repeat(n - 7), &self.0[n - 4..])
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PhoneNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn numbers_as_people_write_them_are_accepted_and_masked() {
        for (written, digits, masked) in [
            ("13812345678", "13812345678", "138****5678"),
            ("+86 138-1234-5678", "13812345678", "138****5678"),
            ("１３８１２３４５６７８", "13812345678", "138****5678"),
            ("(028) 8612 3456", "02886123456", "028****3456"),
            ("0812-3334455", "08123334455", "081****4455"),
        ] {
            let phone = PhoneNumber::parse(written).unwrap();
            assert_eq!(phone.as_str(), digits, "{written}");
            assert_eq!(phone.masked(), masked, "{written}");
        }
    }

    #[test]
    fn what_is_not_a_phone_number_is_refused() {
        for bad in [
            "",
            "12345",
            "12812345678",
            "1381234567",
            "138123456789",
            "00812345678",
            "138abc45678",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_mobile_number_parses_and_masks_to_its_ends(second in 3u8..=9, rest in "[0-9]{9}") {
            let number = format!("1{second}{rest}");
            let phone = PhoneNumber::parse(&number).unwrap();
            prop_assert_eq!(phone.as_str(), number.as_str());
            let masked = phone.masked();
            prop_assert_eq!(&masked[..3], &number[..3]);
            prop_assert_eq!(&masked[7..], &number[7..]);
            prop_assert_eq!(&masked[3..7], "****");
        }
    }
}
