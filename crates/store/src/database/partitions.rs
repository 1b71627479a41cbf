//! PostgreSQL's partitions by city (migration 0032): a city gets its own
//! partition of persons, households, events and the village counters before
//! an import brings its first residents, so that those rows are written once
//! into their place; rows that arrived another way (a single registration, a
//! re-zoning) wait in the default partition until the next sweep.

use std::collections::BTreeSet;

use crate::{Store, StoreResult};

impl Store {
    /// Creates the partitions of the cities these region codes lie in, each in
    /// its own short transaction (not the import's, which would hold the
    /// default partition's lock for the whole import). SQLite: nothing to do.
    pub(crate) async fn partition_cities<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
    ) -> StoreResult<()> {
        let Store::Postgres(pool) = self else {
            return Ok(());
        };
        let cities: BTreeSet<&str> = codes.into_iter().filter_map(|c| c.get(..4)).collect();
        if cities.is_empty() {
            return Ok(());
        }
        let cities: Vec<&str> = cities.into_iter().collect();
        sqlx::query("SELECT renkou_city_partitions($1)")
            .bind(&cities)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Moves rows waiting in the default partitions into partitions of their
    /// cities. SQLite: nothing to do.
    pub(crate) async fn sweep_partitions(&self) -> StoreResult<()> {
        if let Store::Postgres(pool) = self {
            sqlx::query("SELECT renkou_city_partitions()")
                .execute(pool)
                .await?;
        }
        Ok(())
    }
}
