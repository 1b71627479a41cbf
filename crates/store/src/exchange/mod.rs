//! The exchange (数据共享与信息交换): what other departments and regions
//! read from the register and send to it. The feed of committed events is
//! the outbox: the events table itself, written in each change's own
//! transaction, read in commit-safe order (`feed.rs`). A migrant's arrival
//! notifies the place of registration as a case (`handoff.rs`). A
//! department may have the feed pushed to its own address (`subscriptions.rs`).

pub mod feed;
pub mod handoff;
pub mod incoming_notices;
pub mod subscriptions;
