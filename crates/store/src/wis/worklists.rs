//! The work lists of a village or township. The facts the lists read of
//! every woman who can be on one this month come from one query over the
//! region's women — eleven columns, not her whole record (her checks,
//! visits, marriage and last delivery are read only where a list can need
//! them); only the women on a list are then read whole.

use chrono::NaiveDate;
use renkou_domain::wis::worklist::birth_dates_listed;
use renkou_domain::wis::{ListKind, Listed, Method, Schedule, WomanFacts, lists_of};
use renkou_domain::{Person, PersonId, RegionCode};

use crate::Store;
use crate::access::scope::Scope;
use crate::error::StoreResult;

/// The women of a region range with the facts of the lists, every column
/// as text (`{t}` is the engine's cast to text). A check or visit is read
/// only for a woman on an IUD or a short-acting method, a marriage and a
/// delivery only for one without a method; each is one seek in
/// `events_person_kind`.
fn facts_query(t: &str) -> String {
    format!(
        "SELECT p.id{t}, p.birth_date{t}, \
         CASE WHEN p.spouse_id IS NOT NULL OR p.marital_status LIKE '2%' THEN '1' ELSE '0' END, \
         p.contraception, p.contraception_since{t}, p.pregnant_since{t}, p.expected_delivery{t}, \
         CASE WHEN p.contraception = '03' THEN \
           (SELECT MAX(e.effective_date) FROM events e WHERE e.person_id = p.id AND e.kind = 'iud_check'){t} END, \
         CASE WHEN p.contraception IN ('05', '06', '07', '08', '09') THEN \
           (SELECT MAX(e.effective_date) FROM events e WHERE e.person_id = p.id AND e.kind = 'visit'){t} END, \
         CASE WHEN (p.contraception IS NULL OR p.contraception = '00') AND p.pregnant_since IS NULL \
           AND (p.spouse_id IS NOT NULL OR p.marital_status LIKE '2%') THEN \
           (SELECT MAX(e.effective_date) FROM events e WHERE e.person_id = p.id AND e.kind = 'marriage'){t} END, \
         CASE WHEN (p.contraception IS NULL OR p.contraception = '00') AND p.pregnant_since IS NULL THEN \
           (SELECT MAX(c.birth_date) FROM persons c WHERE c.mother_id = p.id){t} END, \
         p.residence, p.name \
         FROM persons p \
         WHERE p.residence >= $1 AND p.residence < $2 AND p.sex = '2' AND p.status = 'active' \
         AND p.birth_date >= $3 AND p.birth_date <= $4"
    )
}

/// Columns of [`facts_query`].
const COLUMNS: usize = 13;

/// One row of [`facts_query`], read.
fn facts_of(row: &[Option<&str>; COLUMNS]) -> Option<WomanFacts> {
    let date = |i: usize| row[i].and_then(|d| d.parse::<NaiveDate>().ok());
    Some(WomanFacts {
        id: PersonId(row[0]?.parse().ok()?),
        birth_date: date(1)?,
        married: row[2] == Some("1"),
        contraception: row[3].and_then(|m| Method::parse(m).ok()),
        contraception_since: date(4),
        pregnant_since: date(5),
        expected_delivery: date(6),
        last_iud_check: date(7),
        last_visit: date(8),
        married_on: date(9),
        last_birth: date(10),
    })
}

impl Store {
    /// Every woman of `region` (inside the scope) on a list of the month
    /// holding `today`, with the lists she is on: her id only, in residence
    /// and name order.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn wis_listed(
        &self,
        region: &RegionCode,
        scope: &Scope,
        schedule: &Schedule,
        today: NaiveDate,
    ) -> StoreResult<Vec<(PersonId, Vec<Listed>)>> {
        let (earliest, latest) = birth_dates_listed(today);
        let (earliest, latest) = (earliest.to_string(), latest.to_string());
        // (residence, name, id, lists)
        let mut out: Vec<(String, String, PersonId, Vec<Listed>)> = Vec::new();
        let mut take = |row: [Option<&str>; COLUMNS]| {
            if let Some(facts) = facts_of(&row) {
                let lists = lists_of(&facts, schedule, today);
                if !lists.is_empty() {
                    let text = |i: usize| row[i].unwrap_or_default().to_string();
                    out.push((text(11), text(12), facts.id, lists));
                }
            }
        };
        for part in scope.within(region) {
            let (low, high) = part.descendant_range();
            match self {
                // Stepped through the C API: through sqlx each of the
                // township's thousands of rows cost more than its query.
                Store::Sqlite(pool) => {
                    let mut conn = pool.acquire().await?;
                    crate::database::sqlite_bulk::for_each_row::<COLUMNS>(
                        &mut conn,
                        &facts_query(""),
                        &[&low, &high, &earliest, &latest],
                        &mut take,
                    )
                    .await?;
                }
                Store::Postgres(pool) => {
                    type Text = Option<String>;
                    type Row = (
                        Text,
                        Text,
                        Text,
                        Text,
                        Text,
                        Text,
                        Text,
                        Text,
                        Text,
                        Text,
                        Text,
                        Text,
                        Text,
                    );
                    let sql = facts_query("::text")
                        .replace("$3", "$3::date")
                        .replace("$4", "$4::date");
                    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(&low)
                        .bind(&high)
                        .bind(&earliest)
                        .bind(&latest)
                        .fetch_all(pool)
                        .await?;
                    for (a, b, c, d, e, f, g, h, i, j, k, l, m) in &rows {
                        take([a, b, c, d, e, f, g, h, i, j, k, l, m].map(Option::as_deref));
                    }
                }
            }
        }
        out.sort_unstable_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
        Ok(out
            .into_iter()
            .map(|(_, _, id, lists)| (id, lists))
            .collect())
    }

    /// How many women of `region` are on each list this month.
    pub async fn wis_list_counts(
        &self,
        region: &RegionCode,
        scope: &Scope,
        schedule: &Schedule,
        today: NaiveDate,
    ) -> StoreResult<Vec<(ListKind, i64)>> {
        let listed = self.wis_listed(region, scope, schedule, today).await?;
        Ok(ListKind::ALL
            .into_iter()
            .map(|kind| {
                let n = listed
                    .iter()
                    .filter(|(_, lists)| lists.iter().any(|l| l.kind == kind))
                    .count();
                (kind, n as i64)
            })
            .collect())
    }

    /// The women on a list (of `kind`, or any) in residence and name
    /// order: how many, and the records and lists of those at `rows` of
    /// that order (all when `None`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn wis_work_list(
        &self,
        region: &RegionCode,
        scope: &Scope,
        schedule: &Schedule,
        today: NaiveDate,
        kind: Option<ListKind>,
        rows: Option<std::ops::Range<usize>>,
    ) -> StoreResult<WorkListPage> {
        let listed: Vec<(PersonId, Vec<Listed>)> = self
            .wis_listed(region, scope, schedule, today)
            .await?
            .into_iter()
            .filter(|(_, lists)| kind.is_none_or(|k| lists.iter().any(|l| l.kind == k)))
            .collect();
        let total = listed.len();
        let shown: Vec<(PersonId, Vec<Listed>)> = match rows {
            Some(range) => listed
                .into_iter()
                .skip(range.start)
                .take(range.end.saturating_sub(range.start))
                .collect(),
            None => listed,
        };
        let ids: Vec<i64> = shown.iter().map(|(id, _)| id.0).collect();
        let mut persons = self.persons_by_ids(&ids).await?;
        let out = shown
            .into_iter()
            .filter_map(|(id, lists)| Some((persons.remove(&id)?, lists)))
            .collect();
        Ok(WorkListPage { total, women: out })
    }
}

/// A page of a work list: how many women the list holds, and those shown
/// with the lists each is on.
#[derive(Debug, Clone)]
pub struct WorkListPage {
    /// Women on the list in all.
    pub total: usize,
    /// The women of the page, each with her lists.
    pub women: Vec<(Person, Vec<Listed>)>,
}
