//! Figures in real time: counters kept in each write's transaction,
//! their verification, the report catalogue, home-page summaries, quality
//! checks and the monthly change report.

pub(crate) mod change_lists;
pub(crate) mod counters;
pub(crate) mod quality;
pub(crate) mod recount;
pub(crate) mod reports;
pub(crate) mod summary;
