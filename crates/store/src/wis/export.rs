//! The women's cards of a region as the register holds them, in the card
//! export format (`formats/wis-card-csv.md`): what another county's office
//! receives when a woman moves there, and what the demo's legacy export
//! starts from.

use chrono::{Datelike, NaiveDate};
use renkou_domain::event::EventKind;
use renkou_domain::{Person, RegionCode};
use std::collections::HashMap;

use crate::database::rows::PersonRow;
use crate::database::tx::Tx;
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool, with_tx};

/// A woman's card as the register holds it.
#[derive(Debug, Clone)]
pub struct RegisterCard {
    pub woman: Person,
    pub spouse: Option<Person>,
    /// Her children in the register, eldest first.
    pub children: Vec<Person>,
    /// The day of her latest marriage on record.
    pub marriage_date: Option<NaiveDate>,
}

const WOMEN: &str = "SELECT id FROM persons WHERE residence >= $1 AND residence < $2 \
     AND sex = '2' AND status = 'active' AND birth_date >= $3 AND birth_date <= $4 ORDER BY id";

impl Store {
    /// The cards of the living women of childbearing age (15–49 by birth
    /// year) living in `region`, in id order.
    #[tracing::instrument(level = "debug", skip(self))]
    pub async fn register_cards(
        &self,
        region: &RegionCode,
        today: NaiveDate,
    ) -> StoreResult<Vec<RegisterCard>> {
        let (low, high) = region.descendant_range();
        let first = NaiveDate::from_ymd_opt(today.year() - 49, 1, 1);
        let last = NaiveDate::from_ymd_opt(today.year() - 15, 12, 31);
        let ids: Vec<i64> = on_pool!(self, pool => sqlx::query_scalar(WOMEN)
            .bind(&low)
            .bind(&high)
            .bind(first)
            .bind(last)
            .fetch_all(pool)
            .await?);
        let mut cards = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(5_000) {
            cards.extend(with_tx!(self, tx => {
                let mut tx = tx;
                let read = cards_of(&mut tx, chunk).await;
                drop(tx); // read only: rolled back
                read
            })?);
        }
        Ok(cards)
    }
}

fn persons(rows: Vec<PersonRow>) -> StoreResult<Vec<Person>> {
    rows.into_iter().map(Person::try_from).collect()
}

/// The cards of these women, read in the caller's transaction.
async fn cards_of<T: Tx>(tx: &mut T, ids: &[i64]) -> StoreResult<Vec<RegisterCard>> {
    let women = persons(tx.persons_unlocked(ids).await?)?;
    let spouse_ids: Vec<i64> = women
        .iter()
        .filter_map(|w| w.spouse_id.map(|s| s.0))
        .collect();
    let spouses: HashMap<i64, Person> = persons(tx.persons_unlocked(&spouse_ids).await?)?
        .into_iter()
        .map(|p| (p.id.0, p))
        .collect();
    let mut children: HashMap<i64, Vec<Person>> = HashMap::new();
    for child in persons(tx.children_of(ids).await?)? {
        if let Some(mother) = child.mother_id {
            children.entry(mother.0).or_default().push(child);
        }
    }
    let mut married: HashMap<i64, NaiveDate> = HashMap::new();
    for e in tx.events_of_kind(ids, EventKind::Marriage.as_str()).await? {
        married.insert(e.person_id, e.effective_date);
    }
    let mut cards: Vec<RegisterCard> = women
        .into_iter()
        .map(|woman| {
            let id = woman.id.0;
            let mut kids = children.remove(&id).unwrap_or_default();
            kids.sort_by_key(|c| (c.birth_date, c.id.0));
            RegisterCard {
                spouse: woman.spouse_id.and_then(|s| spouses.get(&s.0).cloned()),
                children: kids,
                marriage_date: married.get(&id).copied(),
                woman,
            }
        })
        .collect();
    cards.sort_by_key(|c| c.woman.id.0);
    Ok::<_, StoreError>(cards)
}

impl RegisterCard {
    /// The card's row of `women.csv`, its card id the person's id.
    pub fn woman_row(&self) -> [String; 12] {
        let w = &self.woman;
        let text = |v: Option<String>| v.unwrap_or_default();
        [
            w.id.to_string(),
            text(w.id_number.map(|n| n.to_string())),
            w.name.to_string(),
            w.birth_date.to_string(),
            w.residence.to_string(),
            text(w.marital_status.map(|m| m.code().to_string())),
            text(self.marriage_date.map(|d| d.to_string())),
            text(self.spouse.as_ref().map(|s| s.name.to_string())),
            text(
                self.spouse
                    .as_ref()
                    .and_then(|s| s.id_number)
                    .map(|n| n.to_string()),
            ),
            text(w.contraception.map(|m| m.code().to_string())),
            text(w.contraception_since.map(|d| d.to_string())),
            text(w.pregnant_since.map(|d| d.to_string())),
        ]
    }

    /// The card's rows of `children.csv`: her children born alive, eldest
    /// first. (A stillbirth's row needs the child's sex, which the register
    /// does not keep; her pregnancies that ended without a live birth stay
    /// on her history.)
    pub fn children_rows(&self) -> Vec<[String; 8]> {
        let card = self.woman.id.to_string();
        self.children
            .iter()
            .map(|c| {
                let alive = c.status == renkou_domain::LifeStatus::Active;
                [
                    card.clone(),
                    c.name.to_string(),
                    c.id_number.map(|n| n.to_string()).unwrap_or_default(),
                    c.sex.code().to_string(),
                    c.birth_date.to_string(),
                    "1".to_string(),
                    String::new(),
                    if alive { "1" } else { "0" }.to_string(),
                ]
            })
            .collect()
    }
}
