//! The standard reports, as sums over the counters (never a scan of persons).
//! A report at an earlier date is today's stock minus the flows that took
//! effect after it; a period report sums the flows inside the period.

use std::collections::HashMap;

use chrono::NaiveDate;
use renkou_domain::quality::Check;
use renkou_domain::report::{Cell, Column, Report, ReportName, ReportRegion, ReportRow};
use renkou_domain::stats::{
    AGE_GROUPS, INCOMPLETE, age_group, age_group_label, split_population_key,
};
use renkou_domain::{EventKind, MaritalStatus, Period, RegionCode, RegionLevel};

use crate::error::{StoreError, StoreResult};
use crate::quality;
use crate::rows::RegionRow;
use crate::{Store, on_pool};

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
                "rows at {} level cannot divide a {}",
                level.as_str(),
                region_level.as_str()
            )));
        }
        let scope = Scope::new(&request.region, level);
        let period = match (request.name.is_for_a_period(), request.period) {
            (true, Some(p)) => Some(p),
            (true, None) => Some(Period::month_of(request.date.unwrap_or(request.today))),
            (false, _) => None,
        };
        let date = match period {
            Some(p) => p.last.min(request.today),
            None => request.date.unwrap_or(request.today),
        };
        if date > request.today || period.is_some_and(|p| p.first > request.today) {
            return Err(StoreError::Invalid(format!(
                "{date} is in the future: figures exist up to today ({})",
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

    /// Residents by area, sex and age group on `date`: the stock, less what
    /// took effect after `date`.
    async fn pyramids(
        &self,
        scope: &Scope,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<ByArea<Pyramid>> {
        let mut out: ByArea<Pyramid> = HashMap::new();
        let mut add = |region: &str, sex: &str, born: i32, n: i64| {
            if let Some(group) = age_group(born, date) {
                match out.get_mut(scope.area(region)) {
                    Some(pyramid) => pyramid.add(sex, group, n),
                    None => out
                        .entry(scope.area(region).to_string())
                        .or_default()
                        .add(sex, group, n),
                }
            }
        };
        // The stored rows as they are, in key order (no sort in the engine):
        // a few hundred per county, grouped here.
        const STOCK: &str = "SELECT region_code, key, n FROM stat_stock WHERE level = $1 \
             AND indicator = 'pop' AND region_code >= $2 AND region_code < $3";
        let rows = match self {
            Store::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                crate::sqlite_bulk::select_text_text_int(
                    &mut conn,
                    STOCK,
                    &[scope.stored, &scope.low, &scope.high],
                )
                .await?
            }
            Store::Postgres(pool) if scope.stored == "county" => {
                // The same counts, one array per county and sex (migration 0010).
                let arrays = sqlx::query_as::<_, (String, String, i32, Vec<Option<i64>>)>(
                    "SELECT region_code, sex, array_lower(counts, 1), counts[:] FROM stat_pyramid \
                     WHERE region_code >= $1 AND region_code < $2",
                )
                .bind(&scope.low)
                .bind(&scope.high)
                .fetch_all(pool)
                .await?;
                for (region, sex, first, counts) in &arrays {
                    // NULL: no such birth year in the county.
                    for (born, n) in (*first..).zip(counts) {
                        if let Some(n) = n {
                            add(region, sex, born, *n);
                        }
                    }
                }
                Vec::new()
            }
            Store::Postgres(pool) => {
                sqlx::query_as::<_, (String, String, i64)>(STOCK)
                    .bind(scope.stored)
                    .bind(&scope.low)
                    .bind(&scope.high)
                    .fetch_all(pool)
                    .await?
            }
        };
        for (region, key, n) in &rows {
            if let Some((sex, born)) = split_population_key(key) {
                add(region, sex, born, *n);
            }
        }
        if date < today {
            let later = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
                "SELECT region_code, key, CAST(SUM(sign * n) AS BIGINT) FROM stat_flows \
                 WHERE indicator = 'pop' AND region_code >= $1 AND region_code < $2 \
                 AND effective_date > $3 GROUP BY region_code, key",
            )
            .bind(&scope.low)
            .bind(&scope.high)
            .bind(date)
            .fetch_all(pool)
            .await?);
            for (region, key, n) in &later {
                if let Some((sex, born)) = split_population_key(key) {
                    add(region, sex, born, -n);
                }
            }
        }
        Ok(out)
    }

    async fn population_report(
        &self,
        scope: &Scope,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let mut columns = vec![
            Column::new("total", "总人口"),
            Column::new("male", "男"),
            Column::new("female", "女"),
            Column::new("sex_ratio", "性别比(女=100)"),
        ];
        for g in 0..AGE_GROUPS {
            let label = age_group_label(g);
            columns.push(Column::new(
                format!("age_{}", label.replace('-', "_").replace('+', "_plus")),
                format!("{label}岁"),
            ));
        }
        let cells = |p: &Pyramid| {
            let mut cells = vec![
                ("total".to_string(), Cell::Count(p.total())),
                ("male".to_string(), Cell::Count(p.male())),
                ("female".to_string(), Cell::Count(p.female())),
                (
                    "sex_ratio".to_string(),
                    Cell::ratio(p.male(), p.female(), 100.0),
                ),
            ];
            for g in 0..AGE_GROUPS {
                let n = p.male[g] + p.female[g] + p.other[g];
                cells.push((columns[4 + g].key.clone(), Cell::Count(n)));
            }
            cells
        };
        let pyramids = self.pyramids(scope, date, today).await?;
        let mut total = Pyramid::default();
        let mut out: ByArea<Vec<(String, Cell)>> = HashMap::new();
        for (area, p) in &pyramids {
            total.merge(p);
            out.insert(area.clone(), cells(p));
        }
        out.insert(TOTAL.into(), cells(&total));
        Ok((columns, out))
    }

    /// The pyramid of a region as a whole, for the chart.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn population_pyramid(
        &self,
        region: &RegionCode,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<Vec<(String, i64, i64)>> {
        let scope = Scope::new(region, region.level());
        let mut total = Pyramid::default();
        for p in self.pyramids(&scope, date, today).await?.values() {
            total.merge(p);
        }
        Ok((0..AGE_GROUPS)
            .map(|g| (age_group_label(g), total.male[g], total.female[g]))
            .collect())
    }

    async fn quality_report(
        &self,
        scope: &Scope,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let checks = Check::all();
        let mut columns = vec![
            Column::new("living", "现有人口"),
            Column::new(INCOMPLETE, "项目不全人数"),
            Column::new("complete_rate", "项目完整率(%)"),
        ];
        columns.extend(checks.iter().map(|c| Column::new(c.as_str(), c.chinese())));
        let mut sums: ByArea<HashMap<String, i64>> = HashMap::new();
        let mut add = |area: String, key: String, n: i64| {
            for target in [area, TOTAL.to_string()] {
                *sums
                    .entry(target)
                    .or_default()
                    .entry(key.clone())
                    .or_default() += n;
            }
        };
        // Quality counts are kept per village (see counters.rs).
        let counted = on_pool!(self, pool => sqlx::query_as::<_, (String, String, String, i64)>(
            "SELECT substr(region_code, 1, $1), indicator, key, CAST(SUM(n) AS BIGINT) FROM stat_stock \
             WHERE ((level = $2 AND indicator = 'pop') OR (level = 'village' AND indicator = 'quality')) \
             AND region_code >= $3 AND region_code < $4 GROUP BY 1, 2, 3",
        )
        .bind(scope.prefix)
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .fetch_all(pool)
        .await?);
        for (area, indicator, key, n) in counted {
            let key = if indicator == "pop" {
                "living".to_string()
            } else {
                key
            };
            add(area, key, n);
        }
        // The checks that compare two records are counted from the persons.
        for check in checks.iter().filter(|c| !c.is_on_one_record()) {
            let sql = format!(
                "SELECT substr(p.residence, 1, $1), CAST(COUNT(*) AS BIGINT) FROM persons p \
                 WHERE p.residence >= $2 AND p.residence < $3 AND p.status = 'active' AND {} GROUP BY 1",
                quality::condition(*check, "$2", "$3")
            );
            let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(scope.prefix)
                .bind(&scope.low)
                .bind(&scope.high)
                .fetch_all(pool)
                .await?);
            for (area, n) in rows {
                add(area, check.as_str(), n);
            }
        }
        let out = sums
            .into_iter()
            .map(|(area, values)| {
                let get = |k: &str| values.get(k).copied().unwrap_or(0);
                let living = get("living");
                let mut cells = vec![
                    ("living".to_string(), Cell::Count(living)),
                    (INCOMPLETE.to_string(), Cell::Count(get(INCOMPLETE))),
                    (
                        "complete_rate".to_string(),
                        Cell::ratio(living - get(INCOMPLETE), living, 100.0),
                    ),
                ];
                cells.extend(
                    checks
                        .iter()
                        .map(|c| (c.as_str(), Cell::Count(get(&c.as_str())))),
                );
                (area, cells)
            })
            .collect();
        Ok((columns, out))
    }

    /// Births and deaths of a region in each month of a year (by the day they happened).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn births_and_deaths_by_month(
        &self,
        region: &RegionCode,
        year: i32,
    ) -> StoreResult<Vec<(u32, i64, i64)>> {
        let (low, high) = region.descendant_range();
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
        let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT substr(CAST(effective_date AS TEXT), 6, 2), kind, CAST(SUM(n) AS BIGINT) FROM stat_flows \
             WHERE indicator = 'pop' AND ((kind = 'birth' AND sign = 1) OR (kind = 'death' AND sign = -1)) \
             AND region_code >= $1 AND region_code < $2 AND effective_date >= $3 AND effective_date <= $4 \
             GROUP BY 1, 2",
        )
        .bind(&low)
        .bind(&high)
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await?);
        let mut months: Vec<(u32, i64, i64)> = (1..=12).map(|m| (m, 0, 0)).collect();
        for (month, kind, n) in rows {
            let Some(slot) = month
                .parse::<usize>()
                .ok()
                .and_then(|m| months.get_mut(m.wrapping_sub(1)))
            else {
                continue;
            };
            if kind == "birth" {
                slot.1 += n;
            } else {
                slot.2 += n;
            }
        }
        Ok(months)
    }

    async fn registration_report(
        &self,
        scope: &Scope,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let columns = vec![
            Column::new("resident", "常住人口"),
            Column::new("registered", "户籍人口"),
            Column::new("migrant_in", "流入人口"),
            Column::new("migrant_out", "流出人口"),
        ];
        // Rows where the person lives in the region or is registered in it.
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT region_code, key, n FROM stat_stock WHERE level = $1 AND indicator = 'hukou' \
             AND ((region_code >= $2 AND region_code < $3) OR (key >= $2 AND key < $3))",
        )
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .fetch_all(pool)
        .await?);
        let in_range = |c: &str| c >= scope.low.as_str() && c < scope.high.as_str();
        let mut sums: ByArea<[i64; 4]> = HashMap::new();
        let mut add =
            |area: &str, i: usize, n: i64| sums.entry(area.to_string()).or_default()[i] += n;
        for (region, key, n) in &rows {
            let (lives, registered) = (scope.area(region), scope.area(key));
            if in_range(region) {
                add(lives, 0, *n);
                add(TOTAL, 0, *n);
                if lives != registered {
                    add(lives, 2, *n);
                }
                if !in_range(key) {
                    add(TOTAL, 2, *n);
                }
            }
            if in_range(key) {
                add(registered, 1, *n);
                add(TOTAL, 1, *n);
                if lives != registered {
                    add(registered, 3, *n);
                }
                if !in_range(region) {
                    add(TOTAL, 3, *n);
                }
            }
        }
        Ok((columns.clone(), to_cells(&columns, sums)))
    }

    async fn households_report(
        &self,
        scope: &Scope,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let columns = vec![
            Column::new("households", "户数"),
            Column::new("members", "在户人口"),
            Column::new("average_size", "户均人口"),
        ];
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT substr(region_code, 1, $1), indicator, CAST(SUM(n) AS BIGINT) FROM stat_stock \
             WHERE level = $2 AND indicator IN ('households', 'members') \
             AND region_code >= $3 AND region_code < $4 GROUP BY 1, 2",
        )
        .bind(scope.prefix)
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .fetch_all(pool)
        .await?);
        let mut sums: ByArea<(i64, i64)> = HashMap::new();
        for (area, indicator, n) in rows {
            for key in [area.as_str(), TOTAL] {
                let s = sums.entry(key.to_string()).or_default();
                if indicator == "households" {
                    s.0 += n;
                } else {
                    s.1 += n;
                }
            }
        }
        let out = sums
            .into_iter()
            .map(|(area, (households, members))| {
                (
                    area,
                    vec![
                        ("households".to_string(), Cell::Count(households)),
                        ("members".to_string(), Cell::Count(members)),
                        (
                            "average_size".to_string(),
                            Cell::ratio(members, households, 1.0),
                        ),
                    ],
                )
            })
            .collect();
        Ok((columns, out))
    }

    async fn women_report(
        &self,
        scope: &Scope,
        date: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        use chrono::Datelike;
        let columns = vec![
            Column::new("total", "育龄妇女(15-49岁)"),
            Column::new("never_married", "未婚"),
            Column::new("married", "有配偶"),
            Column::new("widowed", "丧偶"),
            Column::new("divorced", "离婚"),
            Column::new("unknown", "未说明"),
        ];
        let year = date.year();
        let mut sums: ByArea<[i64; 6]> = HashMap::new();
        let mut add = |area: String, marital: &str, n: i64| {
            let column = match MaritalStatus::parse(marital) {
                Ok(m) if m == MaritalStatus::never_married() => 1,
                Ok(m) if m.is_married() => 2,
                Ok(m) if m == MaritalStatus::widowed() => 3,
                Ok(m) if m == MaritalStatus::divorced() => 4,
                _ => 5,
            };
            for key in [area, TOTAL.to_string()] {
                let s = sums.entry(key).or_default();
                s[0] += n;
                s[column] += n;
            }
        };
        let stock = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
            "SELECT substr(region_code, 1, $1), substr(key, 6), CAST(SUM(n) AS BIGINT) FROM stat_stock \
             WHERE level = $2 AND indicator = 'women' AND region_code >= $3 AND region_code < $4 \
             AND $5 - CAST(substr(key, 1, 4) AS INTEGER) BETWEEN 15 AND 49 GROUP BY 1, 2",
        )
        .bind(scope.prefix)
        .bind(scope.stored)
        .bind(&scope.low)
        .bind(&scope.high)
        .bind(year)
        .fetch_all(pool)
        .await?);
        for (area, marital, n) in stock {
            add(area, &marital, n);
        }
        if date < today {
            let later = on_pool!(self, pool => sqlx::query_as::<_, (String, String, i64)>(
                "SELECT substr(region_code, 1, $1), substr(key, 6), CAST(SUM(sign * n) AS BIGINT) FROM stat_flows \
                 WHERE indicator = 'women' AND region_code >= $2 AND region_code < $3 AND effective_date > $4 \
                 AND $5 - CAST(substr(key, 1, 4) AS INTEGER) BETWEEN 15 AND 49 GROUP BY 1, 2",
            )
            .bind(scope.prefix)
            .bind(&scope.low)
            .bind(&scope.high)
            .bind(date)
            .bind(year)
            .fetch_all(pool)
            .await?);
            for (area, marital, n) in later {
                add(area, &marital, -n);
            }
        }
        Ok((columns.clone(), to_cells(&columns, sums)))
    }

    async fn changes_report(
        &self,
        scope: &Scope,
        areas: &[(RegionCode, String)],
        period: Period,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Column>, ByArea<Vec<(String, Cell)>>)> {
        let columns = vec![
            Column::new("opening", "期初人口"),
            Column::new("births", "出生"),
            Column::new("births_male", "出生男"),
            Column::new("births_female", "出生女"),
            Column::new("deaths", "死亡"),
            Column::new("moved_in", "迁入"),
            Column::new("moved_out", "迁出"),
            Column::new("other_change", "其他变动"),
            Column::new("closing", "期末人口"),
            Column::new("marriages", "结婚"),
            Column::new("divorces", "离婚"),
            Column::new("late_events", "逾期登记事件"),
            Column::new("sex_ratio_at_birth", "出生性别比(女=100)"),
            Column::new("birth_rate", "出生率(‰)"),
            Column::new("death_rate", "死亡率(‰)"),
            Column::new("natural_growth_rate", "自然增长率(‰)"),
        ];
        let opening_day = period.first.pred_opt().unwrap_or(period.first);
        let closing_day = period.last.min(today);
        let opening = self.pyramids(scope, opening_day, today).await?;
        let closing = self.pyramids(scope, closing_day, today).await?;
        let rows = on_pool!(self, pool => sqlx::query_as::<_, (String, String, String, String, i32, String, i64, i64)>(
            "SELECT substr(region_code, 1, $1), kind, indicator, key, CAST(sign AS INTEGER), other, \
             CAST(SUM(n) AS BIGINT), CAST(SUM(CASE WHEN recorded_date > $5 THEN n ELSE 0 END) AS BIGINT) \
             FROM stat_flows WHERE indicator IN ('pop', 'events') AND region_code >= $2 AND region_code < $3 \
             AND effective_date >= $4 AND effective_date <= $5 GROUP BY 1, 2, 3, 4, 5, 6",
        )
        .bind(scope.prefix)
        .bind(&scope.low)
        .bind(&scope.high)
        .bind(period.first)
        .bind(period.last)
        .fetch_all(pool)
        .await?);

        #[derive(Default, Clone, Copy)]
        struct Sums {
            births_male: i64,
            births_female: i64,
            births_other: i64,
            deaths: i64,
            moved_in: i64,
            moved_out: i64,
            other: i64,
            marriages: i64,
            divorces: i64,
            late: i64,
        }
        let mut sums: ByArea<Sums> = HashMap::new();
        let in_region = |c: &str| c >= scope.low.as_str() && c < scope.high.as_str();
        for (area, kind, indicator, key, sign, other, n, late) in rows {
            let kind = EventKind::parse(&kind);
            // The region as a whole sees only the moves that cross its border.
            let targets = [
                (area.clone(), !other.is_empty() && other.starts_with(&area)),
                (TOTAL.to_string(), !other.is_empty() && in_region(&other)),
            ];
            for (target, internal) in targets {
                let s = sums.entry(target).or_default();
                if indicator == "events" {
                    s.late += late;
                    match (kind, key.as_str()) {
                        (Some(EventKind::Marriage), "2") => s.marriages += n,
                        (Some(EventKind::Divorce), "2") => s.divorces += n,
                        _ => {}
                    }
                    continue;
                }
                let signed = i64::from(sign) * n;
                match kind {
                    Some(EventKind::Birth) if sign > 0 => match key.split('|').next() {
                        Some("1") => s.births_male += n,
                        Some("2") => s.births_female += n,
                        _ => s.births_other += n,
                    },
                    Some(EventKind::Death) if sign < 0 => s.deaths += n,
                    Some(k) if MOVES.contains(&k) && !internal => {
                        if sign > 0 {
                            s.moved_in += n;
                        } else {
                            s.moved_out += n;
                        }
                    }
                    _ => s.other += signed,
                }
            }
        }
        let days = (closing_day - period.first).num_days() + 1;
        let mut out: ByArea<Vec<(String, Cell)>> = HashMap::new();
        let mut keys: Vec<String> = areas
            .iter()
            .map(|(c, _)| scope.area(c.as_str()).to_string())
            .collect();
        keys.push(TOTAL.into());
        let total_of = |pyramids: &ByArea<Pyramid>, key: &str| -> i64 {
            if key == TOTAL {
                pyramids.values().map(Pyramid::total).sum()
            } else {
                pyramids.get(key).map_or(0, Pyramid::total)
            }
        };
        for key in keys {
            let s = sums.get(&key).copied().unwrap_or_default();
            let (open, close) = (total_of(&opening, &key), total_of(&closing, &key));
            let births = s.births_male + s.births_female + s.births_other;
            // Crude rates per thousand of the mean population, per year.
            let mean = (open + close) as f64 / 2.0;
            let yearly = |n: i64| -> Cell {
                Cell::Ratio((mean > 0.0 && days > 0).then(|| {
                    let v = n as f64 / mean * 1000.0 * 365.0 / days as f64;
                    (v * 100.0).round() / 100.0
                }))
            };
            out.insert(
                key,
                vec![
                    ("opening".into(), Cell::Count(open)),
                    ("births".into(), Cell::Count(births)),
                    ("births_male".into(), Cell::Count(s.births_male)),
                    ("births_female".into(), Cell::Count(s.births_female)),
                    ("deaths".into(), Cell::Count(s.deaths)),
                    ("moved_in".into(), Cell::Count(s.moved_in)),
                    ("moved_out".into(), Cell::Count(s.moved_out)),
                    ("other_change".into(), Cell::Count(s.other)),
                    ("closing".into(), Cell::Count(close)),
                    ("marriages".into(), Cell::Count(s.marriages)),
                    ("divorces".into(), Cell::Count(s.divorces)),
                    ("late_events".into(), Cell::Count(s.late)),
                    (
                        "sex_ratio_at_birth".into(),
                        Cell::ratio(s.births_male, s.births_female, 100.0),
                    ),
                    ("birth_rate".into(), yearly(births)),
                    ("death_rate".into(), yearly(s.deaths)),
                    ("natural_growth_rate".into(), yearly(births - s.deaths)),
                ],
            );
        }
        Ok((columns, out))
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
