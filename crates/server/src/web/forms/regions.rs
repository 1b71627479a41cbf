//! The region picker of the forms, server-rendered: the writer's own
//! villages as a list grouped by township, any other region typed by its
//! name ("水井坊", "锦江区水井坊社区") or code; a name that could mean
//! several regions comes back as a list of them to choose from.

use renkou_domain::{RegionCode, RegionLevel};
use renkou_store::Scope;

use super::FormContext;
use super::fields::{Area, Check, VillageGroups};
use crate::session::Session;
use crate::{ApiError, AppState};

/// Above this many villages the writer types names instead of scrolling.
const LISTED_VILLAGES: usize = 1_500;

/// The villages the user enters records for, grouped by township, or
/// `None` when there are too many to list (a city's or the province's).
pub async fn own_villages(
    state: &AppState,
    session: &Session,
) -> Result<Option<VillageGroups>, ApiError> {
    let scope = Scope::writable(&session.account);
    if scope.regions().is_empty()
        || scope
            .regions()
            .iter()
            .any(|r| r.level() < RegionLevel::County)
    {
        return Ok(None);
    }
    let mut villages = Vec::new();
    for region in scope.regions() {
        villages.extend(state.store.villages(region).await?);
        if villages.len() > LISTED_VILLAGES {
            return Ok(None);
        }
    }
    let townships: Vec<RegionCode> = villages
        .iter()
        .filter_map(|v| RegionCode::parse(&v.code).ok())
        .map(|c| c.ancestor(RegionLevel::Township))
        .collect();
    let names = state.region_names(&townships).await?;
    let mut groups: VillageGroups = Vec::new();
    for (village, township) in villages.into_iter().zip(townships) {
        let group = names
            .get(&township)
            .cloned()
            .unwrap_or_else(|| "其他".to_string());
        match groups.last_mut() {
            Some((name, list)) if *name == group => list.push((village.code, village.name)),
            _ => groups.push((group, vec![(village.code, village.name)])),
        }
    }
    Ok(Some(groups))
}

impl FormContext<'_> {
    /// The region a field names, by code or by name; refuses the field when
    /// nothing or several regions answer to the name (offering those).
    pub async fn region(
        &self,
        check: &mut Check,
        field: &'static str,
        text: &str,
        area: Area,
        required: bool,
    ) -> Option<RegionCode> {
        let text = text.trim();
        if text.is_empty() {
            if required {
                check.refuse(Some(field), "此项必填");
            }
            return None;
        }
        if text
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace())
        {
            return check.parse(field, "区划代码", text, RegionCode::parse);
        }
        let province = self
            .scope
            .regions()
            .first()
            .map(|r| r.ancestor(RegionLevel::Province));
        let (within, level) = match area {
            Area::OwnVillage | Area::ProvinceVillage => (province, Some(RegionLevel::Village)),
            Area::Anywhere => (None, None),
        };
        let found = match self
            .state
            .store
            .regions_named(text, within.as_ref(), level)
            .await
        {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, "region search failed");
                check.refuse(Some(field), "暂时无法查询区划，请稍后再试");
                return None;
            }
        };
        match found.as_slice() {
            [] => {
                check.refuse(Some(field), format!("未找到名为“{text}”的区划"));
                None
            }
            [one] => Some(one.code),
            many => {
                check.refuse(
                    Some(field),
                    format!("“{text}”对应 {} 个区划，请从列表中选择", many.len()),
                );
                if let Ok(mut candidates) = self.candidates.lock() {
                    candidates.push((
                        field,
                        many.iter()
                            .map(|m| (m.code.to_string(), m.path.clone()))
                            .collect(),
                    ));
                }
                None
            }
        }
    }
}
