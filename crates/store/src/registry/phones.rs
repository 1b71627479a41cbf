//! Persons' contact phone numbers, read and changed within a scope.

use chrono::Utc;
use renkou_domain::{PersonId, PhoneNumber};

use crate::access::scope::Scope;
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

impl Store {
    /// A person's phone number, if one is recorded.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn phone_of(&self, person: PersonId) -> StoreResult<Option<PhoneNumber>> {
        let text: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT phone FROM person_phones WHERE person_id = $1",
        )
        .bind(person.0)
        .fetch_optional(pool)
        .await?);
        text.map(|t| {
            PhoneNumber::parse(&t).map_err(|e| StoreError::Corrupt {
                what: format!("phone of person {person}"),
                reason: e.to_string(),
            })
        })
        .transpose()
    }

    /// Records (or with `None` removes) the phone number of a person living
    /// inside the scope; anyone else is not found.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_phone_in(
        &self,
        person: PersonId,
        phone: Option<&PhoneNumber>,
        scope: &Scope,
        by: &str,
    ) -> StoreResult<()> {
        if self.person_in(person, scope).await?.is_none() {
            return Err(StoreError::NotFound(format!("person {person}")));
        }
        on_pool!(self, pool => {
            match phone {
                Some(phone) => sqlx::query(
                    "INSERT INTO person_phones (person_id, phone, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (person_id) DO UPDATE SET phone = $2, updated_at = $3, updated_by = $4",
                )
                .bind(person.0)
                .bind(phone.as_str())
                .bind(Utc::now())
                .bind(by)
                .execute(pool)
                .await?,
                None => sqlx::query("DELETE FROM person_phones WHERE person_id = $1")
                    .bind(person.0)
                    .execute(pool)
                    .await?,
            };
        });
        Ok(())
    }
}
