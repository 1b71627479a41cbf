//! The two engines behind one transaction trait: SQLite and PostgreSQL
//! connections, their bulk writers, and the rows as the tables hold them.

pub(crate) mod failover;
pub(crate) mod notifications;
pub(crate) mod partitions;
pub(crate) mod postgres;
pub(crate) mod rows;
pub(crate) mod sqlite;
pub(crate) mod sqlite_bulk;
pub(crate) mod tx;
