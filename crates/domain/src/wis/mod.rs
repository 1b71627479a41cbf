//! Women of childbearing age (育龄妇女, WIS): the code tables of the cards,
//! the events of a woman's reproductive life and their rules, birth order,
//! and when her follow-up falls due. Pure, like the rest of the domain: the
//! store records the events, the server shows the card.

pub mod birth_order;
pub mod codes;
pub mod conversion;
pub mod details;
pub mod policy;
pub mod rules;
pub mod schedule;
pub mod worklist;

pub use birth_order::birth_order;
pub use codes::{CheckResult, ChildHealth, Facility, IudCheckResult, Method, Outcome, Service};
pub use conversion::{CardPlan, LegacyCard, LegacyChild, plan_card};
pub use details::WisDetails;
pub use policy::{BirthFacts, PolicyRule};
pub use rules::{ContraceptionAction, WisRefusal};
pub use schedule::Schedule;
pub use worklist::{ListKind, Listed, WomanFacts, lists_of};

use chrono::Datelike;

use crate::codes::Sex;
use crate::person::{LifeStatus, Person};

/// The ages of the card system (育龄), counted by birth year as the reports
/// count ages: a woman is on the card from the year she turns 15 to the
/// year she turns 49.
pub const CARD_AGES: std::ops::RangeInclusive<i32> = 15..=49;

/// Whether a person has a card in `year`: a living woman of 15 to 49.
pub fn on_card(p: &Person, year: i32) -> bool {
    p.sex == Sex::Female
        && p.status == LifeStatus::Active
        && CARD_AGES.contains(&(year - p.birth_date.year()))
}
