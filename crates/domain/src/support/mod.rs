//! Reward and special support (农村部分计划生育家庭奖励扶助 / 计划生育家庭
//! 特别扶助): who is paid each year is decided by rules a province writes
//! in CEL (configuration, `[[support.programs]]`), read with the facts of a
//! person's family as the register holds them. Each person considered gets
//! one verdict with its reason: the first exclusion that holds, else the
//! first inclusion, else the program's `otherwise`, so that the reasons
//! always add up to the eligible and ineligible counts.

pub mod facts;
pub mod family;
pub mod program;

pub use facts::FamilyFacts;
pub use family::{Families, Member};
pub use program::{Condition, Judge, ProgramError, SupportProgram, Verdict, find};
