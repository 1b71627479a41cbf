//! The API's OpenAPI 3 document, generated from the handlers and types
//! themselves (utoipa), served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    cases, certificates, events, exchange, health, households, persons, phones, rebirth, regions,
    reports, requests, support, wis,
};
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
        health::database,
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
        exchange::feed,
        exchange::migrants,
        exchange::receive_notice,
        exchange::notice_state,
        exchange::answer,
        cases::cases,
        cases::case,
        cases::assign,
        cases::handle,
        cases::match_person,
        cases::response_times,
        cases::decide,
        support::programs,
        support::make_roll,
        support::rolls,
        support::roll,
        support::entries,
        support::appeal,
        support::show_appeal,
        requests::record,
        requests::list,
        requests::show,
        requests::answer,
        requests::forward,
        requests::tell,
        requests::service,
        requests::response_times,
        certificates::apply,
        certificates::show_application,
        certificates::certificate,
        rebirth::apply,
        rebirth::show,
    ),
    modifiers(&SessionCookie, &ShownPerson),
    tags(
        (name = "session", description = "Logging in and out (HttpOnly SameSite=Strict cookie)"),
        (name = "persons", description = "Finding persons and their history"),
        (name = "households", description = "Households and their members"),
        (name = "events", description = "Registering births, deaths, marriages, moves and corrections"),
        (name = "regions", description = "The region tree"),
        (name = "reports", description = "Statistics at every level, from counters kept with each event"),
        (name = "wis", description = "Women of childbearing age: cards, under a grant that opens `wis`"),
        (name = "exchange", description = "Data exchange with other departments and regions: the feed of committed events"),
        (name = "cases", description = "Cases handed between offices (a migrant's notice to the place of registration): inbox, outbox, steps, response times"),
        (name = "support", description = "Reward and special support (奖励扶助 / 特别扶助): the programs' rules, yearly rolls and their review, under a grant that opens `support`"),
        (name = "requests", description = "Citizens' requests (群众需求): recorded at a village or township, answered or sent up a level until answered, the answer back with the office that recorded it; under a grant that opens `requests`"),
        (name = "certificates", description = "Only-child parents' certificates (独生子女父母光荣证): applications checked against the register, issued by the county with its number, revoked at a second child's birth; under a grant that opens `certificates`"),
        (name = "rebirth", description = "Re-birth approvals (再生育审批): applications with the register's verdict as advice and their documents, decided by the county; under a grant that opens `rebirth`"),
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

/// The person as a caller receives them: the register's `Person`, but an
/// API token gets only `id` and the fields it was issued for, so nothing
/// else is required.
struct ShownPerson;

impl ShownPerson {
    /// The schema's name in the document.
    const NAME: &'static str = "ShownPerson";
}

impl Modify for ShownPerson {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Schema};
        let components = openapi.components.get_or_insert_with(Default::default);
        let Some(RefOr::T(Schema::Object(person))) = components.schemas.get("Person") else {
            return;
        };
        let mut shown = person.clone();
        shown.required = vec!["id".to_string()];
        shown.description = Some(
            "A person as the caller may see them: the identity number masked unless the role \
             shows it whole; an API token receives only `id` and the fields it was issued for."
                .to_string(),
        );
        components
            .schemas
            .insert(Self::NAME.to_string(), RefOr::T(Schema::Object(shown)));
    }
}

/// A reference to the shown person, for the answers that carry one.
pub(crate) fn shown_person() -> utoipa::openapi::Ref {
    utoipa::openapi::Ref::from_schema_name(ShownPerson::NAME)
}

/// A list of shown persons.
pub(crate) fn shown_persons() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::Array::new(shown_person())
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
