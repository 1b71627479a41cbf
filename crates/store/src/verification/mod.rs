//! Reconciliation with other registers and the verification tasks it
//! raises for the villages.

pub(crate) mod reconcile;
pub(crate) mod reconcile_state;
pub(crate) mod tasks;
