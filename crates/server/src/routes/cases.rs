//! Cases in the API (办件): an office's inbox and outbox, one case with its
//! steps, the steps staff take (assign to a village, handle), and the
//! response times per level. Read under a grant that opens the migrants
//! subsystem for the region; moved on only by the office that has the case.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{Duration, NaiveDate, Utc};
use renkou_domain::cases::{CaseKind, Step};
use renkou_domain::{RegionCode, RegionLevel, Subsystem};
use renkou_store::{
    Case, CaseCounts, CaseFilter, CaseStep, Mailbox, NoticeAnswer, ResponseTimes, Scope,
};
use serde::{Deserialize, Serialize};

use crate::json::{ApiJson, ApiPath};
pub use crate::routes::reports::region_in;
use crate::session::Session;
use crate::{ApiError, AppState};

/// Cases per page unless asked for fewer.
const DEFAULT_LIMIT: i64 = 100;
/// Cases per page at most.
const MAX_LIMIT: i64 = 1_000;

/// Where the caller reads cases: the regions of its grants opening the
/// migrants subsystem (the first kind of case is the migrant's notice).
pub fn case_scope(session: &Session) -> Result<Scope, ApiError> {
    let scope = Scope::reading(&session.account, Subsystem::Migrants);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden("您的账号没有流动人口信息交换的权限"));
    }
    Ok(scope)
}

/// Where the caller moves cases on: its grants opening migrants that enter records.
fn acting_scope(session: &Session) -> Result<Scope, ApiError> {
    if session.is_token() {
        return Err(ApiError::forbidden("接口令牌只能读取，不能办理"));
    }
    let scope = Scope::writing(&session.account, Subsystem::Migrants);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden(
            "您的账号没有办理流动人口信息交换的权限",
        ));
    }
    Ok(scope)
}

/// `GET /api/v1/cases` parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CasesQuery {
    /// `inbox` (the cases the region's offices have; default), `outbox`
    /// (those they sent) or `addressed` (those sent to them, wherever they are now).
    pub mailbox: Option<String>,
    /// The office (default: the caller's first region).
    pub region: Option<String>,
    /// Only cases in this state: `sent`, `received`, `matched`, `assigned`, `handled`, `answered`.
    pub state: Option<String>,
    /// `true`: only open cases past their deadline (the overdue list).
    pub overdue: Option<bool>,
    /// The `next` of the previous page.
    pub after: Option<i64>,
    /// Cases per page (1–1000, default 100).
    pub limit: Option<i64>,
}

impl CasesQuery {
    /// The filter these parameters describe, inside `scope`.
    pub fn filter(&self, scope: &Scope) -> Result<CaseFilter, ApiError> {
        let mailbox = match self.mailbox.as_deref().unwrap_or("inbox") {
            "" | "inbox" => Mailbox::Inbox,
            "outbox" => Mailbox::Outbox,
            "addressed" => Mailbox::Addressed,
            _ => {
                return Err(ApiError::invalid(
                    "mailbox",
                    "应为 inbox（收件箱）、outbox（发件箱）或 addressed（收到的通报）",
                ));
            }
        };
        let state = match self.state.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                Step::parse(s)
                    .filter(|s| *s != Step::Escalated)
                    .ok_or_else(|| ApiError::invalid("state", "不是办件的环节"))?,
            ),
            None => None,
        };
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("每页条数应在 1 至 {MAX_LIMIT} 之间"),
            ));
        }
        Ok(CaseFilter {
            mailbox,
            // The cases this subsystem reads: the migrants' notices.
            kind: Some(CaseKind::MigrantNotice),
            region: region_in(self.region.as_deref(), scope)?,
            state,
            overdue: self.overdue.unwrap_or(false),
            after: self.after.unwrap_or(0).max(0),
            limit,
        })
    }
}

/// A page of a box.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CasePage {
    items: Vec<Case>,
    /// The box's cases by state, and how many are overdue.
    counts: CaseCounts,
    /// Pass as `after` for the next page (absent on the last).
    next: Option<i64>,
}

/// `GET /api/v1/cases`: a page of an office's inbox or outbox.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CasesQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "A page of the box", body = CasePage),
        (status = 400, description = "A parameter out of range", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "A region outside the caller's, or no grant for migrants", body = ApiError)))]
pub async fn cases(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<CasesQuery>,
) -> Result<Json<CasePage>, ApiError> {
    let filter = query.filter(&case_scope(&session)?)?;
    let now = Utc::now();
    let items = state.store.cases(&filter, now).await?;
    let counts = state
        .store
        .case_counts(
            filter.mailbox,
            &filter.region,
            Some(CaseKind::MigrantNotice),
            now,
        )
        .await?;
    let next = (items.len() as i64 == filter.limit)
        .then(|| items.last().map(|c| c.id))
        .flatten();
    Ok(Json(CasePage {
        items,
        counts,
        next,
    }))
}

/// A case with its steps.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    case: Case,
    /// Oldest first.
    steps: Vec<CaseStep>,
}

/// `GET /api/v1/cases/{id}`: a case an office of the caller took part in
/// (sent, had or has it); 404 otherwise, as for none.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = i64, Path, description = "The case")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The case and its steps", body = CaseView),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for migrants", body = ApiError),
        (status = 404, description = "No such case the caller may read", body = ApiError)))]
pub async fn case(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CaseView>, ApiError> {
    let (case, steps) = state
        .store
        .case_of(id, &[CaseKind::MigrantNotice], &case_scope(&session)?)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(CaseView { case, steps }))
}

/// `POST /api/v1/cases/{id}/assign` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The village (12 digits) inside the office that has the case.
    village: String,
}

/// `POST /api/v1/cases/{id}/assign`: the office that has a case (a
/// township, or the level it was escalated to) hands it to one of its villages.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assign", tag = "cases",
    params(("id" = i64, Path, description = "The case")),
    request_body = AssignBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "Assigned", body = Case),
        (status = 400, description = "Not a village of the office", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant to handle migrants' cases, or an API token", body = ApiError),
        (status = 404, description = "No such case with an office of the caller", body = ApiError),
        (status = 409, description = "The case has moved on", body = ApiError)))]
pub async fn assign(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Json<Case>, ApiError> {
    Ok(Json(assign_as(&state, &session, id, &body.village).await?))
}

/// `POST /api/v1/cases/{id}/match` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    /// The person of the register the case is about.
    person_id: i64,
}

/// `POST /api/v1/cases/{id}/match`: the office that has a notice nobody
/// could match (from another province, without a number that fits) names
/// the person, registered in its region; the notice goes to their village.
#[utoipa::path(post, path = "/api/v1/cases/{id}/match", tag = "cases",
    params(("id" = i64, Path, description = "The case")),
    request_body = MatchBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "Matched (and assigned to the person's village)", body = Case),
        (status = 400, description = "A field not understood", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant to handle migrants' cases, or an API token", body = ApiError),
        (status = 404, description = "No such case with an office of the caller, or no such person registered there", body = ApiError),
        (status = 409, description = "Matched already", body = ApiError)))]
pub async fn match_person(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MatchBody>,
) -> Result<Json<Case>, ApiError> {
    let scope = acting_scope(&session)?;
    let case = state
        .store
        .match_case(
            id,
            renkou_domain::PersonId(body.person_id),
            &session.account.username,
            &scope,
        )
        .await?;
    audit_step(&state, &session, &case, "match_case").await?;
    Ok(Json(case))
}

/// `POST /api/v1/cases/{id}/handle` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandleBody {
    /// Whether the person is as the notice says (default true).
    confirmed: Option<bool>,
    /// What the office says.
    note: Option<String>,
}

/// `POST /api/v1/cases/{id}/handle`: the office that has a case handles
/// it; the answer (for a migrant's notice: the registration side's facts)
/// goes back to the sender. Handled once: again, it answers 409.
#[utoipa::path(post, path = "/api/v1/cases/{id}/handle", tag = "cases",
    params(("id" = i64, Path, description = "The case")),
    request_body = HandleBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "Handled and answered", body = Case),
        (status = 400, description = "A field not understood", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant to handle migrants' cases, or an API token", body = ApiError),
        (status = 404, description = "No such case with an office of the caller", body = ApiError),
        (status = 409, description = "Handled already, or not yet assigned", body = ApiError)))]
pub async fn handle(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<HandleBody>,
) -> Result<Json<Case>, ApiError> {
    let note = body.note.unwrap_or_default();
    if note.trim().chars().count() > 500 {
        return Err(ApiError::invalid("note", "办理意见不超过 500 字"));
    }
    let confirmed = body.confirmed.unwrap_or(true);
    Ok(Json(
        handle_as(&state, &session, id, confirmed, &note).await?,
    ))
}

/// Assigns a case to the village named (a form's or a body's text), as
/// the caller, audited.
pub async fn assign_as(
    state: &AppState,
    session: &Session,
    id: i64,
    village: &str,
) -> Result<Case, ApiError> {
    let scope = acting_scope(session)?;
    let village = RegionCode::parse(village.trim())
        .map_err(|e| ApiError::invalid("village", e.to_string()))?;
    let case = state
        .store
        .assign_case(
            id,
            &village,
            &session.account.username,
            &scope,
            &state.settings.cases.deadline_days,
        )
        .await?;
    audit_step(state, session, &case, "assign_case").await?;
    Ok(case)
}

/// Handles a notice as the caller (its words cut at 500 characters), audited.
pub async fn handle_as(
    state: &AppState,
    session: &Session,
    id: i64,
    confirmed: bool,
    note: &str,
) -> Result<Case, ApiError> {
    let scope = acting_scope(session)?;
    let answer = NoticeAnswer {
        confirmed,
        note: note.trim().chars().take(500).collect(),
        actor: session.account.username.clone(),
    };
    let case = state.store.answer_notice(id, &answer, &scope).await?;
    audit_step(state, session, &case, "handle_case").await?;
    Ok(case)
}

/// A step on a case is a change to a person's file: audited.
/// `POST /api/v1/cases/{id}/decide` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    /// `true`: passed (sent up, or approved at the deciding level);
    /// `false`: returned to the office that handed it in.
    pub pass: bool,
    /// Why (required to return or refuse; at most 500 characters).
    pub reason: Option<String>,
    /// With `pass: false`, at the level that decides: refused for good
    /// (不予批准) rather than returned.
    pub refuse: Option<bool>,
}

/// Decides an application as the caller (a form's or a body's), audited.
pub async fn decide_as(
    state: &AppState,
    session: &Session,
    id: i64,
    body: &DecideBody,
) -> Result<Case, ApiError> {
    if session.is_token() {
        return Err(ApiError::forbidden("接口令牌只能读取，不能审批"));
    }
    if body
        .reason
        .as_deref()
        .is_some_and(|r| r.trim().chars().count() > 500)
    {
        return Err(ApiError::invalid("reason", "审核意见不超过 500 字"));
    }
    if !body.pass && body.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(ApiError::invalid("reason", "退回或不予批准须写明理由"));
    }
    let kind = state
        .store
        .case_kind(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let scope = Scope::deciding(&session.account, kind.subsystem());
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden(format!(
            "您的账号没有审核{}的权限",
            kind.label()
        )));
    }
    let decision = renkou_store::Decision {
        pass: body.pass,
        refuse: body.refuse.unwrap_or(false),
        reason: body.reason.clone(),
        actor: session.account.username.clone(),
    };
    let case = state
        .store
        .decide_case(id, &decision, &scope, &state.settings.cases.deadline_days)
        .await?;
    audit_step(state, session, &case, "decide_case").await?;
    Ok(case)
}

/// `POST /api/v1/cases/{id}/decide`: the office that has an application
/// (a support roll) passes it — up a level, or approved at the level that
/// decides — or returns it with the reason to the office that handed it in.
#[utoipa::path(post, path = "/api/v1/cases/{id}/decide", tag = "cases",
    params(("id" = i64, Path, description = "The case")),
    request_body = DecideBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "Decided", body = Case),
        (status = 400, description = "Returned without a reason, or a kind that is not decided", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant to decide, or an API token", body = ApiError),
        (status = 404, description = "No such case with an office of the caller", body = ApiError),
        (status = 409, description = "The case has moved on", body = ApiError)))]
pub async fn decide(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DecideBody>,
) -> Result<Json<Case>, ApiError> {
    Ok(Json(decide_as(&state, &session, id, &body).await?))
}

async fn audit_step(
    state: &AppState,
    session: &Session,
    case: &Case,
    action: &str,
) -> Result<(), ApiError> {
    let kind = CaseKind::parse(&case.kind).map_or("", |k| k.label());
    state
        .audit
        .write(vec![session.audit_entry(
            action,
            Some(case.person_id),
            format!("case {} {kind}", case.id),
        )])
        .await?;
    Ok(())
}

/// `GET /api/v1/cases/response-times` parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TimesQuery {
    /// The region (default: the caller's first).
    pub region: Option<String>,
    /// The level of the rows (default: one below the region).
    pub level: Option<String>,
    /// Cases sent from this day (default: 90 days ago).
    pub from: Option<NaiveDate>,
    /// Until this day, inclusive (default: today).
    pub to: Option<NaiveDate>,
}

impl TimesQuery {
    /// The region, level and period asked, inside `scope`.
    pub fn period(
        &self,
        scope: &Scope,
    ) -> Result<(RegionCode, RegionLevel, NaiveDate, NaiveDate), ApiError> {
        let region = region_in(self.region.as_deref(), scope)?;
        let level = match self.level.as_deref().filter(|l| !l.is_empty()) {
            Some(l) => {
                RegionLevel::parse(l).ok_or_else(|| ApiError::invalid("level", "不是区划级别"))?
            }
            None => renkou_store::next_level(region.level()),
        };
        let today = renkou_domain::date::today_in_china();
        let to = self.to.unwrap_or(today);
        let from = self.from.unwrap_or(to - Duration::days(90));
        if from > to {
            return Err(ApiError::invalid("from", "起始日期晚于截止日期"));
        }
        Ok((region, level, from, to))
    }
}

/// The response times of the offices.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimesAnswer {
    from: NaiveDate,
    to: NaiveDate,
    rows: Vec<ResponseTimes>,
}

/// `GET /api/v1/cases/response-times`: per office at a level, of the cases
/// sent to it in a period: answered, median and 90th percentile of the
/// days to the answer, the share that went overdue.
#[utoipa::path(get, path = "/api/v1/cases/response-times", tag = "cases", params(TimesQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "One row per office", body = TimesAnswer),
        (status = 400, description = "A parameter not understood", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "A region outside the caller's, or no grant for migrants", body = ApiError)))]
pub async fn response_times(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<TimesQuery>,
) -> Result<Json<TimesAnswer>, ApiError> {
    let (region, level, from, to) = query.period(&case_scope(&session)?)?;
    let rows = state
        .store
        .response_times(
            &region,
            level,
            CaseKind::MigrantNotice,
            day_span(from, to),
            Utc::now(),
        )
        .await?;
    Ok(Json(TimesAnswer { from, to, rows }))
}

/// From the start of `from` until the end of `to`, in China's time.
pub fn day_span(from: NaiveDate, to: NaiveDate) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let china =
        |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::hours(8);
    (china(from), china(to + Duration::days(1)))
}

/// The cases.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/cases", get(cases))
        .route("/api/v1/cases/response-times", get(response_times))
        .route("/api/v1/cases/{id}", get(case))
        .route("/api/v1/cases/{id}/assign", post(assign))
        .route("/api/v1/cases/{id}/handle", post(handle))
        .route("/api/v1/cases/{id}/match", post(match_person))
        .route("/api/v1/cases/{id}/decide", post(decide))
}
