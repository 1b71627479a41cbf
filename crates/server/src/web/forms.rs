//! Forms to register each event, with the reason for a refusal in Chinese
//! next to the field it concerns. Posts carry the session's CSRF token and
//! answer with a redirect to the person's page (so a reload posts nothing).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use renkou_domain::date::{parse_date, today_in_china};
use renkou_domain::event::Field;
use renkou_domain::rules::{Command, NewPerson};
use renkou_domain::{
    Ethnicity, HukouType, IdNumber, Person, PersonId, PersonName, RegionCode, Sex,
};
use renkou_store::Scope;

use crate::routes::events::record;
use crate::session::Session;
use crate::web::auth::{CsrfForm, WebSession, csrf_field, idempotency_field};
use crate::web::error::WebError;
use crate::web::layout::page;
use crate::{ApiError, AppState};

/// How a field is entered.
enum Input {
    Text,
    Date,
    Choice(Vec<(String, String)>),
}

/// One field of a form.
struct FormField {
    name: &'static str,
    label: &'static str,
    input: Input,
    required: bool,
}

fn field(name: &'static str, label: &'static str, input: Input, required: bool) -> FormField {
    FormField {
        name,
        label,
        input,
        required,
    }
}

fn sexes() -> Input {
    Input::Choice(
        [Sex::Male, Sex::Female]
            .iter()
            .map(|s| (s.code().to_string(), s.name().to_string()))
            .collect(),
    )
}

fn ethnicities() -> Input {
    Input::Choice(
        Ethnicity::all()
            .map(|e| (e.code().to_string(), e.name().to_string()))
            .collect(),
    )
}

fn hukou_types() -> Input {
    let mut options = vec![(String::new(), "（不变）".to_string())];
    options.extend(HukouType::all().map(|t| (t.code().to_string(), t.name().to_string())));
    Input::Choice(options)
}

fn correctable() -> Input {
    let fixed = [
        Field::Status,
        Field::DeathDate,
        Field::Mother,
        Field::Father,
        Field::Spouse,
        Field::Household,
    ];
    Input::Choice(
        Field::ALL
            .into_iter()
            .filter(|f| !fixed.contains(f))
            .map(|f| (f.as_str().to_string(), f.chinese().to_string()))
            .collect(),
    )
}

/// The title and fields of each form; `None` for an unknown kind.
fn form_for(kind: &str) -> Option<(&'static str, Vec<FormField>)> {
    use Input::{Date, Text};
    let date = || field("date", "日期", Date, true);
    Some(match kind {
        "birth" => (
            "出生登记",
            vec![
                field("name", "婴儿姓名", Text, true),
                field("sex", "性别", sexes(), true),
                field("birth_date", "出生日期", Date, true),
                field("ethnicity", "民族", ethnicities(), true),
                field("residence", "现住地区划代码（村/社区）", Text, true),
                field(
                    "other_parent",
                    "另一方父母的公民身份号码（可不填）",
                    Text,
                    false,
                ),
            ],
        ),
        "death" => ("死亡登记", vec![field("date", "死亡日期", Date, true)]),
        "marriage" => (
            "结婚登记",
            vec![field("spouse", "配偶的公民身份号码", Text, true), date()],
        ),
        "divorce" => ("离婚登记", vec![date()]),
        "move_within" => (
            "省内迁移登记",
            vec![field("to", "迁入地区划代码（村/社区）", Text, true), date()],
        ),
        "move_out" => (
            "迁出本省登记",
            vec![date(), field("destination", "迁往地", Text, false)],
        ),
        "move_back" => (
            "迁回本省登记",
            vec![field("to", "迁入地区划代码（村/社区）", Text, true), date()],
        ),
        "registration_change" => (
            "户籍变更登记",
            vec![
                field("hukou_region", "户籍地区划代码（可不填）", Text, false),
                field("hukou_type", "户口类别", hukou_types(), false),
                date(),
            ],
        ),
        "correction" => (
            "信息更正",
            vec![
                field("field", "更正项目", correctable(), true),
                field("value", "正确的值（代码或日期）", Text, false),
                date(),
                field("reason", "更正原因", Text, true),
            ],
        ),
        "move_in" => (
            "迁入登记",
            vec![
                field("name", "姓名", Text, true),
                field("id_number", "公民身份号码（可不填）", Text, false),
                field("sex", "性别", sexes(), true),
                field("birth_date", "出生日期", Date, true),
                field("ethnicity", "民族", ethnicities(), true),
                field("residence", "现住地区划代码（村/社区）", Text, true),
                date(),
            ],
        ),
        _ => return None,
    })
}

/// The errors of a submitted form: per field, and for the form as a whole.
type Errors = Vec<(Option<&'static str>, String)>;

fn render(
    session: &Session,
    person: Option<&Person>,
    kind: &str,
    values: &HashMap<String, String>,
    errors: &Errors,
) -> axum::response::Html<String> {
    let Some((title, fields)) = form_for(kind) else {
        return page("未找到", session, html! { p { "没有这种登记。" } });
    };
    let action = match person {
        Some(p) => format!("/persons/{}/events/{kind}", p.id),
        None => format!("/events/{kind}"),
    };
    let general: Vec<&String> = errors
        .iter()
        .filter(|(f, _)| f.is_none_or(|f| !fields.iter().any(|x| x.name == f)))
        .map(|(_, m)| m)
        .collect();
    page(
        title,
        session,
        html! {
            h1 { (title) @if let Some(p) = person { "：" a href={ "/persons/" (p.id) } { (p.name.as_str()) } } }
            @for m in &general { p.notice role="alert" { (m) } }
            form.entry method="post" action=(action) novalidate {
                (csrf_field(session))
                (idempotency_field())
                @for f in &fields {
                    (input(f, values.get(f.name).map(String::as_str).unwrap_or(""),
                        errors.iter().filter(|(n, _)| *n == Some(f.name)).map(|(_, m)| m.as_str()).collect()))
                }
                button.primary type="submit" { "提交" }
            }
        },
    )
}

fn input(f: &FormField, value: &str, errors: Vec<&str>) -> Markup {
    let id = f.name;
    let error_id = format!("{id}-error");
    html! {
        label for=(id) { (f.label) @if f.required { " *" } }
        @match &f.input {
            Input::Choice(options) => {
                select #(id) name=(f.name) {
                    @for (code, name) in options {
                        option value=(code) selected[code == value] { (name) }
                    }
                }
            }
            Input::Date => { input #(id) name=(f.name) type="date" value=(value) aria-describedby=(error_id); }
            Input::Text => { input #(id) name=(f.name) value=(value) aria-describedby=(error_id); }
        }
        @for e in errors { p.error id=(error_id) { (e) } }
    }
}

/// Defaults shown when a form opens.
fn defaults(kind: &str, person: Option<&Person>) -> HashMap<String, String> {
    let mut values = HashMap::new();
    values.insert("ethnicity".to_string(), "01".to_string());
    if let Some(p) = person {
        values.insert("residence".into(), p.residence.to_string());
        if let Some(e) = p.ethnicity {
            values.insert("ethnicity".into(), e.code().to_string());
        }
    }
    if kind == "correction" {
        values.insert("date".into(), today_in_china().to_string());
    }
    values
}

/// Reads the form into a command, naming every field that is wrong.
async fn command_of(
    state: &AppState,
    session: &Session,
    kind: &str,
    person: Option<&Person>,
    v: &HashMap<String, String>,
) -> Result<Command, Errors> {
    let mut errors: Errors = Vec::new();
    let text = |name: &str| v.get(name).map(|s| s.trim()).unwrap_or("");
    let need = |name: &'static str, errors: &mut Errors| {
        let t = v.get(name).map(|s| s.trim()).unwrap_or("");
        if t.is_empty() {
            errors.push((Some(name), "此项必填".into()));
        }
        t.to_string()
    };
    macro_rules! parsed {
        ($name:literal, $parse:expr, $what:literal) => {{
            let t = need($name, &mut errors);
            if t.is_empty() {
                None
            } else {
                match $parse(t.as_str()) {
                    Ok(x) => Some(x),
                    Err(e) => {
                        errors.push((Some($name), format!(concat!($what, "有误：{}"), e)));
                        None
                    }
                }
            }
        }};
    }
    let date = |name: &'static str, errors: &mut Errors| -> Option<chrono::NaiveDate> {
        let t = v.get(name).map(|s| s.trim()).unwrap_or("");
        if t.is_empty() {
            errors.push((Some(name), "此项必填".into()));
            return None;
        }
        parse_date(t)
            .map_err(|_| errors.push((Some(name), format!("日期有误：{t}（应为 年-月-日）"))))
            .ok()
    };
    let scope = Scope::writable(&session.account);
    let me = person.map(|p| p.id).unwrap_or(PersonId(0));
    let command = match kind {
        "birth" | "move_in" => {
            let name = parsed!("name", PersonName::parse, "姓名");
            let sex = parsed!("sex", Sex::parse, "性别");
            let birth_date = date("birth_date", &mut errors);
            let ethnicity = parsed!("ethnicity", Ethnicity::parse, "民族");
            let residence = parsed!("residence", RegionCode::parse, "区划代码");
            let id_number = match text("id_number") {
                "" => None,
                t => IdNumber::parse(t)
                    .map_err(|e| errors.push((Some("id_number"), format!("公民身份号码有误：{e}"))))
                    .ok(),
            };
            let other = match text("other_parent") {
                "" => None,
                t => match IdNumber::parse(t) {
                    Err(e) => {
                        errors.push((Some("other_parent"), format!("公民身份号码有误：{e}")));
                        None
                    }
                    Ok(n) => match state.store.person_by_id_number_in(&n, &scope).await {
                        Ok(Some(p)) => Some(p),
                        _ => {
                            errors
                                .push((Some("other_parent"), "在您的管辖范围内未找到此人".into()));
                            None
                        }
                    },
                },
            };
            let move_date = if kind == "move_in" {
                date("date", &mut errors)
            } else {
                None
            };
            let (Some(name), Some(sex), Some(birth_date), Some(residence), true) =
                (name, sex, birth_date, residence, errors.is_empty())
            else {
                return Err(errors);
            };
            let newcomer = NewPerson {
                id_number,
                name,
                sex,
                birth_date,
                ethnicity,
                residence,
                hukou_region: Some(residence),
                hukou_type: None,
                household_id: if kind == "birth" {
                    person.and_then(|p| p.household_id)
                } else {
                    None
                },
                relation: None,
                marital_status: None,
                education: None,
            };
            if kind == "move_in" {
                Command::MoveIn {
                    newcomer,
                    date: move_date.unwrap_or(birth_date),
                }
            } else {
                let parents = person.into_iter().chain(other.as_ref());
                let (mut mother, mut father) = (None, None);
                for p in parents {
                    if p.sex == Sex::Female {
                        mother = Some(p.id)
                    } else {
                        father = Some(p.id)
                    }
                }
                Command::Birth {
                    child: newcomer,
                    mother,
                    father,
                }
            }
        }
        "death" => match date("date", &mut errors) {
            Some(date) => Command::Death { person: me, date },
            None => return Err(errors),
        },
        "marriage" => {
            let spouse = parsed!("spouse", IdNumber::parse, "公民身份号码");
            let date = date("date", &mut errors);
            let spouse = match spouse {
                Some(n) => match state.store.person_by_id_number_in(&n, &scope).await {
                    Ok(Some(p)) => Some(p.id),
                    _ => {
                        errors.push((Some("spouse"), "在您的管辖范围内未找到此人".into()));
                        None
                    }
                },
                None => None,
            };
            match (spouse, date) {
                (Some(b), Some(date)) => Command::Marriage { a: me, b, date },
                _ => return Err(errors),
            }
        }
        "divorce" => match (person.and_then(|p| p.spouse_id), date("date", &mut errors)) {
            (Some(b), Some(date)) => Command::Divorce { a: me, b, date },
            (None, _) => return Err(vec![(None, "此人没有登记配偶".into())]),
            _ => return Err(errors),
        },
        "move_within" | "move_back" => {
            let to = parsed!("to", RegionCode::parse, "区划代码");
            match (to, date("date", &mut errors)) {
                (Some(to), Some(date)) if kind == "move_within" => Command::MoveWithin {
                    person: me,
                    to,
                    date,
                },
                (Some(to), Some(date)) => Command::MoveBack {
                    person: me,
                    to,
                    date,
                },
                _ => return Err(errors),
            }
        }
        "move_out" => match date("date", &mut errors) {
            Some(date) => Command::MoveOut {
                person: me,
                date,
                destination: Some(text("destination").to_string()).filter(|d| !d.is_empty()),
            },
            None => return Err(errors),
        },
        "registration_change" => {
            let hukou_region = match text("hukou_region") {
                "" => None,
                t => RegionCode::parse(t)
                    .map_err(|e| errors.push((Some("hukou_region"), format!("区划代码有误：{e}"))))
                    .ok(),
            };
            let hukou_type = match text("hukou_type") {
                "" => None,
                t => HukouType::parse(t)
                    .map_err(|e| errors.push((Some("hukou_type"), format!("户口类别有误：{e}"))))
                    .ok(),
            };
            match date("date", &mut errors) {
                Some(date) if errors.is_empty() => Command::RegistrationChange {
                    person: me,
                    hukou_region,
                    hukou_type,
                    date,
                },
                _ => return Err(errors),
            }
        }
        "correction" => {
            let field = Field::parse(text("field"));
            if field.is_none() {
                errors.push((Some("field"), "请选择更正项目".into()));
            }
            let reason = need("reason", &mut errors);
            let value = Some(text("value").to_string()).filter(|v| !v.is_empty());
            match (field, date("date", &mut errors)) {
                (Some(field), Some(date)) if errors.is_empty() => Command::Correction {
                    person: me,
                    field,
                    value,
                    date,
                    reason,
                },
                _ => return Err(errors),
            }
        }
        _ => return Err(vec![(None, "没有这种登记".into())]),
    };
    Ok(command)
}

/// Which form field an API refusal is about (`None`: the form as a whole,
/// e.g. the mother's age when the form is on the mother's page).
fn form_field(kind: &str, err: &ApiError, person: Option<&Person>) -> Option<&'static str> {
    let on_page = |sex: Sex| person.is_some_and(|p| p.sex == sex);
    match (kind, err.field.as_deref()) {
        ("birth", Some("mother")) if on_page(Sex::Female) => None,
        ("birth", Some("father")) if on_page(Sex::Male) => None,
        ("birth" | "move_in", Some("date")) => Some("birth_date"),
        (_, Some("date")) => Some("date"),
        ("birth", Some("mother" | "father")) => Some("other_parent"),
        ("birth" | "move_in", Some("residence")) => Some("residence"),
        ("move_within" | "move_back", Some("residence")) => Some("to"),
        (_, Some("id_number")) => Some("id_number"),
        _ => None,
    }
}

/// The person an event form is for, among those the caller enters records for.
async fn load(state: &AppState, session: &Session, id: i64) -> Result<Person, WebError> {
    state
        .store
        .person_in(PersonId(id), &Scope::writable(&session.account))
        .await?
        .ok_or(WebError(ApiError::not_found()))
}

/// Writes down that a form showed the person (a successful submission is
/// audited as the event it records instead).
async fn audit_form_read(
    state: &AppState,
    session: &Session,
    person: Option<&Person>,
    kind: &str,
) -> Result<(), ApiError> {
    let Some(person) = person else {
        return Ok(());
    };
    state
        .audit
        .write(vec![session.audit_entry(
            "read_person",
            Some(person.id.0),
            format!("event form {kind}"),
        )])
        .await
}

/// `GET /persons/{id}/events/{kind}`.
pub async fn person_form(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path((id, kind)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let person = load(&state, &session, id).await?;
    audit_form_read(&state, &session, Some(&person), &kind).await?;
    let values = defaults(&kind, Some(&person));
    Ok(render(&session, Some(&person), &kind, &values, &Vec::new()).into_response())
}

/// `POST /persons/{id}/events/{kind}`.
pub async fn person_submit(
    State(state): State<AppState>,
    Path((id, kind)): Path<(i64, String)>,
    CsrfForm(session, values): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let person = load(&state, &session, id).await?;
    submit(&state, &session, Some(&person), &kind, values).await
}

/// `GET /events/move_in`.
pub async fn newcomer_form(WebSession(session): WebSession) -> Response {
    render(
        &session,
        None,
        "move_in",
        &defaults("move_in", None),
        &Vec::new(),
    )
    .into_response()
}

/// `POST /events/move_in`.
pub async fn newcomer_submit(
    State(state): State<AppState>,
    CsrfForm(session, values): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    submit(&state, &session, None, "move_in", values).await
}

async fn submit(
    state: &AppState,
    session: &Session,
    person: Option<&Person>,
    kind: &str,
    values: HashMap<String, String>,
) -> Result<Response, WebError> {
    let refused = |errors: Errors| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            render(session, person, kind, &values, &errors),
        )
            .into_response()
    };
    let command = match command_of(state, session, kind, person, &values).await {
        Ok(command) => command,
        Err(errors) => {
            audit_form_read(state, session, person, kind).await?;
            return Ok(refused(errors));
        }
    };
    let key = values.get("idempotency_key").map(String::as_str);
    match record(state, session, &command, "web", key).await {
        Ok(recorded) => {
            let shown = if kind == "birth" || kind == "move_in" {
                recorded.person_id
            } else {
                person.map(|p| p.id).unwrap_or(recorded.person_id)
            };
            Ok(Redirect::to(&format!("/persons/{shown}")).into_response())
        }
        Err(err)
            if err.status.is_client_error() && err.status != StatusCode::FORBIDDEN
                || err.error == "outside_scope" =>
        {
            audit_form_read(state, session, person, kind).await?;
            Ok(refused(vec![(form_field(kind, &err, person), err.message)]))
        }
        Err(err) => Err(WebError(err)),
    }
}

/// The event forms.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/persons/{id}/events/{kind}",
            get(person_form).post(person_submit),
        )
        .route("/events/move_in", get(newcomer_form).post(newcomer_submit))
}
