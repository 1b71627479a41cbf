//! Region scope: every read or write of personal data names the regions its
//! caller may touch, and the store restricts its SQL to them. A person
//! outside the scope looks exactly like a person who does not exist.

use renkou_domain::Field;
use renkou_domain::quality::Check;
use renkou_domain::{IdNumber, Person, PersonId, RegionCode, Subsystem};

use crate::access::accounts::Account;
use crate::database::rows::{PersonRow, person_columns};
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// The regions a caller may see or change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(Vec<RegionCode>);

impl Scope {
    /// What an account may read: the union of its grants' regions.
    pub fn of(account: &Account) -> Scope {
        Scope::new(account.grants.iter().map(|g| g.region))
    }

    /// What an account may change: the regions of its grants whose role
    /// enters records (analysts and auditors only read).
    pub fn writable(account: &Account) -> Scope {
        Scope::new(
            account
                .grants
                .iter()
                .filter(|g| g.role.enters_records())
                .map(|g| g.region),
        )
    }

    /// Where an account reads a subsystem's records: the regions of its
    /// grants that open the subsystem (family-planning records, say, only
    /// under a grant that opens `wis`).
    pub fn reading(account: &Account, subsystem: Subsystem) -> Scope {
        Scope::new(
            account
                .grants
                .iter()
                .filter(|g| g.opens(subsystem))
                .map(|g| g.region),
        )
    }

    /// Where an account enters a subsystem's records: its grants that open
    /// the subsystem and whose role enters records.
    pub fn writing(account: &Account, subsystem: Subsystem) -> Scope {
        Scope::new(
            account
                .grants
                .iter()
                .filter(|g| g.opens(subsystem) && g.role.enters_records())
                .map(|g| g.region),
        )
    }

    /// Where an account decides a subsystem's applications: the offices
    /// of its grants that open the subsystem and whose role decides at its
    /// level (each kept, for a decision is taken at the office itself).
    pub fn deciding(account: &Account, subsystem: Subsystem) -> Scope {
        Scope::offices(
            account
                .grants
                .iter()
                .filter(|g| g.opens(subsystem) && g.role.decides_cases())
                .map(|g| g.region),
        )
    }

    /// A scope of offices: every region kept, even one inside another, so
    /// that "this very office" can be asked of it.
    pub fn offices(regions: impl IntoIterator<Item = RegionCode>) -> Scope {
        let mut regions: Vec<RegionCode> = regions.into_iter().collect();
        regions.sort();
        regions.dedup();
        Scope(regions)
    }

    /// Whose entries an account reviews: the regions of its grants whose
    /// role confirms collectors' entries.
    pub fn reviewing(account: &Account) -> Scope {
        Scope::new(
            account
                .grants
                .iter()
                .filter(|g| g.role.reviews_entries())
                .map(|g| g.region),
        )
    }

    /// Whether every entry the account makes is a collector's, which the
    /// township reviews where the province asks for it.
    pub fn enters_as_collector_only(account: &Account) -> bool {
        let mut writing = account.grants.iter().filter(|g| g.role.enters_records());
        writing.clone().next().is_some()
            && writing.all(|g| g.role == renkou_domain::Role::VillageCollector)
    }

    /// A scope over the given regions (for API tokens and tests).
    pub fn new(regions: impl IntoIterator<Item = RegionCode>) -> Scope {
        let mut regions: Vec<RegionCode> = regions.into_iter().collect();
        regions.sort();
        regions.dedup();
        // Drop regions that another region of the scope already covers.
        let all = regions.clone();
        regions.retain(|r| !all.iter().any(|o| o != r && o.contains(r)));
        Scope(regions)
    }

    /// Whether a region lies inside the scope.
    pub fn contains(&self, code: &RegionCode) -> bool {
        self.0.iter().any(|r| r.contains(code))
    }

    /// The regions of the scope.
    pub fn regions(&self) -> &[RegionCode] {
        &self.0
    }

    /// The parts of `region` inside the scope: the region itself when the
    /// scope covers it, else the scope's regions that lie inside it (a county
    /// asked for by a township operator gives that township).
    pub fn within(&self, region: &RegionCode) -> Vec<RegionCode> {
        if self.contains(region) {
            return vec![*region];
        }
        self.0
            .iter()
            .filter(|r| region.contains(r))
            .copied()
            .collect()
    }
}

/// A page of a region's persons: `$1..$2` the code range, after id `$3`, `$4` rows.
const PAGE_ALL: &str = concat!(
    "SELECT ",
    person_columns!(),
    " FROM persons WHERE residence >= $1 AND residence < $2 AND id > $3 ORDER BY id LIMIT $4"
);
/// The same, of those named `$5`.
const PAGE_NAMED: &str = concat!(
    "SELECT ",
    person_columns!(),
    " FROM persons WHERE residence >= $1 AND residence < $2 AND id > $3 AND name = $5 ORDER BY id LIMIT $4"
);
/// Which persons of a region a page lists.
#[derive(Debug, Clone, Copy)]
enum Only<'a> {
    All,
    Named(&'a str),
    Failing(Check),
}

impl Store {
    /// A page of the persons living in the part of `region` inside the scope,
    /// in id order after `after`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn persons_in_region(
        &self,
        region: &RegionCode,
        scope: &Scope,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Person>> {
        self.page_of(&scope.within(region), Only::All, after, limit)
            .await
    }

    /// A page of the living persons of the part of `region` inside the scope
    /// who have no identity number yet: work for the village collector.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn persons_missing_id_number(
        &self,
        region: &RegionCode,
        scope: &Scope,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Person>> {
        self.persons_failing(region, Check::Missing(Field::IdNumber), scope, after, limit)
            .await
    }

    /// A page of the living persons of the part of `region` inside the scope
    /// who fail a data-quality check: the list behind a quality report's count.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn persons_failing(
        &self,
        region: &RegionCode,
        check: Check,
        scope: &Scope,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Person>> {
        self.page_of(&scope.within(region), Only::Failing(check), after, limit)
            .await
    }

    /// A page of the persons with exactly this name living in the part of
    /// `region` (or of the whole scope) inside the scope.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn persons_named(
        &self,
        name: &str,
        region: Option<&RegionCode>,
        scope: &Scope,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Person>> {
        let parts = match region {
            Some(region) => scope.within(region),
            None => scope.regions().to_vec(),
        };
        self.page_of(&parts, Only::Named(name), after, limit).await
    }

    /// The first `limit` persons by id after `after` living in any of `parts`
    /// who match `only`: one index range scan per part.
    async fn page_of(
        &self,
        parts: &[RegionCode],
        only: Only<'_>,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<Person>> {
        let mut found = Vec::new();
        for part in parts {
            let (low, high) = part.descendant_range();
            let sql = match only {
                Only::All => PAGE_ALL.to_string(),
                Only::Named(_) => PAGE_NAMED.to_string(),
                Only::Failing(check) => format!(
                    concat!(
                        "SELECT ",
                        person_columns!(),
                        " FROM persons p WHERE p.residence >= $1 AND p.residence < $2 AND p.id > $3 \
                         AND p.status = 'active' AND {} ORDER BY p.id LIMIT $4"
                    ),
                    crate::statistics::quality::condition(check, "$1", "$2")
                ),
            };
            let rows = on_pool!(self, pool => {
                let mut query = sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(&low)
                    .bind(&high)
                    .bind(after)
                    .bind(limit);
                if let Only::Named(name) = only {
                    query = query.bind(name);
                }
                query.fetch_all(pool).await?
            });
            found.extend(rows);
        }
        found.sort_by_key(|r| r.id);
        found.truncate(usize::try_from(limit).unwrap_or(0));
        found.into_iter().map(Person::try_from).collect()
    }

    /// The person with this identity number if they live inside the scope;
    /// `None` otherwise, so that a caller cannot tell "elsewhere" from "nowhere".
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn person_by_id_number_in(
        &self,
        number: &IdNumber,
        scope: &Scope,
    ) -> StoreResult<Option<Person>> {
        Ok(self
            .person_by_id_number(number)
            .await?
            .filter(|p| scope.contains(&p.residence)))
    }

    /// The person with this id if they live inside the scope.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn person_in(&self, id: PersonId, scope: &Scope) -> StoreResult<Option<Person>> {
        Ok(self
            .person(id)
            .await?
            .filter(|p| scope.contains(&p.residence)))
    }
}
