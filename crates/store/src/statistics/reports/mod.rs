//! The standard reports, as sums over the counters (never a scan of persons).
//! A report at an earlier date is today's stock minus the flows that took
//! effect after it; a period report sums the flows inside the period.

use std::collections::HashMap;

use chrono::NaiveDate;
use renkou_domain::report::{Cell, Column, Report, ReportName, ReportRegion, ReportRow};
use renkou_domain::stats::AGE_GROUPS;
use renkou_domain::{EventKind, Period, RegionCode, RegionLevel};

use crate::database::rows::RegionRow;
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

mod births;
mod births_deaths;
mod changes;
mod contraception;
mod data_quality;
mod households;
mod migrants;
mod population;
mod pyramid;
mod registration;
mod women;

/// What to report.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    /// Which report.
    pub name: ReportName,
    /// The region reported on.
    pub region: RegionCode,
    /// The level of the rows (the next level down when `None`).
    pub level: Option<RegionLevel>,
    /// The day the figures hold at (today when `None`; the period's last day
    /// for a period report).
    pub date: Option<NaiveDate>,
    /// The period of a period report (the month of `date` when `None`).
    pub period: Option<Period>,
    /// Today, in China.
    pub today: NaiveDate,
}

/// The kinds of event that move people across a region's border.
const MOVES: [EventKind; 3] = [EventKind::MoveWithin, EventKind::MoveIn, EventKind::MoveOut];

/// Per-area sums of a report, keyed by the area's code prefix.
type ByArea<T> = HashMap<String, T>;

/// Living residents of an area by sex code and age group.
#[derive(Debug, Clone, Default)]
struct Pyramid {
    male: [i64; AGE_GROUPS],
    female: [i64; AGE_GROUPS],
    other: [i64; AGE_GROUPS],
}

impl Pyramid {
    fn add(&mut self, sex: &str, group: usize, n: i64) {
        let side = match sex {
            "1" => &mut self.male,
            "2" => &mut self.female,
            _ => &mut self.other,
        };
        if let Some(slot) = side.get_mut(group) {
            *slot += n;
        }
    }
    fn male(&self) -> i64 {
        self.male.iter().sum()
    }
    fn female(&self) -> i64 {
        self.female.iter().sum()
    }
    fn total(&self) -> i64 {
        self.male() + self.female() + self.other.iter().sum::<i64>()
    }
    fn merge(&mut self, other: &Pyramid) {
        for g in 0..AGE_GROUPS {
            self.male[g] += other.male[g];
            self.female[g] += other.female[g];
            self.other[g] += other.other[g];
        }
    }
}

/// Where a report's rows come from: the level of the rows, the stored level
/// that serves it, and the code range of the region.
struct Scope {
    level: RegionLevel,
    prefix: i32,
    stored: &'static str,
    low: String,
    high: String,
}

impl Scope {
    /// Rows at `level` inside `region`.
    fn new(region: &RegionCode, level: RegionLevel) -> Scope {
        let (low, high) = region.descendant_range();
        Scope {
            level,
            prefix: level.prefix_len() as i32,
            stored: stored_level(level),
            low,
            high,
        }
    }

    fn area<'a>(&self, code: &'a str) -> &'a str {
        &code[..(self.prefix as usize).min(code.len())]
    }
}

impl Store {
    /// Computes a standard report from the counters.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn report(&self, request: &ReportRequest) -> StoreResult<Report> {
        let region_row = self
            .region(&request.region)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("region {}", request.region)))?;
        let region_level = request.region.level();
        let level = request.level.unwrap_or_else(|| next_level(region_level));
        if level < region_level {
            return Err(StoreError::Invalid(format!(
                "{}级的行不能划分{}",
                level.chinese(),
                region_level.chinese()
            )));
        }
        if request.name.is_current_only() && request.date.is_some_and(|d| d != request.today) {
            return Err(StoreError::Invalid(format!(
                "“{}”只有当前数据，不能按日期查询",
                request.name.title()
            )));
        }
        let scope = Scope::new(&request.region, level);
        let period = match (request.name.is_for_a_period(), request.period) {
            (true, Some(p)) => Some(p),
            (true, None) => Some(match request.date {
                Some(date) => Period::month_of(date),
                None => Period::last_full_month(request.today),
            }),
            (false, _) => None,
        };
        let date = match period {
            Some(p) => p.last.min(request.today),
            None => request.date.unwrap_or(request.today),
        };
        if date > request.today || period.is_some_and(|p| p.first > request.today) {
            return Err(StoreError::Invalid(format!(
                "{date} 晚于今天：数据只到今天（{}）",
                request.today
            )));
        }
        let areas = self.areas(&request.region, &region_row, &scope).await?;
        let (columns, rows_of): (Vec<Column>, ByArea<Vec<(String, Cell)>>) = match request.name {
            ReportName::Population => self.population_report(&scope, date, request.today).await?,
            ReportName::Registration => self.registration_report(&scope).await?,
            ReportName::Households => self.households_report(&scope).await?,
            ReportName::Women => self.women_report(&scope, date, request.today).await?,
            ReportName::Quality => self.quality_report(&scope).await?,
            ReportName::Changes => {
                let p = period.unwrap_or_else(|| Period::month_of(date));
                self.changes_report(&scope, &areas, p, request.today)
                    .await?
            }
            ReportName::Contraception => {
                self.contraception_report(&scope, date, request.today)
                    .await?
            }
            ReportName::Births => {
                let p = period.unwrap_or_else(|| Period::month_of(date));
                self.births_report(&scope, p, request.today).await?
            }
            ReportName::Migrants => self.migrants_report(&scope, date, request.today).await?,
        };
        let empty: Vec<(String, Cell)> = columns
            .iter()
            .map(|c| (c.key.clone(), Cell::Count(0)))
            .collect();
        let rows: Vec<ReportRow> = areas
            .iter()
            .map(|(code, name)| ReportRow {
                region_code: *code,
                region_name: name.clone(),
                cells: rows_of
                    .get(scope.area(code.as_str()))
                    .cloned()
                    .unwrap_or_else(|| empty.clone()),
            })
            .collect();
        let total_cells = rows_of.get(TOTAL).cloned().unwrap_or_else(|| empty.clone());
        let freshness = self.freshness().await?;
        Ok(Report {
            report: request.name,
            title: request.name.title().to_string(),
            region: ReportRegion {
                code: request.region,
                name: region_row.name.clone(),
                level: region_level,
            },
            level,
            date,
            period: period.map(|p| p.to_string()),
            columns,
            rows,
            total: ReportRow {
                region_code: request.region,
                region_name: region_row.name,
                cells: total_cells,
            },
            copy: freshness.replica.then_some(renkou_domain::report::CopyAge {
                as_of: freshness.as_of,
                lag_ms: (freshness.lag_seconds * 1000.0) as i64,
            }),
        })
    }

    /// The regions a report lists: the current regions at the row level
    /// inside the region (the region itself when it is at that level).
    async fn areas(
        &self,
        region: &RegionCode,
        row: &RegionRow,
        scope: &Scope,
    ) -> StoreResult<Vec<(RegionCode, String)>> {
        if region.level() == scope.level {
            return Ok(vec![(*region, row.name.clone())]);
        }
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String)>(
            "SELECT code, name FROM regions WHERE code >= $1 AND code < $2 AND level = $3 \
             AND valid_to IS NULL ORDER BY code",
        )
        .bind(&scope.low)
        .bind(&scope.high)
        .bind(scope.level.as_str())
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .filter_map(|(code, name)| RegionCode::parse(&code).ok().map(|c| (c, name)))
            .collect())
    }
}

/// The key of the region-as-a-whole sums.
const TOTAL: &str = "";

/// Count cells in column order from per-area arrays.
fn to_cells<const N: usize>(
    columns: &[Column],
    sums: ByArea<[i64; N]>,
) -> ByArea<Vec<(String, Cell)>> {
    sums.into_iter()
        .map(|(area, values)| {
            let cells = columns
                .iter()
                .zip(values)
                .map(|(c, n)| (c.key.clone(), Cell::Count(n)))
                .collect();
            (area, cells)
        })
        .collect()
}

/// The stock rows that serve rows at `level`: the county roll-up down to
/// counties, the villages below.
pub(crate) fn stored_level(level: RegionLevel) -> &'static str {
    if level <= RegionLevel::County {
        "county"
    } else {
        "village"
    }
}

/// The level one below (a village stays a village).
pub fn next_level(level: RegionLevel) -> RegionLevel {
    match level {
        RegionLevel::Province => RegionLevel::City,
        RegionLevel::City => RegionLevel::County,
        RegionLevel::County => RegionLevel::Township,
        RegionLevel::Township | RegionLevel::Village => RegionLevel::Village,
    }
}
