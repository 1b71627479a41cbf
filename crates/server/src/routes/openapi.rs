//! The API's OpenAPI 3 document, generated from the handlers and types
//! themselves (utoipa), served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{events, health, households, persons, phones, regions, reports, wis};
use crate::session;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Renkou API",
        description = "人口信息平台接口. Every person read is limited to the caller's regions and audited; \
                       a person outside them answers exactly like one who does not exist (404 or an empty list). \
                       Errors are `{\"error\", \"message\" (Chinese), \"field\"}`."
    ),
    paths(
        health::healthz,
        health::readyz,
        session::login,
        session::logout,
        session::change_password,
        regions::children,
        persons::search,
        persons::detail,
        phones::set_phone,
        households::detail,
        events::register,
        reports::report,
        wis::card,
    ),
    modifiers(&SessionCookie),
    tags(
        (name = "session", description = "Logging in and out (HttpOnly SameSite=Strict cookie)"),
        (name = "persons", description = "Finding persons and their history"),
        (name = "households", description = "Households and their members"),
        (name = "events", description = "Registering births, deaths, marriages, moves and corrections"),
        (name = "regions", description = "The region tree"),
        (name = "reports", description = "Statistics at every level, from counters kept with each event"),
        (name = "wis", description = "Women of childbearing age: cards, under a grant that opens `wis`"),
        (name = "health", description = "For load balancers"),
    )
)]
pub struct ApiDoc;

/// The session cookie and API tokens as security schemes.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(session::COOKIE_NAME))),
        );
        // Other departments' systems: `renkou token add` issues these; they
        // read one region's persons, only the fields they list.
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The OpenAPI document.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/api/v1/openapi.json", get(document))
}
