//! 已婚育龄妇女避孕节育情况: married women 15–49 (by birth year, as every
//! report counts ages) by their current method, the contraceptive
//! prevalence (综合避孕率) and the long-acting share, at any date.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use renkou_domain::report::{Cell, Column};
use renkou_domain::wis::Method;

use super::*;
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// Methods `01`…`09`, in column order.
fn methods() -> Vec<Method> {
    Method::all().filter(Method::contracepts).collect()
}

impl Store {
    pub(super) async fn contraception_report(
        &self,
        scope: &Scope,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let methods = methods();
        let mut columns = vec![
            Column::new("married_women", "已婚育龄妇女"),
            Column::new("contracepting", "已避孕"),
            Column::new("cpr", "综合避孕率(%)"),
            Column::new("long_acting", "长效措施"),
            Column::new("long_acting_share", "长效措施比例(%)"),
        ];
        for m in &methods {
            columns.push(Column::new(format!("m{}", m.code()), m.name()));
        }
        let year = date.year();
        // Per area: the women per method code (index 0: none).
        let mut sums: ByArea<[i64; 10]> = HashMap::new();
        let mut add = |area: String, method: &str, n: i64| {
            let i = method.parse::<usize>().unwrap_or(0).min(9);
            for key in [area, TOTAL.to_string()] {
                sums.entry(key).or_default()[i] += n;
            }
        };
        let stock = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT substr(region_code, 1, $1), substr(key, 6), CAST(SUM(n) AS BIGINT) FROM stat_stock \
             WHERE level = $2 AND indicator = 'contraception' AND region_code >= $3 AND region_code < $4 \
             AND $5 - CAST(substr(key, 1, 4) AS INTEGER) BETWEEN 15 AND 49 GROUP BY 1, 2",
        )
        .bind(scope.prefix)
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .bind(year)
        .fetch_all(pool)
        .await?);
        for (area, method, n) in stock {
            add(area, &method, n);
        }
        if date < today {
            let later = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
                "SELECT substr(region_code, 1, $1), substr(key, 6), CAST(SUM(sign * n) AS BIGINT) FROM stat_flows \
                 WHERE indicator = 'contraception' AND region_code >= $2 AND region_code < $3 \
                 AND effective_date > $4 AND $5 - CAST(substr(key, 1, 4) AS INTEGER) BETWEEN 15 AND 49 \
                 GROUP BY 1, 2",
            )
            .bind(scope.prefix)
            .bind(&scope.low)
            .bind(&scope.high)
            .bind(date)
            .bind(year)
            .fetch_all(pool)
            .await?);
            for (area, method, n) in later {
                add(area, &method, -n);
            }
        }
        let cells = sums
            .into_iter()
            .map(|(area, by_method)| {
                let married: i64 = by_method.iter().sum();
                let contracepting: i64 = by_method[1..].iter().sum();
                let long_acting: i64 = by_method[1..=4].iter().sum();
                let mut cells = vec![
                    ("married_women".to_string(), Cell::Count(married)),
                    ("contracepting".to_string(), Cell::Count(contracepting)),
                    ("cpr".to_string(), Cell::percent(contracepting, married)),
                    ("long_acting".to_string(), Cell::Count(long_acting)),
                    (
                        "long_acting_share".to_string(),
                        Cell::percent(long_acting, contracepting),
                    ),
                ];
                for (i, m) in methods.iter().enumerate() {
                    cells.push((format!("m{}", m.code()), Cell::Count(by_method[i + 1])));
                }
                (area, cells)
            })
            .collect();
        Ok((columns, cells))
    }
}
