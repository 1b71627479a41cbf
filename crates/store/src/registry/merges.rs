//! Merged records: a duplicate folded into another person's record keeps
//! its row and events; the survivor's history shows both.

use renkou_domain::PersonId;

use crate::database::rows::StoredEvent;
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// How deep merges of merged records are followed (a survivor merged in
/// turn into another); real chains are one or two long.
const MAX_CHAIN: usize = 16;

impl Store {
    /// The record `id` was merged into, while that merge stands.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn merged_into(&self, id: PersonId) -> StoreResult<Option<PersonId>> {
        let row = on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT survivor_id FROM person_merges WHERE merged_id = $1",
        )
        .bind(id.0)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(PersonId))
    }

    /// The records merged into `id`, directly or through a record merged
    /// into it, nearest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn merged_records(&self, id: PersonId) -> StoreResult<Vec<PersonId>> {
        let mut found: Vec<PersonId> = Vec::new();
        let mut frontier = vec![id.0];
        for _ in 0..MAX_CHAIN {
            if frontier.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for survivor in frontier {
                let rows = on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
                    "SELECT merged_id FROM person_merges WHERE survivor_id = $1 ORDER BY merged_id",
                )
                .bind(survivor)
                .fetch_all(pool)
                .await?);
                next.extend(rows.iter().copied().filter(|m| *m != id.0));
            }
            found.extend(next.iter().copied().map(PersonId));
            frontier = next;
        }
        Ok(found)
    }

    /// A person's history together with the histories of the records merged
    /// into them, in the order recorded.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn history_with_merged(&self, id: PersonId) -> StoreResult<Vec<StoredEvent>> {
        let mut events = self.events_of(id).await?;
        for merged in self.merged_records(id).await? {
            events.extend(self.events_of(merged).await?);
        }
        events.sort_by_key(|e| e.id);
        Ok(events)
    }
}
