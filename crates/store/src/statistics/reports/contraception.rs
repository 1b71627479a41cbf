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
        let mut add = |area: &str, method: &str, n: i64| {
            let i = method.parse::<usize>().unwrap_or(0).min(9);
            for key in [area, TOTAL] {
                match sums.get_mut(key) {
                    Some(by_method) => by_method[i] += n,
                    None => sums.entry(key.to_string()).or_default()[i] += n,
                }
            }
        };
        // The stored rows as they are, in key order (no sort in the engine):
        // the birth years of 15–49 are a range of keys (`YYYY|method`).
        const STOCK: &str = "SELECT region_code, key, n FROM stat_stock WHERE level = $1 \
             AND indicator = 'contraception' AND region_code >= $2 AND region_code < $3 \
             AND key >= $4 AND key < $5";
        let (first, past) = (format!("{}|", year - 49), format!("{}|", year - 14));
        let params = [scope.stored, &scope.low, &scope.high, &first, &past];
        let stock = match self {
            Store::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                crate::database::sqlite_bulk::select_text_text_int(&mut conn, STOCK, &params)
                    .await?
            }
            // The county arrays (migration 0021), summed over the years there.
            Store::Postgres(pool) if scope.stored == "county" => {
                sqlx::query_as::<_, (String, String, i64)>(
                    "SELECT region_code, method, \
                     (SELECT COALESCE(SUM(x), 0)::bigint FROM unnest(counts[$3:$4]) x) \
                     FROM stat_methods WHERE region_code >= $1 AND region_code < $2",
                )
                .bind(&scope.low)
                .bind(&scope.high)
                .bind(year - 49)
                .bind(year - 15)
                .fetch_all(pool)
                .await?
            }
            // Villages: grouped in the engine, faster than the rows travel.
            Store::Postgres(pool) => {
                let grouped = format!(
                    "SELECT substr(region_code, 1, {}), substr(key, 6), SUM(n)::bigint FROM ({STOCK}) s GROUP BY 1, 2",
                    scope.prefix
                );
                let mut query =
                    sqlx::query_as::<_, (String, String, i64)>(sqlx::AssertSqlSafe(grouped));
                for p in params {
                    query = query.bind(p);
                }
                query.fetch_all(pool).await?
            }
        };
        for (region, key, n) in stock {
            // A stored key is `YYYY|method`; PostgreSQL's rows hold the method alone.
            let method = key.rsplit('|').next().unwrap_or("");
            add(scope.area(&region), method, n);
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
                add(&area, &method, -n);
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
