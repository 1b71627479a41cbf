//! Cases (办件): work that passes between offices and levels, each step
//! with who, where and when, a deadline, and escalation to the level above
//! when the deadline passes. One workflow under every subsystem that hands
//! work on: a migrant's notice to the place of registration (流动人口信息
//! 交换) is the first kind; the family-planning services add theirs.

pub mod deadline;
pub mod step;

pub use deadline::{DeadlineError, DeadlineFacts, DeadlineRule};
pub use step::{CaseKind, Step};
