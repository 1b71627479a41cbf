//! Who may do what and what they did: accounts, sessions and login
//! throttling, API tokens, region scope, the keyed audit chain.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod scope;
pub(crate) mod sessions;
pub(crate) mod tokens;
