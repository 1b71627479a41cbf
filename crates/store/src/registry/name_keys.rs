//! The names' search keys (pinyin and initials) of rows written before the
//! key existed, filled once when the store starts.

use crate::error::StoreResult;
use crate::{Store, on_pool};

/// Names keyed per statement.
const BATCH: usize = 5_000;

/// Sets `name_key` of every row of the `{n, k}` JSON array's names that has none.
const FILL_POSTGRES: &str = "UPDATE persons p SET name_key = v.k \
     FROM jsonb_to_recordset($1::jsonb) AS v(n text, k text) \
     WHERE p.name = v.n AND p.name_key IS NULL";
/// The same in SQLite's JSON functions.
const FILL_SQLITE: &str = "UPDATE persons SET name_key = v.k \
     FROM (SELECT json_extract(value, '$.n') AS n, json_extract(value, '$.k') AS k \
           FROM json_each($1)) AS v \
     WHERE persons.name = v.n AND persons.name_key IS NULL";

impl Store {
    /// Gives every person row without a search key its key; returns how
    /// many distinct names were keyed. Nothing to do on a store written
    /// since migration 0016, so starting stays quick.
    #[tracing::instrument(level = "debug", skip_all)]
    pub(crate) async fn fill_name_keys(&self) -> StoreResult<usize> {
        let names: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT name FROM persons WHERE name_key IS NULL")
                .fetch_all(pool)
                .await?
        });
        for chunk in names.chunks(BATCH) {
            let pairs: Vec<serde_json::Value> = chunk
                .iter()
                .map(|n| serde_json::json!({ "n": n, "k": renkou_link::chinese::search_key(n) }))
                .collect();
            let json = serde_json::Value::Array(pairs).to_string();
            match self {
                Store::Sqlite(pool) => {
                    sqlx::query(FILL_SQLITE).bind(json).execute(pool).await?;
                }
                Store::Postgres(pool) => {
                    sqlx::query(FILL_POSTGRES).bind(json).execute(pool).await?;
                }
            }
        }
        if !names.is_empty() {
            tracing::info!(names = names.len(), "name search keys filled");
        }
        Ok(names.len())
    }
}
