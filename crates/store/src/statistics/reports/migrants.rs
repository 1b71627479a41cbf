//! The migrants report (流动人口): inflow and outflow of each region by
//! origin or destination (inside or outside the province), sex, age group
//! and how long the stay has lasted, at any date — from the `inflow` and
//! `outflow` counters (`domain/src/stats.rs`), today's stock minus the
//! flows after the date.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use renkou_domain::migrants::DurationGroup;
use renkou_domain::report::{Cell, Column};

use super::*;
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// The two sides, each with the same columns after its prefix.
const SIDES: [(&str, &str, &str, &str); 2] = [
    ("inflow", "流入", "in_province", "from_outside"),
    ("outflow", "流出", "in_province", "outside_province"),
];

/// Columns of one side.
const PER_SIDE: usize = 15;

/// The columns of one side: `inflow`, `inflow_male` …
fn side_columns(prefix: &str, label: &str, inside: &str, outside: &str) -> Vec<Column> {
    let mut out = vec![
        Column::new(prefix, format!("{label}人口")),
        Column::new(format!("{prefix}_male"), "男"),
        Column::new(format!("{prefix}_female"), "女"),
        Column::new(format!("{prefix}_{inside}"), "省内"),
        Column::new(
            format!("{prefix}_{outside}"),
            if prefix == "inflow" {
                "省外流入"
            } else {
                "流出省外"
            },
        ),
        Column::new(format!("{prefix}_age_0_14"), "0-14岁"),
        Column::new(format!("{prefix}_age_15_59"), "15-59岁"),
        Column::new(format!("{prefix}_age_60_plus"), "60岁以上"),
        Column::new(format!("{prefix}_women_15_49"), "育龄妇女"),
    ];
    out.extend(
        DurationGroup::ALL
            .into_iter()
            .filter(|g| g.is_migrant())
            .map(|g| Column::new(format!("{prefix}_{}", g.key()), g.chinese())),
    );
    out.push(Column::new(
        format!("{prefix}_under_3m"),
        format!("{label}不满3个月"),
    ));
    out
}

/// Where one counter key adds, at `date`, for a region in `province`
/// (the first two digits): the column indexes of its side.
fn columns_of(key: &str, date: NaiveDate, province: &str) -> Vec<usize> {
    let mut parts = key.split('|');
    let (Some(place), Some(sex), Some(year), Some(month)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Vec::new();
    };
    let since = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok();
    let group = DurationGroup::of(since, date);
    if since.is_some_and(|s| s > date) {
        return Vec::new();
    }
    if !group.is_migrant() {
        return vec![PER_SIDE - 1];
    }
    let mut out = vec![0];
    match sex {
        "1" => out.push(1),
        "2" => out.push(2),
        _ => {}
    }
    out.push(if place.starts_with(province) { 3 } else { 4 });
    if let Ok(year) = year.parse::<i32>() {
        let age = date.year() - year;
        out.push(match age {
            ..15 => 5,
            15..60 => 6,
            _ => 7,
        });
        if sex == "2" && (15..=49).contains(&age) {
            out.push(8);
        }
    }
    let slot = DurationGroup::ALL
        .into_iter()
        .filter(|g| g.is_migrant())
        .position(|g| g == group);
    out.extend(slot.map(|i| 9 + i));
    out
}

impl Store {
    pub(super) async fn migrants_report(
        &self,
        scope: &Scope,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let columns: Vec<Column> = SIDES
            .iter()
            .flat_map(|(p, l, i, o)| side_columns(p, l, i, o))
            .collect();
        let province = scope.low[..2].to_string();
        let mut sums: ByArea<[i64; 2 * PER_SIDE]> = HashMap::new();
        for (side, (indicator, ..)) in SIDES.iter().enumerate() {
            let mut counts: HashMap<(String, String), i64> = HashMap::new();
            let stock = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
                "SELECT substr(region_code, 1, $1), key, CAST(SUM(n) AS BIGINT) FROM stat_stock \
                 WHERE level = $2 AND indicator = $3 AND region_code >= $4 AND region_code < $5 \
                 GROUP BY 1, 2",
            )
            .bind(scope.prefix)
            .bind(scope.stored)
            .bind(*indicator)
            .bind(&scope.low)
            .bind(&scope.high)
            .fetch_all(pool)
            .await?);
            for (area, key, n) in stock {
                *counts.entry((area, key)).or_default() += n;
            }
            if date < today {
                let later = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
                    "SELECT substr(region_code, 1, $1), key, CAST(SUM(sign * n) AS BIGINT) FROM stat_flows \
                     WHERE indicator = $2 AND region_code >= $3 AND region_code < $4 AND effective_date > $5 \
                     GROUP BY 1, 2",
                )
                .bind(scope.prefix)
                .bind(*indicator)
                .bind(&scope.low)
                .bind(&scope.high)
                .bind(date)
                .fetch_all(pool)
                .await?);
                for (area, key, n) in later {
                    *counts.entry((area, key)).or_default() -= n;
                }
            }
            for ((area, key), n) in counts {
                if n == 0 {
                    continue;
                }
                let slots = columns_of(&key, date, &province);
                for area in [area, TOTAL.to_string()] {
                    let row = sums.entry(area).or_insert([0; 2 * PER_SIDE]);
                    for &slot in &slots {
                        row[side * PER_SIDE + slot] += n;
                    }
                }
            }
        }
        Ok((columns.clone(), to_cells(&columns, sums)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_woman_from_another_province_here_two_years_counts_in_her_groups() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let slots = columns_of("500103|2|1995|2024-10", date, "51");
        assert_eq!(slots, vec![0, 2, 4, 6, 8, 11]);
        // Arrived last month: listed apart, not yet a migrant.
        assert_eq!(
            columns_of("510104|1|1990|2026-11", date, "51"),
            vec![PER_SIDE - 1]
        );
        assert_eq!(
            side_columns("inflow", "流入", "in_province", "from_outside").len(),
            PER_SIDE
        );
    }
}
