//! Phase 3: the households the records name — found by number, or created,
//! living where their head (else their first member) lives.

use renkou_domain::RegionCode;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::classify::Classified;
use crate::database::rows::{HouseholdRow, PersonRow};
use crate::database::tx::{Table, Tx};
use crate::error::StoreResult;
use crate::statistics::counters::CounterDelta;

/// The relation code of the household's head.
const HEAD: &str = "02";

/// The households of an import, by number.
pub(super) struct NamedHouseholds {
    /// Household number → id, for those found and those created.
    pub ids: HashMap<String, i64>,
    /// Households the import creates.
    pub new: Vec<HouseholdRow>,
}

impl NamedHouseholds {
    /// Finds the households the records name and allocates ids for the rest.
    pub async fn find_or_allocate<T: Tx>(
        tx: &mut T,
        classified: &Classified,
    ) -> StoreResult<NamedHouseholds> {
        let numbers: Vec<String> = classified
            .records()
            .filter_map(|r| r.household_no.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut ids: HashMap<String, i64> = tx.households(&numbers).await?.into_iter().collect();
        let missing: Vec<&String> = numbers.iter().filter(|n| !ids.contains_key(*n)).collect();
        let new_ids = tx.allocate_ids(Table::Households, missing.len()).await?;
        let mut new = Vec::with_capacity(missing.len());
        for (number, id) in missing.into_iter().zip(new_ids) {
            ids.insert(number.clone(), id);
            new.push(HouseholdRow {
                id,
                household_no: number.clone(),
                region_code: String::new(),
                address: None,
                kind: "family".into(),
                head_id: None,
            });
        }
        Ok(NamedHouseholds { ids, new })
    }

    /// The id of the household a record names.
    pub fn id_of(&self, household_no: Option<&String>) -> Option<i64> {
        household_no.and_then(|n| self.ids.get(n)).copied()
    }

    /// Places each new household where its head (else its first member)
    /// lives, and records its head.
    pub fn place<'a>(&mut self, members: impl Iterator<Item = &'a PersonRow>) {
        let index: HashMap<i64, usize> = self
            .new
            .iter()
            .enumerate()
            .map(|(i, h)| (h.id, i))
            .collect();
        for member in members {
            let Some(h) = member.household_id.and_then(|id| index.get(&id)) else {
                continue;
            };
            let household = &mut self.new[*h];
            let is_head = member.relation.as_deref() == Some(HEAD);
            if household.region_code.is_empty() || is_head {
                household.region_code = member.residence.clone();
            }
            if is_head {
                household.head_id = Some(member.id);
            }
        }
    }

    /// The new households, counted where they were placed.
    pub fn counted(&self) -> CounterDelta {
        let mut counts = CounterDelta::default();
        for household in &self.new {
            if let Ok(region) = RegionCode::parse(&household.region_code) {
                counts.households(region, 1);
            }
        }
        counts
    }
}
