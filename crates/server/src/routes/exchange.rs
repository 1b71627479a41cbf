//! The exchange with other departments and regions (数据共享与信息交换):
//! the feed of committed events a subscriber pulls.

use axum::Json;
use axum::extract::{Query, State};
use renkou_store::{AuditEntry, FeedCursor, Scope, StoredEvent};
use serde::{Deserialize, Serialize};

use crate::routes::persons::events_for_token;
use crate::session::Session;
use crate::{ApiError, AppState};

/// Events per page unless asked for fewer.
const DEFAULT_LIMIT: i64 = 500;
/// Events per page at most.
const MAX_LIMIT: i64 = 5_000;

/// `GET /api/v1/exchange/feed` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// The `next` of the previous page; absent: from the beginning.
    after: Option<String>,
    /// Events per page (1–5000, default 500).
    limit: Option<i64>,
}

/// A page of the feed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedPage {
    /// Committed events of the caller's regions, oldest first, as the caller
    /// may see them (an API token: only its fields; an event that changed
    /// none of them is left out, the cursor moves past it all the same).
    pub items: Vec<StoredEvent>,
    /// Pass as `after` for the next page; the same value when nothing new
    /// has committed yet (poll again later).
    pub next: String,
}

/// `GET /api/v1/exchange/feed`: every committed event of the caller's
/// regions after a cursor, in an order that never skips one that commits
/// late; paged and resumable. Each person in a page is an audited read.
#[utoipa::path(get, path = "/api/v1/exchange/feed", tag = "exchange", params(FeedQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "A page of the feed", body = FeedPage),
        (status = 400, description = "A cursor the feed did not give, or a limit out of range", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError)))]
pub async fn feed(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<FeedQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    let after: FeedCursor = query
        .after
        .as_deref()
        .unwrap_or("")
        .parse()
        .map_err(|e: renkou_store::StoreError| ApiError::invalid("after", e.to_string()))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("每页条数应在 1 至 {MAX_LIMIT} 之间"),
        ));
    }
    Ok(Json(feed_for(&state, &session, after, limit).await?))
}

/// A page of the feed as `session` may read it, every person in it an
/// audited read: what a subscriber pulls, and what is pushed to it.
pub async fn feed_for(
    state: &AppState,
    session: &Session,
    after: FeedCursor,
    limit: i64,
) -> Result<FeedPage, ApiError> {
    let scope = Scope::of(&session.account);
    let page = state.store.feed(after, scope.regions(), limit).await?;
    let mut items: Vec<StoredEvent> = Vec::with_capacity(page.events.len());
    for event in page.events {
        let region = renkou_domain::RegionCode::parse(&event.region_code).ok();
        let shown = match region {
            Some(region) => crate::sensitive::events_for(session, &region, vec![event]),
            None => Vec::new(),
        };
        items.extend(shown);
    }
    if let Some(fields) = &session.fields {
        items = events_for_token(items, fields);
    }
    let mut persons: Vec<i64> = items.iter().map(|e| e.person_id.0).collect();
    persons.sort_unstable();
    persons.dedup();
    let reads: Vec<AuditEntry> = persons
        .into_iter()
        .map(|p| session.audit_entry("read_person", Some(p), "exchange feed"))
        .collect();
    state.audit.write(reads).await?;
    Ok(FeedPage {
        items,
        next: page.next.to_string(),
    })
}

/// `POST /api/v1/exchange/migrants` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MigrantsQuery {
    /// Who reports the records (events and tasks carry it as
    /// `migrants:NAME`; the same record again from the same source is
    /// handled once). Required.
    source: Option<String>,
}

/// What became of the records sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MigrantsAnswer {
    rows: usize,
    matched: usize,
    new: usize,
    unsure: usize,
    unreadable: usize,
    /// Records linked by an earlier delivery, unchanged since.
    unchanged: usize,
    events: usize,
    tasks: u64,
    /// Every value not understood: line, column, value, reason.
    #[schema(value_type = Vec<Object>)]
    problems: Vec<renkou_formats::ValueProblem>,
    /// Lines of records of villages outside the sender's regions, left out.
    outside: Vec<u64>,
}

/// `POST /api/v1/exchange/migrants?source=NAME`: incoming migrant records
/// (`docs/exchange-formats.md`) as CSV (`text/csv`) or JSON Lines
/// (`application/x-ndjson`), handled as `renkou migrants import` handles a
/// file, for the villages the sender registers migrants in. Delivered again,
/// a record already handled changes nothing.
#[utoipa::path(post, path = "/api/v1/exchange/migrants", tag = "exchange", params(MigrantsQuery),
    security(("session" = [])),
    request_body(content = String, description = "The records", content_type = "text/csv"),
    responses(
        (status = 200, description = "What became of each record", body = MigrantsAnswer),
        (status = 400, description = "Not a migrant file (a column missing, not CSV or JSON Lines, not UTF-8)", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant to register migrants, or an API token (read-only)", body = ApiError)))]
pub async fn migrants(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<MigrantsQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<MigrantsAnswer>, ApiError> {
    if session.is_token() {
        return Err(ApiError::forbidden("接口令牌只能读取，不能报送数据"));
    }
    let scope = Scope::writing(&session.account, renkou_domain::Subsystem::Migrants);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden("您没有流动人口信息的登记权限"));
    }
    let source = query.source.as_deref().unwrap_or("").trim();
    if source.is_empty() {
        return Err(ApiError::invalid("source", "请填写报送来源"));
    }
    let json_lines = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("ndjson") || t.contains("jsonl") || t.contains("json"));
    let recorder = session.account.username.clone();
    let read = if json_lines {
        renkou_store::MigrantImportInput::read_json_lines(&body, "records.jsonl", source, &recorder)
    } else {
        renkou_store::MigrantImportInput::read(&body, "records.csv", source, &recorder)
    };
    let mut input = read.map_err(|e| ApiError::invalid("body", e.to_string()))?;
    input.within = Some(scope);
    input.rules = state.settings.rules();
    let today = renkou_domain::date::today_in_china();
    let report = state.store.import_migrants(input, today).await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "import_migrants",
            None,
            format!(
                "{source}: matched {}, new {}, unsure {}, unreadable {}",
                report.matched, report.new, report.unsure, report.unreadable
            ),
        )])
        .await?;
    Ok(Json(MigrantsAnswer {
        rows: report.rows,
        matched: report.matched,
        new: report.new,
        unsure: report.unsure,
        unreadable: report.unreadable,
        unchanged: report.unchanged,
        events: report.events,
        tasks: report.tasks,
        problems: report.problems,
        outside: report.outside.iter().map(|(line, ..)| *line).collect(),
    }))
}

/// The name of the exchanging system calling, or 403.
fn exchanging(session: &Session) -> Result<String, ApiError> {
    session
        .exchanges
        .clone()
        .ok_or_else(|| ApiError::forbidden("只有交换令牌（另一地区的系统）可以报送通报或反馈"))
}

/// `POST /api/v1/exchange/notices`: another province's system tells that
/// a person registered here lives there now. Opened once per `message_id`
/// (a delivery sent again answers the same case), matched to the person,
/// assigned to the village of registration; its answer is read at
/// `GET /api/v1/exchange/notices/{message_id}`.
#[utoipa::path(post, path = "/api/v1/exchange/notices", tag = "exchange",
    request_body = renkou_domain::migrants::IncomingNotice,
    security(("token" = [])),
    responses(
        (status = 200, description = "The notice's case (the same for a message sent again)", body = renkou_store::Case),
        (status = 400, description = "A field not understood, or a place of registration not of this province", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "No token", body = ApiError),
        (status = 403, description = "Not an exchanging token, or a place of residence outside its region", body = ApiError)))]
pub async fn receive_notice(
    State(state): State<AppState>,
    session: Session,
    crate::json::ApiJson(notice): crate::json::ApiJson<renkou_domain::migrants::IncomingNotice>,
) -> Result<Json<renkou_store::Case>, ApiError> {
    let source = format!("exchange:{}", exchanging(&session)?);
    if notice.message_id.trim().is_empty() || notice.message_id.len() > 200 {
        return Err(ApiError::invalid(
            "message_id",
            "请填写消息编号（不超过 200 个字符）",
        ));
    }
    let case = state
        .store
        .receive_notice(
            &source,
            &Scope::of(&session.account),
            &notice,
            &state.settings.cases.deadline_days,
        )
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "receive_notice",
            (case.person_id != 0).then_some(case.person_id),
            format!("case {} message {}", case.id, notice.message_id),
        )])
        .await?;
    Ok(Json(case))
}

/// A notice and its steps, as its sender reads them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    case: renkou_store::Case,
    steps: Vec<renkou_store::CaseStep>,
}

/// `GET /api/v1/exchange/notices/{message_id}`: where a notice the caller
/// sent stands, and the answer once there is one.
#[utoipa::path(get, path = "/api/v1/exchange/notices/{message_id}", tag = "exchange",
    params(("message_id" = String, Path, description = "The sender's message id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The notice, its steps and answer", body = NoticeView),
        (status = 401, description = "No token", body = ApiError),
        (status = 403, description = "Not an exchanging token", body = ApiError),
        (status = 404, description = "No such message of the caller's", body = ApiError)))]
pub async fn notice_state(
    State(state): State<AppState>,
    session: Session,
    crate::json::ApiPath(message_id): crate::json::ApiPath<String>,
) -> Result<Json<NoticeView>, ApiError> {
    let source = format!("exchange:{}", exchanging(&session)?);
    let case = state
        .store
        .case_of_message(&source, &message_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let steps = state.store.case_steps(case.id).await?;
    Ok(Json(NoticeView { case, steps }))
}

/// `POST /api/v1/exchange/answers/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutsideAnswer {
    /// Whether the person is as the notice says.
    confirmed: Option<bool>,
    /// What the office says.
    note: Option<String>,
    /// The registration side's facts, in the sender's own form.
    #[schema(value_type = Option<Object>)]
    registration: Option<serde_json::Value>,
}

/// `POST /api/v1/exchange/answers/{id}`: another province's system answers
/// a notice this province sent to a place of its region (listed by
/// `GET /api/v1/cases?mailbox=addressed`). Answered once: again, 409.
#[utoipa::path(post, path = "/api/v1/exchange/answers/{id}", tag = "exchange",
    params(("id" = i64, Path, description = "The case")),
    request_body = OutsideAnswer,
    security(("token" = [])),
    responses(
        (status = 200, description = "Answered", body = renkou_store::Case),
        (status = 400, description = "A field not understood", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "No token", body = ApiError),
        (status = 403, description = "Not an exchanging token", body = ApiError),
        (status = 404, description = "No notice sent to the caller's region", body = ApiError),
        (status = 409, description = "Answered already", body = ApiError)))]
pub async fn answer(
    State(state): State<AppState>,
    session: Session,
    crate::json::ApiPath(id): crate::json::ApiPath<i64>,
    crate::json::ApiJson(body): crate::json::ApiJson<OutsideAnswer>,
) -> Result<Json<renkou_store::Case>, ApiError> {
    let name = exchanging(&session)?;
    let note: String = body.note.unwrap_or_default().chars().take(500).collect();
    let reply = serde_json::json!({
        "confirmed": body.confirmed.unwrap_or(true),
        "note": note,
        "registration": body.registration,
        "family_planning": null,
    });
    let case = state
        .store
        .answer_from_outside(
            id,
            &Scope::of(&session.account),
            &format!("exchange:{name}"),
            reply,
        )
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "answer_notice",
            Some(case.person_id),
            format!("case {id}"),
        )])
        .await?;
    Ok(Json(case))
}

/// The exchange.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/exchange/feed", get(feed))
        .route("/api/v1/exchange/migrants", post(migrants))
        .route("/api/v1/exchange/notices", post(receive_notice))
        .route("/api/v1/exchange/notices/{message_id}", get(notice_state))
        .route("/api/v1/exchange/answers/{id}", post(answer))
}
