//! What the benchmarks share with the tests: drivers that run real
//! `renkou serve` processes under load — the exchange flow (optionally with
//! the server killed at random moments) and the database failover, and
//! heavy reports beside data entry on the primary and on the decision-support
//! copy, and several servers behind HAProxy with and without the caches.

pub mod deployment;
pub mod entry_load;
pub mod exchange_flow;
pub mod failover;
pub mod renkou_process;
pub mod reports_copy;
