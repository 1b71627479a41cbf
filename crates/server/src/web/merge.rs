//! Merging two registry records of one person, from a duplicate task: the
//! two side by side, the record to keep and, field by field, the value to
//! keep. And undoing a merge from the merged record's page.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use renkou_domain::rules::{Command, TAKEN_FROM_ANOTHER_RECORD};
use renkou_domain::verification::Resolution;
use renkou_domain::{Person, PersonId};
use renkou_store::Scope;

use crate::routes::events::record;
use crate::routes::persons::audit_reads;
use crate::web::auth::{CsrfForm, WebSession, csrf_field, idempotency_field};
use crate::web::error::{PageResult, WebError};
use crate::web::labels::Labels;
use crate::web::layout::page;
use crate::web::task_resolution::{duplicate_pair, reason_given, writable_task};
use crate::web::view::id_shown;
use crate::{ApiError, AppState};

/// `GET /tasks/{id}/merge`: the two records of a duplicate task side by
/// side, to merge them into one.
pub async fn merge_form(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
) -> PageResult {
    let task = writable_task(&state, &session, id).await?;
    let (a, b) = duplicate_pair(&task).ok_or_else(ApiError::not_found)?;
    let scope = Scope::of(&session.account);
    let mut pair: Vec<Person> = Vec::new();
    for p in [a, b] {
        pair.push(
            state
                .store
                .person_in(p, &scope)
                .await?
                .ok_or_else(ApiError::not_found)?,
        );
    }
    audit_reads(&state, &session, &pair, "merge form").await?;
    let full = session.sees_full_numbers();
    let values: Vec<renkou_domain::event::FieldChange> = pair
        .iter()
        .flat_map(|p| {
            renkou_domain::Field::ALL
                .into_iter()
                .map(|field| renkou_domain::event::FieldChange {
                    field,
                    from: None,
                    to: field.get(p),
                })
        })
        .collect();
    let labels = Labels::of_changes(&state, &session, &values, "merge form").await?;
    let shown = |p: &Person, f: renkou_domain::Field| match f {
        renkou_domain::Field::IdNumber => id_shown(p, full),
        _ => labels.value(f, f.get(p).as_deref()),
    };
    Ok(page(
        "合并重复记录",
        &session,
        html! {
            h1 { "合并重复记录" }
            p { "两条记录是同一人时合并为一条：保留的记录编号不变，另一条记录标为“已合并”，两条记录的事件都保留在保留记录的事件记录中；合并可以撤销。" }
            form.entry method="post" action={ "/tasks/" (task.id) "/resolve" } {
                (csrf_field(&session))
                (idempotency_field())
                input type="hidden" name="resolution" value=(Resolution::Merge.as_str());
                table {
                    thead { tr { th { "项目" } @for p in &pair { th { "记录 " a href={ "/persons/" (p.id) } { (p.id) } } } } }
                    tbody {
                        tr { th { "保留此记录" }
                            @for (i, p) in pair.iter().enumerate() {
                                td { input type="radio" name="survivor" value=(p.id) checked[i == 0]; }
                            }
                        }
                        @for f in TAKEN_FROM_ANOTHER_RECORD {
                            @let differ = f.get(&pair[0]) != f.get(&pair[1]);
                            tr { th { (f.chinese()) }
                                @for (i, p) in pair.iter().enumerate() {
                                    td {
                                        @if differ {
                                            input type="radio" name={ "pick_" (f.as_str()) } value=(p.id) checked[i == 0];
                                            " "
                                        }
                                        (shown(p, f))
                                    }
                                }
                            }
                        }
                        tr { th { "现住地" } @for p in &pair { td { (p.residence) } } }
                        tr { th { "人员状态" } @for p in &pair { td { (p.status.chinese()) } } }
                    }
                }
                label for="reason" { "核查说明" }
                input #reason name="reason" required placeholder="如：经入户核实为同一人";
                button.primary type="submit" { "合并为一人" }
            }
        },
    ))
}

/// `POST /persons/{id}/unmerge` (form: `reason`): the merged record is a
/// person again, and the survivor gives back the values it took from it.
pub async fn unmerge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, values): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let reason = reason_given(&values, "请填写撤销合并的原因")?;
    let command = Command::Unmerge {
        merged: PersonId(id),
        date: renkou_domain::date::today_in_china(),
        reason: reason.to_string(),
    };
    let key = values.get("idempotency_key").map(String::as_str);
    record(&state, &session, &command, "web", key).await?;
    Ok(Redirect::to(&format!("/persons/{id}")).into_response())
}

/// Merging a duplicate pair and undoing a merge.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/tasks/{id}/merge", get(merge_form))
        .route("/persons/{id}/unmerge", post(unmerge))
}
