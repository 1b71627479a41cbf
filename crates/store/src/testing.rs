//! Test support: a fresh database per test, on SQLite and on PostgreSQL
//! (`RENKOU_TEST_PG` names the server, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`; a PostgreSQL test fails
//! when it is unset, and is skipped only when it says `skip`). Each test gets
//! a database of its own, so tests run in parallel; PostgreSQL databases are
//! copies of a template migrated once (per migration set), not migrated per
//! test.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, PgConnection};

use crate::{RegionRow, Store, embedded_region_table};

/// The environment variable naming the PostgreSQL server for tests.
pub const PG_ENV: &str = "RENKOU_TEST_PG";

/// A database that exists for one test.
pub struct TestDb {
    /// The connected store, migrated and with the test regions loaded.
    pub store: Store,
    /// Its URL, for commands run as separate processes.
    pub url: String,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

/// The regions tests use: two districts of 成都 (锦江区 510104, 武侯区 510107)
/// with their townships and villages, and the city and province above them.
pub fn test_regions() -> &'static [RegionRow] {
    static ROWS: OnceLock<Vec<RegionRow>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows = embedded_region_table(Some("510104")).expect("embedded region table");
        let more = embedded_region_table(Some("510107")).expect("embedded region table");
        rows.extend(more.into_iter().filter(|r| r.code.starts_with("510107")));
        rows
    })
}

impl TestDb {
    /// A new SQLite file in a temporary folder.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("open SQLite");
        store
            .load_regions(test_regions())
            .await
            .expect("load regions");
        TestDb {
            store,
            url,
            pg: None,
            _dir: Some(dir),
        }
    }

    /// A new PostgreSQL database, or `None` when `RENKOU_TEST_PG=skip`.
    /// Panics when it is unset: a suite must not pass by skipping half of it.
    pub async fn postgres() -> Option<TestDb> {
        let (admin, base, name) = new_database_name()?;
        let template = template_database(&admin, &base).await;
        create_database(&admin, &name, Some(&template)).await;
        let url = format!("{base}/{name}");
        let store = Store::open(&url).await.expect("open PostgreSQL");
        Some(TestDb {
            store,
            url,
            pg: Some((admin, name)),
            _dir: None,
        })
    }

    /// A new PostgreSQL database with only the migrations before `version`
    /// applied and the test regions loaded, as an installation of an earlier
    /// release holds it: for testing what a later migration does to existing
    /// data. [`Store::open`] on its URL applies the rest.
    pub async fn postgres_before(version: i64) -> Option<TestDb> {
        let (admin, base, name) = new_database_name()?;
        create_database(&admin, &name, None).await;
        let url = format!("{base}/{name}");
        let pool = sqlx::PgPool::connect(&url).await.expect("open PostgreSQL");
        let mut migrator = crate::database::postgres::migrator();
        migrator.migrations = std::borrow::Cow::Owned(
            migrator
                .migrations
                .iter()
                .filter(|m| m.version < version)
                .cloned()
                .collect(),
        );
        migrator.run(&pool).await.expect("the earlier migrations");
        let store = Store::Postgres(pool);
        store
            .load_regions(test_regions())
            .await
            .expect("load regions");
        Some(TestDb {
            store,
            url,
            pg: Some((admin, name)),
            _dir: None,
        })
    }
}

/// The admin URL, its base (without the database) and a new database name;
/// `None` when PostgreSQL tests are skipped.
fn new_database_name() -> Option<(String, String, String)> {
    let admin = match std::env::var(PG_ENV) {
        Ok(v) if v == "skip" => return None,
        Ok(v) if !v.is_empty() => v,
        _ => panic!(
            "{PG_ENV} is not set: set it to a PostgreSQL server URL \
             (scripts/test.sh does), or to `skip` to leave PostgreSQL out"
        ),
    };
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let name = format!(
        "renkou_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(b, _)| b)
        .to_string();
    Some((admin, base, name))
}

/// Creates a database, as a copy of `template` when given.
async fn create_database(admin: &str, name: &str, template: Option<&str>) {
    let mut conn = PgConnection::connect(admin)
        .await
        .expect("connect to RENKOU_TEST_PG");
    let from = template
        .map(|t| format!(" TEMPLATE {t}"))
        .unwrap_or_default();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}{from}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
}

impl TestDb {
    /// Closes the store and drops the database.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((admin, name)) = self.pg
            && let Ok(mut conn) = PgConnection::connect(&admin).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut conn)
                .await;
        }
    }

    /// Reconciles a source register's CSV text with the persons of `region`.
    pub async fn reconcile_csv(
        &self,
        source: &str,
        region: &str,
        csv: &str,
    ) -> crate::SourceReconciliation {
        let reader = renkou_formats::RegisterReader::new(csv.as_bytes(), "source.csv")
            .expect("a register CSV");
        let (records, _) = crate::source_records(reader).expect("readable records");
        let region = crate::RegionCode::parse(region).expect("a region code");
        self.store
            .reconcile_source(source, &region, records)
            .await
            .expect("reconciled")
    }
}

/// The template every PostgreSQL test database is copied from: migrated,
/// with the test regions loaded. Its name carries a hash of the migrations
/// and regions, so a changed migration gets a new template; it is built once,
/// under an advisory lock, by whichever test process comes first.
async fn template_database(admin: &str, base: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for m in crate::database::postgres::migrator().iter() {
        hash.update(m.version.to_le_bytes());
        hash.update(&*m.checksum);
    }
    hash.update(test_regions().len().to_le_bytes());
    let name = format!("renkou_template_{}", &hex::encode(hash.finalize())[..16]);
    let mut conn = PgConnection::connect(admin)
        .await
        .expect("connect to RENKOU_TEST_PG");
    sqlx::query("SELECT pg_advisory_lock(73110)")
        .execute(&mut conn)
        .await
        .expect("template lock");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut conn)
        .await
        .expect("look up the template");
    if exists.is_none() {
        let building = format!("{name}_building");
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {building} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
            .execute(&mut conn)
            .await
            .expect("create the template");
        let store = Store::open(&format!("{base}/{building}"))
            .await
            .expect("open the template");
        store
            .load_regions(test_regions())
            .await
            .expect("load regions");
        store.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {building} RENAME TO {name}"
        )))
        .execute(&mut conn)
        .await
        .expect("name the template");
    }
    let _ = sqlx::query("SELECT pg_advisory_unlock(73110)")
        .execute(&mut conn)
        .await;
    conn.close().await.ok();
    name
}

/// Declares one test per engine for each async fn `name(&Store)` listed.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = $crate::testing::TestDb::sqlite().await;
                    super::$name(&db).await;
                    db.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(db) = $crate::testing::TestDb::postgres().await else {
                        eprintln!("RENKOU_TEST_PG=skip: PostgreSQL half skipped");
                        return;
                    };
                    super::$name(&db).await;
                    db.finish().await;
                }
            }
        )*
    };
}

impl Store {
    /// Every `(table, column)` of the database's own tables (not the
    /// migration bookkeeping), for comparing the two engines' schemas.
    pub async fn table_columns(
        &self,
    ) -> crate::StoreResult<std::collections::BTreeSet<(String, String)>> {
        let rows: Vec<(String, String)> = match self {
            Store::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
                )
                .fetch_all(pool)
                .await?
            }
            Store::Postgres(pool) => {
                sqlx::query_as(
                    // A partition is storage of its table, not a table of its own.
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
                     AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relname = table_name \
                     AND c.relispartition)",
                )
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows.into_iter().collect())
    }
}
