//! Reward and special support (奖励扶助 / 特别扶助): the yearly roll of a
//! program for a region, computed from the register by the province's rules
//! (`roll.rs`, reading the families in `families.rs`).

pub mod appeals;
mod families;
pub mod roll;
pub mod rolls;
