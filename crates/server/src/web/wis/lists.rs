//! 工作清单: the women of a village or township who need something this
//! month, one list per kind — due to deliver or overdue, IUD checks and
//! visits due or overdue, newly married or postpartum without a method,
//! turning 15 or 50 — each printable and as a workbook.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use renkou_domain::date::today_in_china;
use renkou_domain::wis::{ListKind, Listed};
use renkou_domain::{Person, RegionCode, Subsystem};
use renkou_store::Scope;
use serde::Deserialize;

use crate::routes::persons::audit_reads;
use crate::web::auth::WebSession;
use crate::web::error::WebError;
use crate::web::layout::page;
use crate::web::view::{PAGE_ROWS, id_shown, pager, xlsx_download};
use crate::{ApiError, AppState};

/// `?region=&kind=&format=`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    region: Option<String>,
    kind: Option<String>,
    /// `print` or `xlsx`.
    format: Option<String>,
    /// The screen page (print and export give every row).
    page: Option<i64>,
}

const HEADINGS: [&str; 8] = [
    "姓名",
    "公民身份号码",
    "出生日期",
    "现住地",
    "事项日期",
    "状态",
    "避孕方法",
    "孕情",
];

/// What the date of an entry is, per list.
fn date_label(kind: ListKind) -> &'static str {
    match kind {
        ListKind::Delivery => "预产期",
        ListKind::IudCheck => "应检查日期",
        ListKind::Visit => "应随访日期",
        ListKind::NewlyMarried => "结婚日期",
        ListKind::Postpartum => "分娩日期",
        ListKind::Entering | ListKind::Leaving => "生日",
    }
}

/// `GET /wis/lists`.
pub async fn lists(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    let scope = Scope::reading(&session.account, Subsystem::Wis);
    let region = match query.region.as_deref().filter(|r| !r.is_empty()) {
        Some(code) => RegionCode::parse(code)
            .map_err(|e| ApiError::invalid("region", format!("区划代码有误：{e}")))?,
        None => *scope
            .regions()
            .first()
            .ok_or_else(|| ApiError::forbidden("您没有育龄妇女信息的查看权限"))?,
    };
    if scope.within(&region).is_empty() {
        return Err(WebError(ApiError::forbidden(
            "该区域不在您的育龄妇女信息管辖范围内",
        )));
    }
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => {
            Some(ListKind::parse(k).ok_or_else(|| ApiError::invalid("kind", "清单类别有误"))?)
        }
        None => None,
    };
    let today = today_in_china();
    let schedule = &state.settings.wis.schedule;
    let name = state.region_name(&region).await?;
    let month = today.format("%Y年%m月").to_string();
    let Some(kind) = kind else {
        let counts = state
            .store
            .wis_list_counts(&region, &scope, schedule, today)
            .await?;
        let body = html! {
            h1 { (name) "育龄妇女工作清单 " span.muted { (month) } }
            table.report {
                thead { tr { th { "清单" } th { "人数" } } }
                tbody {
                    @for (k, n) in counts {
                        tr {
                            td { a href={ "/wis/lists?region=" (region) "&kind=" (k.as_str()) } { (k.title()) } }
                            td.n { (n) }
                        }
                    }
                }
            }
            @if !Scope::writing(&session.account, Subsystem::Wis).regions().is_empty() {
                p.actions { a href="/wis/import" { "转换旧系统信息卡" } }
            }
        };
        return Ok(page("育龄妇女工作清单", &session, body).into_response());
    };
    let whole = matches!(query.format.as_deref(), Some("print" | "xlsx"));
    let current = query.page.unwrap_or(1).max(1);
    let first = ((current - 1) * PAGE_ROWS) as usize;
    let rows = (!whole).then_some(first..first + PAGE_ROWS as usize);
    let renkou_store::WorkListPage {
        total,
        women: listed,
    } = state
        .store
        .wis_work_list(&region, &scope, schedule, today, Some(kind), rows)
        .await?;
    let entries: Vec<(&Person, &Listed)> = listed
        .iter()
        .filter_map(|(w, lists)| lists.iter().find(|l| l.kind == kind).map(|l| (w, l)))
        .collect();
    let women: Vec<Person> = entries.iter().map(|(w, _)| (*w).clone()).collect();
    audit_reads(
        &state,
        &session,
        &women,
        &format!("wis list {} of {region}", kind.as_str()),
    )
    .await?;
    let mut villages: Vec<RegionCode> = women.iter().map(|w| w.residence).collect();
    villages.sort_unstable();
    villages.dedup();
    let places = state.region_names(&villages).await?;
    let full = session.sees_full_numbers();
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|(w, l)| {
            vec![
                w.name.to_string(),
                id_shown(w, full),
                w.birth_date.to_string(),
                places
                    .get(&w.residence)
                    .cloned()
                    .unwrap_or_else(|| w.residence.to_string()),
                format!("{}：{}", date_label(kind), l.date),
                if l.overdue { "逾期" } else { "本月" }.to_string(),
                w.contraception
                    .map(|m| m.name())
                    .unwrap_or("未避孕")
                    .to_string(),
                w.expected_delivery
                    .filter(|_| w.pregnant_since.is_some())
                    .map(|d| format!("在孕，预产期 {d}"))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let title = format!("{name}{}（{month}）", kind.title());
    if query.format.as_deref() == Some("xlsx") {
        return Ok(xlsx_download(
            &title,
            &HEADINGS,
            &rows,
            &format!("wis-{}-{region}.xlsx", kind.as_str()),
        )?);
    }
    let printing = query.format.as_deref() == Some("print");
    let body = html! {
        h1 { (title) }
        p.actions {
            strong { "共 " (total) " 人" }
            @if !printing {
                a href={ "/wis/lists?region=" (region) } { "全部清单" }
                a href={ "/wis/lists?region=" (region) "&kind=" (kind.as_str()) "&format=print" } { "打印" }
                a href={ "/wis/lists?region=" (region) "&kind=" (kind.as_str()) "&format=xlsx" } { "导出 Excel" }
            } @else {
                a.noprint href="javascript:print()" { "打印" }
            }
        }
        @if rows.is_empty() {
            p { "本月没有需要处理的人员。" }
        } @else {
            div.scroll { table.stack {
                thead { tr { @for h in HEADINGS { th { (h) } } } }
                tbody {
                    @for ((w, _), row) in entries.iter().zip(&rows) {
                        tr {
                            @for (i, cell) in row.iter().enumerate() {
                                @if i == 0 {
                                    td data-label=(HEADINGS[i]) { a href={ "/persons/" (w.id) "/card" } { (cell) } }
                                } @else {
                                    td data-label=(HEADINGS[i]) { (cell) }
                                }
                            }
                        }
                    }
                }
            } }
        }
        @if !printing {
            (pager(current, total as i64, |n| format!("/wis/lists?region={region}&kind={}&page={n}", kind.as_str())))
        }
        @if printing { p.muted { "填报人：＿＿＿＿　核对人：＿＿＿＿　日期：＿＿＿＿" } }
    };
    Ok(page(&title, &session, body).into_response())
}

/// The work lists' page.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/wis/lists", get(lists))
}
