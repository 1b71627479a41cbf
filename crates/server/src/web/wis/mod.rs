//! The pages of the women of childbearing age (WIS): the card of each
//! woman and the work lists of a village or township. The card's forms are
//! in `web/forms/wis.rs` with every other event form.

pub mod card;
pub mod lists;

/// The WIS pages.
pub fn routes() -> axum::Router<crate::AppState> {
    axum::Router::new()
        .merge(card::routes())
        .merge(lists::routes())
}
