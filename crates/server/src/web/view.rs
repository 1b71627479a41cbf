//! Pieces of pages shared by several: person tables, labels, dates.

use renkou_domain::account::mask_number;
use renkou_domain::event::Field;
use renkou_domain::{
    Education, Ethnicity, HukouType, LifeStatus, MaritalStatus, Person, Relation, Sex,
};

/// The identity number as this user may see it.
pub fn id_shown(person: &Person, full: bool) -> String {
    match &person.id_number {
        Some(n) if full => n.as_str().to_string(),
        Some(n) => mask_number(n.as_str()),
        None => "（无）".into(),
    }
}

/// A region's headline counts as cards.
pub fn summary_cards(s: &renkou_store::Summary) -> maud::Markup {
    maud::html! {
        div.cards {
            div.card { "现有人口" b { (s.living) } }
            div.card { "户数" b { (s.households) } }
            div.card { "今年出生" b { (s.births_this_year) } }
            div.card { "今年死亡" b { (s.deaths_this_year) } }
        }
    }
}

/// A coded value by its label (the code table's name, the status in
/// Chinese); other values (dates, names) as they are.
pub fn code_label(field: Field, v: &str) -> String {
    let name = match field {
        Field::Sex => Sex::parse(v).ok().map(|s| s.name()),
        Field::Ethnicity => Ethnicity::parse(v).ok().map(|e| e.name()),
        Field::MaritalStatus => MaritalStatus::parse(v).ok().map(|m| m.name()),
        Field::Relation => Relation::parse(v).ok().map(|r| r.name()),
        Field::Education => Education::parse(v).ok().map(|e| e.name()),
        Field::HukouType => HukouType::parse(v).ok().map(|h| h.name()),
        Field::Status => LifeStatus::parse(v).map(|s| s.chinese()),
        Field::Contraception => renkou_domain::wis::Method::parse(v).ok().map(|m| m.name()),
        _ => None,
    };
    name.map_or_else(|| v.to_string(), str::to_string)
}

/// A list as an XLSX download: a title line, the headings, the rows.
pub fn xlsx_download(
    title: &str,
    headings: &[&str],
    rows: &[Vec<String>],
    file: &str,
) -> Result<axum::response::Response, crate::ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let body = renkou_formats::list_xlsx(title, headings, rows).map_err(|e| {
        tracing::error!(error = %e, "list workbook failed");
        crate::ApiError::unavailable()
    })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Rows a list page shows (every list pages alike; print and export give all).
pub const PAGE_ROWS: i64 = 50;

/// How many pages `total` rows fill (at least one).
pub fn page_count(total: i64) -> i64 {
    ((total + PAGE_ROWS - 1) / PAGE_ROWS).max(1)
}

/// 首页 · 上一页 · 第 x / y 页 · 下一页 · 末页, each page's address by `to`.
pub fn pager(current: i64, total: i64, to: impl Fn(i64) -> String) -> maud::Markup {
    let pages = page_count(total);
    let current = current.clamp(1, pages);
    if pages <= 1 {
        return maud::html! {};
    }
    maud::html! {
        nav.pages aria-label="翻页" {
            @if current > 1 {
                a href=(to(1)) { "« 首页" }
                a href=(to(current - 1)) rel="prev" { "‹ 上一页" }
            }
            span { "第 " (current) " / " (pages) " 页" }
            @if current < pages {
                a href=(to(current + 1)) rel="next" { "下一页 ›" }
                a href=(to(pages)) { "末页 »" }
            }
        }
    }
}
