//! The register itself: events recorded against the rules, a person's
//! history, households, merges, phones, whole populations loaded at once,
//! the region table and its re-zonings, register imports.

pub(crate) mod history;
pub(crate) mod households;
pub(crate) mod import;
pub(crate) mod labels;
pub(crate) mod listing;
pub(crate) mod merges;
pub(crate) mod name_keys;
pub(crate) mod phones;
pub(crate) mod population;
pub(crate) mod record;
pub(crate) mod region_search;
pub(crate) mod regions;
pub(crate) mod review;
