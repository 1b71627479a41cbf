//! What a page shows instead of internal ids: the names of persons and the
//! numbers of households a history or list refers to, for those inside the
//! reader's scope only (one outside looks like one that does not exist).

use std::collections::HashMap;

use renkou_domain::RegionCode;

use crate::Store;
use crate::access::scope::Scope;
use crate::error::StoreResult;

/// A JSON array of ids, as one bound value.
fn id_array(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// `(id, label, region)` rows of `$select` (a `SELECT … FROM table`) for
/// the ids bound as one JSON array, on either engine.
macro_rules! labelled_rows {
    ($store:expr, $select:literal, $ids:expr) => {
        match $store {
            Store::Sqlite(pool) => {
                sqlx::query_as::<_, (i64, String, String)>(concat!(
                    $select,
                    " WHERE id IN (SELECT value FROM json_each($1))"
                ))
                .bind(id_array($ids))
                .fetch_all(pool)
                .await?
            }
            Store::Postgres(pool) => {
                sqlx::query_as::<_, (i64, String, String)>(concat!(
                    $select,
                    " WHERE id IN (SELECT json_bigints($1::jsonb))"
                ))
                .bind(id_array($ids))
                .fetch_all(pool)
                .await?
            }
        }
    };
}

impl Store {
    /// Names of the persons among `ids` who live inside the scope.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn person_names_in(
        &self,
        ids: &[i64],
        scope: &Scope,
    ) -> StoreResult<HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = labelled_rows!(self, "SELECT id, name, residence FROM persons", ids);
        Ok(inside(rows, scope))
    }

    /// Numbers (户号) of the households among `ids` registered inside the scope.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn household_numbers_in(
        &self,
        ids: &[i64],
        scope: &Scope,
    ) -> StoreResult<HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = labelled_rows!(
            self,
            "SELECT id, household_no, region_code FROM households",
            ids
        );
        Ok(inside(rows, scope))
    }

    /// Names of regions by code (a code the table lacks is left out).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn region_names(
        &self,
        codes: &[RegionCode],
    ) -> StoreResult<HashMap<RegionCode, String>> {
        let mut names = HashMap::new();
        for code in codes {
            if names.contains_key(code) {
                continue;
            }
            if let Some(region) = self.region(code).await? {
                names.insert(*code, region.name);
            }
        }
        Ok(names)
    }
}

/// The (id, label) of the rows whose region is inside the scope.
fn inside(rows: Vec<(i64, String, String)>, scope: &Scope) -> HashMap<i64, String> {
    rows.into_iter()
        .filter(|(_, _, region)| RegionCode::parse(region).is_ok_and(|r| scope.contains(&r)))
        .map(|(id, label, _)| (id, label))
        .collect()
}
