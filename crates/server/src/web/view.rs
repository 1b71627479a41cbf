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
