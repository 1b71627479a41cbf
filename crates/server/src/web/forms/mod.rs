//! Forms to register each event, with the reason for a refusal in Chinese
//! next to the field it concerns. Posts carry the session's CSRF token and
//! answer with a redirect to the person's page (so a reload posts nothing).
//!
//! Each event kind is one typed form ([`EventForm`]), in the file of its
//! family: `newcomers` (birth, move in), `family` (death, marriage,
//! divorce), `moves` (within, out, back), `records` (registration change,
//! correction). This file serves them all.

mod family;
mod fields;
mod moves;
mod newcomers;
mod records;
mod regions;
mod wis;

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use renkou_domain::rules::Command;
use renkou_domain::{IdNumber, Person, PersonId, Subsystem};
use renkou_store::Scope;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::routes::events::record;
use crate::session::Session;
use crate::web::auth::{CsrfForm, WebSession, csrf_field, idempotency_field};
use crate::web::error::WebError;
use crate::web::layout::page;
use crate::{ApiError, AppState};
use fields::{Check, Errors, FieldOptions, FormField, input};

/// A form that records one kind of event.
trait EventForm: DeserializeOwned + Serialize + Default + Send + Sync + 'static {
    /// The kind in the form's address (`/persons/{id}/events/{KIND}`).
    const KIND: &'static str;
    /// The form's heading.
    const TITLE: &'static str;
    /// The subsystem whose records it writes (a grant must open it).
    const SUBSYSTEM: Subsystem = Subsystem::Registry;
    /// The fields, in the order shown (they may depend on what was chosen).
    fn fields(&self) -> Vec<FormField>;
    /// Whether the form is complete enough to submit; otherwise it is shown
    /// as a first step (a choice that decides the rest) sent by GET.
    fn ready(&self) -> bool {
        true
    }
    /// The values shown when the form opens.
    fn opened(_person: Option<&Person>) -> Self {
        Self::default()
    }
    /// Reads the form into a command, naming every field that is wrong.
    fn command(
        &self,
        context: &FormContext<'_>,
    ) -> impl Future<Output = Result<Command, Errors>> + Send;
    /// Which form field a refusal of the register (naming its own field) is
    /// about; `None`: the form as a whole.
    fn field_of(field: &str, _person: Option<&Person>) -> Option<&'static str> {
        match field {
            "date" => Some("date"),
            "id_number" => Some("id_number"),
            _ => None,
        }
    }
}

/// What a form's command is read against.
struct FormContext<'a> {
    state: &'a AppState,
    /// The regions the user enters records for.
    scope: Scope,
    /// The person whose page the form is on.
    person: Option<&'a Person>,
    /// Per region field: the regions a typed name could mean.
    candidates: std::sync::Mutex<fields::Candidates>,
}

impl FormContext<'_> {
    /// The person the form is for (0 for a newcomer's form, which names none).
    fn me(&self) -> PersonId {
        self.person.map(|p| p.id).unwrap_or(PersonId(0))
    }

    /// The person holding a number, among those the user enters records for.
    async fn person_numbered(
        &self,
        check: &mut Check,
        field: &'static str,
        number: Option<IdNumber>,
    ) -> Option<Person> {
        let number = number?;
        match self
            .state
            .store
            .person_by_id_number_in(&number, &self.scope)
            .await
        {
            Ok(Some(p)) => Some(p),
            _ => {
                check.refuse(Some(field), "在您的管辖范围内未找到此人");
                None
            }
        }
    }
}

/// A posted form with the hidden key that makes a second post record nothing.
#[derive(Deserialize)]
struct Posted<F> {
    #[serde(flatten)]
    form: F,
    idempotency_key: Option<String>,
}

fn render<F: EventForm>(
    session: &Session,
    person: Option<&Person>,
    form: &F,
    errors: &Errors,
    options: &FieldOptions,
) -> axum::response::Html<String> {
    let fields = form.fields();
    let values = match serde_json::to_value(form) {
        Ok(serde_json::Value::Object(values)) => values,
        _ => serde_json::Map::new(),
    };
    let value = |name: &str| values.get(name).and_then(|v| v.as_str()).unwrap_or("");
    let action = match person {
        Some(p) => format!("/persons/{}/events/{}", p.id, F::KIND),
        None => format!("/events/{}", F::KIND),
    };
    let general: Vec<&String> = errors
        .iter()
        .filter(|(f, _)| f.is_none_or(|f| !fields.iter().any(|x| x.name == f)))
        .map(|(_, m)| m)
        .collect();
    let ready = form.ready();
    page(
        F::TITLE,
        session,
        html! {
            h1 { (F::TITLE) @if let Some(p) = person { "：" a href={ "/persons/" (p.id) } { (p.name.as_str()) } } }
            @for m in &general { p.notice role="alert" { (m) } }
            form.entry method=(if ready { "post" } else { "get" }) action=(action) novalidate {
                @if ready {
                    (csrf_field(session))
                    (idempotency_field())
                }
                @for f in &fields {
                    (input(f, value(f.name),
                        errors.iter().filter(|(n, _)| *n == Some(f.name)).map(|(_, m)| m.as_str()).collect(),
                        options))
                }
                button.primary type="submit" { @if ready { "提交" } @else { "下一步" } }
            }
        },
    )
}

/// The options of a form's region fields for this user.
async fn options_for(state: &AppState, session: &Session) -> Result<FieldOptions, WebError> {
    Ok(FieldOptions {
        own_villages: regions::own_villages(state, session).await?,
        candidates: Vec::new(),
    })
}

/// The form as it opens, with what the address asks for laid over it
/// (`?field=ethnicity` opens a correction of the ethnicity).
fn opened<F: EventForm>(person: Option<&Person>, asked: HashMap<String, String>) -> F {
    let form = F::opened(person);
    let Ok(serde_json::Value::Object(mut values)) = serde_json::to_value(&form) else {
        return form;
    };
    for (key, value) in asked {
        if values.contains_key(&key) {
            values.insert(key, serde_json::Value::String(value));
        }
    }
    serde_json::from_value(serde_json::Value::Object(values)).unwrap_or(form)
}

/// The person an event form is for, among those the caller enters the
/// form's records for.
async fn load<F: EventForm>(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<Person, WebError> {
    state
        .store
        .person_in(
            PersonId(id),
            &Scope::writing(&session.account, F::SUBSYSTEM),
        )
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
async fn person_form<F: EventForm>(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(id): Path<i64>,
    Query(asked): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let person = load::<F>(&state, &session, id).await?;
    audit_form_read(&state, &session, Some(&person), F::KIND).await?;
    let form: F = opened(Some(&person), asked);
    let options = options_for(&state, &session).await?;
    Ok(render(&session, Some(&person), &form, &Vec::new(), &options).into_response())
}

/// `POST /persons/{id}/events/{kind}`.
async fn person_submit<F: EventForm>(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(session, posted): CsrfForm<Posted<F>>,
) -> Result<Response, WebError> {
    let person = load::<F>(&state, &session, id).await?;
    submit(&state, &session, Some(&person), posted).await
}

/// `GET /events/move_in`: a newcomer, on no one's page.
async fn newcomer_form(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(asked): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let form: newcomers::MoveIn = opened(None, asked);
    let options = options_for(&state, &session).await?;
    Ok(render(&session, None, &form, &Vec::new(), &options).into_response())
}

/// `POST /events/move_in`.
async fn newcomer_submit(
    State(state): State<AppState>,
    CsrfForm(session, posted): CsrfForm<Posted<newcomers::MoveIn>>,
) -> Result<Response, WebError> {
    submit(&state, &session, None, posted).await
}

async fn submit<F: EventForm>(
    state: &AppState,
    session: &Session,
    person: Option<&Person>,
    posted: Posted<F>,
) -> Result<Response, WebError> {
    let Posted {
        form,
        idempotency_key,
    } = posted;
    let context = FormContext {
        state,
        scope: Scope::writing(&session.account, F::SUBSYSTEM),
        person,
        candidates: std::sync::Mutex::new(Vec::new()),
    };
    let result = form.command(&context).await;
    let mut options = options_for(state, session).await?;
    options.candidates = context.candidates.into_inner().unwrap_or_default();
    let refused = |errors: Errors| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            render(session, person, &form, &errors, &options),
        )
            .into_response()
    };
    let command = match result {
        Ok(command) => command,
        Err(errors) => {
            audit_form_read(state, session, person, F::KIND).await?;
            return Ok(refused(errors));
        }
    };
    match record(state, session, &command, "web", idempotency_key.as_deref()).await {
        Ok(recorded) => {
            let shown = match command {
                Command::Birth { .. } | Command::MoveIn { .. } => recorded.person_id,
                _ => person.map(|p| p.id).unwrap_or(recorded.person_id),
            };
            // A move can take the person out of the user's regions: then the
            // home page says what was done, not "not found".
            let readable = state
                .store
                .person_in(shown, &Scope::of(&session.account))
                .await?
                .is_some();
            let to = if readable && F::SUBSYSTEM == Subsystem::Wis {
                format!("/persons/{shown}/card?done={}", F::KIND)
            } else if readable {
                format!("/persons/{shown}?done={}", F::KIND)
            } else {
                format!("/?done={}&elsewhere=1", F::KIND)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(err)
            if err.status.is_client_error() && err.status != StatusCode::FORBIDDEN
                || err.error == "outside_scope" =>
        {
            audit_form_read(state, session, person, F::KIND).await?;
            let field = err.field.as_deref().and_then(|f| F::field_of(f, person));
            Ok(refused(vec![(field, err.message)]))
        }
        Err(err) => Err(WebError(err)),
    }
}

/// Calls `$then!` with every event form, in the order of the menu.
macro_rules! every_form {
    ($then:ident) => {
        $then!(
            newcomers::Birth,
            newcomers::MoveIn,
            family::Death,
            family::Marriage,
            family::Divorce,
            moves::MoveWithin,
            moves::MoveOut,
            moves::MoveBack,
            records::RegistrationChange,
            records::Correction,
            wis::Pregnancy,
            wis::PregnancyCheck,
            wis::PregnancyOutcome,
            wis::ContraceptionStart,
            wis::ContraceptionChange,
            wis::ContraceptionStop,
            wis::IudCheck,
            wis::Visit,
            wis::HealthService
        )
    };
}

/// The title of the form of a kind: what the page after it says was done.
pub fn title_of(kind: &str) -> Option<&'static str> {
    macro_rules! titles {
        ($($form:ty),*) => { [$((<$form>::KIND, <$form>::TITLE)),*] };
    }
    every_form!(titles)
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, title)| title)
}

/// A form's two addresses on a person's page.
fn on_person_page<F: EventForm>(router: axum::Router<AppState>) -> axum::Router<AppState> {
    use axum::routing::get;
    router.route(
        &format!("/persons/{{id}}/events/{}", F::KIND),
        get(person_form::<F>).post(person_submit::<F>),
    )
}

/// The event forms.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    let mut router =
        axum::Router::new().route("/events/move_in", get(newcomer_form).post(newcomer_submit));
    macro_rules! on_pages {
        ($($form:ty),*) => { $(router = on_person_page::<$form>(router);)* };
    }
    every_form!(on_pages);
    router
}
