//! The township's review of collectors' entries (审核 / 退回), where the
//! province has switched it on (`review.collector_entries`): the entries
//! waiting, each approved or returned with a reason; the returned ones on
//! the collector's list, sent again once corrected.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use renkou_domain::PersonId;
use renkou_store::{EntryReview, ReviewState, Scope, StoredEvent};
use serde::Deserialize;

use crate::routes::reports::region_asked;
use crate::web::auth::{CsrfForm, WebSession, csrf_field};
use crate::web::error::{PageResult, WebError};
use crate::web::labels::Labels;
use crate::web::layout::page;
use crate::{ApiError, AppState};

/// Entries listed at most.
const LIST_LIMIT: i64 = 200;

/// `?region=&state=`.
#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    region: Option<String>,
    state: Option<String>,
    /// An entry whose return was sent without a reason.
    refused: Option<i64>,
}

/// `GET /reviews`: the entries of a region waiting for review (or returned).
pub async fn reviews(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<ReviewQuery>,
) -> PageResult {
    let region = region_asked(query.region.as_deref(), &session)?;
    let reviewer = Scope::reviewing(&session.account).contains(&region);
    let shown = query
        .state
        .as_deref()
        .and_then(ReviewState::parse)
        .unwrap_or(if reviewer {
            ReviewState::Pending
        } else {
            ReviewState::Returned
        });
    let writer = Scope::writable(&session.account).contains(&region);
    let entries = state.store.reviews_in(&region, shown, LIST_LIMIT).await?;
    let mut events: HashMap<i64, StoredEvent> = HashMap::new();
    let mut names: HashMap<i64, String> = HashMap::new();
    let scope = Scope::of(&session.account);
    for entry in &entries {
        let person = state
            .store
            .person_in(PersonId(entry.person_id), &scope)
            .await?;
        if let Some(p) = person {
            names.insert(entry.person_id, p.name.to_string());
        }
        if let Some(e) = state
            .store
            .events_of(PersonId(entry.person_id))
            .await?
            .into_iter()
            .find(|e| e.id == entry.event_id)
        {
            events.insert(entry.id, e);
        }
    }
    let reads = names
        .keys()
        .map(|id| session.audit_entry("read_person", Some(*id), "review list"))
        .collect();
    state.audit.write(reads).await?;
    let labels = Labels::of_events(
        &state,
        &session,
        &events.values().collect::<Vec<_>>(),
        "review list",
    )
    .await?;
    let region_name = state.region_name(&region).await?;
    let link = |s: ReviewState| format!("/reviews?region={region}&state={}", s.as_str());
    Ok(page(
        "登记审核",
        &session,
        html! {
            h1 { (region_name) "登记审核 " span.muted { (shown.chinese()) } }
            p.actions {
                @for s in [ReviewState::Pending, ReviewState::Returned, ReviewState::Approved] {
                    @if s == shown { strong { (s.chinese()) } } @else { a href=(link(s)) { (s.chinese()) } }
                }
            }
            @if entries.is_empty() {
                p { "暂无" (shown.chinese()) "的登记。" }
            } @else {
                table.stack {
                    thead { tr { th { "人员" } th { "登记事项" } th { "变更内容" } th { "登记人" } th { "登记时间" } th { "说明" } th { "处理" } } }
                    tbody {
                        @for entry in &entries {
                            @let event = events.get(&entry.id);
                            tr id={ "review-" (entry.id) } {
                                td data-label="人员" {
                                    @match names.get(&entry.person_id) {
                                        Some(name) => a href={ "/persons/" (entry.person_id) } { (name) },
                                        None => span.muted { "（辖区外人员）" },
                                    }
                                }
                                td data-label="登记事项" { (event.map(|e| e.kind.chinese()).unwrap_or("")) }
                                td data-label="变更内容" {
                                    @for c in event.map(|e| e.changes.as_slice()).unwrap_or(&[]) { (labels.change(c)) br; }
                                }
                                td data-label="登记人" { (labels.recorder(&entry.recorder)) }
                                td data-label="登记时间" { (crate::web::person::beijing_time(entry.recorded_at)) }
                                td data-label="说明" { (entry.reason.as_deref().unwrap_or("")) }
                                td data-label="处理" {
                                    (actions(&session, entry, shown, reviewer, writer))
                                    @if query.refused == Some(entry.id) { p.error role="alert" { "退回时请填写原因" } }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// The controls an entry offers this user in this state.
fn actions(
    session: &crate::session::Session,
    entry: &EntryReview,
    shown: ReviewState,
    reviewer: bool,
    writer: bool,
) -> maud::Markup {
    html! {
        @if shown == ReviewState::Pending && reviewer {
            form.resolve method="post" action={ "/reviews/" (entry.id) "/decide" } {
                (csrf_field(session))
                input name="reason" placeholder="退回原因（退回时必填）" aria-label="退回原因";
                button type="submit" name="decision" value="approve" { "审核通过" }
                button type="submit" name="decision" value="return" { "退回" }
            }
        } @else if shown == ReviewState::Returned && writer {
            form.resolve method="post" action={ "/reviews/" (entry.id) "/resubmit" } {
                (csrf_field(session))
                a href={ "/persons/" (entry.person_id) } { "去修改" }
                input name="reason" required placeholder="修改说明" aria-label="修改说明";
                button type="submit" { "重新提交" }
            }
        } @else if let Some(by) = &entry.reviewer {
            span.muted { "处理人：" (by) }
        }
    }
}

/// The review forms' fields.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /reviews/{id}/decide`: approve, or return with a reason.
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    let reason = form.reason.trim();
    let to = match form.decision.as_str() {
        "approve" => ReviewState::Approved,
        // Back to the list, the message beside the entry's controls.
        "return" if reason.is_empty() => {
            return Ok(
                Redirect::to(&format!("/reviews?state=pending&refused={id}#review-{id}"))
                    .into_response(),
            );
        }
        "return" => ReviewState::Returned,
        _ => {
            return Err(WebError(ApiError::invalid(
                "decision",
                "请选择审核通过或退回",
            )));
        }
    };
    let scope = Scope::reviewing(&session.account);
    let done = state
        .store
        .move_review(
            id,
            ReviewState::Pending,
            to,
            &session.account.username,
            Some(reason).filter(|r| !r.is_empty()),
            &scope,
        )
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "review_entry",
            Some(done.person_id),
            format!("review {id} {}: {reason}", to.as_str()),
        )])
        .await?;
    Ok(Redirect::to("/reviews?state=pending").into_response())
}

/// `POST /reviews/{id}/resubmit`: the collector sends a corrected entry again.
pub async fn resubmit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, form): CsrfForm<DecisionForm>,
) -> Result<Response, WebError> {
    let reason = form.reason.trim();
    if reason.is_empty() {
        return Err(WebError(ApiError::invalid("reason", "请填写修改说明")));
    }
    let resent = state
        .store
        .move_review(
            id,
            ReviewState::Returned,
            ReviewState::Pending,
            &session.account.username,
            Some(reason),
            &Scope::writable(&session.account),
        )
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "review_entry",
            Some(resent.person_id),
            format!("review {id} resubmitted: {reason}"),
        )])
        .await?;
    Ok(Redirect::to("/reviews?state=returned").into_response())
}

/// The review pages.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/reviews", get(reviews))
        .route("/reviews/{id}/decide", post(decide))
        .route("/reviews/{id}/resubmit", post(resubmit))
}
