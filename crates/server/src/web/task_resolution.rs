//! Settling a verification task: the collector says how, and why. Every
//! resolution but "the registry is right" is an event of the register,
//! recorded in the same transaction that marks the task resolved.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use renkou_domain::event::Field;
use renkou_domain::migrants::rules::Arrival;
use renkou_domain::migrants::{MigrantDetails, MoveReason};
use renkou_domain::rules::{Command, NewPerson, TAKEN_FROM_ANOTHER_RECORD};
use renkou_domain::verification::{Resolution, TaskKind, resolutions};
use renkou_domain::{Ethnicity, IdNumber, PersonId, PersonName, RegionCode, Sex, parse_date};
use renkou_store::{EventMeta, Scope, Task};

use crate::session::Session;
use crate::web::auth::CsrfForm;
use crate::web::error::WebError;
use crate::{ApiError, AppState};

/// The task, if the caller may settle it: 404 outside their regions (as
/// for nobody), 403 where they only read.
pub async fn writable_task(state: &AppState, session: &Session, id: i64) -> Result<Task, ApiError> {
    let task = state
        .store
        .task(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let region = RegionCode::parse(&task.region_code).map_err(|_| ApiError::not_found())?;
    if !Scope::of(&session.account).contains(&region) {
        return Err(ApiError::not_found());
    }
    if !Scope::writable(&session.account).contains(&region) {
        return Err(ApiError::forbidden("您的角色只能查询，不能核查"));
    }
    Ok(task)
}

/// The form's `reason`, trimmed; a 400 saying `missing` when it is empty
/// (every change made from a finding says why).
pub fn reason_given<'a>(
    values: &'a HashMap<String, String>,
    missing: &str,
) -> Result<&'a str, ApiError> {
    match values.get("reason").map(|r| r.trim()) {
        Some(reason) if !reason.is_empty() => Ok(reason),
        _ => Err(ApiError::invalid("reason", missing.to_string())),
    }
}

/// What a task's form was sent without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// No (allowed) resolution chosen.
    Resolution,
    /// No 核查说明.
    Reason,
    /// No date for a death or move out the source does not date.
    Date,
}

impl Missing {
    /// The name in the list's address.
    pub fn as_str(self) -> &'static str {
        match self {
            Missing::Resolution => "resolution",
            Missing::Reason => "reason",
            Missing::Date => "date",
        }
    }

    /// Reads the name back.
    pub fn parse(text: &str) -> Option<Missing> {
        [Missing::Resolution, Missing::Reason, Missing::Date]
            .into_iter()
            .find(|m| m.as_str() == text)
    }

    /// What the collector reads beside the task.
    pub fn message(self) -> &'static str {
        match self {
            Missing::Resolution => "请选择处理方式",
            Missing::Reason => "请填写核查说明",
            Missing::Date => "请填写死亡或迁出的日期",
        }
    }
}

/// The resolutions a stored task allows.
pub fn allowed(task: &Task) -> Vec<Resolution> {
    task.kind
        .parse::<TaskKind>()
        .map(|k| {
            resolutions(
                k,
                &task.field,
                task.source_value.is_some(),
                task.person_id != 0,
            )
        })
        .unwrap_or_default()
}

/// The two registry records of a duplicate task.
pub fn duplicate_pair(task: &Task) -> Option<(PersonId, PersonId)> {
    let other = task.registry_value.as_deref()?.trim().parse().ok()?;
    (task.person_id != 0).then_some((PersonId(task.person_id), PersonId(other)))
}

/// `POST /tasks/{id}/resolve` (form: `resolution`, `reason`; for a merge
/// also `survivor` and `pick_<field>` = the record whose value to keep):
/// settles a task of the caller's writable regions.
pub async fn resolve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, values): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let task = writable_task(&state, &session, id).await?;
    // A form left incomplete goes back to the list, the reason shown beside
    // the task's own controls (`Missing` names which).
    let back = |missing: Missing| {
        Redirect::to(&format!(
            "/tasks?region={}&refused={id}&missing={}#task-{id}",
            task.region_code,
            missing.as_str()
        ))
        .into_response()
    };
    let chosen = values.get("resolution").map(|r| r.trim()).unwrap_or("");
    if chosen.is_empty() {
        return Ok(back(Missing::Resolution));
    }
    let resolution = Resolution::parse(chosen)
        .filter(|r| allowed(&task).contains(r))
        .ok_or_else(|| ApiError::invalid("resolution", "该任务不能这样处理"))?;
    let Ok(reason) = reason_given(&values, "请填写核查说明") else {
        return Ok(back(Missing::Reason));
    };
    let today = renkou_domain::date::today_in_china();
    // A death or move out is dated by the source, or by the collector.
    let date = values
        .get("event_date")
        .and_then(|d| parse_date(d.trim()).ok())
        .or_else(|| {
            (task.kind == TaskKind::Deceased.as_str())
                .then(|| {
                    task.source_value
                        .as_deref()
                        .and_then(|d| parse_date(d).ok())
                })
                .flatten()
        });
    if resolution.needs_date() && date.is_none() {
        return Ok(back(Missing::Date));
    }
    let note = format!("核查 {} {}：{reason}", task.source, task.record_id);
    let command = command_for(
        &task,
        resolution,
        &values,
        date.unwrap_or(today),
        today,
        note,
    )?;
    let meta = EventMeta {
        recorder: session.account.username.clone(),
        source: format!("verification:{}", task.source),
    };
    let mut audit = vec![session.audit_entry(
        "resolve_task",
        (task.person_id != 0).then_some(task.person_id),
        format!("task {id} {}: {reason}", resolution.as_str()),
    )];
    if command.is_some() {
        // Its person is the one the event is recorded for (a newcomer's id
        // is known only then): the store fills it in.
        audit.push(session.audit_entry("record_event", None, resolution.as_str()));
    }
    let resolved = state
        .store
        .resolve_task(
            id,
            resolution,
            reason,
            &meta,
            command.as_ref(),
            &Scope::writable(&session.account),
            &audit,
            &state.settings.rules(),
        )
        .await;
    state.audit.nudge();
    resolved?;
    Ok(Redirect::to(&format!("/tasks?region={}", task.region_code)).into_response())
}

/// The event a resolution calls for; `None` to keep the registry as it is.
fn command_for(
    task: &Task,
    resolution: Resolution,
    values: &HashMap<String, String>,
    dated: NaiveDate,
    today: NaiveDate,
    note: String,
) -> Result<Option<Command>, ApiError> {
    let person = PersonId(task.person_id);
    Ok(match resolution {
        // The person's history says the finding was checked; a source
        // record alone (no person) keeps it on the task and the audit log.
        Resolution::KeepRegistry => (task.person_id != 0).then_some(Command::Verification {
            person,
            date: today,
            note,
        }),
        Resolution::Correct => {
            let field = Field::parse(&task.field)
                .ok_or_else(|| ApiError::invalid("resolution", "该项目不能更正"))?;
            Some(Command::Correction {
                person,
                field,
                value: task.source_value.clone(),
                date: today,
                reason: note,
            })
        }
        Resolution::RecordDeath => Some(Command::Death {
            person,
            date: dated,
        }),
        Resolution::RecordMoveOut => Some(Command::MoveOut {
            person,
            date: dated,
            destination: values
                .get("destination")
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty()),
        }),
        // Only the register settles a task this way, with the event.
        Resolution::AnsweredByEvent => {
            return Err(ApiError::invalid("resolution", "该任务不能这样处理"));
        }
        Resolution::Register => Some(Command::Registration {
            newcomer: newcomer_of(task)?,
            date: today,
        }),
        Resolution::SamePerson => Some(Command::MigrantArrival(arrival_of(task, person)?)),
        Resolution::Merge => {
            let (a, b) = duplicate_pair(task)
                .ok_or_else(|| ApiError::invalid("resolution", "该任务不是库中重复记录"))?;
            let survivor = match values.get("survivor").map(|s| s.trim()) {
                None | Some("") => a,
                Some(s) => [a, b]
                    .into_iter()
                    .find(|p| p.to_string() == s)
                    .ok_or_else(|| ApiError::invalid("survivor", "请选择保留的记录"))?,
            };
            let merged = if survivor == a { b } else { a };
            // A field whose picked value is the merged record's is taken over.
            let take = TAKEN_FROM_ANOTHER_RECORD
                .into_iter()
                .filter(|f| {
                    values
                        .get(&format!("pick_{}", f.as_str()))
                        .map(|v| v.trim())
                        == Some(merged.to_string().as_str())
                })
                .collect();
            Some(Command::Merge {
                survivor,
                merged,
                take,
                date: today,
                reason: note,
            })
        }
    })
}

/// What a migrant record reports, recorded on the person the verifier
/// found it to be: where they live, since when, why.
fn arrival_of(task: &Task, person: PersonId) -> Result<Arrival, ApiError> {
    let record = source_record(task);
    let text = |key: &str| record.get(key).map(String::as_str).unwrap_or("");
    let date = parse_date(text("arrival_date"))
        .map_err(|_| ApiError::invalid("resolution", "来源记录缺少来本地日期，不能登记流入"))?;
    Ok(Arrival {
        person,
        to: RegionCode::parse(text("region_code")).ok(),
        hukou_region: RegionCode::parse(text("hukou_region")).ok(),
        date,
        details: MigrantDetails {
            reason: MoveReason::parse(text("reason")).ok(),
            workplace: Some(text("workplace").to_string()).filter(|w| !w.is_empty()),
            address: Some(text("address").to_string()).filter(|a| !a.is_empty()),
            reported_by: Some(task.source.clone()),
        },
    })
}

/// A task's source record, by field.
fn source_record(task: &Task) -> HashMap<String, String> {
    task.source_record
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

/// The person a source record describes, to enter in the registry. Name,
/// sex, birth date and village are needed; a number that fails its check is
/// left out (the collector corrects it on the person's page once verified).
fn newcomer_of(task: &Task) -> Result<NewPerson, ApiError> {
    let record = source_record(task);
    let text = |key: &str| record.get(key).map(String::as_str).unwrap_or("");
    let lacking = || {
        ApiError::invalid(
            "resolution",
            "来源记录缺少姓名、性别、出生日期或现住地，不能直接补录，请在登记页面录入",
        )
    };
    let residence = RegionCode::parse(text("region_code"))
        .or_else(|_| RegionCode::parse(&task.region_code))
        .map_err(|_| lacking())?;
    Ok(NewPerson {
        id_number: IdNumber::parse(text("id_number")).ok(),
        ethnicity: Ethnicity::parse(text("ethnicity")).ok(),
        hukou_region: RegionCode::parse(text("hukou_region")).ok(),
        ..NewPerson::new(
            PersonName::parse(text("name")).map_err(|_| lacking())?,
            Sex::parse(text("sex")).map_err(|_| lacking())?,
            parse_date(text("birth_date")).map_err(|_| lacking())?,
            residence,
        )
    })
}

/// Settling a verification task.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::post;
    axum::Router::new().route("/tasks/{id}/resolve", post(resolve))
}
