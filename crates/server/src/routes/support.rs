//! Reward and special support in the API (奖励扶助 / 特别扶助): the
//! programs and their rules, a township's or county's yearly roll made and
//! handed in for review, the rolls of a region, one roll with its changes
//! since last year and its review, and the persons it includes. Read under
//! a grant that opens the support subsystem for the region; made by a grant
//! that enters records there; decided through `POST /api/v1/cases/{id}/decide`.

use axum::Json;
use axum::extract::{Query, State};
use renkou_domain::support::SupportProgram;
use renkou_domain::{RegionCode, Subsystem};
use renkou_store::{CaseStep, RollChange, RollEntry, SavedRoll, Scope};
use serde::{Deserialize, Serialize};

use crate::json::{ApiJson, ApiPath};
use crate::routes::reports::region_in;
use crate::session::Session;
use crate::{ApiError, AppState};

/// Where the caller reads rolls.
pub fn support_scope(session: &Session) -> Result<Scope, ApiError> {
    let scope = Scope::reading(&session.account, Subsystem::Support);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden("您的账号没有奖励扶助的权限"));
    }
    Ok(scope)
}

/// `GET /api/v1/support/programs`: the programs and their rules as this
/// province configured them.
#[utoipa::path(get, path = "/api/v1/support/programs", tag = "support",
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The programs", body = Vec<SupportProgram>),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for support", body = ApiError)))]
pub async fn programs(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Vec<SupportProgram>>, ApiError> {
    support_scope(&session)?;
    Ok(Json(state.settings.support.programs.clone()))
}

/// `POST /api/v1/support/rolls` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeRoll {
    /// The program's key (`reward`, `special`).
    pub program: String,
    /// The roll year.
    pub year: i32,
    /// The township or county (12 digits).
    pub region: String,
}

/// Computes a roll from the register and keeps it, handed in for review,
/// as the caller, audited.
pub async fn make_roll_as(
    state: &AppState,
    session: &Session,
    body: &MakeRoll,
) -> Result<SavedRoll, ApiError> {
    if session.is_token() {
        return Err(ApiError::forbidden("接口令牌只能读取，不能生成名册"));
    }
    let scope = Scope::writing(&session.account, Subsystem::Support);
    let region = region_in(Some(&body.region), &scope)?;
    let program = renkou_domain::support::find(&state.settings.support.programs, &body.program)
        .map_err(|e| ApiError::invalid("program", e.to_string()))?;
    let this_year = chrono::Datelike::year(&chrono::Utc::now());
    if !(this_year - 5..=this_year + 1).contains(&body.year) {
        return Err(ApiError::invalid(
            "year",
            format!("名册年度应在 {} 至 {} 之间", this_year - 5, this_year + 1),
        ));
    }
    let roll = state
        .store
        .compute_roll(program, body.year, &region)
        .await?;
    let saved = state
        .store
        .save_roll(
            &roll,
            &session.account.username,
            &state.settings.cases.deadline_days,
        )
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "save_roll",
            None,
            format!("roll {} {} {} {region}", saved.id, program.key, body.year),
        )])
        .await?;
    Ok(saved)
}

/// `POST /api/v1/support/rolls`: a township (or county) office makes its
/// roll of a program and year from the register and hands it in for
/// review; made again while its office still has it (or after it came back)
/// it replaces the one kept.
#[utoipa::path(post, path = "/api/v1/support/rolls", tag = "support",
    request_body = MakeRoll,
    security(("session" = [])),
    responses(
        (status = 200, description = "The roll kept and handed in", body = SavedRoll),
        (status = 400, description = "Not a township or county, an unknown program, a year out of range, or under review already", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Outside the caller's regions, no grant to enter support records, or an API token", body = ApiError)))]
pub async fn make_roll(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<MakeRoll>,
) -> Result<Json<SavedRoll>, ApiError> {
    Ok(Json(make_roll_as(&state, &session, &body).await?))
}

/// `GET /api/v1/support/rolls` parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RollsQuery {
    /// The region (default: the caller's first).
    pub region: Option<String>,
}

/// `GET /api/v1/support/rolls`: the rolls kept for the region and the
/// regions inside it, newest year first, with where each review stands.
#[utoipa::path(get, path = "/api/v1/support/rolls", tag = "support",
    params(RollsQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The rolls", body = Vec<SavedRoll>),
        (status = 400, description = "A parameter not understood", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Outside the caller's regions", body = ApiError)))]
pub async fn rolls(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<RollsQuery>,
) -> Result<Json<Vec<SavedRoll>>, ApiError> {
    let region = region_in(query.region.as_deref(), &support_scope(&session)?)?;
    Ok(Json(state.store.saved_rolls(&region).await?))
}

/// A kept roll the caller may read (404 otherwise, as for none).
pub async fn readable_roll(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<SavedRoll, ApiError> {
    let scope = support_scope(session)?;
    let roll = state
        .store
        .saved_roll(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    match RegionCode::parse(&roll.region_code) {
        Ok(region) if scope.contains(&region) => Ok(roll),
        _ => Err(ApiError::not_found()),
    }
}

/// One roll, its review and its changes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RollView {
    pub roll: SavedRoll,
    /// The review's steps, oldest first.
    pub steps: Vec<CaseStep>,
    /// Who is new since last year's roll and who left it, with why.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<RollChange>,
}

/// `GET /api/v1/support/rolls/{id}`: a roll of the caller's regions with
/// the steps of its review and the changes since last year's roll.
#[utoipa::path(get, path = "/api/v1/support/rolls/{id}", tag = "support",
    params(("id" = i64, Path, description = "The roll")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The roll", body = RollView),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for support", body = ApiError),
        (status = 404, description = "No such roll the caller may read", body = ApiError)))]
pub async fn roll(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RollView>, ApiError> {
    Ok(Json(roll_view(&state, &session, id).await?))
}

/// A roll with its review and changes, read by the caller.
pub async fn roll_view(state: &AppState, session: &Session, id: i64) -> Result<RollView, ApiError> {
    let roll = readable_roll(state, session, id).await?;
    let steps = match roll.case_id {
        Some(case) => state.store.case_steps(case).await?,
        None => Vec::new(),
    };
    let changes = state.store.roll_changes(&roll).await?;
    Ok(RollView {
        roll,
        steps,
        changes,
    })
}

/// `GET /api/v1/support/rolls/{id}/entries`: the persons a roll includes,
/// with the reason and the yearly amount (each read audited).
#[utoipa::path(get, path = "/api/v1/support/rolls/{id}/entries", tag = "support",
    params(("id" = i64, Path, description = "The roll")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The persons included", body = Vec<Object>),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for support", body = ApiError),
        (status = 404, description = "No such roll the caller may read", body = ApiError)))]
pub async fn entries(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<RollEntry>>, ApiError> {
    let roll = readable_roll(&state, &session, id).await?;
    let entries = state.store.roll_entries(roll.id).await?;
    let detail = format!("support roll {}", roll.id);
    let reads = entries
        .iter()
        .map(|e| session.audit_entry("read_person", Some(e.person_id), detail.clone()))
        .collect();
    state.audit.write(reads).await?;
    Ok(Json(entries))
}

/// `POST /api/v1/support/rolls/{id}/appeals` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    /// The person excluded, living in the caller's regions.
    pub person_id: i64,
    /// Why they appeal, in their words (1–1000 characters).
    pub statement: String,
}

/// Hands in an appeal as the caller, audited.
pub async fn appeal_as(
    state: &AppState,
    session: &Session,
    roll: i64,
    body: &AppealBody,
) -> Result<renkou_store::Case, ApiError> {
    if session.is_token() {
        return Err(ApiError::forbidden("接口令牌只能读取，不能登记申诉"));
    }
    let scope = Scope::writing(&session.account, Subsystem::Support);
    // A village hands in appeals against its township's roll: the roll's
    // region and the caller's overlap; the person is checked in the store.
    let kept = state
        .store
        .saved_roll(roll)
        .await?
        .filter(|k| {
            RegionCode::parse(&k.region_code).is_ok_and(|region| {
                scope
                    .regions()
                    .iter()
                    .any(|r| region.contains(r) || r.contains(&region))
            })
        })
        .ok_or_else(ApiError::not_found)?;
    let program = renkou_domain::support::find(&state.settings.support.programs, &kept.program)
        .map_err(|e| ApiError::invalid("program", e.to_string()))?;
    let case = state
        .store
        .appeal_exclusion(
            kept.id,
            renkou_domain::PersonId(body.person_id),
            &body.statement,
            &session.account.username,
            &scope,
            program,
            &state.settings.cases.deadline_days,
        )
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "appeal_exclusion",
            Some(body.person_id),
            format!("roll {} case {}", kept.id, case.id),
        )])
        .await?;
    Ok(case)
}

/// `POST /api/v1/support/rolls/{id}/appeals`: a citizen excluded from a
/// roll appeals, handed in where they live; the township reviews and the
/// county decides; upheld, they are paid with the roll.
#[utoipa::path(post, path = "/api/v1/support/rolls/{id}/appeals", tag = "support",
    params(("id" = i64, Path, description = "The roll")),
    request_body = AppealBody,
    security(("session" = [])),
    responses(
        (status = 200, description = "Handed in to the township", body = renkou_store::Case),
        (status = 400, description = "On the roll already, or the statement empty or too long", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant to hand in appeals, or an API token", body = ApiError),
        (status = 404, description = "No such roll, or no such person of it in the caller's regions", body = ApiError)))]
pub async fn appeal(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AppealBody>,
) -> Result<Json<renkou_store::Case>, ApiError> {
    Ok(Json(appeal_as(&state, &session, id, &body).await?))
}

/// An appeal and its steps.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppealView {
    pub case: renkou_store::Case,
    pub steps: Vec<CaseStep>,
}

/// An appeal an office of the caller took part in (404 otherwise).
pub async fn readable_appeal(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<AppealView, ApiError> {
    let (case, steps) = state
        .store
        .case_of(
            id,
            &[renkou_domain::cases::CaseKind::SupportAppeal],
            &support_scope(session)?,
        )
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(AppealView { case, steps })
}

/// `GET /api/v1/support/appeals/{id}`.
#[utoipa::path(get, path = "/api/v1/support/appeals/{id}", tag = "support",
    params(("id" = i64, Path, description = "The appeal's case")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The appeal and its steps", body = AppealView),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "No grant for support", body = ApiError),
        (status = 404, description = "No such appeal the caller may read", body = ApiError)))]
pub async fn show_appeal(
    State(state): State<AppState>,
    session: Session,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AppealView>, ApiError> {
    Ok(Json(readable_appeal(&state, &session, id).await?))
}

/// The support routes.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/api/v1/support/programs", get(programs))
        .route("/api/v1/support/rolls", get(rolls).post(make_roll))
        .route("/api/v1/support/rolls/{id}", get(roll))
        .route("/api/v1/support/rolls/{id}/entries", get(entries))
        .route(
            "/api/v1/support/rolls/{id}/appeals",
            axum::routing::post(appeal),
        )
        .route("/api/v1/support/appeals/{id}", get(show_appeal))
}
