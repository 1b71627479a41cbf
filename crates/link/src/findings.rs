//! What a verifier needs to know about a matched pair: the fields on which
//! the two registers disagree, and a death one side records and the other not.

use crate::record::{Record, Status};

/// A field of a matched pair whose normalised values differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub left: u32,
    pub right: u32,
    /// One of `id_number, name, sex, birth_date, region_code, ethnicity, status`.
    pub field: &'static str,
    pub left_value: String,
    pub right_value: String,
}

/// A matched pair of which one side records a death and the other does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeceasedActive {
    pub left: u32,
    pub right: u32,
    /// `left` or `right`.
    pub dead_side: &'static str,
    /// The death date on the dead side, when written.
    pub death_date: Option<chrono::NaiveDate>,
}

/// Conflicting fields of a pair. A value missing on one side is not a
/// conflict (nothing contradicts it); it is a gap the verifier may fill.
pub fn conflicts(l: u32, r: u32, a: &Record, b: &Record) -> Vec<Conflict> {
    let mut out = Vec::new();
    // Typed values are compared first; text is made only for a conflict.
    let mut differ =
        |field: &'static str, differs: bool, x: &dyn Fn() -> String, y: &dyn Fn() -> String| {
            if differs {
                out.push(Conflict {
                    left: l,
                    right: r,
                    field,
                    left_value: x(),
                    right_value: y(),
                });
            }
        };
    let both = |x: bool, y: bool| x && y;
    differ(
        "id_number",
        both(a.id_number.is_some(), b.id_number.is_some()) && a.id_number != b.id_number,
        &|| a.id_text().unwrap_or_default().to_string(),
        &|| b.id_text().unwrap_or_default().to_string(),
    );
    differ(
        "name",
        both(!a.name.is_empty(), !b.name.is_empty()) && a.name != b.name,
        &|| a.name.clone(),
        &|| b.name.clone(),
    );
    differ(
        "sex",
        both(a.sex.is_some(), b.sex.is_some()) && a.sex != b.sex,
        &|| a.sex.map(|s| s.to_string()).unwrap_or_default(),
        &|| b.sex.map(|s| s.to_string()).unwrap_or_default(),
    );
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    differ(
        "birth_date",
        both(a.birth_date.is_some(), b.birth_date.is_some()) && a.birth_date != b.birth_date,
        &|| date(a.birth_date),
        &|| date(b.birth_date),
    );
    let code = |c: Option<u64>| c.map(|c| format!("{c:012}")).unwrap_or_default();
    differ(
        "region_code",
        both(a.region.is_some(), b.region.is_some()) && a.region != b.region,
        &|| code(a.region),
        &|| code(b.region),
    );
    let ethnicity = |e: Option<u8>| e.map(|e| format!("{e:02}")).unwrap_or_default();
    differ(
        "ethnicity",
        both(a.ethnicity.is_some(), b.ethnicity.is_some()) && a.ethnicity != b.ethnicity,
        &|| ethnicity(a.ethnicity),
        &|| ethnicity(b.ethnicity),
    );
    differ(
        "status",
        a.status != b.status,
        &|| a.status.as_str().to_string(),
        &|| b.status.as_str().to_string(),
    );
    out
}

/// The pair's death finding, if one side is dead and the other is not.
pub fn deceased_active(l: u32, r: u32, a: &Record, b: &Record) -> Option<DeceasedActive> {
    let dead = |x: &Record| x.status == Status::Dead;
    match (dead(a), dead(b)) {
        (true, false) => Some(DeceasedActive {
            left: l,
            right: r,
            dead_side: "left",
            death_date: a.death_date,
        }),
        (false, true) => Some(DeceasedActive {
            left: l,
            right: r,
            dead_side: "right",
            death_date: b.death_date,
        }),
        _ => None,
    }
}
