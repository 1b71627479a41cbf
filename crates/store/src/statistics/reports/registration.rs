//! The household-registration report (户籍类别).

use std::collections::HashMap;

use renkou_domain::report::{Cell, Column};

use super::*;
use crate::error::StoreResult;
use crate::{Store, on_pool};

impl Store {
    pub(super) async fn registration_report(
        &self,
        scope: &Scope,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let columns = vec![
            Column::new("resident", "常住人口"),
            Column::new("registered", "户籍人口"),
            Column::new("migrant_in", "流入人口"),
            Column::new("migrant_out", "流出人口"),
        ];
        // Rows where the person lives in the region or is registered in it.
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT region_code, key, n FROM stat_stock WHERE level = $1 AND indicator = 'hukou' \
             AND ((region_code >= $2 AND region_code < $3) OR (key >= $2 AND key < $3))",
        )
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .fetch_all(pool)
        .await?);
        let in_range = |c: &str| c >= scope.low.as_str() && c < scope.high.as_str();
        let mut sums: ByArea<[i64; 4]> = HashMap::new();
        let mut add =
            |area: &str, i: usize, n: i64| sums.entry(area.to_string()).or_default()[i] += n;
        for (region, key, n) in &rows {
            let (lives, registered) = (scope.area(region), scope.area(key));
            if in_range(region) {
                add(lives, 0, *n);
                add(TOTAL, 0, *n);
                if lives != registered {
                    add(lives, 2, *n);
                }
                if !in_range(key) {
                    add(TOTAL, 2, *n);
                }
            }
            if in_range(key) {
                add(registered, 1, *n);
                add(TOTAL, 1, *n);
                if lives != registered {
                    add(registered, 3, *n);
                }
                if !in_range(region) {
                    add(TOTAL, 3, *n);
                }
            }
        }
        Ok((columns.clone(), to_cells(&columns, sums)))
    }
}
