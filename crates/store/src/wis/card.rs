//! What a woman's card (育龄妇女信息卡) shows besides her record: her
//! children by birth order, the children adopted into her household, her
//! marriage, and her history.

use chrono::NaiveDate;
use renkou_domain::{EventKind, Person, PersonId, Relation};
use serde::Serialize;

use crate::database::rows::{PersonRow, StoredEvent, person_columns};
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// The facts of a card, read from the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Card {
    /// Her record.
    pub woman: Person,
    /// Her live-born children in the register, in birth order.
    pub children: Vec<Person>,
    /// Children adopted into the household she heads or is the head's
    /// spouse in (养子 / 养女): present children, without a birth order of hers.
    pub adopted: Vec<Person>,
    /// Her current spouse, when in the register.
    pub spouse: Option<Person>,
    /// The day of her latest marriage, from her history.
    pub married_on: Option<NaiveDate>,
    /// Her whole history, oldest first.
    pub events: Vec<StoredEvent>,
}

impl Card {
    /// 现有子女数: her living children and the living adopted, as the WIS
    /// guidance counts them (children of a former marriage included, the
    /// dead not).
    pub fn present_children(&self) -> usize {
        self.children
            .iter()
            .chain(&self.adopted)
            .filter(|c| c.status == renkou_domain::LifeStatus::Active)
            .count()
    }
}

/// Relations of a child adopted or a stepchild (养子或继子, 养女或继女).
const ADOPTED: [&str; 2] = ["27", "37"];

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

    /// The card of a woman (who must be in the register).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn card(&self, woman: Person) -> StoreResult<Card> {
        let children = self.children_of(woman.id).await?;
        let heads_household = woman
            .relation
            .is_some_and(|r| r.is_head() || matches!(r.code(), "10" | "11" | "12"));
        let adopted = match woman.household_id.filter(|_| heads_household) {
            Some(household) => {
                let rows = on_pool!(self, pool => sqlx::query_as::<_, PersonRow>(concat!(
                    "SELECT ", person_columns!(), " FROM persons WHERE household_id = $1 \
                     AND status <> 'merged' ORDER BY birth_date, id"
                ))
                .bind(household)
                .fetch_all(pool)
                .await?);
                rows.into_iter()
                    .map(Person::try_from)
                    .collect::<StoreResult<Vec<Person>>>()?
                    .into_iter()
                    .filter(|p| {
                        p.mother_id != Some(woman.id)
                            && p.relation
                                .is_some_and(|r: Relation| ADOPTED.contains(&r.code()))
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let spouse = match woman.spouse_id {
            Some(id) => self.person(id).await?,
            None => None,
        };
        let events = self.events_of(woman.id).await?;
        let married_on = events
            .iter()
            .rev()
            .find(|e| e.kind == EventKind::Marriage)
            .map(|e| e.effective_date);
        Ok(Card {
            woman,
            children,
            adopted,
            spouse,
            married_on,
            events,
        })
    }
}
