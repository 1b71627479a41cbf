//! The API's handlers, one file per resource.

pub mod events;
pub mod health;
pub mod households;
pub mod persons;
pub mod regions;
