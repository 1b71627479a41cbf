//! The yearly roll of a program for a region: every person registered there
//! judged by the program's rules, each with the reason of the verdict.

use std::collections::BTreeMap;

use rayon::prelude::*;
use renkou_domain::RegionCode;
use renkou_domain::support::{Families, Judge, SupportProgram};
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{StoreError, StoreResult};

/// One person's line of a roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollEntry {
    pub person_id: i64,
    pub eligible: bool,
    /// The reason of the inclusion or exclusion.
    pub reason: String,
    /// Yuan a year (0 when excluded).
    pub amount: i64,
}

/// How many persons a reason covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonCount {
    pub eligible: bool,
    pub reason: String,
    pub count: i64,
}

/// A program's roll for a region and year, in person id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roll {
    pub program: String,
    pub year: i32,
    pub region: RegionCode,
    pub entries: Vec<RollEntry>,
}

impl Roll {
    /// The persons included.
    pub fn eligible(&self) -> impl Iterator<Item = &RollEntry> {
        self.entries.iter().filter(|e| e.eligible)
    }

    /// Each reason with its count: inclusions first, then exclusions, each
    /// in the order of the most persons.
    pub fn reasons(&self) -> Vec<ReasonCount> {
        let mut counts: BTreeMap<(bool, &str), i64> = BTreeMap::new();
        for e in &self.entries {
            *counts.entry((e.eligible, e.reason.as_str())).or_default() += 1;
        }
        let mut out: Vec<ReasonCount> = counts
            .into_iter()
            .map(|((eligible, reason), count)| ReasonCount {
                eligible,
                reason: reason.to_string(),
                count,
            })
            .collect();
        out.sort_by(|a, b| b.eligible.cmp(&a.eligible).then(b.count.cmp(&a.count)));
        out
    }

    /// The yuan the roll pays in the year.
    pub fn total_amount(&self) -> i64 {
        self.eligible().map(|e| e.amount).sum()
    }
}

impl Store {
    /// Computes the roll of `program` for `region` in `year` from the
    /// register as it stands: the same register gives the same roll.
    #[tracing::instrument(level = "debug", skip(self, program), fields(program = %program.key))]
    pub async fn compute_roll(
        &self,
        program: &SupportProgram,
        year: i32,
        region: &RegionCode,
    ) -> StoreResult<Roll> {
        let refused = |e: renkou_domain::support::ProgramError| StoreError::Invalid(e.to_string());
        Judge::new(program).map_err(refused)?;
        let started = std::time::Instant::now();
        let members = self.roll_members(region, year).await?;
        tracing::debug!(
            persons = members.len(),
            seconds = started.elapsed().as_secs_f64(),
            "roll: register read"
        );
        let key = program.key.clone();
        let program = program.clone();
        // Judging a province's million persons takes the cores, not a
        // server's request threads.
        let entries = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let families = Families::new(&members);
            tracing::debug!(
                seconds = started.elapsed().as_secs_f64(),
                "roll: families linked"
            );
            let considered: Vec<usize> = (0..members.len())
                .filter(|&i| members[i].considered)
                .collect();
            let mut entries = considered
                .par_chunks(4_096)
                .map(|chunk| {
                    // The rule engine's context is not shared across threads.
                    let judge = Judge::new(&program)?;
                    chunk
                        .iter()
                        .map(|&i| {
                            let v = judge.judge(&families.facts(i, year))?;
                            Ok(RollEntry {
                                person_id: members[i].id,
                                eligible: v.eligible,
                                reason: v.reason,
                                amount: v.amount,
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<Vec<RollEntry>>, _>>()?
                .concat();
            entries.sort_by_key(|e| e.person_id);
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "roll: judged");
            Ok::<_, renkou_domain::support::ProgramError>(entries)
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("扶助名册计算中断：{e}")))?
        .map_err(refused)?;
        Ok(Roll {
            program: key,
            year,
            region: *region,
            entries,
        })
    }
}
