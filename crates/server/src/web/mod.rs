//! The web interface in Simplified Chinese: server-rendered pages that work
//! without JavaScript, each with an `ETag`, one fingerprinted stylesheet.

pub mod assets;
pub mod auth;
pub mod case_view;
pub mod certificates;
pub mod change_report;
pub mod charts;
pub mod dashboard;
pub mod decision;
pub mod error;
pub mod etag;
pub mod forms;
pub mod home;
pub mod household;
pub mod labels;
pub mod layout;
pub mod login;
pub mod merge;
pub mod migrants;
pub mod password;
pub mod person;
pub mod person_list;
pub mod rebirth;
pub mod reports;
pub mod requests;
pub mod reviews;
pub mod search;
pub mod services;
pub mod subscriptions;
pub mod support;
pub mod system;
pub mod task_resolution;
pub mod tasks;
pub mod upload;
pub mod view;
pub mod wis;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::get;

use crate::AppState;

/// The pages: each area's routes, every page with its `ETag`.
pub fn routes(settings: &crate::Settings) -> Router<AppState> {
    Router::new()
        .merge(home::routes())
        .merge(support::routes())
        .merge(requests::routes())
        .merge(certificates::routes())
        .merge(rebirth::routes(settings))
        .merge(login::routes())
        .merge(password::routes())
        .merge(search::routes())
        .merge(person::routes())
        .merge(forms::routes())
        .merge(household::routes())
        .merge(reports::routes())
        .merge(change_report::routes())
        .merge(tasks::routes(settings))
        .merge(task_resolution::routes())
        .merge(merge::routes())
        .merge(charts::routes())
        .merge(dashboard::routes())
        .merge(reviews::routes())
        .merge(wis::routes(settings))
        .merge(migrants::routes())
        .merge(subscriptions::routes())
        .merge(system::routes())
        .layer(from_fn(etag::etag))
        .route("/static/{name}", get(assets::asset))
}
