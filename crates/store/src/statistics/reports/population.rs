//! The population report (人口总数、性别、年龄构成).

use std::collections::HashMap;

use chrono::NaiveDate;
use renkou_domain::report::{Cell, Column};
use renkou_domain::stats::{AGE_GROUPS, age_group_label};

use super::*;
use crate::Store;
use crate::error::StoreResult;

impl Store {
    pub(super) async fn population_report(
        &self,
        scope: &Scope,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let mut columns = vec![
            Column::new("total", "总人口"),
            Column::new("male", "男"),
            Column::new("female", "女"),
            Column::new("sex_ratio", "性别比(女=100)"),
        ];
        for g in 0..AGE_GROUPS {
            let label = age_group_label(g);
            columns.push(Column::new(
                format!("age_{}", label.replace('-', "_").replace('+', "_plus")),
                format!("{label}岁"),
            ));
        }
        let cells = |p: &Pyramid| {
            let mut cells = vec![
                ("total".to_string(), Cell::Count(p.total())),
                ("male".to_string(), Cell::Count(p.male())),
                ("female".to_string(), Cell::Count(p.female())),
                (
                    "sex_ratio".to_string(),
                    Cell::ratio(p.male(), p.female(), 100.0),
                ),
            ];
            for g in 0..AGE_GROUPS {
                let n = p.male[g] + p.female[g] + p.other[g];
                cells.push((columns[4 + g].key.clone(), Cell::Count(n)));
            }
            cells
        };
        let pyramids = self.pyramids(scope, date, today).await?;
        let mut total = Pyramid::default();
        let mut out: ByArea<Vec<(String, Cell)>> = HashMap::new();
        for (area, p) in &pyramids {
            total.merge(p);
            out.insert(area.clone(), cells(p));
        }
        out.insert(TOTAL.into(), cells(&total));
        Ok((columns, out))
    }
}
