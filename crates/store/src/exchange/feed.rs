//! The feed of committed events a subscriber pulls (`GET
//! /api/v1/exchange/feed?after=CURSOR`): paged, resumable from the cursor of
//! the last page, never skipping an event that commits late. On PostgreSQL
//! events are read in the order of the transactions that wrote them and
//! only below the oldest transaction still running; SQLite commits one
//! writer at a time, so its ids are already in commit order.

use std::fmt;
use std::str::FromStr;

use renkou_domain::RegionCode;

use crate::database::rows::{EventRow, StoredEvent};
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

/// Where a subscriber stands: after this event of this transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeedCursor {
    /// The writing transaction (PostgreSQL's `xid8`; 0 on SQLite).
    pub xid: u64,
    /// The event.
    pub id: i64,
}

impl fmt::Display for FeedCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.xid, self.id)
    }
}

impl FromStr for FeedCursor {
    type Err = StoreError;

    /// `XID.ID` as the feed gave it; empty or `0`: the beginning.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() || text == "0" {
            return Ok(FeedCursor::default());
        }
        let bad = || StoreError::Invalid(format!("“{text}”不是订阅位置（应为上一页返回的 next）"));
        let (xid, id) = text.split_once('.').ok_or_else(bad)?;
        Ok(FeedCursor {
            xid: xid.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// A page of the feed.
#[derive(Debug, Clone)]
pub struct FeedPage {
    /// The events, in feed order (all of them: the caller filters what a
    /// reader may see, the cursor moves past them all).
    pub events: Vec<StoredEvent>,
    /// Where the next page starts (the same cursor when nothing was new).
    pub next: FeedCursor,
}

impl Store {
    /// Up to `limit` committed events after `after` whose region lies in one
    /// of `regions`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn feed(
        &self,
        after: FeedCursor,
        regions: &[RegionCode],
        limit: i64,
    ) -> StoreResult<FeedPage> {
        if regions.is_empty() {
            return Ok(FeedPage {
                events: Vec::new(),
                next: after,
            });
        }
        // (low, high) pairs bound from $3 on.
        let ranges: Vec<(String, String)> = regions.iter().map(|r| r.descendant_range()).collect();
        let within = (0..ranges.len())
            .map(|i| {
                format!(
                    "(region_code >= ${} AND region_code < ${})",
                    4 + 2 * i,
                    5 + 2 * i
                )
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        let columns = crate::database::rows::event_columns!();
        let rows: Vec<(String, EventRow)> = match self {
            Store::Sqlite(_) => {
                let sql = format!(
                    "SELECT '0' AS feed_xid, {columns} FROM events WHERE $1 = $1 AND id > $2 AND ({within}) \
                     ORDER BY id LIMIT $3"
                );
                self.feed_rows(&sql, after, &ranges, limit).await?
            }
            Store::Postgres(_) => {
                let sql = format!(
                    "SELECT xid::text AS feed_xid, {columns} FROM events \
                     WHERE (xid, id) > ($1::text::xid8, $2) \
                     AND xid < pg_snapshot_xmin(pg_current_snapshot()) AND ({within}) \
                     ORDER BY xid, id LIMIT $3"
                );
                self.feed_rows(&sql, after, &ranges, limit).await?
            }
        };
        let mut next = after;
        let mut events = Vec::with_capacity(rows.len());
        for (xid, row) in rows {
            next = FeedCursor {
                xid: xid.parse().unwrap_or(0),
                id: row.id,
            };
            events.push(StoredEvent::try_from(row)?);
        }
        Ok(FeedPage { events, next })
    }

    async fn feed_rows(
        &self,
        sql: &str,
        after: FeedCursor,
        ranges: &[(String, String)],
        limit: i64,
    ) -> StoreResult<Vec<(String, EventRow)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            // Not `xid`: ORDER BY would take the text for the column.
            feed_xid: String,
            #[sqlx(flatten)]
            event: EventRow,
        }
        let rows: Vec<Row> = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql.to_string()))
                .bind(after.xid.to_string())
                .bind(after.id)
                .bind(limit);
            for (low, high) in ranges {
                q = q.bind(low.clone()).bind(high.clone());
            }
            q.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|r| (r.feed_xid, r.event)).collect())
    }
}

impl Store {
    /// The first `n` events in id order as plain rows, counted (the raw
    /// engine's side of the feed benchmark).
    pub async fn raw_event_scan(&self, n: i64) -> StoreResult<usize> {
        let sql = concat!(
            "SELECT ",
            crate::database::rows::event_columns!(),
            " FROM events ORDER BY id LIMIT $1"
        );
        let rows = on_pool!(self, pool => sqlx::query_as::<_, EventRow>(sql).bind(n).fetch_all(pool).await?);
        Ok(rows.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written_and_a_wrong_one_is_refused_in_chinese() {
        let c = FeedCursor { xid: 7431, id: 12 };
        assert_eq!(c.to_string().parse::<FeedCursor>().unwrap(), c);
        assert_eq!("".parse::<FeedCursor>().unwrap(), FeedCursor::default());
        let e = "abc".parse::<FeedCursor>().unwrap_err();
        assert!(e.to_string().contains("不是订阅位置"), "{e}");
    }
}
