//! What a WIS event records beyond the fields it changes, kept with the
//! event (`events.details`): the facility, a check's result, a pregnancy's
//! outcome, a service and its complications.

use serde::{Deserialize, Serialize};

use super::codes::{CheckResult, ChildHealth, Facility, IudCheckResult, Method, Outcome, Service};

/// The facts of one WIS event; each kind fills its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WisDetails {
    /// Where she was served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub facility: Option<Facility>,
    /// A pregnancy check's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub check: Option<CheckResult>,
    /// An IUD check's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub iud_check: Option<IudCheckResult>,
    /// How a pregnancy ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub outcome: Option<Outcome>,
    /// Children born alive of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_born: Option<u8>,
    /// The health of the children at birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub health: Option<ChildHealth>,
    /// The method started, changed to or stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub method: Option<Method>,
    /// The service given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub service: Option<Service>,
    /// What the service found or did, in the provider's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Complications, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complications: Option<String>,
}

impl WisDetails {
    /// The details as staff read them: each fact with its label.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut put = |label: &str, value: Option<&str>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                out.push(format!("{label}：{v}"));
            }
        };
        put("妊娠结局", self.outcome.map(|o| o.name()));
        put("检查结果", self.check.map(|c| c.name()));
        put("节育器检查结果", self.iud_check.map(|c| c.name()));
        put("避孕方法", self.method.map(|m| m.name()));
        put("服务项目", self.service.map(|s| s.name()));
        put("子女健康状况", self.health.map(|h| h.name()));
        put("服务机构", self.facility.map(|f| f.name()));
        put("结果", self.result.as_deref());
        put("并发症", self.complications.as_deref());
        if let Some(n) = self.live_born.filter(|n| *n > 1) {
            out.push(format!("活产 {n} 胎"));
        }
        out
    }
}
