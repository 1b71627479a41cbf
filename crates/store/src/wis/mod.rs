//! Women of childbearing age (WIS): what the card reads besides the
//! woman's own record (her children, her card's events), the work lists of
//! a village or township, and the conversion of legacy WIS cards. The
//! card's events are recorded by the registry's one write path.

pub mod card;
pub mod conversion;
pub mod export;
pub mod worklists;
