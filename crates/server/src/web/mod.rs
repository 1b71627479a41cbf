//! The web interface in Simplified Chinese: server-rendered pages that work
//! without JavaScript, each with an `ETag`, one fingerprinted stylesheet.

pub mod assets;
pub mod auth;
pub mod change_report;
pub mod charts;
pub mod error;
pub mod etag;
pub mod forms;
pub mod home;
pub mod household;
pub mod layout;
pub mod merge;
pub mod password;
pub mod person;
pub mod reports;
pub mod search;
pub mod task_resolution;
pub mod tasks;
pub mod view;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{get, post};

use crate::AppState;

/// The pages.
pub fn routes(settings: &crate::Settings) -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route(
            "/password",
            get(password::password_form).post(password::password_submit),
        )
        .route("/search", get(search::search))
        .route("/regions/{code}", get(search::region_list))
        .route("/persons/{id}", get(person::person_page))
        .route("/persons/{id}/phone", post(person::phone_submit))
        .route(
            "/persons/{id}/events/{kind}",
            get(forms::person_form).post(forms::person_submit),
        )
        .route(
            "/events/move_in",
            get(forms::newcomer_form).post(forms::newcomer_submit),
        )
        .route("/households/{id}", get(household::household_page))
        .route("/reports", get(reports::index))
        .route("/reports/{name}", get(reports::report_page))
        .route("/change-report", get(change_report::change_report))
        .route("/progress", get(change_report::progress))
        .route("/quality/{check}", get(reports::failing_list))
        .route("/tasks", get(tasks::tasks_page))
        .route("/tasks.xlsx", get(tasks::tasks_xlsx))
        .route("/tasks/{id}/resolve", post(task_resolution::resolve))
        .route("/tasks/{id}/merge", get(merge::merge_form))
        .route("/persons/{id}/unmerge", post(merge::unmerge))
        .route(
            "/tasks/upload",
            get(tasks::upload_form).post(tasks::upload).layer(
                axum::extract::DefaultBodyLimit::max(settings.server.max_upload_mib * 1024 * 1024),
            ),
        )
        .route("/charts/pyramid.svg", get(charts::pyramid))
        .route("/charts/births-deaths.svg", get(charts::births_deaths))
        .layer(from_fn(etag::etag))
        .route("/static/{name}", get(assets::asset))
}
