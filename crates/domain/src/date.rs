//! Dates as registers write them. Inside the system every date is a
//! `chrono::NaiveDate`, shown as ISO `YYYY-MM-DD`.

use chrono::{Datelike, Duration, NaiveDate, Utc};

use crate::text::half_width_trimmed;

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing was written.
    #[error("日期为空")]
    Empty,
    /// The text is in none of the accepted layouts.
    #[error("“{0}”不是日期（应为 年-月-日，如 2026-03-01）")]
    Layout(String),
    /// The layout is right but the day does not exist.
    #[error("日期 {0} 不存在")]
    NotACalendarDate(String),
}

/// Today's date in China (UTC+8), the date every "not in the future" rule uses.
pub fn today_in_china() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

/// Parses the date layouts found in registers: `YYYY-MM-DD`, `YYYYMMDD`,
/// `YYYY/M/D`, `YYYY-M-D`, `YYYY.M.D` and `YYYY年M月D日`, with full-width digits
/// and surrounding whitespace allowed.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    let text = half_width_trimmed(input);
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    // The canonical layout, by far the most common, without splitting.
    let b = text.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let n = |r: std::ops::Range<usize>| {
            b[r].iter().try_fold(0u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        if let (Some(y), Some(m), Some(d)) = (n(0..4), n(5..7), n(8..10)) {
            return NaiveDate::from_ymd_opt(y as i32, m, d)
                .ok_or_else(|| DateError::NotACalendarDate(format!("{y:04}-{m:02}-{d:02}")));
        }
    }
    let parts: Vec<&str> = if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        vec![&text[..4], &text[4..6], &text[6..]]
    } else {
        text.trim_end_matches('日')
            .split(['-', '/', '.', '年', '月'])
            .collect()
    };
    let layout_error = || DateError::Layout(input.trim().to_string());
    let [year, month, day] = parts.as_slice() else {
        return Err(layout_error());
    };
    let field = |s: &str, max_len: usize| -> Result<u32, DateError> {
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(layout_error());
        }
        s.parse().map_err(|_| layout_error())
    };
    if year.len() != 4 {
        return Err(layout_error());
    }
    let (y, m, d) = (field(year, 4)?, field(month, 2)?, field(day, 2)?);
    NaiveDate::from_ymd_opt(y as i32, m, d)
        .ok_or_else(|| DateError::NotACalendarDate(format!("{y:04}-{m:02}-{d:02}")))
}

/// Whole years from `birth` to `on` (the age on that day).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_register_layout_gives_the_same_day() {
        for text in [
            "1985-03-12",
            "19850312",
            "1985/3/12",
            "1985-3-12",
            "1985.03.12",
            "1985年3月12日",
            " １９８５年０３月１２日 ",
        ] {
            assert_eq!(parse_date(text), Ok(ymd(1985, 3, 12)), "{text}");
        }
    }

    #[test]
    fn impossible_days_and_garbage_are_refused_with_a_reason() {
        assert_eq!(
            parse_date("2021-02-29").unwrap_err().to_string(),
            "日期 2021-02-29 不存在"
        );
        assert!(matches!(
            parse_date("12/03/1985"),
            Err(DateError::Layout(_))
        ));
        assert!(matches!(parse_date("abc"), Err(DateError::Layout(_))));
        assert_eq!(parse_date("  "), Err(DateError::Empty));
    }

    #[test]
    fn age_counts_whole_years_including_leap_day_birthdays() {
        assert_eq!(age_on(ymd(2000, 2, 29), ymd(2020, 2, 28)), 19);
        assert_eq!(age_on(ymd(2000, 2, 29), ymd(2020, 2, 29)), 20);
        assert_eq!(age_on(ymd(2004, 6, 1), ymd(2026, 5, 31)), 21);
    }
}
