//! What a migrant's arrival records beyond the fields it changes, kept with
//! the event (`events.details`): why, where they work and live, where from.

use serde::{Deserialize, Serialize};

use super::codes::MoveReason;

/// The facts of an arrival (流动人口登记).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MigrantDetails {
    /// Why they left the place of registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub reason: Option<MoveReason>,
    /// Employer or place of work (务工单位).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workplace: Option<String>,
    /// Address where they live now (现居住地址).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Who reported the arrival (a department or region), as the record says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_by: Option<String>,
}

impl MigrantDetails {
    /// The details as staff read them: each fact with its label.
    pub fn lines(&self) -> Vec<String> {
        [
            ("流动原因", self.reason.map(|r| r.name().to_string())),
            ("务工单位", self.workplace.clone()),
            ("现居住地址", self.address.clone()),
            ("信息来源", self.reported_by.clone()),
        ]
        .into_iter()
        .filter_map(|(label, value)| {
            value
                .filter(|v| !v.is_empty())
                .map(|v| format!("{label}：{v}"))
        })
        .collect()
    }
}
