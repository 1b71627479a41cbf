//! The changes report of a period: births, deaths, moves in and out, rates.

use std::collections::HashMap;

use chrono::NaiveDate;
use renkou_domain::report::{Cell, Column};
use renkou_domain::{EventKind, Period, RegionCode};

use super::*;
use crate::error::StoreResult;
use crate::{Store, on_pool};

impl Store {
    pub(super) async fn changes_report(
        &self,
        scope: &Scope,
        areas: &[(RegionCode, String)],
        period: Period,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let columns = vec![
            Column::new("opening", "期初人口"),
            Column::new("births", "出生"),
            Column::new("births_male", "出生男"),
            Column::new("births_female", "出生女"),
            Column::new("deaths", "死亡"),
            Column::new("moved_in", "迁入"),
            Column::new("moved_out", "迁出"),
            Column::new("other_change", "其他变动"),
            Column::new("closing", "期末人口"),
            Column::new("marriages", "结婚"),
            Column::new("divorces", "离婚"),
            Column::new("late_events", "逾期登记事件"),
            Column::new("sex_ratio_at_birth", "出生性别比(女=100)"),
            Column::new("birth_rate", "出生率(‰)"),
            Column::new("death_rate", "死亡率(‰)"),
            Column::new("natural_growth_rate", "自然增长率(‰)"),
        ];
        let opening_day = period.first.pred_opt().unwrap_or(period.first);
        let closing_day = period.last.min(today);
        let opening = self.pyramids(scope, opening_day, today).await?;
        let closing = self.pyramids(scope, closing_day, today).await?;
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, String, String, i32, String, i64, i64)>(
            "SELECT substr(region_code, 1, $1), kind, indicator, key, CAST(sign AS INTEGER), other, \
             CAST(SUM(n) AS BIGINT), CAST(SUM(CASE WHEN recorded_date > $5 THEN n ELSE 0 END) AS BIGINT) \
             FROM stat_flows WHERE indicator IN ('pop', 'events') AND region_code >= $2 AND region_code < $3 \
             AND effective_date >= $4 AND effective_date <= $5 GROUP BY 1, 2, 3, 4, 5, 6",
        )
        .bind(scope.prefix)
        .bind(&scope.low)
        .bind(&scope.high)
        .bind(period.first)
        .bind(period.last)
        .fetch_all(pool)
        .await?);

        #[derive(Default, Clone, Copy)]
        struct Sums {
            births_male: i64,
            births_female: i64,
            births_other: i64,
            deaths: i64,
            moved_in: i64,
            moved_out: i64,
            other: i64,
            marriages: i64,
            divorces: i64,
            late: i64,
        }
        let mut sums: ByArea<Sums> = HashMap::new();
        let in_region = |c: &str| c >= scope.low.as_str() && c < scope.high.as_str();
        for (area, kind, indicator, key, sign, other, n, late) in rows {
            let kind = EventKind::parse(&kind);
            // The region as a whole sees only the moves that cross its border.
            let targets = [
                (area.clone(), !other.is_empty() && other.starts_with(&area)),
                (TOTAL.to_string(), !other.is_empty() && in_region(&other)),
            ];
            for (target, internal) in targets {
                let s = sums.entry(target).or_default();
                if indicator == "events" {
                    s.late += late;
                    match (kind, key.as_str()) {
                        (Some(EventKind::Marriage), "2") => s.marriages += n,
                        (Some(EventKind::Divorce), "2") => s.divorces += n,
                        _ => {}
                    }
                    continue;
                }
                let signed = i64::from(sign) * n;
                match kind {
                    Some(EventKind::Birth) if sign > 0 => match key.split('|').next() {
                        Some("1") => s.births_male += n,
                        Some("2") => s.births_female += n,
                        _ => s.births_other += n,
                    },
                    Some(EventKind::Death) if sign < 0 => s.deaths += n,
                    Some(k) if MOVES.contains(&k) && !internal => {
                        if sign > 0 {
                            s.moved_in += n;
                        } else {
                            s.moved_out += n;
                        }
                    }
                    _ => s.other += signed,
                }
            }
        }
        let days = (closing_day - period.first).num_days() + 1;
        let mut out: ByArea<Vec<(String, Cell)>> = HashMap::new();
        let mut keys: Vec<String> = areas
            .iter()
            .map(|(c, _)| scope.area(c.as_str()).to_string())
            .collect();
        keys.push(TOTAL.into());
        let total_of = |pyramids: &ByArea<Pyramid>, key: &str| -> i64 {
            if key == TOTAL {
                pyramids.values().map(Pyramid::total).sum()
            } else {
                pyramids.get(key).map_or(0, Pyramid::total)
            }
        };
        for key in keys {
            let s = sums.get(&key).copied().unwrap_or_default();
            let (open, close) = (total_of(&opening, &key), total_of(&closing, &key));
            let births = s.births_male + s.births_female + s.births_other;
            // Crude rates per thousand of the mean population, per year.
            let mean = (open + close) as f64 / 2.0;
            let yearly = |n: i64| -> Cell {
                Cell::Ratio((mean > 0.0 && days > 0).then(|| {
                    let v = n as f64 / mean * 1000.0 * 365.0 / days as f64;
                    (v * 100.0).round() / 100.0
                }))
            };
            out.insert(
                key,
                vec![
                    ("opening".into(), Cell::Count(open)),
                    ("births".into(), Cell::Count(births)),
                    ("births_male".into(), Cell::Count(s.births_male)),
                    ("births_female".into(), Cell::Count(s.births_female)),
                    ("deaths".into(), Cell::Count(s.deaths)),
                    ("moved_in".into(), Cell::Count(s.moved_in)),
                    ("moved_out".into(), Cell::Count(s.moved_out)),
                    ("other_change".into(), Cell::Count(s.other)),
                    ("closing".into(), Cell::Count(close)),
                    ("marriages".into(), Cell::Count(s.marriages)),
                    ("divorces".into(), Cell::Count(s.divorces)),
                    ("late_events".into(), Cell::Count(s.late)),
                    (
                        "sex_ratio_at_birth".into(),
                        Cell::ratio(s.births_male, s.births_female, 100.0),
                    ),
                    ("birth_rate".into(), yearly(births)),
                    ("death_rate".into(), yearly(s.deaths)),
                    ("natural_growth_rate".into(), yearly(births - s.deaths)),
                ],
            );
        }
        Ok((columns, out))
    }
}
