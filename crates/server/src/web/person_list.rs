//! The one person list every page shows (a region's people, search results,
//! the persons behind a quality count): its total, columns that sort, a
//! filter (status, sex, age, sub-region), numbered pages, the whole list
//! printed or exported — every person shown audited as read.

use std::collections::HashMap;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Months, NaiveDate};
use maud::{Markup, html};
use renkou_domain::date::today_in_china;
use renkou_domain::{LifeStatus, Person, RegionCode, RegionLevel, Sex};
use renkou_formats::CsvHeadings;
use renkou_store::{PersonFilter, PersonPage, Scope, SortKey};
use serde::Deserialize;

use crate::routes::persons::audit_reads;
use crate::session::Session;
use crate::web::error::WebError;
use crate::web::layout::page;
use crate::web::view::{code_label, id_shown};
use crate::{ApiError, AppState};

use crate::web::view::{PAGE_ROWS, page_count};
/// Rows a printed list holds at most.
pub const PRINT_LIMIT: i64 = 5_000;
/// Rows an exported list holds at most.
pub const EXPORT_LIMIT: i64 = 100_000;

/// The list's own query parameters (the page's, such as `q`, travel beside
/// them). Every value is text so that an empty form field is no error.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    age_from: String,
    #[serde(default)]
    age_to: String,
    /// A sub-region of the list's region.
    #[serde(default)]
    within: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    desc: String,
    #[serde(default)]
    page: String,
    /// `print`, `csv` or `xlsx`; the screen page otherwise.
    #[serde(default)]
    format: String,
    /// `1`: CSV headings as the columns' keys, without a byte order mark.
    #[serde(default)]
    keys: String,
}

/// The sortable columns: query value, store key.
const SORTS: [(&str, SortKey); 5] = [
    ("name", SortKey::Name),
    ("sex", SortKey::Sex),
    ("birth_date", SortKey::BirthDate),
    ("residence", SortKey::Residence),
    ("status", SortKey::Status),
];

/// The statuses a list filters by.
const STATUSES: [LifeStatus; 3] = [LifeStatus::Active, LifeStatus::Dead, LifeStatus::MovedOut];

impl ListQuery {
    fn sort(&self) -> (SortKey, bool) {
        let key = SORTS
            .iter()
            .find(|(k, _)| *k == self.sort)
            .map_or(SortKey::Register, |s| s.1);
        (key, self.desc == "1")
    }

    fn page(&self) -> i64 {
        self.page.parse::<i64>().unwrap_or(1).max(1)
    }

    /// The filter the form asks for, added to the page's own; a message
    /// (in Chinese) for a value that cannot be read.
    fn filter(&self, mut filter: PersonFilter, today: NaiveDate) -> Result<PersonFilter, String> {
        if !self.status.is_empty() {
            filter.status = Some(LifeStatus::parse(&self.status).ok_or("状态无法识别")?);
        }
        if !self.sex.is_empty() {
            filter.sex = Some(Sex::parse(&self.sex).map_err(|_| "性别无法识别".to_string())?);
        }
        let age = |text: &str, label: &str| -> Result<Option<u32>, String> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            match text.trim().parse::<u32>() {
                Ok(a) if a <= 150 => Ok(Some(a)),
                _ => Err(format!("{label}应为 0 至 150 之间的整数")),
            }
        };
        let years_before = |years: u32| today.checked_sub_months(Months::new(years * 12));
        let (from, to) = (
            age(&self.age_from, "起始年龄")?,
            age(&self.age_to, "截止年龄")?,
        );
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err("起始年龄不能大于截止年龄".into());
        }
        // Aged at least `from`: born on or before the day `from` years ago.
        if let Some(f) = from {
            filter.born_to = years_before(f);
        }
        // Aged at most `to`: born after the day `to + 1` years ago.
        if let Some(t) = to {
            filter.born_from = years_before(t + 1).and_then(|d| d.succ_opt());
        }
        Ok(filter)
    }

    /// The link to this list with some parameters changed (empty ones left out).
    fn link(&self, base: &str, changes: &[(&str, &str)]) -> String {
        let current = [
            ("status", self.status.as_str()),
            ("sex", &self.sex),
            ("age_from", &self.age_from),
            ("age_to", &self.age_to),
            ("within", &self.within),
            ("sort", &self.sort),
            ("desc", &self.desc),
            ("page", &self.page),
        ];
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in current {
            let value = changes
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(value, |c| c.1);
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        for (key, value) in changes {
            if !current.iter().any(|(k, _)| k == key) && !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        let query = query.finish();
        let sep = if base.contains('?') { '&' } else { '?' };
        if query.is_empty() {
            base.to_string()
        } else {
            format!("{base}{sep}{query}")
        }
    }
}

/// What a page lists.
pub struct PersonList {
    /// The heading.
    pub title: String,
    /// The page's address with its own parameters (`/search?q=张`).
    pub path: String,
    /// The region listed; `None`: the caller's whole scope.
    pub region: Option<RegionCode>,
    /// The page's own filter (a name, a failing check).
    pub filter: PersonFilter,
    /// What the audit log says the persons were read for.
    pub audit: String,
    /// Shown above the list (a search box, a link back).
    pub before: Markup,
    /// A column of the family-planning facts that travel with a migrant
    /// woman (method, pregnancy), filled only where the reader reads WIS
    /// records (the migrants' registers).
    pub family_planning: bool,
}

/// The list as the query asks: a page, the whole list printed, or a file.
pub async fn respond(
    state: &AppState,
    session: &Session,
    list: PersonList,
    query: &ListQuery,
) -> Result<Response, WebError> {
    let scope = Scope::of(&session.account);
    let today = today_in_china();
    let mut problem = None;
    let filter = query
        .filter(list.filter.clone(), today)
        .unwrap_or_else(|message| {
            problem = Some(message);
            list.filter.clone()
        });
    let region = match (query.within.trim(), list.region) {
        ("", region) => region,
        (code, region) => match RegionCode::parse(code) {
            Ok(sub) if region.is_none_or(|r| r.contains(&sub)) => Some(sub),
            _ => {
                problem = Some("所选区划不在本名单范围内".into());
                region
            }
        },
    };
    let (sort, descending) = query.sort();
    let (offset, limit) = match query.format.as_str() {
        "csv" | "xlsx" => (0, EXPORT_LIMIT),
        "print" => (0, PRINT_LIMIT),
        _ => ((query.page() - 1) * PAGE_ROWS, PAGE_ROWS),
    };
    let found = if problem.is_some() {
        PersonPage {
            persons: Vec::new(),
            total: 0,
        }
    } else {
        state
            .store
            .list_persons(
                region.as_ref(),
                &scope,
                &filter,
                sort,
                descending,
                offset,
                limit,
            )
            .await?
    };
    audit_reads(state, session, &found.persons, &list.audit).await?;
    let places = residence_names(state, &found.persons).await?;
    let planning = list
        .family_planning
        .then(|| family_planning(session, &found.persons));
    let full = session.sees_full_numbers();
    match query.format.as_str() {
        "csv" | "xlsx" => {
            if found.total > EXPORT_LIMIT {
                return Err(WebError(ApiError::too_large(format!(
                    "名单共 {} 人，超过导出上限 {EXPORT_LIMIT} 人，请缩小区划或增加筛选条件",
                    found.total
                ))));
            }
            export(
                &list.title,
                &found.persons,
                &places,
                full,
                planning.as_ref(),
                query,
            )
        }
        format => {
            let printing = format == "print";
            let subs = sub_regions(state, &scope, list.region.as_ref()).await?;
            let body = html! {
                (breadcrumb(state, &scope, list.region.as_ref()).await?)
                h1 { (list.title) }
                (list.before)
                @if !printing {
                    @if list.region.is_some() && !subs.is_empty() {
                        p.actions {
                            "下级区划："
                            @for (code, name) in &subs { a href={ "/regions/" (code) } { (name) } }
                        }
                    }
                    (filter_form(&list, &subs, query))
                }
                @if let Some(message) = &problem { p.error role="alert" { (message) } }
                (summary(&list.path, query, &found, printing))
                @if found.persons.is_empty() {
                    p { "在您的管辖范围内没有符合条件的人员。" }
                } @else {
                    (table(&list.path, query, &found.persons, &places, full, planning.as_ref(), printing))
                }
                @if !printing { (pager(&list.path, query, found.total)) }
            };
            Ok(page(&list.title, session, body).into_response())
        }
    }
}

/// What a woman's family-planning record says, for a reader of WIS records
/// where she lives or is registered: her method (or none) and a pregnancy.
fn family_planning(session: &Session, persons: &[Person]) -> HashMap<i64, String> {
    use renkou_domain::event::Field;
    persons
        .iter()
        .filter(|p| p.sex == renkou_domain::Sex::Female)
        .filter(|p| {
            crate::sensitive::reads_wis(session, &p.residence)
                || p.hukou_region
                    .is_some_and(|h| crate::sensitive::reads_wis(session, &h))
        })
        .map(|p| {
            let method = p.contraception.map_or_else(
                || "未登记措施".to_string(),
                |m| code_label(Field::Contraception, m.code()),
            );
            let pregnant = if p.pregnant_since.is_some() {
                "，孕中"
            } else {
                ""
            };
            (p.id.0, format!("{method}{pregnant}"))
        })
        .collect()
}

/// The names of the persons' places of residence and registration.
async fn residence_names(
    state: &AppState,
    persons: &[Person],
) -> Result<HashMap<RegionCode, String>, ApiError> {
    let mut codes: Vec<RegionCode> = persons
        .iter()
        .flat_map(|p| [Some(p.residence), p.hukou_region])
        .flatten()
        .collect();
    codes.sort_unstable();
    codes.dedup();
    Ok(state.region_names(&codes).await?)
}

/// A region by name (its code when the table has none).
fn place(places: &HashMap<RegionCode, String>, code: &RegionCode) -> String {
    places
        .get(code)
        .cloned()
        .unwrap_or_else(|| code.to_string())
}

/// 省 › 市 › 县 › 乡 › 村: each level of the region's path, linked where the
/// reader may list it.
async fn breadcrumb(
    state: &AppState,
    scope: &Scope,
    region: Option<&RegionCode>,
) -> Result<Markup, ApiError> {
    let Some(region) = region else {
        return Ok(html! {});
    };
    let levels = RegionLevel::ALL;
    let deepest = levels
        .iter()
        .position(|l| *l == region.level())
        .unwrap_or(levels.len() - 1);
    let mut path: Vec<RegionCode> = levels[..=deepest]
        .iter()
        .map(|l| region.ancestor(*l))
        .collect();
    path.dedup();
    let names = state.region_names(&path).await?;
    Ok(html! {
        nav.breadcrumb aria-label="区划路径" {
            @for (i, code) in path.iter().enumerate() {
                @if i > 0 { " › " }
                @if code == region || scope.within(code).is_empty() {
                    span { (place(&names, code)) }
                } @else {
                    a href={ "/regions/" (code) } { (place(&names, code)) }
                }
            }
        }
    })
}

/// The sub-regions of the list's region (of each region of the scope when
/// it has none) that hold persons the reader may see.
async fn sub_regions(
    state: &AppState,
    scope: &Scope,
    region: Option<&RegionCode>,
) -> Result<Vec<(RegionCode, String)>, ApiError> {
    let parents: Vec<RegionCode> = match region {
        Some(r) => vec![*r],
        None => scope.regions().to_vec(),
    };
    let mut subs = Vec::new();
    for parent in &parents {
        for child in state.region_children(parent).await? {
            if let Ok(code) = RegionCode::parse(&child.code)
                && !scope.within(&code).is_empty()
            {
                subs.push((code, child.name));
            }
        }
    }
    Ok(subs)
}

/// The filter form: status, sex, age range, sub-region; sent by GET so that
/// a filtered list is a link to keep.
fn filter_form(list: &PersonList, subs: &[(RegionCode, String)], query: &ListQuery) -> Markup {
    let (action, fixed) = match list.path.split_once('?') {
        Some((action, fixed)) => (action, fixed),
        None => (list.path.as_str(), ""),
    };
    let fixed: Vec<(String, String)> = form_urlencoded::parse(fixed.as_bytes())
        .into_owned()
        .collect();
    html! {
        form.filter method="get" action=(action) {
            @for (k, v) in &fixed { input type="hidden" name=(k) value=(v); }
            label { "状态" select name="status" {
                option value="" { "全部" }
                @for s in STATUSES { option value=(s.as_str()) selected[query.status == s.as_str()] { (s.chinese()) } }
            } }
            label { "性别" select name="sex" {
                option value="" { "全部" }
                @for s in [Sex::Male, Sex::Female] { option value=(s.code()) selected[query.sex == s.code()] { (s.name()) } }
            } }
            label { "年龄从" input name="age_from" inputmode="numeric" size="3" value=(query.age_from); }
            label { "到" input name="age_to" inputmode="numeric" size="3" value=(query.age_to); }
            @if !subs.is_empty() {
                label { "区划" select name="within" {
                    option value="" { "全部" }
                    @for (code, name) in subs { option value=(code) selected[query.within == code.as_str()] { (name) } }
                } }
            }
            @if !query.sort.is_empty() { input type="hidden" name="sort" value=(query.sort); }
            @if !query.desc.is_empty() { input type="hidden" name="desc" value=(query.desc); }
            button type="submit" { "筛选" }
        }
    }
}

/// 共 N 人, the page, and the links to print or export the whole list.
fn summary(path: &str, query: &ListQuery, found: &PersonPage, printing: bool) -> Markup {
    let pages = page_count(found.total);
    html! {
        p.actions {
            strong { "共 " (found.total) " 人" }
            @if printing {
                @if found.total > PRINT_LIMIT { " 打印名单只含前 " (PRINT_LIMIT) " 人，完整名单请导出 Excel。" }
                a.noprint href="javascript:print()" { "打印" }
            } @else {
                @if pages > 1 { span { "第 " (query.page().min(pages)) " / " (pages) " 页" } }
                a href=(query.link(path, &[("format", "print"), ("page", "")])) { "打印全部" }
                a href=(query.link(path, &[("format", "xlsx"), ("page", "")])) { "导出 Excel" }
                a href=(query.link(path, &[("format", "csv"), ("page", "")])) { "导出 CSV" }
            }
        }
    }
}

/// The persons, a name linking to the person's page; headings that sort.
fn table(
    path: &str,
    query: &ListQuery,
    persons: &[Person],
    places: &HashMap<RegionCode, String>,
    full: bool,
    planning: Option<&HashMap<i64, String>>,
    printing: bool,
) -> Markup {
    let heading = |key: &str, title: &str| {
        let current = query.sort == key;
        let descending = current && query.desc == "1";
        let mark = match (current, descending) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        };
        let next = if current && !descending { "1" } else { "" };
        let sorted = match (current, descending) {
            (true, false) => "ascending",
            (true, true) => "descending",
            _ => "none",
        };
        html! {
            th aria-sort=(sorted) {
                @if printing { (title) } @else {
                    a href=(query.link(path, &[("sort", key), ("desc", next), ("page", "")])) { (title) (mark) }
                }
            }
        }
    };
    html! {
        div.scroll {
            table.stack {
                thead { tr {
                    (heading("name", "姓名")) (heading("sex", "性别")) (heading("birth_date", "出生日期"))
                    th { "公民身份号码" } (heading("residence", "现住地")) (heading("status", "状态"))
                    @if planning.is_some() { th { "计划生育情况" } }
                } }
                tbody {
                    @for p in persons {
                        tr {
                            td data-label="姓名" { a href={ "/persons/" (p.id) } { (p.name.as_str()) } }
                            td data-label="性别" { (p.sex.name()) }
                            td data-label="出生日期" { (p.birth_date) }
                            td data-label="公民身份号码" { (id_shown(p, full)) }
                            td data-label="现住地" { (place(places, &p.residence)) }
                            td data-label="状态" { (p.status.chinese()) }
                            @if let Some(planning) = planning {
                                td data-label="计划生育情况" { (planning.get(&p.id.0).map_or("", String::as_str)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The pages of the list, each keeping the query's filter and order.
fn pager(path: &str, query: &ListQuery, total: i64) -> Markup {
    crate::web::view::pager(query.page(), total, |n| {
        query.link(path, &[("page", &n.to_string())])
    })
}

/// The export's columns: heading, key.
const EXPORT_COLUMNS: [(&str, &str); 12] = [
    ("姓名", "name"),
    ("性别", "sex"),
    ("出生日期", "birth_date"),
    ("公民身份号码", "id_number"),
    ("民族", "ethnicity"),
    ("现住地", "residence"),
    ("户籍地", "hukou_region"),
    ("来本地日期", "arrived_on"),
    ("与户主关系", "relation"),
    ("婚姻状况", "marital_status"),
    ("状态", "status"),
    ("死亡日期", "death_date"),
];

/// The whole list as a workbook or CSV file.
fn export(
    title: &str,
    persons: &[Person],
    places: &HashMap<RegionCode, String>,
    full: bool,
    planning: Option<&HashMap<i64, String>>,
    query: &ListQuery,
) -> Result<Response, WebError> {
    use renkou_domain::event::Field;
    let label = |field: Field, code: Option<String>| {
        code.map(|c| code_label(field, &c)).unwrap_or_default()
    };
    let rows: Vec<Vec<String>> = persons
        .iter()
        .map(|p| {
            vec![
                p.name.to_string(),
                p.sex.name().to_string(),
                p.birth_date.to_string(),
                id_shown(p, full),
                label(Field::Ethnicity, p.ethnicity.map(|e| e.code().to_string())),
                place(places, &p.residence),
                p.hukou_region
                    .map(|r| place(places, &r))
                    .unwrap_or_default(),
                p.arrived_on.map(|d| d.to_string()).unwrap_or_default(),
                label(Field::Relation, p.relation.map(|r| r.code().to_string())),
                label(
                    Field::MaritalStatus,
                    p.marital_status.map(|m| m.code().to_string()),
                ),
                p.status.chinese().to_string(),
                p.death_date.map(|d| d.to_string()).unwrap_or_default(),
            ]
            .into_iter()
            .chain(planning.map(|fp| fp.get(&p.id.0).cloned().unwrap_or_default()))
            .collect()
        })
        .collect();
    let columns: Vec<(&str, &str)> = EXPORT_COLUMNS
        .into_iter()
        .chain(planning.map(|_| ("计划生育情况", "family_planning")))
        .collect();
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "person list export failed");
        WebError(ApiError::unavailable())
    };
    let (body, kind, ext) = if query.format == "xlsx" {
        let headings: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let body = renkou_formats::list_xlsx(title, &headings, &rows).map_err(|e| failed(&e))?;
        (
            body,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        let (headings, kind) = if query.keys == "1" {
            (
                columns.iter().map(|c| c.1).collect::<Vec<_>>(),
                CsvHeadings::Keys,
            )
        } else {
            (columns.iter().map(|c| c.0).collect(), CsvHeadings::Chinese)
        };
        let body = renkou_formats::list_csv(&headings, &rows, kind).map_err(|e| failed(&e))?;
        (body, "text/csv; charset=utf-8", "csv")
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"persons.{ext}\""),
            ),
        ],
        body,
    )
        .into_response())
}
