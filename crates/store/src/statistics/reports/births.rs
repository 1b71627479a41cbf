//! 出生与孕情: in a period, the births by order, sex and mother's age group,
//! the pregnancies that ended by how, and the pregnancies open at its end —
//! sums of the flows each birth and outcome left, and the open-pregnancy
//! stock at the period's end.

use std::collections::HashMap;

use renkou_domain::Period;
use renkou_domain::report::{Cell, Column};
use renkou_domain::stats::MOTHER_AGE_GROUPS;

use super::*;
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// The fixed columns before the mother's age groups.
const FIXED: [(&str, &str); 12] = [
    ("births", "出生"),
    ("male", "男"),
    ("female", "女"),
    ("order_1", "一孩"),
    ("order_2", "二孩"),
    ("order_3_plus", "三孩及以上"),
    ("order_unknown", "孩次不详"),
    ("stillbirths", "死产"),
    ("induced_abortions", "人工流产"),
    ("spontaneous_abortions", "自然流产"),
    ("pregnant_open", "期末在孕"),
    ("mother_age_unknown", "母亲年龄不详"),
];

fn age_key(group: &str) -> String {
    format!("mother_{}", group.replace('-', "_").replace('+', "_plus"))
}

impl Store {
    pub(super) async fn births_report(
        &self,
        scope: &Scope,
        period: Period,
        today: chrono::NaiveDate,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let mut columns: Vec<Column> = FIXED.iter().map(|(k, t)| Column::new(*k, *t)).collect();
        for g in MOTHER_AGE_GROUPS {
            columns.push(Column::new(age_key(g), format!("母亲{g}岁")));
        }
        let index: HashMap<String, usize> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.key.clone(), i))
            .collect();
        let width = columns.len();
        let mut sums: ByArea<Vec<i64>> = HashMap::new();
        let mut add = |area: String, keys: &[&str], n: i64| {
            for at in [area, TOTAL.to_string()] {
                let row = sums.entry(at).or_insert_with(|| vec![0; width]);
                for k in keys {
                    if let Some(i) = index.get(*k) {
                        row[*i] += n;
                    }
                }
            }
        };
        let flows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, String, i64)>(
            "SELECT substr(region_code, 1, $1), indicator, key, CAST(SUM(sign * n) AS BIGINT) FROM stat_flows \
             WHERE indicator IN ('births', 'outcomes', 'policy') AND region_code >= $2 AND region_code < $3 \
             AND effective_date >= $4 AND effective_date <= $5 GROUP BY 1, 2, 3",
        )
        .bind(scope.prefix)
        .bind(&scope.low)
        .bind(&scope.high)
        .bind(period.first)
        .bind(period.last)
        .fetch_all(pool)
        .await?);
        // Policy indicators: per area and indicator (key, title), births met and judged.
        let mut policy: std::collections::BTreeMap<(String, String), ByArea<(i64, i64)>> =
            std::collections::BTreeMap::new();
        for (area, indicator, key, n) in flows {
            if indicator == "policy" {
                let mut parts = key.rsplitn(2, '|');
                let met = parts.next() == Some("1");
                let Some((k, title)) = parts.next().and_then(|rest| rest.split_once('|')) else {
                    continue;
                };
                let by_area = policy
                    .entry((k.to_string(), title.to_string()))
                    .or_default();
                for at in [area.clone(), TOTAL.to_string()] {
                    let slot = by_area.entry(at).or_default();
                    slot.1 += n;
                    if met {
                        slot.0 += n;
                    }
                }
                continue;
            }
            if indicator == "outcomes" {
                let column = match key.as_str() {
                    "2" => "stillbirths",
                    "3" => "induced_abortions",
                    "4" => "spontaneous_abortions",
                    _ => continue,
                };
                add(area, &[column], n);
                continue;
            }
            let mut parts = key.split('|');
            let (order, sex, group) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            let order = match order.parse::<u8>() {
                Ok(1) => "order_1",
                Ok(2) => "order_2",
                Ok(_) => "order_3_plus",
                Err(_) => "order_unknown",
            };
            let sex = match sex {
                "1" => "male",
                "2" => "female",
                _ => "",
            };
            let age = if group.is_empty() {
                "mother_age_unknown".to_string()
            } else {
                age_key(group)
            };
            add(area, &["births", order, sex, &age], n);
        }
        // Open at the period's end: today's stock less what changed after it.
        let end = period.last.min(today);
        let open = on_pool!(self, pool => sqlx::query_as::<_, (String, i64)>(
            "SELECT substr(region_code, 1, $1), CAST(SUM(n) AS BIGINT) FROM stat_stock \
             WHERE level = $2 AND indicator = 'pregnant' AND region_code >= $3 AND region_code < $4 GROUP BY 1",
        )
        .bind(scope.prefix)
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .fetch_all(pool)
        .await?);
        for (area, n) in open {
            add(area, &["pregnant_open"], n);
        }
        if end < today {
            let later = on_pool!(self, pool => sqlx::query_as::<_, (String, i64)>(
                "SELECT substr(region_code, 1, $1), CAST(SUM(sign * n) AS BIGINT) FROM stat_flows \
                 WHERE indicator = 'pregnant' AND region_code >= $2 AND region_code < $3 \
                 AND effective_date > $4 GROUP BY 1",
            )
            .bind(scope.prefix)
            .bind(&scope.low)
            .bind(&scope.high)
            .bind(end)
            .fetch_all(pool)
            .await?);
            for (area, n) in later {
                add(area, &["pregnant_open"], -n);
            }
        }
        for (key, title) in policy.keys() {
            columns.push(Column::new(format!("policy_{key}"), title.clone()));
            columns.push(Column::new(
                format!("policy_{key}_rate"),
                format!("{title}率(%)"),
            ));
        }
        let cells = sums
            .into_iter()
            .map(|(area, values)| {
                let mut cells: Vec<(String, Cell)> = columns
                    .iter()
                    .zip(values)
                    .map(|(c, n)| (c.key.clone(), Cell::Count(n)))
                    .collect();
                for ((key, _), by_area) in &policy {
                    let (met, judged) = by_area.get(&area).copied().unwrap_or_default();
                    cells.push((format!("policy_{key}"), Cell::Count(met)));
                    cells.push((format!("policy_{key}_rate"), Cell::percent(met, judged)));
                }
                (area, cells)
            })
            .collect();
        Ok((columns, cells))
    }
}
