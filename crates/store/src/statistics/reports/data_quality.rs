//! The data-quality report: incomplete records and failed checks per area.

use std::collections::HashMap;

use renkou_domain::quality::Check;
use renkou_domain::report::{Cell, Column};
use renkou_domain::stats::INCOMPLETE;

use super::*;
use crate::error::StoreResult;
use crate::statistics::quality;
use crate::{Store, on_pool};

impl Store {
    pub(super) async fn quality_report(
        &self,
        scope: &Scope,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let checks = Check::all();
        let mut columns = vec![
            Column::new("living", "现有人口"),
            Column::new(INCOMPLETE, "信息不完整人数"),
            Column::new("complete_rate", "项目完整率(%)"),
        ];
        columns.extend(checks.iter().map(|c| Column::new(c.as_str(), c.chinese())));
        let mut sums: ByArea<HashMap<String, i64>> = HashMap::new();
        let mut add = |area: String, key: String, n: i64| {
            for target in [area, TOTAL.to_string()] {
                *sums
                    .entry(target)
                    .or_default()
                    .entry(key.clone())
                    .or_default() += n;
            }
        };
        // Quality counts are kept per village (see counters.rs).
        let counted = on_pool!(self, pool => sqlx::query_as::<_, (String, String, String, i64)>(
            "SELECT substr(region_code, 1, $1), indicator, key, CAST(SUM(n) AS BIGINT) FROM stat_stock \
             WHERE ((level = $2 AND indicator = 'pop') OR (level = 'village' AND indicator = 'quality')) \
             AND region_code >= $3 AND region_code < $4 GROUP BY 1, 2, 3",
        )
        .bind(scope.prefix)
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .fetch_all(pool)
        .await?);
        for (area, indicator, key, n) in counted {
            let key = if indicator == "pop" {
                "living".to_string()
            } else {
                key
            };
            add(area, key, n);
        }
        // The checks that compare two records are counted from the persons.
        for check in checks.iter().filter(|c| !c.is_on_one_record()) {
            let sql = format!(
                "SELECT substr(p.residence, 1, $1), CAST(COUNT(*) AS BIGINT) FROM persons p \
                 WHERE p.residence >= $2 AND p.residence < $3 AND p.status = 'active' AND {} GROUP BY 1",
                quality::condition(*check, "$2", "$3")
            );
            let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(scope.prefix)
                .bind(&scope.low)
                .bind(&scope.high)
                .fetch_all(pool)
                .await?);
            for (area, n) in rows {
                add(area, check.as_str(), n);
            }
        }
        let out = sums
            .into_iter()
            .map(|(area, values)| {
                let get = |k: &str| values.get(k).copied().unwrap_or(0);
                let living = get("living");
                let mut cells = vec![
                    ("living".to_string(), Cell::Count(living)),
                    (INCOMPLETE.to_string(), Cell::Count(get(INCOMPLETE))),
                    (
                        "complete_rate".to_string(),
                        Cell::ratio(living - get(INCOMPLETE), living, 100.0),
                    ),
                ];
                cells.extend(
                    checks
                        .iter()
                        .map(|c| (c.as_str(), Cell::Count(get(&c.as_str())))),
                );
                (area, cells)
            })
            .collect();
        Ok((columns, out))
    }
}
