//! The decision form every application page shows to the office that has
//! the application: pass (up a level, or approve at the deciding level),
//! return with the reason, and — at the deciding level — refuse.

use maud::{Markup, html};
use serde::Deserialize;

use crate::routes::cases::DecideBody;
use crate::session::Session;
use crate::web::auth::csrf_field;

/// The form, posting to `action`; `refusable` at the level that decides.
pub fn form(session: &Session, action: &str, refusable: bool) -> Markup {
    html! {
        section {
            h2 { "审核" }
            form method="post" action=(action) {
                (csrf_field(session))
                label { "审核意见 " input type="text" name="reason" maxlength="500" size="40"; }
                " "
                button type="submit" name="decision" value="pass" { "审核通过" }
                " "
                button type="submit" name="decision" value="return" { "退回（须写明理由）" }
                @if refusable {
                    " "
                    button type="submit" name="decision" value="refuse" { "不予批准（须写明理由）" }
                }
            }
        }
    }
}

/// What the form sends.
#[derive(Debug, Deserialize)]
pub struct DecideForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

impl DecideForm {
    /// The API's body for it.
    pub fn body(&self) -> DecideBody {
        let reason = self.reason.trim();
        DecideBody {
            pass: self.decision == "pass",
            refuse: Some(self.decision == "refuse"),
            reason: (!reason.is_empty()).then(|| reason.to_string()),
        }
    }
}
