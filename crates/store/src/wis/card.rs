//! What a woman's card shows besides her record: her children.

use renkou_domain::{Person, PersonId};

use crate::database::rows::{PersonRow, person_columns};
use crate::error::StoreResult;
use crate::{Store, on_pool};

impl Store {
    /// A mother's children in the register (merged records left out), in
    /// birth order.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn children_of(&self, mother: PersonId) -> StoreResult<Vec<Person>> {
        let rows = on_pool!(self, pool => sqlx::query_as::<_, PersonRow>(concat!(
            "SELECT ", person_columns!(), " FROM persons WHERE mother_id = $1 AND status <> 'merged' \
             ORDER BY birth_date, COALESCE(birth_order, 99), id"
        ))
        .bind(mother.0)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(Person::try_from).collect()
    }
}
