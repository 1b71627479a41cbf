//! Migrants (流动人口): persons who live in a county other than the county
//! of their household registration. What an arrival records, how long a
//! stay has lasted, and who counts as a migrant at a date. Pure, like the
//! rest of the domain: the store keeps the registers and their counters.

pub mod codes;
pub mod details;
pub mod notice;
pub mod rules;
pub mod stay;

pub use codes::MoveReason;
pub use details::MigrantDetails;
pub use notice::IncomingNotice;
pub use stay::{DurationGroup, MIN_MONTHS, Side, months_between, side_of};
