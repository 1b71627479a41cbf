//! Finding people: one box that takes an identity number, a name or a
//! region code; and the printable list of a region's people.

use axum::extract::{Path, Query, State};
use maud::{Markup, html};
use renkou_domain::{IdNumber, Person, PersonName, RegionCode};
use renkou_store::Scope;
use serde::Deserialize;

use crate::routes::persons::{PAGE_SIZE, audit_reads, next_after};
use crate::web::auth::WebSession;
use crate::web::error::{PageResult, WebError};
use crate::web::layout::page;
use crate::web::view::{next_link, person_table};
use crate::{ApiError, AppState};

/// The search box.
pub fn search_form(q: &str) -> Markup {
    html! {
        form.search method="get" action="/search" {
            label for="q" { "公民身份号码、姓名或区划代码" }
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
    after: Option<i64>,
}

/// What the box was given.
enum Wanted {
    IdNumber(IdNumber),
    Region(RegionCode),
    Name(PersonName),
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
    PersonName::parse(q)
        .map(Wanted::Name)
        .map_err(|e| format!("姓名有误：{e}"))
}

/// `GET /search?q=`.
pub async fn search(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(params): Query<SearchParams>,
) -> PageResult {
    let scope = Scope::of(&session.account);
    let after = params.after.unwrap_or(0);
    let found: Result<(Vec<Person>, &str), String> = if params.q.trim().is_empty() {
        Ok((Vec::new(), ""))
    } else {
        match understand(&params.q) {
            Err(message) => Err(message),
            Ok(Wanted::IdNumber(n)) => Ok((
                state
                    .store
                    .person_by_id_number_in(&n, &scope)
                    .await?
                    .into_iter()
                    .collect(),
                "search by id_number",
            )),
            Ok(Wanted::Region(r)) => Ok((
                state
                    .store
                    .persons_in_region(&r, &scope, after, PAGE_SIZE)
                    .await?,
                "list of region",
            )),
            Ok(Wanted::Name(n)) => Ok((
                state
                    .store
                    .persons_named(n.as_str(), None, &scope, after, PAGE_SIZE)
                    .await?,
                "search by name",
            )),
        }
    };
    let body = match found {
        Err(message) => html! { (search_form(&params.q)) p.error role="alert" { (message) } },
        Ok((persons, detail)) => {
            audit_reads(&state, &session, &persons, detail).await?;
            let next = next_after(&persons);
            let base = format!("/search?q={}&", urlencoding(&params.q));
            html! {
                (search_form(&params.q))
                @if !params.q.trim().is_empty() {
                    h2 { "查询结果（" (persons.len()) "）" }
                    @if persons.is_empty() { p { "在您的管辖范围内未找到符合条件的人员。" } }
                    @else { (person_table(&persons, session.sees_full_numbers())) }
                    (next_link(&base, next))
                }
            }
        }
    };
    Ok(page("查询", &session, html! { h1 { "人员查询" } (body) }))
}

/// `/regions/{code}` parameters.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    after: Option<i64>,
    /// `id_number`: only the living persons who lack one (the to-do list).
    missing: Option<String>,
}

/// `GET /regions/{code}`: the region's sub-regions and its people, page by
/// page, printable.
pub async fn region_list(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Path(code): Path<String>,
    Query(params): Query<ListParams>,
) -> PageResult {
    let code = RegionCode::parse(&code)
        .map_err(|e| WebError(ApiError::invalid("region", format!("区划代码有误：{e}"))))?;
    let region = state.store.region(&code).await?;
    let name = region.map(|r| r.name).unwrap_or_else(|| code.to_string());
    let scope = Scope::of(&session.account);
    let children: Vec<_> = state
        .store
        .region_children(&code)
        .await?
        .into_iter()
        .filter(|r| {
            RegionCode::parse(&r.code)
                .is_ok_and(|c| scope.contains(&c) || !scope.within(&c).is_empty())
        })
        .collect();
    let after = params.after.unwrap_or(0);
    let missing = params.missing.as_deref() == Some("id_number");
    let persons = if missing {
        state
            .store
            .persons_missing_id_number(&code, &scope, after, PAGE_SIZE)
            .await?
    } else {
        state
            .store
            .persons_in_region(&code, &scope, after, PAGE_SIZE)
            .await?
    };
    audit_reads(
        &state,
        &session,
        &persons,
        &format!("list of region {code}"),
    )
    .await?;
    let next = next_after(&persons);
    Ok(page(
        &name,
        &session,
        html! {
            h1 { (name) @if missing { "缺少公民身份号码的人员" } @else { "人员名单" } " " span.muted { (code) } }
            @if !children.is_empty() {
                p.actions {
                    "下级区划："
                    @for c in &children { a href={ "/regions/" (c.code) } { (c.name) } }
                }
            }
            p.actions { a href="javascript:print()" { "打印" } }
            (person_table(&persons, session.sees_full_numbers()))
            (next_link(&format!("/regions/{code}?{}", if missing { "missing=id_number&" } else { "" }), next))
        },
    ))
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
