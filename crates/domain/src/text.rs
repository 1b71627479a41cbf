//! Normalisation of hand-entered text shared by the parsers.

use std::borrow::Cow;

/// Trims ASCII and full-width whitespace and turns full-width ASCII forms
/// (`０`–`９`, `Ｘ`, `／`, …) into their half-width equivalents. Clean ASCII
/// input, by far the common case, is returned borrowed.
pub fn half_width_trimmed(input: &str) -> Cow<'_, str> {
    let trimmed = input.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    if trimmed.is_ascii() {
        return Cow::Borrowed(trimmed);
    }
    Cow::Owned(
        trimmed
            .chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                _ => c,
            })
            .collect(),
    )
}
