//! How fast the offices answer (响应时效): per office one level below a
//! region, of the cases sent to the offices inside it in a period, how many
//! were answered, the median and 90th percentile of the days to the
//! answer, and the share that went overdue (escalated, or open past the
//! deadline).

use chrono::{DateTime, Utc};
use renkou_domain::cases::CaseKind;
use renkou_domain::{RegionCode, RegionLevel};
use serde::Serialize;

use crate::error::StoreResult;
use crate::{Store, on_pool};

/// The response times of one office (and the offices inside it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseTimes {
    pub region_code: String,
    /// Cases sent to it.
    pub sent: i64,
    /// Of those, answered.
    pub answered: i64,
    /// Days from sent to answered: the median, and the 90th percentile.
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
    /// Cases that went overdue.
    pub overdue: i64,
    /// `overdue / sent` (0 when nothing was sent).
    pub overdue_share: f64,
}

/// A case as the times read it.
#[derive(sqlx::FromRow)]
struct Timed {
    recipient_region: String,
    opened_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    escalations: i64,
}

impl Store {
    /// The response times of the offices at `level` inside `region`, of
    /// the cases of `kind` opened from `from` until before `until`, as of `now`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn response_times(
        &self,
        region: &RegionCode,
        level: RegionLevel,
        kind: CaseKind,
        (from, until): (DateTime<Utc>, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ResponseTimes>> {
        let (low, high) = region.descendant_range();
        let cases = on_pool!(self, pool => sqlx::query_as::<_, Timed>(
            "SELECT recipient_region, opened_at, closed_at, due_at, CAST(escalations AS BIGINT) AS escalations \
             FROM cases WHERE recipient_region >= $1 AND recipient_region < $2 \
             AND opened_at >= $3 AND opened_at < $4 AND kind = $5",
        )
        .bind(low)
        .bind(high)
        .bind(from)
        .bind(until)
        .bind(kind.as_str())
        .fetch_all(pool)
        .await?);
        let mut groups: std::collections::BTreeMap<String, Vec<Timed>> = Default::default();
        for case in cases {
            let office = RegionCode::parse(&case.recipient_region).map_or_else(
                |_| case.recipient_region.clone(),
                |c| c.ancestor(level).to_string(),
            );
            groups.entry(office).or_default().push(case);
        }
        Ok(groups
            .into_iter()
            .map(|(region_code, cases)| times_of(region_code, &cases, now))
            .collect())
    }
}

/// The figures of one office's cases.
fn times_of(region_code: String, cases: &[Timed], now: DateTime<Utc>) -> ResponseTimes {
    let mut days: Vec<f64> = cases
        .iter()
        .filter_map(|c| {
            c.closed_at
                .map(|done| (done - c.opened_at).num_seconds() as f64 / 86_400.0)
        })
        .collect();
    days.sort_by(f64::total_cmp);
    let overdue = cases
        .iter()
        .filter(|c| {
            c.escalations > 0 || (c.closed_at.is_none() && c.due_at.is_some_and(|d| d < now))
        })
        .count() as i64;
    let sent = cases.len() as i64;
    ResponseTimes {
        region_code,
        sent,
        answered: days.len() as i64,
        median_days: percentile(&days, 0.5),
        p90_days: percentile(&days, 0.9),
        overdue,
        overdue_share: if sent == 0 {
            0.0
        } else {
            overdue as f64 / sent as f64
        },
    }
}

/// The nearest-rank percentile of sorted values (none of none).
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn the_median_and_p90_of_ten_answers_are_the_fifth_and_ninth() {
        let days: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&days, 0.5), Some(5.0));
        assert_eq!(percentile(&days, 0.9), Some(9.0));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
