//! Rolls kept once made: a township's (or county's) roll of a year goes up
//! for review township → county → city as a case (`support_roll`), with the
//! changes since last year's roll — who is new, who left it and why.

use chrono::{DateTime, Utc};
use renkou_domain::cases::{CaseKind, DeadlineRule, Step};
use renkou_domain::{RegionCode, RegionLevel};
use serde::Serialize;

use super::roll::{ReasonCount, Roll, RollEntry};
use crate::cases::Case;
use crate::cases::open::{NewCase, NewStep, open_case};
use crate::cases::steps::{Move, days, now};
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool, with_tx};

/// The reason of a person on last year's roll whom this year's region no
/// longer holds.
pub const NO_LONGER_REGISTERED: &str = "不再在本地户籍登记（迁出、合并或户籍转出）";

/// A roll's heading to store.
#[derive(Debug, Clone)]
pub(crate) struct NewRoll {
    pub program: String,
    pub year: i32,
    pub region_code: String,
    pub made_at: DateTime<Utc>,
    pub made_by: String,
    pub considered: i64,
    pub eligible: i64,
    pub total_amount: i64,
    pub reasons: Vec<ReasonCount>,
}

/// A stored roll with where its review stands.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedRoll {
    pub id: i64,
    pub program: String,
    pub year: i64,
    pub region_code: String,
    pub made_at: DateTime<Utc>,
    pub made_by: String,
    pub considered: i64,
    pub eligible: i64,
    pub total_amount: i64,
    /// Every reason with its count, both ways.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<ReasonCount>))]
    pub reasons: sqlx::types::Json<Vec<ReasonCount>>,
    /// The case of its review.
    pub case_id: Option<i64>,
    /// The review's state (`applied`, `forwarded`, `returned`, `approved`).
    pub state: Option<String>,
    /// The office that has the review now.
    pub owner_region: Option<String>,
}

const ROLL_COLUMNS: &str = "r.id, r.program, CAST(r.year AS BIGINT) AS year, r.region_code, \
     r.made_at, r.made_by, r.considered, r.eligible, r.total_amount, r.reasons, r.case_id, \
     c.state, c.owner_region FROM support_rolls r LEFT JOIN cases c ON c.id = r.case_id";

/// How a person's place changed since last year's roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// On this year's roll, not on last year's.
    New,
    /// On last year's roll, not on this year's.
    Removed,
}

/// One change since last year's roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollChange {
    pub person_id: i64,
    pub change: Change,
    /// Why they are on the roll now, or why they left it.
    pub reason: String,
}

impl Store {
    /// Keeps a township's or county's roll and hands it in for review (a
    /// roll made again replaces the one kept, while its office still has it
    /// or after it was returned). The entries kept are the persons included
    /// and the persons of last year's roll now excluded, with the reason.
    #[tracing::instrument(level = "debug", skip_all, fields(program = %roll.program, year = roll.year))]
    pub async fn save_roll(
        &self,
        roll: &Roll,
        actor: &str,
        deadline: &DeadlineRule,
    ) -> StoreResult<SavedRoll> {
        let region = roll.region;
        if !matches!(region.level(), RegionLevel::Township | RegionLevel::County) {
            return Err(StoreError::Invalid(
                "名册按乡镇（街道）或县（区）生成和报送".into(),
            ));
        }
        let kept = self
            .saved_roll_of(&roll.program, roll.year, &region)
            .await?;
        let case = match kept.as_ref().and_then(|k| k.case_id) {
            Some(id) => self.case_row(id).await?,
            None => None,
        };
        if let Some(c) = &case {
            let at_home = c.owner_region == region.as_str();
            let open_here = matches!(Step::parse(&c.state), Some(Step::Applied | Step::Returned));
            if !(at_home && open_here) {
                let state =
                    Step::parse(&c.state).map_or_else(|| c.state.clone(), |s| s.label().into());
                return Err(StoreError::Invalid(format!(
                    "本年度名册已上报审核（{state}），不能重新生成"
                )));
            }
        }
        let entries = self.entries_to_keep(roll).await?;
        let now = now();
        let heading = NewRoll {
            program: roll.program.clone(),
            year: roll.year,
            region_code: region.to_string(),
            made_at: now,
            made_by: actor.to_string(),
            considered: roll.entries.len() as i64,
            eligible: roll.eligible().count() as i64,
            total_amount: roll.total_amount(),
            reasons: roll.reasons(),
        };
        let step = NewStep {
            step: Step::Applied,
            region: region.to_string(),
            actor: actor.to_string(),
            note: Some(format!(
                "{} 年名册：{} 人符合，{} 元",
                roll.year, heading.eligible, heading.total_amount
            )),
        };
        let due_days = days(
            deadline,
            &Case::unopened(CaseKind::SupportRoll, region.as_str()),
            region.level(),
        )?;
        let due_at = Some(now + chrono::Duration::days(i64::from(due_days)));
        let id = with_tx!(self, tx => {
            let mut tx = tx;
            let id = tx.upsert_roll(&heading).await?;
            tx.replace_roll_entries(id, &entries).await?;
            match &case {
                None => {
                    let new = NewCase {
                        kind: CaseKind::SupportRoll,
                        source: "support".into(),
                        external_id: Some(format!("roll:{id}")),
                        person_id: 0,
                        sender_region: region.to_string(),
                        recipient_region: region.to_string(),
                        owner_region: region.to_string(),
                        confidence: None,
                        inside_province: true,
                        due_at,
                        facts: serde_json::json!({
                            "roll_id": id, "program": roll.program, "year": roll.year,
                        }),
                        steps: vec![step],
                    };
                    if let Some(case_id) = open_case(&mut tx, &new, now).await? {
                        tx.set_roll_case(id, case_id).await?;
                    }
                }
                Some(c) => {
                    let to = Move {
                        state: Step::Applied,
                        owner: region.to_string(),
                        due_at,
                        reply: None,
                        escalated: false,
                        matched: None,
                        steps: vec![step],
                    };
                    if !tx.update_case(c, &to, now).await? {
                        return Err(StoreError::CaseMoved { id: c.id, state: c.state.clone() });
                    }
                    tx.insert_case_steps(c.id, &to.steps, now).await?;
                }
            }
            tx.commit().await?;
            id
        });
        self.saved_roll(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("roll {id}")))
    }

    /// The persons included, and last year's persons now excluded.
    async fn entries_to_keep(&self, roll: &Roll) -> StoreResult<Vec<RollEntry>> {
        let last: Vec<i64> = match self
            .saved_roll_of(&roll.program, roll.year - 1, &roll.region)
            .await?
        {
            Some(last) => on_pool!(self, pool => sqlx::query_scalar(
                "SELECT person_id FROM support_roll_entries WHERE roll_id = $1 AND eligible \
                 ORDER BY person_id")
                .bind(last.id)
                .fetch_all(pool)
                .await?),
            None => Vec::new(),
        };
        let mut keep: Vec<RollEntry> = roll.eligible().cloned().collect();
        for person in last {
            match roll.entries.binary_search_by_key(&person, |e| e.person_id) {
                Ok(i) if roll.entries[i].eligible => {}
                Ok(i) => keep.push(roll.entries[i].clone()),
                Err(_) => keep.push(RollEntry {
                    person_id: person,
                    eligible: false,
                    reason: NO_LONGER_REGISTERED.into(),
                    amount: 0,
                }),
            }
        }
        keep.sort_by_key(|e| e.person_id);
        Ok(keep)
    }

    /// A kept roll by id.
    pub async fn saved_roll(&self, id: i64) -> StoreResult<Option<SavedRoll>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, SavedRoll>(sqlx::AssertSqlSafe(format!(
            "SELECT {ROLL_COLUMNS} WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?),
        )
    }

    /// The kept roll of a program, year and region.
    pub async fn saved_roll_of(
        &self,
        program: &str,
        year: i32,
        region: &RegionCode,
    ) -> StoreResult<Option<SavedRoll>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, SavedRoll>(sqlx::AssertSqlSafe(format!(
            "SELECT {ROLL_COLUMNS} WHERE r.program = $1 AND r.year = $2 AND r.region_code = $3"
        )))
        .bind(program)
        .bind(year)
        .bind(region.as_str())
        .fetch_optional(pool)
        .await?),
        )
    }

    /// The kept rolls of the regions inside `region`, newest year first.
    pub async fn saved_rolls(&self, region: &RegionCode) -> StoreResult<Vec<SavedRoll>> {
        let (low, high) = region.descendant_range();
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, SavedRoll>(sqlx::AssertSqlSafe(format!(
            "SELECT {ROLL_COLUMNS} WHERE r.region_code >= $1 AND r.region_code < $2 \
             ORDER BY r.year DESC, r.program, r.region_code"
        )))
        .bind(&low)
        .bind(&high)
        .fetch_all(pool)
        .await?),
        )
    }

    /// The persons a kept roll includes, in id order.
    pub async fn roll_entries(&self, roll: i64) -> StoreResult<Vec<RollEntry>> {
        let rows: Vec<(i64, bool, String, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT person_id, eligible, reason, amount FROM support_roll_entries \
             WHERE roll_id = $1 AND eligible ORDER BY person_id")
            .bind(roll)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|(person_id, eligible, reason, amount)| RollEntry {
                person_id,
                eligible,
                reason,
                amount,
            })
            .collect())
    }

    /// The changes of a kept roll since last year's roll of its program and
    /// region: who is new (with why they are included) and who left (with
    /// why); nothing when no roll was kept last year.
    pub async fn roll_changes(&self, roll: &SavedRoll) -> StoreResult<Vec<RollChange>> {
        let region =
            RegionCode::parse(&roll.region_code).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let Some(last) = self
            .saved_roll_of(&roll.program, roll.year as i32 - 1, &region)
            .await?
        else {
            return Ok(Vec::new());
        };
        let rows: Vec<(i64, bool, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT e.person_id, e.eligible, e.reason FROM support_roll_entries e \
             WHERE e.roll_id = $1 AND (NOT e.eligible OR NOT EXISTS (SELECT 1 FROM support_roll_entries l \
             WHERE l.roll_id = $2 AND l.person_id = e.person_id AND l.eligible)) ORDER BY e.person_id")
            .bind(roll.id)
            .bind(last.id)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|(person_id, eligible, reason)| RollChange {
                person_id,
                change: if eligible {
                    Change::New
                } else {
                    Change::Removed
                },
                reason,
            })
            .collect())
    }
}
