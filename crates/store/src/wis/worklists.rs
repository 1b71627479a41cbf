//! The work lists of a village or township: the facts the lists read of
//! every woman who can be on one this month, in one query over the
//! region's women (her checks, visits, marriage and last delivery are read
//! only where a list can need them).

use chrono::NaiveDate;
use renkou_domain::RegionCode;
use renkou_domain::wis::worklist::birth_dates_listed;
use renkou_domain::wis::{Listed, Schedule, WomanFacts, lists_of};

use crate::access::scope::Scope;
use crate::database::rows::{PersonRow, person_columns_of};
use crate::error::StoreResult;
use crate::{Store, on_pool};

#[derive(sqlx::FromRow)]
struct FactsRow {
    #[sqlx(flatten)]
    person: PersonRow,
    last_iud_check: Option<NaiveDate>,
    last_visit: Option<NaiveDate>,
    married_on: Option<NaiveDate>,
    last_birth: Option<NaiveDate>,
}

/// The women of a region range with the facts of the lists. A check or
/// visit is read only for a woman on an IUD or a short-acting method, a
/// marriage and a delivery only for one without a method. Her events are
/// found by her id (`kind || ''` keeps SQLite, which has no statistics,
/// from reading every check of the province by kind instead).
fn facts_query() -> String {
    format!(
        "SELECT {}, \
         CASE WHEN p.contraception = '03' THEN \
           (SELECT MAX(e.effective_date) FROM events e WHERE e.person_id = p.id AND (e.kind || '') = 'iud_check') END \
           AS last_iud_check, \
         CASE WHEN p.contraception IN ('05', '06', '07', '08', '09') THEN \
           (SELECT MAX(e.effective_date) FROM events e WHERE e.person_id = p.id AND (e.kind || '') = 'visit') END \
           AS last_visit, \
         CASE WHEN (p.contraception IS NULL OR p.contraception = '00') AND p.pregnant_since IS NULL \
           AND (p.spouse_id IS NOT NULL OR p.marital_status LIKE '2%') THEN \
           (SELECT MAX(e.effective_date) FROM events e WHERE e.person_id = p.id AND (e.kind || '') = 'marriage') END \
           AS married_on, \
         CASE WHEN (p.contraception IS NULL OR p.contraception = '00') AND p.pregnant_since IS NULL THEN \
           (SELECT MAX(c.birth_date) FROM persons c WHERE c.mother_id = p.id) END \
           AS last_birth \
         FROM persons p \
         WHERE p.residence >= $1 AND p.residence < $2 AND p.sex = '2' AND p.status = 'active' \
         AND p.birth_date >= $3 AND p.birth_date <= $4",
        person_columns_of("p")
    )
}

impl Store {
    /// Every woman of `region` (inside the scope) on a list of the month
    /// holding `today`, with the lists she is on, in residence and name order.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn wis_work_lists(
        &self,
        region: &RegionCode,
        scope: &Scope,
        schedule: &Schedule,
        today: NaiveDate,
    ) -> StoreResult<Vec<(WomanFacts, Vec<Listed>)>> {
        let (earliest, latest) = birth_dates_listed(today);
        let sql = facts_query();
        let mut out = Vec::new();
        for part in scope.within(region) {
            let (low, high) = part.descendant_range();
            let rows = on_pool!(self, pool => sqlx::query_as::<_, FactsRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(&low)
                .bind(&high)
                .bind(earliest)
                .bind(latest)
                .fetch_all(pool)
                .await?);
            for row in rows {
                let facts = WomanFacts {
                    woman: row.person.try_into()?,
                    last_iud_check: row.last_iud_check,
                    last_visit: row.last_visit,
                    married_on: row.married_on,
                    last_birth: row.last_birth,
                };
                let lists = lists_of(&facts, schedule, today);
                if !lists.is_empty() {
                    out.push((facts, lists));
                }
            }
        }
        out.sort_by(|a, b| {
            (a.0.woman.residence, &a.0.woman.name).cmp(&(b.0.woman.residence, &b.0.woman.name))
        });
        Ok(out)
    }
}
