//! Residents by area, sex and age group: the age pyramid every population
//! figure is summed from.

use std::collections::HashMap;

use chrono::NaiveDate;
use renkou_domain::RegionCode;
use renkou_domain::stats::{AGE_GROUPS, age_group, age_group_label, split_population_key};

use super::*;
use crate::error::StoreResult;
use crate::{Store, on_pool};

impl Store {
    /// Residents by area, sex and age group on `date`: the stock, less what
    /// took effect after `date`.
    pub(super) async fn pyramids(
        &self,
        scope: &Scope,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<ByArea<Pyramid>> {
        let mut out: ByArea<Pyramid> = HashMap::new();
        let mut add = |region: &str, sex: &str, born: i32, n: i64| {
            if let Some(group) = age_group(born, date) {
                match out.get_mut(scope.area(region)) {
                    Some(pyramid) => pyramid.add(sex, group, n),
                    None => out
                        .entry(scope.area(region).to_string())
                        .or_default()
                        .add(sex, group, n),
                }
            }
        };
        // The stored rows as they are, in key order (no sort in the engine):
        // a few hundred per county, grouped here.
        const STOCK: &str = "SELECT region_code, key, n FROM stat_stock WHERE level = $1 \
             AND indicator = 'pop' AND region_code >= $2 AND region_code < $3";
        let rows = match self {
            Store::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                crate::database::sqlite_bulk::select_text_text_int(
                    &mut conn,
                    STOCK,
                    &[scope.stored, &scope.low, &scope.high],
                )
                .await?
            }
            Store::Postgres(pool) if scope.stored == "county" => {
                // The same counts, one array per county and sex (migration 0010).
                let arrays = sqlx::query_as::<_, (String, String, i32, Vec<Option<i64>>)>(
                    "SELECT region_code, sex, array_lower(counts, 1), counts[:] FROM stat_pyramid \
                     WHERE region_code >= $1 AND region_code < $2",
                )
                .bind(&scope.low)
                .bind(&scope.high)
                .fetch_all(pool)
                .await?;
                for (region, sex, first, counts) in &arrays {
                    // NULL: no such birth year in the county.
                    for (born, n) in (*first..).zip(counts) {
                        if let Some(n) = n {
                            add(region, sex, born, *n);
                        }
                    }
                }
                Vec::new()
            }
            Store::Postgres(pool) => {
                sqlx::query_as::<_, (String, String, i64)>(STOCK)
                    .bind(scope.stored)
                    .bind(&scope.low)
                    .bind(&scope.high)
                    .fetch_all(pool)
                    .await?
            }
        };
        for (region, key, n) in &rows {
            if let Some((sex, born)) = split_population_key(key) {
                add(region, sex, born, *n);
            }
        }
        if date < today {
            let later = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
                "SELECT region_code, key, CAST(SUM(sign * n) AS BIGINT) FROM stat_flows \
                 WHERE indicator = 'pop' AND region_code >= $1 AND region_code < $2 \
                 AND effective_date > $3 GROUP BY region_code, key",
            )
            .bind(&scope.low)
            .bind(&scope.high)
            .bind(date)
            .fetch_all(pool)
            .await?);
            for (region, key, n) in &later {
                if let Some((sex, born)) = split_population_key(key) {
                    add(region, sex, born, -n);
                }
            }
        }
        Ok(out)
    }

    /// The pyramid of a region as a whole, for the chart.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn population_pyramid(
        &self,
        region: &RegionCode,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<Vec<(String, i64, i64)>> {
        let scope = Scope::new(region, region.level());
        let mut total = Pyramid::default();
        for p in self.pyramids(&scope, date, today).await?.values() {
            total.merge(p);
        }
        Ok((0..AGE_GROUPS)
            .map(|g| (age_group_label(g), total.male[g], total.female[g]))
            .collect())
    }
}
