//! Phase 1: rows the register cannot take at all — a region code it does not
//! know (retired codes are mapped to today's), a living person's identity
//! number given twice in one file.

use renkou_domain::{IdNumber, LifeStatus, RegionCode, RegionLevel};
use renkou_formats::{RegisterRecord, RejectedRow};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::rows::reject;
use crate::database::rows::RegionRow;
use crate::database::tx::Tx;
use crate::error::StoreResult;

/// Longest chain of re-zonings followed from an old code to today's.
const MAX_REZONING_CHAIN: usize = 16;

/// The records left after screening.
pub(super) struct Screened {
    pub records: Vec<RegisterRecord>,
    /// Rows whose retired region code was mapped to today's.
    pub recoded_regions: u64,
}

/// Refuses (into `rejected`) the rows with an unusable region or a repeated
/// living identity number, and recodes retired regions. One pass, filtering
/// in place: a million records are not copied.
pub(super) async fn screen<T: Tx>(
    tx: &mut T,
    mut records: Vec<RegisterRecord>,
    rejected: &mut Vec<RejectedRow>,
) -> StoreResult<Screened> {
    let resolved = resolve_regions(tx, &records).await?;
    let mut recoded_regions = 0;
    let mut first_line: HashMap<IdNumber, u64> = HashMap::default();
    first_line.reserve(records.len());
    records.retain_mut(|record| {
        match resolved.get(&record.region_code) {
            Some(Ok(code)) => {
                if *code != record.region_code {
                    recoded_regions += 1;
                    record.region_code = *code;
                }
            }
            other => {
                let reason = match other {
                    Some(Err(reason)) => reason.clone(),
                    _ => "区划代码表中没有此代码".to_string(),
                };
                let value = record.region_code.to_string();
                rejected.push(reject(record, "region_code", &value, reason));
                return false;
            }
        }
        let Some(n) = record
            .id_number
            .filter(|_| record.status != LifeStatus::Dead)
        else {
            return true;
        };
        match first_line.get(&n) {
            Some(line) => {
                let reason = format!("公民身份号码与本文件第 {line} 行的现有人员相同");
                rejected.push(reject(record, "id_number", n.as_str(), reason));
                false
            }
            None => {
                first_line.insert(n, record.line);
                true
            }
        }
    });
    Ok(Screened {
        records,
        recoded_regions,
    })
}

/// Resolves every distinct region code of the records to today's code, or a
/// reason it cannot be used.
async fn resolve_regions<T: Tx>(
    tx: &mut T,
    records: &[RegisterRecord],
) -> StoreResult<HashMap<RegionCode, Result<RegionCode, String>>> {
    let distinct: HashSet<RegionCode> = records.iter().map(|r| r.region_code).collect();
    let mut known: HashMap<String, RegionRow> = HashMap::default();
    let mut wanted: Vec<String> = distinct.iter().map(|c| c.to_string()).collect();
    for _ in 0..MAX_REZONING_CHAIN {
        if wanted.is_empty() {
            break;
        }
        let found = tx.regions(&wanted).await?;
        wanted = found
            .iter()
            .filter_map(|r| r.replaced_by.clone())
            .filter(|c| !known.contains_key(c))
            .collect();
        known.extend(found.into_iter().map(|r| (r.code.clone(), r)));
    }
    let mut out = HashMap::default();
    for code in distinct {
        let mut current = code.to_string();
        let mut result = Err("区划代码表中没有此代码".to_string());
        for _ in 0..MAX_REZONING_CHAIN {
            match known.get(&current) {
                None => break,
                Some(row) => match &row.replaced_by {
                    Some(next) if row.valid_to.is_some() => current = next.clone(),
                    _ if row.level != "village" => {
                        let level = RegionLevel::parse(&row.level)
                            .map_or_else(|| row.level.clone(), |l| l.chinese().to_string());
                        result = Err(format!(
                            "{}（{}）是{}，不是村（社区）",
                            row.name, row.code, level
                        ));
                        break;
                    }
                    _ => {
                        result = RegionCode::parse(&row.code).map_err(|e| e.to_string());
                        break;
                    }
                },
            }
        }
        out.insert(code, result);
    }
    Ok(out)
}
