//! The API's handlers, one file per resource.

pub mod events;
pub mod health;
pub mod households;
pub mod openapi;
pub mod persons;
pub mod phones;
pub mod regions;
pub mod reports;
