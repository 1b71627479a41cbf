//! Headline counts for a user's home page, from the statistics counters:
//! a few rows per region whatever its size.

use chrono::{Datelike, NaiveDate};
use renkou_domain::{RegionCode, RegionLevel};
use serde::Serialize;

use crate::error::{StoreError, StoreResult};
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
}

/// The counts of a region (`$1` its stored level, `$2`..`$3` its codes),
/// the flows between `$4` and `$5` selected by `$flows_region`, their
/// indicator column written `$indicator`.
macro_rules! summary_sql {
    ($flows_region:literal, $indicator:literal) => {
        concat!(
            "SELECT \
               (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_stock WHERE level = $1 \
                AND region_code >= $2 AND region_code < $3 AND indicator = 'living'), \
               (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_stock WHERE level = $1 \
                AND region_code >= $2 AND region_code < $3 AND indicator = 'households'), \
               (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_flows WHERE ",
            $flows_region,
            " \
                AND effective_date >= $4 AND effective_date <= $5 \
                AND ",
            $indicator,
            " = 'pop' AND kind = 'birth' AND sign = 1), \
               (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_flows WHERE ",
            $flows_region,
            " \
                AND effective_date >= $4 AND effective_date <= $5 \
                AND ",
            $indicator,
            " = 'pop' AND kind = 'death' AND sign = -1)"
        )
    };
}

/// A county, township or village: its flows by region range.
const NARROW: &str = summary_sql!("region_code >= $2 AND region_code < $3", "indicator");
/// The same on SQLite, whose planner (without statistics) would take the
/// by-date index: `+indicator` keeps the indicator out of index choice, so
/// the region range of the primary key is read.
const NARROW_SQLITE: &str = summary_sql!("region_code >= $2 AND region_code < $3", "+indicator");
/// A city or the province: its flows by date, the region by prefix.
const WIDE: &str = summary_sql!("substr(region_code, 1, length($6)) = $6", "indicator");

impl Store {
    /// Headline counts of a region, as of `today`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn summary(&self, region: &RegionCode, today: NaiveDate) -> StoreResult<Summary> {
        let (low, high) = region.descendant_range();
        let level = crate::statistics::reports::stored_level(region.level());
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        // One round trip; each count an index range of its own (the stock's
        // key starts with the region, so each indicator is an index
        // condition). A city's or the province's flows are read by period
        // first and their region matched by prefix inside the index: a
        // region range would read every year's flows of the whole province.
        let wide = region.level() <= RegionLevel::City;
        let sql = match self {
            _ if wide => WIDE,
            Store::Sqlite(_) => NARROW_SQLITE,
            Store::Postgres(_) => NARROW,
        };
        let (living, households, births, deaths): (i64, i64, i64, i64) = on_pool!(self, pool => {
            let query = sqlx::query_as(sql)
                .bind(level)
                .bind(&low)
                .bind(&high)
                .bind(year_start)
                .bind(today);
            let query = if wide { query.bind(region.prefix()) } else { query };
            query.fetch_one(pool).await?
        });
        Ok(Summary {
            living,
            households,
            births_this_year: births,
            deaths_this_year: deaths,
        })
    }

    /// The region of `level` with the most living residents (for benchmarks
    /// and demonstrations that want a busy one).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn most_populous(&self, level: RegionLevel) -> StoreResult<RegionCode> {
        let width = level.prefix_len() as i32;
        let prefix: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT substr(region_code, 1, $1) FROM stat_stock WHERE level = 'village' \
             AND indicator = 'living' GROUP BY 1 ORDER BY SUM(n) DESC LIMIT 1",
        )
        .bind(width)
        .fetch_optional(pool)
        .await?);
        let prefix = prefix.ok_or_else(|| StoreError::NotFound("a populated region".into()))?;
        RegionCode::parse(&format!("{prefix:0<12}")).map_err(|e| StoreError::Invalid(e.to_string()))
    }
}
