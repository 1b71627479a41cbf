//! The work list (待办): the open work of a region from every subsystem, one
//! count per kind. A subsystem with work for the staff adds its count here
//! (and its kind to `renkou_domain::work`), so that the home page shows it.

use chrono::NaiveDate;
use renkou_domain::wis::Schedule;
use renkou_domain::{RegionCode, RegionLevel, Subsystem, Subsystems};

use crate::access::scope::Scope;
use renkou_domain::verification::TaskKind;
use renkou_domain::work::{OpenWork, WorkKind};

use crate::error::StoreResult;
use crate::registry::review::ReviewState;
use crate::{Store, on_pool};

/// Whose work list it is: the subsystems the reader uses there, and what
/// a subsystem's lists need (the day, the province's schedule).
#[derive(Debug, Clone)]
pub struct WorkContext {
    /// The subsystems the reader's grants open in the region.
    pub subsystems: Subsystems,
    /// Today, in China.
    pub today: NaiveDate,
    /// The follow-up intervals of the family-planning lists.
    pub wis_schedule: Schedule,
}

/// The family-planning lists are counted for a township or village (a
/// county's would read every woman of the county on each home page).
const WIS_COUNTED_FROM: RegionLevel = RegionLevel::Township;

impl Store {
    /// Every kind of open work inside `region` that has any, in display
    /// order: the register's, and each subsystem's the reader uses.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn open_work(
        &self,
        region: &RegionCode,
        context: &WorkContext,
    ) -> StoreResult<Vec<OpenWork>> {
        let mut work = Vec::new();
        // The verification progress with the region as its only area.
        let tasks = self.task_counts(region, region.level()).await?;
        for kind in TaskKind::ALL {
            let open = tasks
                .iter()
                .find(|c| c.kind == kind.as_str())
                .map_or(0, |c| c.open);
            if open > 0 {
                work.push(OpenWork {
                    kind: WorkKind::Verification(kind),
                    count: open,
                });
            }
        }
        let missing = self.quality_count(region, "missing_id_number").await?;
        if missing > 0 {
            work.push(OpenWork {
                kind: WorkKind::MissingIdNumber,
                count: missing,
            });
        }
        for (kind, state) in [
            (WorkKind::ReviewPending, ReviewState::Pending),
            (WorkKind::ReviewReturned, ReviewState::Returned),
        ] {
            let count = self.review_count(region, state).await?;
            if count > 0 {
                work.push(OpenWork { kind, count });
            }
        }
        if context.subsystems.contains(Subsystem::Wis) && region.level() >= WIS_COUNTED_FROM {
            let counts = self
                .wis_list_counts(
                    region,
                    &Scope::new([*region]),
                    &context.wis_schedule,
                    context.today,
                )
                .await?;
            for (kind, count) in counts {
                if count > 0 {
                    work.push(OpenWork {
                        kind: WorkKind::WisList(kind),
                        count,
                    });
                }
            }
        }
        if context.subsystems.contains(Subsystem::Migrants) {
            let counts = self
                .case_counts(
                    crate::Mailbox::Inbox,
                    region,
                    Some(renkou_domain::cases::CaseKind::MigrantNotice),
                    chrono::Utc::now(),
                )
                .await?;
            let open: i64 = counts
                .states
                .iter()
                .filter(|(s, _)| renkou_domain::cases::Step::parse(s).is_some_and(|s| s.is_open()))
                .map(|(_, n)| n)
                .sum();
            for (kind, count) in [
                (WorkKind::Notices, open),
                (WorkKind::NoticesOverdue, counts.overdue),
            ] {
                if count > 0 {
                    work.push(OpenWork { kind, count });
                }
            }
        }
        // Each service's open cases the office itself has, in one read.
        let open = self.open_cases_at(region).await?;
        for kind in renkou_domain::cases::CaseKind::ALL {
            if kind == renkou_domain::cases::CaseKind::MigrantNotice
                || !context.subsystems.contains(kind.subsystem())
            {
                continue;
            }
            if let Some((_, count)) = open.iter().find(|(k, _)| k == kind.as_str()) {
                work.push(OpenWork {
                    kind: WorkKind::Cases(kind),
                    count: *count,
                });
            }
        }
        Ok(work)
    }

    /// How many open cases of each kind the office `office` itself has (a
    /// request answered waits with it until the citizen is told).
    async fn open_cases_at(&self, office: &RegionCode) -> StoreResult<Vec<(String, i64)>> {
        Ok(on_pool!(self, pool => sqlx::query_as(
            "SELECT kind, COUNT(*) FROM cases WHERE owner_region = $1 \
             AND (closed_at IS NULL OR state = 'answered') GROUP BY kind")
            .bind(office.as_str())
            .fetch_all(pool)
            .await?))
    }

    /// Living residents inside `region` failing one quality check (a key of
    /// the village-level quality counter).
    async fn quality_count(&self, region: &RegionCode, key: &str) -> StoreResult<i64> {
        let (low, high) = region.descendant_range();
        Ok(on_pool!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_stock WHERE level = 'village' \
             AND indicator = 'quality' AND key = $1 AND region_code >= $2 AND region_code < $3",
        )
        .bind(key)
        .bind(&low)
        .bind(&high)
        .fetch_one(pool)
        .await?))
    }
}
