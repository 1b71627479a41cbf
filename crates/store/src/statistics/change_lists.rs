//! The monthly change report (信息变更报告单) of a village or township: every
//! event of the month, with the person it changed; and the entry progress
//! report: events entered per township per day.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use renkou_domain::{EventKind, Period, Person, RegionCode, RegionLevel};

use crate::database::rows::{EventRow, StoredEvent};
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// Most events one change report lists (a village's month holds far fewer).
pub const CHANGE_LIST_LIMIT: i64 = 5_000;

/// Events entered for one township on one day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// The township.
    pub township: RegionCode,
    /// The day (China time) the events were entered.
    pub day: NaiveDate,
    /// Persons brought in (births, moves in, registrations).
    pub entered: i64,
    /// Changes to persons already registered.
    pub changed: i64,
}

const EVENT_COLUMNS: &str = concat!(
    "SELECT ",
    crate::database::rows::event_columns!(),
    " FROM events "
);

impl Store {
    /// The events of `period` in `region` (where the person lived after the
    /// event, and the moves and recodings out of it), oldest first within each
    /// kind, with the persons they changed as they are now.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn change_list(
        &self,
        region: &RegionCode,
        period: Period,
    ) -> StoreResult<Vec<(StoredEvent, Person)>> {
        let (low, high) = region.descendant_range();
        let pattern = format!("%\"{}%", region.prefix());
        let inside = on_pool!(self, pool => sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(format!(
            "{EVENT_COLUMNS} WHERE region_code >= $1 AND region_code < $2 AND effective_date >= $3 \
             AND effective_date <= $4 ORDER BY id LIMIT $5"
        )))
        .bind(&low)
        .bind(&high)
        .bind(period.first)
        .bind(period.last)
        .bind(CHANGE_LIST_LIMIT)
        .fetch_all(pool)
        .await?);
        let leaving = on_pool!(self, pool => sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(format!(
            "{EVENT_COLUMNS} WHERE kind IN ('move_within', 'rezoning', 'correction') AND effective_date >= $1 \
             AND effective_date <= $2 AND NOT (region_code >= $3 AND region_code < $4) \
             AND CAST(changes AS TEXT) LIKE $5 ORDER BY id LIMIT $6"
        )))
        .bind(period.first)
        .bind(period.last)
        .bind(&low)
        .bind(&high)
        .bind(&pattern)
        .bind(CHANGE_LIST_LIMIT)
        .fetch_all(pool)
        .await?);
        let mut events: Vec<StoredEvent> = inside
            .into_iter()
            .chain(leaving)
            .map(StoredEvent::try_from)
            .collect::<StoreResult<_>>()?;
        events.sort_by_key(|e| (e.kind, e.effective_date, e.id));
        let ids: Vec<i64> = events.iter().map(|e| e.person_id.0).collect();
        let persons = self.persons_by_ids(&ids).await?;
        Ok(events
            .into_iter()
            .filter_map(|e| persons.get(&e.person_id).cloned().map(|p| (e, p)))
            .collect())
    }

    /// Events entered per township per day in `period`, from the counters
    /// (the day is when they were entered, China time).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn entry_progress(
        &self,
        region: &RegionCode,
        period: Period,
    ) -> StoreResult<Vec<Progress>> {
        let (low, high) = region.descendant_range();
        let len = RegionLevel::Township.prefix_len() as i32;
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, NaiveDate, String, i64)>(
            "SELECT substr(region_code, 1, $1), recorded_date, kind, CAST(SUM(n) AS BIGINT) FROM stat_flows \
             WHERE indicator = 'events' AND region_code >= $2 AND region_code < $3 \
             AND recorded_date >= $4 AND recorded_date <= $5 GROUP BY 1, 2, 3",
        )
        .bind(len)
        .bind(&low)
        .bind(&high)
        .bind(period.first)
        .bind(period.last)
        .fetch_all(pool)
        .await?);
        let mut by_day: BTreeMap<(String, NaiveDate), (i64, i64)> = BTreeMap::new();
        for (township, day, kind, n) in rows {
            let slot = by_day.entry((township, day)).or_default();
            match EventKind::parse(&kind) {
                Some(EventKind::Birth | EventKind::MoveIn | EventKind::Registration) => slot.0 += n,
                _ => slot.1 += n,
            }
        }
        Ok(by_day
            .into_iter()
            .filter_map(|((township, day), (entered, changed))| {
                let code = RegionCode::parse(&format!("{township:0<12}")).ok()?;
                Some(Progress {
                    township: code,
                    day,
                    entered,
                    changed,
                })
            })
            .collect())
    }
}
