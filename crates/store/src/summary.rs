//! Headline counts for a user's home page. Issue 4's counters will replace
//! these range counts; they read indexes only within the caller's regions.

use chrono::{Datelike, NaiveDate};
use renkou_domain::RegionCode;
use serde::Serialize;

use crate::error::StoreResult;
use crate::{Store, on_pool};

/// What a region looks like today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Persons living here now.
    pub living: i64,
    /// Households registered here.
    pub households: i64,
    /// Births this year (by date of birth).
    pub births_this_year: i64,
    /// Deaths this year (by date of death).
    pub deaths_this_year: i64,
    /// Living persons without an identity number: work to do.
    pub missing_id_numbers: i64,
}

impl Store {
    /// Headline counts of a region, as of `today`.
    pub async fn summary(&self, region: &RegionCode, today: NaiveDate) -> StoreResult<Summary> {
        let (low, high) = region.descendant_range();
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        let (living, households, births, deaths, missing): (i64, i64, i64, i64, i64) = on_pool!(self, pool => sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM persons WHERE residence >= $1 AND residence < $2 AND status = 'active'), \
               (SELECT COUNT(*) FROM households WHERE region_code >= $1 AND region_code < $2), \
               (SELECT COUNT(*) FROM events WHERE region_code >= $1 AND region_code < $2 \
                  AND effective_date >= $3 AND kind = 'birth'), \
               (SELECT COUNT(*) FROM events e WHERE region_code >= $1 AND region_code < $2 \
                  AND effective_date >= $3 AND kind = 'death' AND \
                  EXISTS (SELECT 1 FROM persons p WHERE p.id = e.person_id AND p.death_date = e.effective_date)), \
               (SELECT COUNT(*) FROM persons WHERE residence >= $1 AND residence < $2 \
                  AND status = 'active' AND id_number IS NULL)",
        )
        .bind(&low)
        .bind(&high)
        .bind(year_start)
        .fetch_one(pool)
        .await?);
        Ok(Summary {
            living,
            households,
            births_this_year: births,
            deaths_this_year: deaths,
            missing_id_numbers: missing,
        })
    }
}
