//! Households (户) as staff see them: the household row and its members.

use renkou_domain::{Person, RegionCode};
use serde::Serialize;

use crate::access::scope::Scope;
use crate::database::rows::{PersonRow, person_columns};
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// A household with the members the caller may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Household {
    pub id: i64,
    /// 户号.
    pub household_no: String,
    pub region_code: String,
    pub address: Option<String>,
    /// `family` or `collective`.
    pub kind: String,
    pub head_id: Option<i64>,
    /// Members, head first, then by birth date.
    pub members: Vec<Person>,
}

type HouseholdFields = (i64, String, String, Option<String>, String, Option<i64>);

impl Store {
    /// A household inside the scope, with its members who live inside it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn household_in(&self, id: i64, scope: &Scope) -> StoreResult<Option<Household>> {
        let row: Option<HouseholdFields> = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, household_no, region_code, address, kind, head_id FROM households WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?);
        let Some((id, household_no, region_code, address, kind, head_id)) = row else {
            return Ok(None);
        };
        let in_scope = RegionCode::parse(&region_code).is_ok_and(|r| scope.contains(&r));
        if !in_scope {
            return Ok(None);
        }
        let rows = on_pool!(self, pool => sqlx::query_as::<_, PersonRow>(concat!(
            "SELECT ", person_columns!(), " FROM persons WHERE household_id = $1 ORDER BY birth_date, id"
        ))
        .bind(id)
        .fetch_all(pool)
        .await?);
        let mut members = rows
            .into_iter()
            .map(Person::try_from)
            .collect::<StoreResult<Vec<_>>>()?;
        members.retain(|p| scope.contains(&p.residence));
        members.sort_by_key(|p| (Some(p.id.0) != head_id, p.birth_date, p.id.0));
        Ok(Some(Household {
            id,
            household_no,
            region_code,
            address,
            kind,
            head_id,
            members,
        }))
    }
}
