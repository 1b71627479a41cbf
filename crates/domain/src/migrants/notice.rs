//! A notice from another province (流动人口信息交换, from outside): one of
//! the persons registered here lives there now. Parsed once at the edge
//! (the API), so that the store never sees a number or a code that is not one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::details::MigrantDetails;
use crate::codes::Sex;
use crate::id_number::IdNumber;
use crate::name::PersonName;
use crate::region::RegionCode;

/// What the other side says about a person registered here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncomingNotice {
    /// The sender's id of the message: a message delivered again is one notice.
    pub message_id: String,
    /// 公民身份号码, when the sender has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub id_number: Option<IdNumber>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: PersonName,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub sex: Sex,
    pub birth_date: NaiveDate,
    /// Where the person is registered: a region of this province.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub hukou_region: RegionCode,
    /// Where they live now: a region of the sender's province.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub residence: RegionCode,
    /// The day they came there.
    pub arrival_date: NaiveDate,
    /// Why, where they work and live.
    #[serde(default)]
    pub details: MigrantDetails,
}
