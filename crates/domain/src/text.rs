//! Normalisation of hand-entered text shared by the parsers.

/// Trims ASCII and full-width whitespace and turns full-width ASCII forms
/// (`０`–`９`, `Ｘ`, `／`, …) into their half-width equivalents.
pub(crate) fn half_width_trimmed(input: &str) -> String {
    input
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}
