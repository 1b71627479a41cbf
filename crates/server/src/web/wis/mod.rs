//! The pages of the women of childbearing age (WIS): the card of each
//! woman, the work lists of a village or township, and the conversion of
//! an old WIS database's cards. The card's forms are
//! in `web/forms/wis.rs` with every other event form.

pub mod card;
pub mod import;
pub mod lists;

/// The WIS pages.
pub fn routes(settings: &crate::Settings) -> axum::Router<crate::AppState> {
    axum::Router::new()
        .merge(card::routes())
        .merge(lists::routes())
        .merge(import::routes(settings))
}
