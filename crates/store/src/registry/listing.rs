//! Lists of persons as the offices read them: filtered (name, status, sex,
//! birth dates, a failing quality check), sorted by a column, counted, and
//! cut into numbered pages — always inside the caller's scope.

use chrono::NaiveDate;
use renkou_domain::quality::Check;
use renkou_domain::{LifeStatus, Person, RegionCode, Sex};

use crate::access::scope::Scope;
use crate::database::rows::{PersonRow, person_columns_of};
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// How a list matches the name it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameMatch {
    /// Exactly this name.
    Exact(String),
    /// Names that start with this (a surname).
    StartsWith(String),
    /// Names that contain this.
    Contains(String),
    /// Names whose pinyin or initials start with this (lower case, no spaces).
    Pinyin(String),
}

impl NameMatch {
    /// A typed pinyin query (`Zhang San`, `zs`); `None` when the text is
    /// not pinyin.
    pub fn pinyin(text: &str) -> Option<NameMatch> {
        renkou_link::chinese::pinyin_query(text).map(NameMatch::Pinyin)
    }
}

/// Which persons a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFilter {
    /// The name, matched as said.
    pub name: Option<NameMatch>,
    /// Only persons of this status.
    pub status: Option<LifeStatus>,
    /// Only persons of this sex.
    pub sex: Option<Sex>,
    /// Born on or after.
    pub born_from: Option<NaiveDate>,
    /// Born on or before.
    pub born_to: Option<NaiveDate>,
    /// Only living persons who fail this check (the list behind a quality count).
    pub failing: Option<Check>,
    /// Only living persons registered in a county other than the one they
    /// live in (the inflow register of migrants).
    pub living_here_registered_elsewhere: bool,
    /// Only persons registered in the regions listed (not living in them)
    /// who live in another county, or moved out of the province (the
    /// outflow register: the regions are the place of registration).
    pub registered_here_living_elsewhere: bool,
}

/// The column a list is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Region, household, relation to the head: the register's own order.
    #[default]
    Register,
    /// Name, in pinyin order.
    Name,
    /// Sex, then name.
    Sex,
    /// Birth date.
    BirthDate,
    /// Residence, then name.
    Residence,
    /// Status, then name.
    Status,
}

impl SortKey {
    /// The ORDER BY columns; NULLs placed alike on both engines.
    fn columns(self) -> &'static [&'static str] {
        match self {
            SortKey::Register => &[
                "p.residence",
                "COALESCE(p.household_id, 9223372036854775807)",
                "COALESCE(p.relation, '99')",
            ],
            SortKey::Name => &["p.name_key", "p.name"],
            SortKey::Sex => &["p.sex", "p.name_key"],
            SortKey::BirthDate => &["p.birth_date"],
            SortKey::Residence => &["p.residence", "p.name_key"],
            SortKey::Status => &["p.status", "p.name_key"],
        }
    }
}

/// One page of a list and the size of the whole list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonPage {
    /// The persons of the page, in list order.
    pub persons: Vec<Person>,
    /// How many persons the whole list holds.
    pub total: i64,
}

/// A value bound to a numbered placeholder.
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Date(NaiveDate),
}

/// A WHERE clause under construction and its values.
#[derive(Debug, Default)]
struct Clause {
    sql: String,
    binds: Vec<Bind>,
}

impl Clause {
    /// The placeholder of a new bound value.
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn text(&mut self, value: impl Into<String>) -> String {
        self.bind(Bind::Text(value.into()))
    }
}

/// `%` and `_` typed by a user mean themselves.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The WHERE clause of a list over `parts` (regions inside the scope).
fn where_clause(parts: &[RegionCode], filter: &PersonFilter) -> Clause {
    let mut c = Clause::default();
    let mut regions = Vec::new();
    for part in parts {
        let (low, high) = part.descendant_range();
        let (low, high) = (c.text(low), c.text(high));
        // The outflow register is the place of registration's.
        let column = if filter.registered_here_living_elsewhere {
            "p.hukou_region"
        } else {
            "p.residence"
        };
        let mut one = format!("({column} >= {low} AND {column} < {high}");
        if let Some(check) = filter.failing {
            one.push_str(" AND p.status = 'active' AND ");
            one.push_str(&crate::statistics::quality::condition(check, &low, &high));
        }
        one.push(')');
        regions.push(one);
    }
    let mut conditions = vec![format!("({})", regions.join(" OR "))];
    match &filter.name {
        None => {}
        Some(NameMatch::Exact(n)) => conditions.push(format!("p.name = {}", c.text(n.clone()))),
        Some(NameMatch::StartsWith(n)) => conditions.push(format!(
            "p.name LIKE {} ESCAPE '\\'",
            c.text(format!("{}%", like_escaped(n)))
        )),
        Some(NameMatch::Contains(n)) => conditions.push(format!(
            "p.name LIKE {} ESCAPE '\\'",
            c.text(format!("%{}%", like_escaped(n)))
        )),
        Some(NameMatch::Pinyin(q)) => {
            let q = like_escaped(q);
            let start = c.text(format!("{q}%"));
            let initials = c.text(format!("% {q}%"));
            conditions.push(format!(
                "(p.name_key LIKE {start} ESCAPE '\\' OR p.name_key LIKE {initials} ESCAPE '\\')"
            ));
        }
    }
    if let Some(status) = filter.status {
        conditions.push(format!("p.status = {}", c.text(status.as_str())));
    }
    if filter.living_here_registered_elsewhere {
        conditions.push(
            "p.status = 'active' AND p.hukou_region IS NOT NULL \
             AND substr(p.hukou_region, 1, 6) <> substr(p.residence, 1, 6)"
                .to_string(),
        );
    }
    if filter.registered_here_living_elsewhere {
        // `hukou_region <> residence`: the partial index of those registered away.
        conditions.push(
            "p.status IN ('active', 'moved_out') AND p.hukou_region IS NOT NULL \
             AND p.hukou_region <> p.residence \
             AND substr(p.hukou_region, 1, 6) <> substr(p.residence, 1, 6)"
                .to_string(),
        );
    }
    if let Some(sex) = filter.sex {
        conditions.push(format!("p.sex = {}", c.text(sex.code())));
    }
    if let Some(from) = filter.born_from {
        conditions.push(format!("p.birth_date >= {}", c.bind(Bind::Date(from))));
    }
    if let Some(to) = filter.born_to {
        conditions.push(format!("p.birth_date <= {}", c.bind(Bind::Date(to))));
    }
    c.sql = conditions.join(" AND ");
    c
}

/// Binds a clause's values to a query of either engine.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                Bind::Text(t) => q.bind(t.clone()),
                Bind::Date(d) => q.bind(*d),
            };
        }
        q
    }};
}

impl Store {
    /// A page of the persons of the part of `region` (or of the whole scope)
    /// inside the scope who pass `filter`, sorted by `sort` (`descending`
    /// reverses it; the person id breaks ties), with the whole list's size.
    #[tracing::instrument(level = "debug", skip_all)]
    #[allow(clippy::too_many_arguments)]
    pub async fn list_persons(
        &self,
        region: Option<&RegionCode>,
        scope: &Scope,
        filter: &PersonFilter,
        sort: SortKey,
        descending: bool,
        offset: i64,
        limit: i64,
    ) -> StoreResult<PersonPage> {
        let parts = match region {
            Some(region) => scope.within(region),
            None => scope.regions().to_vec(),
        };
        if parts.is_empty() {
            return Ok(PersonPage {
                persons: Vec::new(),
                total: 0,
            });
        }
        let clause = where_clause(&parts, filter);
        let direction = if descending { " DESC" } else { "" };
        let order: Vec<String> = sort
            .columns()
            .iter()
            .chain(&["p.id"])
            .map(|c| format!("{c}{direction}"))
            .collect();
        let n = clause.binds.len();
        let list = format!(
            "SELECT {} FROM persons p WHERE {} ORDER BY {} LIMIT ${} OFFSET ${}",
            person_columns_of("p"),
            clause.sql,
            order.join(", "),
            n + 1,
            n + 2
        );
        let count = format!("SELECT COUNT(*) FROM persons p WHERE {}", clause.sql);
        let (rows, total) = on_pool!(self, pool => {
            let rows = bind_all!(
                sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(list)),
                &clause.binds
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
            let total: i64 = bind_all!(
                sqlx::query_scalar(sqlx::AssertSqlSafe(count)),
                &clause.binds
            )
            .fetch_one(pool)
            .await?;
            (rows, total)
        });
        Ok(PersonPage {
            persons: rows
                .into_iter()
                .map(Person::try_from)
                .collect::<StoreResult<_>>()?,
            total,
        })
    }
}
