//! The family-planning services' cases about a person, on their page (办件):
//! each case of a kind the reader's grants open where the person lives,
//! with its state and a link to its page — the person's history of
//! certificates, approvals, appeals and requests beside their events.

use maud::{Markup, html};
use renkou_domain::Person;
use renkou_domain::cases::{CaseKind, Step};
use renkou_store::Scope;

use crate::session::Session;
use crate::{ApiError, AppState};

/// Where a case of a kind is read.
pub fn case_link(kind: CaseKind, case: i64) -> Option<String> {
    match kind {
        CaseKind::MigrantNotice => None, // shown by the migrants' own section
        CaseKind::SupportRoll => None,   // about a region
        CaseKind::SupportAppeal => Some(format!("/support/appeals/{case}")),
        CaseKind::CitizenRequest => Some(format!("/requests/{case}")),
        CaseKind::OnlyChildCertificate | CaseKind::CertificateRevocation => {
            Some(format!("/certificates/applications/{case}"))
        }
        CaseKind::Rebirth => Some(format!("/rebirth/{case}")),
    }
}

/// The section (empty when there is nothing the reader may see).
pub async fn person_section(
    state: &AppState,
    session: &Session,
    person: &Person,
) -> Result<Markup, ApiError> {
    let cases: Vec<(CaseKind, String, renkou_store::Case)> = state
        .store
        .cases_about(person.id)
        .await?
        .into_iter()
        .filter_map(|c| {
            let kind = CaseKind::parse(&c.kind)?;
            let link = case_link(kind, c.id)?;
            Scope::reading(&session.account, kind.subsystem())
                .contains(&person.residence)
                .then_some((kind, link, c))
        })
        .collect();
    if cases.is_empty() {
        return Ok(html! {});
    }
    Ok(html! {
        section {
            h2 { "办件" }
            div.scroll { table.stack {
                thead { tr { th { "编号" } th { "事项" } th { "状态" } th { "受理日期" } } }
                tbody { @for (kind, link, c) in &cases { tr {
                    td data-label="编号" { a href=(link) { (c.id) } }
                    td data-label="事项" { (kind.label()) }
                    td data-label="状态" { (Step::parse(&c.state).map_or_else(|| c.state.clone(), |s| s.label().to_string())) }
                    td data-label="受理日期" { ((c.opened_at + chrono::Duration::hours(8)).format("%Y-%m-%d")) }
                } } }
            } }
        }
    })
}
