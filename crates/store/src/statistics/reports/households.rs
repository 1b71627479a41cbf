//! The households report.

use std::collections::HashMap;

use renkou_domain::report::{Cell, Column};

use super::*;
use crate::error::StoreResult;
use crate::{Store, on_pool};

impl Store {
    pub(super) async fn households_report(
        &self,
        scope: &Scope,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let columns = vec![
            Column::new("households", "户数"),
            Column::new("members", "在户人口"),
            Column::new("average_size", "户均人口"),
        ];
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT substr(region_code, 1, $1), indicator, CAST(SUM(n) AS BIGINT) FROM stat_stock \
             WHERE level = $2 AND indicator IN ('households', 'members') \
             AND region_code >= $3 AND region_code < $4 GROUP BY 1, 2",
        )
        .bind(scope.prefix)
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .fetch_all(pool)
        .await?);
        let mut sums: ByArea<(i64, i64)> = HashMap::new();
        for (area, indicator, n) in rows {
            for key in [area.as_str(), TOTAL] {
                let s = sums.entry(key.to_string()).or_default();
                if indicator == "households" {
                    s.0 += n;
                } else {
                    s.1 += n;
                }
            }
        }
        let out = sums
            .into_iter()
            .map(|(area, (households, members))| {
                (
                    area,
                    vec![
                        ("households".to_string(), Cell::Count(households)),
                        ("members".to_string(), Cell::Count(members)),
                        (
                            "average_size".to_string(),
                            Cell::ratio(members, households, 1.0),
                        ),
                    ],
                )
            })
            .collect();
        Ok((columns, out))
    }
}
