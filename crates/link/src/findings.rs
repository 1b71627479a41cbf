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
    let mut differ = |field: &'static str, x: Option<String>, y: Option<String>| {
        if let (Some(x), Some(y)) = (x, y)
            && x != y
        {
            out.push(Conflict {
                left: l,
                right: r,
                field,
                left_value: x,
                right_value: y,
            });
        }
    };
    differ(
        "id_number",
        a.id_text().map(str::to_string),
        b.id_text().map(str::to_string),
    );
    let name = |r: &Record| (!r.name.is_empty()).then(|| r.name.clone());
    differ("name", name(a), name(b));
    differ(
        "sex",
        a.sex.map(|s| s.to_string()),
        b.sex.map(|s| s.to_string()),
    );
    differ(
        "birth_date",
        a.birth_date.map(|d| d.to_string()),
        b.birth_date.map(|d| d.to_string()),
    );
    differ(
        "region_code",
        a.region.map(|c| format!("{c:012}")),
        b.region.map(|c| format!("{c:012}")),
    );
    differ(
        "ethnicity",
        a.ethnicity.map(|e| format!("{e:02}")),
        b.ethnicity.map(|e| format!("{e:02}")),
    );
    differ(
        "status",
        Some(a.status.as_str().to_string()),
        Some(b.status.as_str().to_string()),
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
