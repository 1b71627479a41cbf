//! The migrant registers' reads: who lives here registered elsewhere
//! (inflow), who is registered here living elsewhere (outflow).

use renkou_domain::{Person, RegionCode};

use crate::database::rows::{PersonRow, person_columns};
use crate::error::StoreResult;
use crate::{Store, on_pool};

impl Store {
    /// The living residents of `region` registered where they live (or with
    /// no registration recorded), in id order: those who are not migrants.
    pub async fn settled_residents(&self, region: &RegionCode) -> StoreResult<Vec<Person>> {
        let (low, high) = region.descendant_range();
        let rows = on_pool!(self, pool => sqlx::query_as::<_, PersonRow>(concat!(
            "SELECT ", person_columns!(), " FROM persons WHERE residence >= $1 AND residence < $2 \
             AND status = 'active' AND (hukou_region IS NULL OR hukou_region = residence) ORDER BY id"
        ))
        .bind(&low)
        .bind(&high)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(Person::try_from).collect()
    }
}

impl Store {
    /// The persons a migrant source brought into the register (their first
    /// event is a registration from it).
    pub async fn persons_entered_by(&self, source: &str) -> StoreResult<Vec<i64>> {
        Ok(on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT person_id FROM events WHERE source = $1 AND kind = 'registration' ORDER BY person_id",
        )
        .bind(format!("migrants:{source}"))
        .fetch_all(pool)
        .await?))
    }

    /// The open "same person?" tasks of a migrant source: record and the
    /// candidate person.
    pub async fn unsure_migrant_records(&self, source: &str) -> StoreResult<Vec<(String, i64)>> {
        Ok(on_pool!(self, pool => sqlx::query_as::<_, (String, i64)>(
            "SELECT record_id, person_id FROM verification_tasks \
             WHERE source = $1 AND kind = 'unsure_match' AND status = 'open' ORDER BY record_id",
        )
        .bind(format!("migrants:{source}"))
        .fetch_all(pool)
        .await?))
    }
}
