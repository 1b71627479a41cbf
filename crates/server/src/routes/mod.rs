//! The API's handlers, one file per resource, each with its `routes()`.

pub mod cases;
pub mod certificates;
pub mod events;
pub mod exchange;
pub mod health;
pub mod households;
pub mod openapi;
pub mod persons;
pub mod phones;
pub mod rebirth;
pub mod regions;
pub mod reports;
pub mod requests;
pub mod support;
pub mod wis;

/// The JSON API: every resource's routes.
pub fn api() -> axum::Router<crate::AppState> {
    axum::Router::new()
        .merge(health::routes())
        .merge(openapi::routes())
        .merge(crate::session::routes())
        .merge(regions::routes())
        .merge(persons::routes())
        .merge(phones::routes())
        .merge(households::routes())
        .merge(events::routes())
        .merge(reports::routes())
        .merge(wis::routes())
        .merge(exchange::routes())
        .merge(cases::routes())
        .merge(support::routes())
        .merge(requests::routes())
        .merge(certificates::routes())
        .merge(rebirth::routes())
}
