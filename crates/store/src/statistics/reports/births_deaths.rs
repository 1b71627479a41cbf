//! Births and deaths month by month, for the chart.

use chrono::NaiveDate;
use renkou_domain::RegionCode;

use crate::error::StoreResult;
use crate::{Store, on_pool};

impl Store {
    /// Births and deaths of a region in each month of a year (by the day they happened).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn births_and_deaths_by_month(
        &self,
        region: &RegionCode,
        year: i32,
    ) -> StoreResult<Vec<(u32, i64, i64)>> {
        let (low, high) = region.descendant_range();
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
        let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT substr(CAST(effective_date AS TEXT), 6, 2), kind, CAST(SUM(n) AS BIGINT) FROM stat_flows \
             WHERE indicator = 'pop' AND ((kind = 'birth' AND sign = 1) OR (kind = 'death' AND sign = -1)) \
             AND region_code >= $1 AND region_code < $2 AND effective_date >= $3 AND effective_date <= $4 \
             GROUP BY 1, 2",
        )
        .bind(&low)
        .bind(&high)
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await?);
        let mut months: Vec<(u32, i64, i64)> = (1..=12).map(|m| (m, 0, 0)).collect();
        for (month, kind, n) in rows {
            let Some(slot) = month
                .parse::<usize>()
                .ok()
                .and_then(|m| months.get_mut(m.wrapping_sub(1)))
            else {
                continue;
            };
            if kind == "birth" {
                slot.1 += n;
            } else {
                slot.2 += n;
            }
        }
        Ok(months)
    }
}
