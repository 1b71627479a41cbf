//! The women of childbearing age report.

use std::collections::HashMap;

use chrono::NaiveDate;
use renkou_domain::MaritalStatus;
use renkou_domain::report::{Cell, Column};

use super::*;
use crate::error::StoreResult;
use crate::{Store, on_pool};

impl Store {
    pub(super) async fn women_report(
        &self,
        scope: &Scope,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        use chrono::Datelike;
        let columns = vec![
            Column::new("total", "育龄妇女(15-49岁)"),
            Column::new("never_married", "未婚"),
            Column::new("married", "有配偶"),
            Column::new("widowed", "丧偶"),
            Column::new("divorced", "离婚"),
            Column::new("unknown", "未说明"),
        ];
        let year = date.year();
        let mut sums: ByArea<[i64; 6]> = HashMap::new();
        let mut add = |area: String, marital: &str, n: i64| {
            let column = match MaritalStatus::parse(marital) {
                Ok(m) if m == MaritalStatus::never_married() => 1,
                Ok(m) if m.is_married() => 2,
                Ok(m) if m == MaritalStatus::widowed() => 3,
                Ok(m) if m == MaritalStatus::divorced() => 4,
                _ => 5,
            };
            for key in [area, TOTAL.to_string()] {
                let s = sums.entry(key).or_default();
                s[0] += n;
                s[column] += n;
            }
        };
        let stock = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT substr(region_code, 1, $1), substr(key, 6), CAST(SUM(n) AS BIGINT) FROM stat_stock \
             WHERE level = $2 AND indicator = 'women' AND region_code >= $3 AND region_code < $4 \
             AND $5 - CAST(substr(key, 1, 4) AS INTEGER) BETWEEN 15 AND 49 GROUP BY 1, 2",
        )
        .bind(scope.prefix)
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .bind(year)
        .fetch_all(pool)
        .await?);
        for (area, marital, n) in stock {
            add(area, &marital, n);
        }
        if date < today {
            let later = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
                "SELECT substr(region_code, 1, $1), substr(key, 6), CAST(SUM(sign * n) AS BIGINT) FROM stat_flows \
                 WHERE indicator = 'women' AND region_code >= $2 AND region_code < $3 AND effective_date > $4 \
                 AND $5 - CAST(substr(key, 1, 4) AS INTEGER) BETWEEN 15 AND 49 GROUP BY 1, 2",
            )
            .bind(scope.prefix)
            .bind(&scope.low)
            .bind(&scope.high)
            .bind(date)
            .bind(year)
            .fetch_all(pool)
            .await?);
            for (area, marital, n) in later {
                add(area, &marital, -n);
            }
        }
        Ok((columns.clone(), to_cells(&columns, sums)))
    }
}
