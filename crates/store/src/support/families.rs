//! Reading the persons a roll judges, and their families, from the register.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use renkou_domain::support::Member;
use renkou_domain::{RegionCode, RegionLevel};

use crate::error::StoreResult;
use crate::{Store, on_pool};

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    id: i64,
    sex: String,
    birth_date: NaiveDate,
    status: String,
    death_date: Option<NaiveDate>,
    hukou_type: Option<String>,
    registered: String,
    mother_id: Option<i64>,
    father_id: Option<i64>,
    spouse_id: Option<i64>,
    grade: Option<i32>,
    marital_status: Option<String>,
}

const COLUMNS: &str = "SELECT p.id, p.sex, p.birth_date, p.status, p.death_date, p.hukou_type, \
     COALESCE(p.hukou_region, p.residence) AS registered, p.mother_id, p.father_id, p.spouse_id, \
     d.grade, p.marital_status FROM persons p LEFT JOIN disabilities d ON d.person_id = p.id \
     WHERE p.status <> 'merged'";

/// A person as the roll reads them: considered when registered in
/// `[low, high)` and living, or dead since the start of `dead_since`.
fn member(r: MemberRow, low: &str, high: &str, dead_since: i32) -> Member {
    let since = NaiveDate::from_ymd_opt(dead_since, 1, 1).unwrap_or(NaiveDate::MIN);
    let dead = r.status == "dead";
    let living = r.status == "active";
    let in_region = r.registered.as_str() >= low && r.registered.as_str() < high;
    let recently_dead = dead && r.death_date.is_none_or(|d| d >= since);
    Member {
        id: r.id,
        sex: r.sex,
        birth_year: r.birth_date.year(),
        living,
        dead,
        hukou_type: r.hukou_type.unwrap_or_default(),
        mother: r.mother_id,
        father: r.father_id,
        spouse: r.spouse_id,
        disabled: r.grade.is_some_and(|g| (1..=3).contains(&g)),
        remarried: r.marital_status.as_deref() == Some("22"),
        considered: in_region && (living || recently_dead),
    }
}

impl MemberRow {
    /// A row stepped as text (SQLite), in the order of `COLUMNS`.
    fn from_text(c: [Option<&str>; 12]) -> MemberRow {
        let int = |v: Option<&str>| v.and_then(|v| v.parse::<i64>().ok());
        let date = |v: Option<&str>| v.and_then(|v| renkou_domain::parse_date(v).ok());
        let text = |v: Option<&str>| v.unwrap_or_default().to_string();
        MemberRow {
            id: int(c[0]).unwrap_or_default(),
            sex: text(c[1]),
            birth_date: date(c[2]).unwrap_or(NaiveDate::MIN),
            status: text(c[3]),
            death_date: date(c[4]),
            hukou_type: c[5].map(str::to_string),
            registered: text(c[6]),
            mother_id: int(c[7]),
            father_id: int(c[8]),
            spouse_id: int(c[9]),
            grade: int(c[10]).and_then(|g| i32::try_from(g).ok()),
            marital_status: c[11].map(str::to_string),
        }
    }
}

/// How many ids one query names.
const CHUNK: usize = 5_000;

impl Store {
    /// The persons registered in `region` (their hukou region, else where
    /// they live), with their spouses and children wherever these are; the
    /// ones registered in the region are marked considered if living, or
    /// dead since the start of the year before `year` (so that last year's
    /// roll sees why they left it).
    pub(crate) async fn roll_members(
        &self,
        region: &RegionCode,
        year: i32,
    ) -> StoreResult<Vec<Member>> {
        let (low, high) = region.descendant_range();
        let whole = region.level() == RegionLevel::Province;
        let sql = if whole {
            // The whole province: one pass, families included.
            COLUMNS.to_string()
        } else {
            format!(
                "{COLUMNS} AND COALESCE(p.hukou_region, p.residence) >= $1 \
                 AND COALESCE(p.hukou_region, p.residence) < $2"
            )
        };
        let params: &[&str] = if whole { &[] } else { &[&low, &high] };
        let mut rows = match self {
            // A million rows through sqlx's worker thread took seven
            // seconds; stepped on the connection, under one.
            Store::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let mut rows = Vec::new();
                crate::database::sqlite_bulk::for_each_row::<12>(&mut conn, &sql, params, |c| {
                    rows.push(MemberRow::from_text(c));
                })
                .await?;
                rows
            }
            Store::Postgres(pool) => {
                let mut query = sqlx::query_as::<_, MemberRow>(sqlx::AssertSqlSafe(sql));
                for p in params {
                    query = query.bind(*p);
                }
                query.fetch_all(pool).await?
            }
        };
        if !whole {
            self.add_families(&mut rows).await?;
        }
        Ok(rows
            .into_iter()
            .map(|r| member(r, &low, &high, year - 1))
            .collect())
    }

    /// One person's family facts for `year`, with the ids of the couple's
    /// children, eldest first (none: no such person).
    pub async fn family_facts(
        &self,
        person: renkou_domain::PersonId,
        year: i32,
    ) -> StoreResult<Option<(renkou_domain::support::FamilyFacts, Vec<i64>)>> {
        let by_id = format!("{COLUMNS} AND p.id IN {}", self.listed_ids());
        let mut rows = self.members_where(&by_id, &[person.0]).await?;
        if rows.is_empty() {
            return Ok(None);
        }
        self.add_families(&mut rows).await?;
        let members: Vec<Member> = rows
            .into_iter()
            .map(|r| {
                let mut m = member(r, "", "\u{10ffff}", i32::MIN);
                m.considered = m.id == person.0;
                m
            })
            .collect();
        let families = renkou_domain::support::Families::new(&members);
        let Some(at) = members.iter().position(|m| m.id == person.0) else {
            return Ok(None);
        };
        let facts = families.facts(at, year);
        let spouse = members[at].spouse;
        let mut children: Vec<(i32, i64)> = members
            .iter()
            .filter(|c| {
                [c.mother, c.father]
                    .into_iter()
                    .flatten()
                    .any(|p| p == person.0 || Some(p) == spouse)
            })
            .map(|c| (c.birth_year, c.id))
            .collect();
        children.sort_unstable();
        Ok(Some((
            facts,
            children.into_iter().map(|(_, id)| id).collect(),
        )))
    }

    /// Adds the spouses and children of `rows` registered elsewhere.
    async fn add_families(&self, rows: &mut Vec<MemberRow>) -> StoreResult<()> {
        let mut seen: HashSet<i64> = rows.iter().map(|r| r.id).collect();
        let spouses: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.spouse_id)
            .filter(|s| !seen.contains(s))
            .collect();
        let by_id = format!("{COLUMNS} AND p.id IN {}", self.listed_ids());
        let mut found = self.members_where(&by_id, &spouses).await?;
        found.retain(|r| seen.insert(r.id));
        rows.append(&mut found);
        let parents: Vec<i64> = rows.iter().map(|r| r.id).collect();
        for column in ["mother_id", "father_id"] {
            let sql = format!("{COLUMNS} AND p.{column} IN {}", self.listed_ids());
            let mut children = self.members_where(&sql, &parents).await?;
            children.retain(|r| seen.insert(r.id));
            rows.append(&mut children);
        }
        Ok(())
    }

    async fn members_where(&self, sql: &str, ids: &[i64]) -> StoreResult<Vec<MemberRow>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let list = serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into());
            let mut rows: Vec<MemberRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
                .bind(&list)
                .fetch_all(pool)
                .await?);
            out.append(&mut rows);
        }
        Ok(out)
    }

    /// The ids of the JSON list bound as `$1`, in each engine's words.
    fn listed_ids(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "(SELECT value FROM json_each($1))",
            Store::Postgres(_) => "(SELECT json_bigints($1::jsonb))",
        }
    }
}

impl Store {
    /// Records (or replaces) a person's disability certificate as the
    /// disabled persons' federation reports it: grade 1–4.
    pub async fn record_disability(
        &self,
        person: renkou_domain::PersonId,
        grade: i32,
        certificate_no: Option<&str>,
        source: &str,
    ) -> StoreResult<()> {
        if !(1..=4).contains(&grade) {
            return Err(crate::error::StoreError::Invalid(
                "残疾等级应为 1 至 4 级".into(),
            ));
        }
        if self.person(person).await?.is_none() {
            return Err(crate::error::StoreError::NotFound(format!(
                "person {}",
                person.0
            )));
        }
        let now = crate::cases::steps::now();
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO disabilities (person_id, grade, certificate_no, source, recorded_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO UPDATE SET grade = excluded.grade, \
             certificate_no = excluded.certificate_no, source = excluded.source, recorded_at = excluded.recorded_at")
            .bind(person.0)
            .bind(grade)
            .bind(certificate_no)
            .bind(source)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }
}
