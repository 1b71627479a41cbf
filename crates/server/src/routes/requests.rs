//! Citizens' requests in the API (群众需求): recorded at a village or
//! township office, answered by the office that has one or sent up a level,
//! the answer back with the office that recorded it, which tells the
//! citizen; the requests of a region, one with its steps, and the response
//! times per level. Under a grant that opens the requests subsystem; each
//! office acts only on what it has itself.

use axum::Json;
use axum::extract::{Query, State};
use chrono::Utc;
use renkou_domain::cases::{CaseKind, Step};
use renkou_domain::{PersonId, RegionCode, Subsystem};
use renkou_store::{
    Case, CaseFilter, CaseStep, Mailbox, NewRequest, RequestAnswer, RequestFacts, ResponseTimes,
    Scope,
};
use serde::{Deserialize, Serialize};

use crate::json::{ApiJson, ApiPath};
use crate::routes::cases::TimesQuery;
use crate::routes::reports::region_in;
use crate::session::Session;
use crate::{ApiError, AppState};

/// Where the caller reads requests.
pub fn reading(session: &Session) -> Result<Scope, ApiError> {
    let scope = Scope::reading(&session.account, Subsystem::Requests);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden("您的账号没有群众需求的权限"));
    }
    Ok(scope)
}

/// Where the caller records and answers requests: its grants opening
/// requests whose role enters records or decides at its level.
pub fn acting(session: &Session) -> Result<Scope, ApiError> {
    if session.is_token() {
        return Err(ApiError::forbidden("接口令牌只能读取，不能办理群众需求"));
    }
    let mut regions = Scope::writing(&session.account, Subsystem::Requests)
        .regions()
        .to_vec();
    regions.extend_from_slice(Scope::deciding(&session.account, Subsystem::Requests).regions());
    if regions.is_empty() {
        return Err(ApiError::forbidden("您的账号没有办理群众需求的权限"));
    }
    // Offices, not the regions inside them: no coarsening by `Scope::new`.
    Ok(Scope::offices(regions))
}

/// `POST /api/v1/requests` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// The village or township office that records it.
    pub office: String,
    /// The person of the register who asks, when known.
    pub person_id: Option<i64>,
    pub citizen: String,
    pub contact: Option<String>,
    pub topic: String,
    pub content: String,
}

/// Records a request as the caller, audited.
pub async fn record_as(
    state: &AppState,
    session: &Session,
    body: RecordBody,
) -> Result<Case, ApiError> {
    let scope = acting(session)?;
    let office =
        RegionCode::parse(&body.office).map_err(|e| ApiError::invalid("office", e.to_string()))?;
    let request = NewRequest {
        office,
        person: body.person_id.map(PersonId),
        facts: RequestFacts {
            citizen: body.citizen.trim().to_string(),
            contact: body
                .contact
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            topic: body.topic.trim().to_string(),
            content: body.content.trim().to_string(),
        },
        actor: session.account.username.clone(),
    };
    let case = state
        .store
        .record_request(&request, &scope, &state.settings.cases.deadline_days)
        .await?;
    audit(state, session, &case, "record_request").await?;
    Ok(case)
}

async fn audit(
    state: &AppState,
    session: &Session,
    case: &Case,
    action: &str,
) -> Result<(), ApiError> {
    let person = (case.person_id != 0).then_some(case.person_id);
    state
        .audit
        .write(vec![session.audit_entry(
            action,
            person,
            format!("request {}", case.id),
        )])
        .await
}

/// `POST /api/v1/requests`: a village or township office records a
/// citizen's request; its deadline runs from now.
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests",
    request_body = RecordBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "Recorded", body = Case),
        (status = 400, description = "A field empty or too long, or not a village or township", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Outside the caller's offices, or no grant to record requests", body = ApiError),
        (status = 404, description = "The person named is not one the caller may read", body = ApiError)))]
pub async fn record(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<RecordBody>,
) -> Result<Json<Case>, ApiError> {
    Ok(Json(record_as(&state, &session, body).await?))
}

/// `GET /api/v1/requests` parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The office (default: the caller's first region).
    pub region: Option<String>,
    /// `inbox` (the requests its offices have; default) or `outbox` (those they recorded).
    pub mailbox: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<i64>,
}

/// A page of requests.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestPage {
    pub items: Vec<Case>,
    /// Pass as `after` for the next page (none: the last).
    pub next: Option<i64>,
}

/// The requests of a region's offices.
pub async fn list_of(
    state: &AppState,
    session: &Session,
    query: &ListQuery,
    limit: i64,
) -> Result<Vec<Case>, ApiError> {
    let scope = reading(session)?;
    let mailbox = match query.mailbox.as_deref().unwrap_or("inbox") {
        "" | "inbox" => Mailbox::Inbox,
        "outbox" => Mailbox::Outbox,
        _ => {
            return Err(ApiError::invalid(
                "mailbox",
                "应为 inbox（待办）或 outbox（本单位登记的）",
            ));
        }
    };
    let filter = CaseFilter {
        mailbox,
        kind: Some(CaseKind::CitizenRequest),
        region: region_in(query.region.as_deref(), &scope)?,
        state: None,
        overdue: false,
        after: query.after.unwrap_or(0).max(0),
        limit,
    };
    Ok(state.store.cases(&filter, Utc::now()).await?)
}

/// `GET /api/v1/requests`: the requests a region's offices have (or recorded).
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests",
    params(ListQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "A page of requests, oldest first", body = RequestPage),
        (status = 400, description = "A parameter not understood", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Outside the caller's regions", body = ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<ListQuery>,
) -> Result<Json<RequestPage>, ApiError> {
    const LIMIT: i64 = 200;
    let items = list_of(&state, &session, &query, LIMIT).await?;
    let next = (items.len() as i64 == LIMIT)
        .then(|| items.last().map(|c| c.id))
        .flatten();
    Ok(Json(RequestPage { items, next }))
}

/// One request and its steps.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    pub case: Case,
    pub steps: Vec<CaseStep>,
}

/// A request an office of the caller took part in (404 otherwise).
pub async fn readable(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<RequestView, ApiError> {
    let (case, steps) = state
        .store
        .case_of(id, &[CaseKind::CitizenRequest], &reading(session)?)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(RequestView { case, steps })
}

/// `GET /api/v1/requests/{id}`.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests",
    params(("id" = i64, Path, description = "The request")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The request and its steps", body = RequestView),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for requests", body = ApiError),
        (status = 404, description = "No such request the caller may read", body = ApiError)))]
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(readable(&state, &session, id).await?))
}

/// `POST /api/v1/requests/{id}/{step}` body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// The answer (answer), why it goes up (forward), what the citizen was told (tell).
    pub text: Option<String>,
    /// For an answer: the service case the request turned into.
    pub turned_into: Option<i64>,
}

/// Takes a step on a request as the caller, audited: `answer`, `forward` or `tell`.
pub async fn step_as(
    state: &AppState,
    session: &Session,
    id: i64,
    step: Step,
    body: &StepBody,
) -> Result<Case, ApiError> {
    let scope = acting(session)?;
    let text = body.text.as_deref().unwrap_or_default();
    let actor = session.account.username.clone();
    let case = match step {
        Step::Answered => {
            let answer = RequestAnswer {
                answer: text.to_string(),
                turned_into: body.turned_into,
                actor,
            };
            state.store.answer_request(id, &answer, &scope).await?
        }
        Step::Forwarded => {
            state
                .store
                .forward_request(
                    id,
                    text,
                    &actor,
                    &scope,
                    &state.settings.cases.deadline_days,
                )
                .await?
        }
        _ => {
            state
                .store
                .tell_request(id, Some(text), &actor, &scope)
                .await?
        }
    };
    audit(state, session, &case, step.as_str()).await?;
    Ok(case)
}

macro_rules! step_route {
    ($name:ident, $path:literal, $step:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "requests",
            params(("id" = i64, Path, description = "The request")),
            request_body = StepBody,
            security(("session" = [])),
            responses(
                (status = 200, description = "Done", body = Case),
                (status = 400, description = "The text empty or too long", body = ApiError),
                (status = 415, description = "The body is not JSON", body = ApiError),
                (status = 401, description = "Not logged in", body = ApiError),
                (status = 403, description = "Not the caller's own office, no grant, or an API token", body = ApiError),
                (status = 404, description = "No such request with an office of the caller", body = ApiError),
                (status = 409, description = "The request has moved on", body = ApiError)))]
        pub async fn $name(
            State(state): State<AppState>,
            session: Session,
            ApiPath(id): ApiPath<i64>,
            ApiJson(body): ApiJson<StepBody>,
        ) -> Result<Json<Case>, ApiError> {
            Ok(Json(step_as(&state, &session, id, $step, &body).await?))
        }
    };
}

step_route!(
    answer,
    "/api/v1/requests/{id}/answer",
    Step::Answered,
    "`POST /api/v1/requests/{id}/answer`: the office that has the request answers it; the answer goes back to the office that recorded it."
);
step_route!(
    forward,
    "/api/v1/requests/{id}/forward",
    Step::Forwarded,
    "`POST /api/v1/requests/{id}/forward`: the office that has the request cannot answer it and sends it up a level."
);
step_route!(
    tell,
    "/api/v1/requests/{id}/tell",
    Step::Told,
    "`POST /api/v1/requests/{id}/tell`: the office that recorded the request told the citizen the answer."
);

/// `POST /api/v1/requests/{id}/service` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceBody {
    /// `certificate` (独生子女父母光荣证申领) or `rebirth` (再生育审批).
    pub service: String,
    /// The applicant, when the request names no person of the register.
    pub applicant_id: Option<i64>,
}

/// Turns a request into the service's case as the caller: the application
/// is handed in (by the service's own rules and grants) and the request is
/// answered with it, audited.
pub async fn turn_into_service(
    state: &AppState,
    session: &Session,
    id: i64,
    body: &ServiceBody,
) -> Result<Case, ApiError> {
    let request = readable(state, session, id).await?.case;
    let applicant = match (request.person_id, body.applicant_id) {
        (_, Some(person)) => person,
        (person, None) if person != 0 => person,
        _ => {
            return Err(ApiError::invalid(
                "applicant_id",
                "需求未关联人员，请填写申请人",
            ));
        }
    };
    let service = match body.service.as_str() {
        "certificate" => crate::routes::certificates::apply_as(state, session, applicant).await?,
        "rebirth" => {
            let reason = request
                .facts
                .as_ref()
                .and_then(|f| f.0.get("content"))
                .and_then(|c| c.as_str())
                .unwrap_or("群众需求转办")
                .to_string();
            let apply = crate::routes::rebirth::ApplyBody {
                applicant_id: applicant,
                reason,
            };
            crate::routes::rebirth::apply_as(state, session, &apply).await?
        }
        _ => {
            return Err(ApiError::invalid(
                "service",
                "应为 certificate（独生子女父母光荣证申领）或 rebirth（再生育审批）",
            ));
        }
    };
    let label = CaseKind::parse(&service.kind).map_or("", CaseKind::label);
    let body = StepBody {
        text: Some(format!("已转为{label}办理（办件 {}）", service.id)),
        turned_into: Some(service.id),
    };
    step_as(state, session, id, Step::Answered, &body).await
}

/// `POST /api/v1/requests/{id}/service`: a request that needs a service
/// turns into that service's case: the application is handed in and the
/// request answered with it (the office needs the service's grant too).
#[utoipa::path(post, path = "/api/v1/requests/{id}/service", tag = "requests",
    params(("id" = i64, Path, description = "The request")),
    request_body = ServiceBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "The request, answered with the service's case", body = Case),
        (status = 400, description = "An unknown service, no applicant, or the service's rules refuse", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for requests or for the service, or an API token", body = ApiError),
        (status = 404, description = "No such request or applicant the caller may read", body = ApiError),
        (status = 409, description = "The request has moved on", body = ApiError)))]
pub async fn service(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ServiceBody>,
) -> Result<Json<Case>, ApiError> {
    Ok(Json(turn_into_service(&state, &session, id, &body).await?))
}

/// `GET /api/v1/requests/response-times`: per office one level below the
/// region, the requests recorded in a period, answered, the median and p90
/// of the days to the answer, and the share that went overdue.
#[utoipa::path(get, path = "/api/v1/requests/response-times", tag = "requests",
    params(TimesQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "Per office", body = Vec<ResponseTimes>),
        (status = 400, description = "A parameter not understood", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Outside the caller's regions", body = ApiError)))]
pub async fn response_times(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<TimesQuery>,
) -> Result<Json<Vec<ResponseTimes>>, ApiError> {
    let (region, level, from, to) = query.period(&reading(&session)?)?;
    Ok(Json(
        state
            .store
            .response_times(
                &region,
                level,
                CaseKind::CitizenRequest,
                crate::routes::cases::day_span(from, to),
                Utc::now(),
            )
            .await?,
    ))
}

/// The requests' routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/requests", get(list).post(record))
        .route("/api/v1/requests/response-times", get(response_times))
        .route("/api/v1/requests/{id}", get(show))
        .route("/api/v1/requests/{id}/answer", post(answer))
        .route("/api/v1/requests/{id}/forward", post(forward))
        .route("/api/v1/requests/{id}/tell", post(tell))
        .route("/api/v1/requests/{id}/service", post(service))
}
