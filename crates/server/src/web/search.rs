//! Finding people: one box that takes an identity number, a name (whole,
//! part, surname or pinyin) or a region code; and a region's people.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use renkou_domain::quality::Check;
use renkou_domain::{Field, IdNumber, PersonName, RegionCode};
use renkou_store::{NameMatch, PersonFilter, Scope};
use serde::Deserialize;

use crate::web::auth::WebSession;
use crate::web::error::WebError;
use crate::web::layout::page;
use crate::web::person_list::{self, ListQuery, PersonList};
use crate::{ApiError, AppState};

/// The search box.
pub fn search_form(q: &str) -> Markup {
    html! {
        form.search method="get" action="/search" {
            label for="q" { "公民身份号码、姓名（可输入姓、部分姓名或拼音）或区划代码" }
            input #q name="q" value=(q) required;
            button.primary type="submit" { "查询" }
        }
    }
}

/// `/search` parameters.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

/// What the box was given.
enum Wanted {
    IdNumber(IdNumber),
    Region(RegionCode),
    Name(NameMatch),
}

fn understand(q: &str) -> Result<Wanted, String> {
    let q = q.trim();
    let digits = q
        .chars()
        .all(|c| c.is_ascii_digit() || c == 'x' || c == 'X');
    if digits && q.len() == 12 && !q.ends_with(['x', 'X']) {
        return RegionCode::parse(q)
            .map(Wanted::Region)
            .map_err(|e| format!("区划代码有误：{e}"));
    }
    if digits && (q.len() == 15 || q.len() == 18) {
        return IdNumber::parse(q)
            .map(Wanted::IdNumber)
            .map_err(|e| format!("公民身份号码有误：{e}"));
    }
    if let Some(pinyin) = NameMatch::pinyin(q) {
        return Ok(Wanted::Name(pinyin));
    }
    let name = PersonName::parse(q).map_err(|e| format!("姓名有误：{e}"))?;
    // One character is a surname; more may be part of a name.
    Ok(Wanted::Name(if name.as_str().chars().count() == 1 {
        NameMatch::StartsWith(name.as_str().to_string())
    } else {
        NameMatch::Contains(name.as_str().to_string())
    }))
}

/// `GET /search?q=`.
pub async fn search(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(params): Query<SearchParams>,
    Query(list): Query<ListQuery>,
) -> Result<Response, WebError> {
    let q = params.q.trim();
    let shown = |body: Markup| {
        page(
            "查询",
            &session,
            html! { h1 { "人员查询" } (search_form(q)) (body) },
        )
        .into_response()
    };
    if q.is_empty() {
        return Ok(shown(html! {}));
    }
    match understand(q) {
        Err(message) => Ok(shown(html! { p.error role="alert" { (message) } })),
        Ok(Wanted::Region(r)) => Ok(Redirect::to(&format!("/regions/{r}")).into_response()),
        Ok(Wanted::IdNumber(n)) => {
            // One number is one person: open the record.
            let scope = Scope::of(&session.account);
            match state.store.person_by_id_number_in(&n, &scope).await? {
                Some(person) => {
                    Ok(Redirect::to(&format!("/persons/{}", person.id)).into_response())
                }
                None => Ok(shown(
                    html! { p { "在您的管辖范围内未找到该公民身份号码。" } },
                )),
            }
        }
        Ok(Wanted::Name(name)) => {
            let path = format!("/search?q={}", urlencoding(q));
            let list_of = PersonList {
                family_planning: false,
                title: "人员查询".into(),
                path,
                region: None,
                filter: PersonFilter {
                    name: Some(name),
                    ..PersonFilter::default()
                },
                audit: "search by name".into(),
                before: search_form(q),
            };
            person_list::respond(&state, &session, list_of, &list).await
        }
    }
}

/// `/regions/{code}` parameters.
#[derive(Debug, Deserialize)]
pub struct RegionParams {
    /// `id_number`: only the living persons who lack one (the to-do list).
    missing: Option<String>,
}

/// `GET /regions/{code}`: a region's people, counted, sorted, filtered,
/// page by page, printable and exportable.
pub async fn region_list(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(code): Path<String>,
    Query(params): Query<RegionParams>,
    Query(list): Query<ListQuery>,
) -> Result<Response, WebError> {
    let code = RegionCode::parse(&code)
        .map_err(|e| WebError(ApiError::invalid("region", format!("区划代码有误：{e}"))))?;
    let name = state.region_name(&code).await?;
    let missing = params.missing.as_deref() == Some("id_number");
    let (title, path, failing) = if missing {
        (
            format!("{name}缺少公民身份号码的人员"),
            format!("/regions/{code}?missing=id_number"),
            Some(Check::Missing(Field::IdNumber)),
        )
    } else {
        (format!("{name}人员名单"), format!("/regions/{code}"), None)
    };
    let list_of = PersonList {
        family_planning: false,
        title,
        path,
        region: Some(code),
        filter: PersonFilter {
            failing,
            ..PersonFilter::default()
        },
        audit: format!("list of region {code}"),
        before: html! {},
    };
    person_list::respond(&state, &session, list_of, &list).await
}

/// Percent-encodes a query value.
fn urlencoding(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Search and region lists.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/search", get(search))
        .route("/regions/{code}", get(region_list))
}
