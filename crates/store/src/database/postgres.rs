//! The production engine: PostgreSQL. Bulk writes go through `COPY`.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};

use crate::database::rows::{
    ColumnValue, HouseholdRow, NewEventRow, PersonRow, RegionRow, SourceLink,
};
use crate::database::tx::{Table, Tx, shared_statements};
use crate::error::StoreResult;
use crate::statistics::counters::CounterDelta;

/// Loads of at least this many rows into an empty table build its indexes afterwards.
const REBUILD_INDEXES_FROM: usize = 50_000;

/// Fewer rows than this go in one INSERT: a `COPY` of one or two rows (an
/// event entered on a form) waited tens of milliseconds for the protocol.
const SMALL_WRITE: usize = 64;

/// Bytes sent per `COPY` message.
const COPY_BUFFER: usize = 1 << 20;

/// How long a request waits for a connection. A failover (the mirror
/// promoted) takes seconds; a request waiting here rides it out.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The same with a mirror to fail over to.
const FAILOVER_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects a pool to a `postgres:` URL. A URL naming several hosts (the
/// primary and its mirror) connects to whichever is primary and follows it
/// after a failover (`database::failover`).
pub(crate) async fn connect(url: &str, max_connections: u32) -> StoreResult<PgPool> {
    // No JIT (set on every host's options): the register's queries are
    // short, and compiling one that the planner costs high (a township's
    // women with their last checks) took 20 ms of a 30 ms query.
    let mut hosts = crate::database::failover::hosts(url)?;
    if hosts.len() > 1 {
        // Shorter: the pool retries a refused connection with a backoff of
        // up to a fifth of this, so a request waits at most a second past
        // the promotion (it failed over in 10 s after a 5 s promotion with
        // 30 s); the server tries a request that timed out again.
        return crate::database::failover::connect(
            hosts,
            max_connections,
            FAILOVER_ACQUIRE_TIMEOUT,
        )
        .await;
    }
    let host = hosts.remove(0);
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(host.options)
        .await?)
}

/// Runs the PostgreSQL migrations.
pub(crate) async fn migrate(pool: &PgPool) -> StoreResult<()> {
    migrator().run(pool).await?;
    Ok(())
}

/// The PostgreSQL migrations, compiled in.
pub(crate) fn migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("./migrations/postgres")
}

/// A write transaction.
pub(crate) struct PgTx(pub(crate) sqlx::Transaction<'static, Postgres>);

impl PgTx {
    pub(crate) async fn begin(pool: &PgPool) -> StoreResult<Self> {
        Ok(PgTx(pool.begin().await?))
    }

    /// Streams rows in COPY text format into `table (columns)`. A large load
    /// into an empty table builds its secondary indexes after the data, as
    /// pg_restore does (the table is locked for the transaction, which an
    /// empty table can afford); into a table in use they are kept live.
    async fn copy<T>(
        &mut self,
        table: &'static str,
        statement: &str,
        rows: &[T],
        write: impl FnMut(&mut CopyLine, &T),
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut rebuild = Vec::new();
        if rows.len() >= REBUILD_INDEXES_FROM {
            let empty: Option<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM {table})"
            )))
            .fetch_optional(&mut *self.0)
            .await?;
            if empty.is_some() {
                // Keys and unique constraints too: rebuilt, they are checked again.
                let constraints: Vec<(String, String)> = sqlx::query_as(
                    "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
                     WHERE conrelid = $1::regclass AND contype IN ('p', 'u')",
                )
                .bind(table)
                .fetch_all(&mut *self.0)
                .await?;
                let indexes: Vec<(String, String)> = sqlx::query_as(
                    "SELECT i.relname::text, pg_get_indexdef(i.oid) FROM pg_index x \
                     JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
                     WHERE t.relname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
                )
                .bind(table)
                .fetch_all(&mut *self.0)
                .await?;
                for (name, definition) in constraints {
                    let drop = format!("ALTER TABLE {table} DROP CONSTRAINT {name}");
                    sqlx::query(sqlx::AssertSqlSafe(drop))
                        .execute(&mut *self.0)
                        .await?;
                    rebuild.push(format!(
                        "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
                    ));
                }
                for (name, definition) in indexes {
                    let drop = format!("DROP INDEX {name}");
                    sqlx::query(sqlx::AssertSqlSafe(drop))
                        .execute(&mut *self.0)
                        .await?;
                    // A partitioned table's index reads `ON ONLY`: rebuilt
                    // as written it would leave every partition without it.
                    rebuild.push(definition.replacen(" ON ONLY ", " ON ", 1));
                }
                sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
                    .execute(&mut *self.0)
                    .await?;
            }
        }
        self.copy_rows(statement, rows, write).await?;
        for definition in rebuild {
            sqlx::query(sqlx::AssertSqlSafe(definition))
                .execute(&mut *self.0)
                .await?;
        }
        Ok(())
    }

    async fn copy_rows<T>(
        &mut self,
        statement: &str,
        rows: &[T],
        mut write: impl FnMut(&mut CopyLine, &T),
    ) -> StoreResult<()> {
        let mut copy = self.0.copy_in_raw(statement).await?;
        let mut line = CopyLine {
            buf: Vec::with_capacity(COPY_BUFFER + 4096),
            row_started: false,
        };
        for row in rows {
            write(&mut line, row);
            line.end();
            if line.buf.len() >= COPY_BUFFER {
                copy.send(std::mem::take(&mut line.buf)).await?;
                line.buf.reserve(COPY_BUFFER + 4096);
            }
        }
        if !line.buf.is_empty() {
            copy.send(line.buf).await?;
        }
        copy.finish().await?;
        Ok(())
    }
}

/// A buffer of COPY text-format lines.
pub(crate) struct CopyLine {
    buf: Vec<u8>,
    row_started: bool,
}

impl CopyLine {
    fn text(&mut self, value: Option<&str>) -> &mut Self {
        if self.row_started {
            self.buf.push(b'\t');
        }
        self.row_started = true;
        match value {
            None => self.buf.extend_from_slice(b"\\N"),
            Some(v) => {
                for b in v.bytes() {
                    match b {
                        b'\\' => self.buf.extend_from_slice(b"\\\\"),
                        b'\t' => self.buf.extend_from_slice(b"\\t"),
                        b'\n' => self.buf.extend_from_slice(b"\\n"),
                        b'\r' => self.buf.extend_from_slice(b"\\r"),
                        _ => self.buf.push(b),
                    }
                }
            }
        }
        self
    }
    fn int(&mut self, value: Option<i64>) -> &mut Self {
        self.text(value.map(|v| v.to_string()).as_deref())
    }
    fn date(&mut self, value: Option<NaiveDate>) -> &mut Self {
        self.text(value.map(|v| v.to_string()).as_deref())
    }
    fn end(&mut self) {
        self.buf.push(b'\n');
        self.row_started = false;
    }
}

impl Tx for PgTx {
    async fn lock_counter(&mut self, key: &str) -> StoreResult<()> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(key)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    shared_statements!(
        // Estimated as short lists (migration 0027): the planner probes indexes.
        "SELECT json_texts($1::jsonb)",
        "SELECT json_bigints($1::jsonb)",
        " FOR UPDATE",
        "SELECT code, name, level, parent, valid_from, valid_to, replaced_by \
         FROM jsonb_to_recordset($1::jsonb) AS r(code text, name text, level text, parent text, \
         valid_from date, valid_to date, replaced_by text)"
    );

    async fn allocate_ids(&mut self, table: Table, n: usize) -> StoreResult<Vec<i64>> {
        let sql = match table {
            Table::Persons => "SELECT nextval('persons_id_seq') FROM generate_series(1, $1)",
            Table::Households => {
                "SELECT nextval(pg_get_serial_sequence('households', 'id')) FROM generate_series(1, $1)"
            }
        };
        Ok(sqlx::query_scalar(sql)
            .bind(n as i64)
            .fetch_all(&mut *self.0)
            .await?)
    }

    async fn insert_persons(&mut self, rows: &[PersonRow], now: DateTime<Utc>) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if rows.len() < SMALL_WRITE {
            let mut q = sqlx::QueryBuilder::new(concat!(
                "INSERT INTO persons (",
                crate::database::rows::person_columns!(),
                crate::database::rows::written_columns!(),
                ") "
            ));
            q.push_values(rows, |mut b, r| {
                for v in r.values() {
                    match v {
                        ColumnValue::Int(n) => b.push_bind(n),
                        ColumnValue::Text(t) => b.push_bind(t.map(str::to_string)),
                        ColumnValue::Date(d) => b.push_bind(d),
                    };
                }
                b.push_bind(r.name_key());
                b.push_bind(now);
            });
            q.build().execute(&mut *self.0).await?;
            return Ok(());
        }
        let now = now.to_rfc3339();
        self.copy(
            "persons",
            concat!(
                "COPY persons (",
                crate::database::rows::person_columns!(),
                crate::database::rows::written_columns!(),
                ") FROM STDIN"
            ),
            rows,
            |l, r| {
                for v in r.values() {
                    match v {
                        ColumnValue::Int(n) => l.int(n),
                        ColumnValue::Text(t) => l.text(t),
                        ColumnValue::Date(d) => l.date(d),
                    };
                }
                l.text(Some(&r.name_key()));
                l.text(Some(&now));
            },
        )
        .await
    }

    async fn insert_households(&mut self, rows: &[HouseholdRow]) -> StoreResult<()> {
        self.copy(
            "households",
            "COPY households (id, household_no, region_code, address, kind, head_id) FROM STDIN",
            rows,
            |l, r| {
                l.int(Some(r.id))
                    .text(Some(&r.household_no))
                    .text(Some(&r.region_code))
                    .text(r.address.as_deref())
                    .text(Some(&r.kind))
                    .int(r.head_id);
            },
        )
        .await
    }

    async fn insert_source_links(&mut self, rows: &[SourceLink]) -> StoreResult<()> {
        self.copy(
            "source_records",
            "COPY source_records (source, record_id, person_id, row_hash, extra) FROM STDIN",
            rows,
            |l, r| {
                l.text(Some(&r.source))
                    .text(Some(&r.record_id))
                    .int(Some(r.person_id))
                    .text(Some(&r.row_hash))
                    .text(r.extra.as_deref());
            },
        )
        .await
    }

    async fn insert_events(&mut self, rows: &[NewEventRow]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if rows.len() < SMALL_WRITE {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO events (person_id, kind, effective_date, recorded_at, recorder, source, \
                 region_code, related_id, changes, note, details) ",
            );
            q.push_values(rows, |mut b, r| {
                b.push_bind(r.person_id)
                    .push_bind(r.kind.as_str())
                    .push_bind(r.effective_date)
                    .push_bind(r.recorded_at)
                    .push_bind(&r.recorder)
                    .push_bind(&r.source)
                    .push_bind(&r.region_code)
                    .push_bind(r.related_id)
                    .push_bind(sqlx::types::Json(&r.changes))
                    .push_bind(&r.note)
                    .push_bind(r.details.as_ref().map(sqlx::types::Json));
            });
            q.build().execute(&mut *self.0).await?;
            return Ok(());
        }
        self.copy(
            "events",
            "COPY events (person_id, kind, effective_date, recorded_at, recorder, source, region_code, \
             related_id, changes, note, details) FROM STDIN",
            rows,
            |l, r| {
                l.int(Some(r.person_id))
                    .text(Some(r.kind.as_str()))
                    .date(Some(r.effective_date))
                    .text(Some(&r.recorded_at.to_rfc3339()))
                    .text(Some(&r.recorder))
                    .text(Some(&r.source))
                    .text(Some(&r.region_code))
                    .int(r.related_id)
                    .text(Some(&serde_json::to_string(&r.changes).unwrap_or_default()))
                    .text(r.note.as_deref())
                    .text(
                        r.details
                            .as_ref()
                            .and_then(|d| serde_json::to_string(d).ok())
                            .as_deref(),
                    );
            },
        )
        .await
    }

    async fn add_counts(&mut self, delta: &CounterDelta) -> StoreResult<()> {
        // One statement per table, whatever the size: arrays unnested server-side.
        let rows = delta.stock_rows();
        let levels: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let regions: Vec<&str> = rows.iter().map(|r| r.1).collect();
        let indicators: Vec<&str> = rows.iter().map(|r| r.2).collect();
        let keys: Vec<&str> = rows.iter().map(|r| r.3).collect();
        let counts: Vec<i64> = rows.iter().map(|r| r.4).collect();
        if !rows.is_empty() {
            sqlx::query(
                "INSERT INTO stat_stock (level, region_code, indicator, key, n) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) \
                 ON CONFLICT (level, region_code, indicator, key) DO UPDATE SET n = stat_stock.n + excluded.n",
            )
            .bind(levels)
            .bind(regions)
            .bind(indicators)
            .bind(keys)
            .bind(counts)
            .execute(&mut *self.0)
            .await?;
        }
        #[derive(Default)]
        struct Columns<'a> {
            region: Vec<&'a str>,
            effective: Vec<NaiveDate>,
            recorded: Vec<NaiveDate>,
            kind: Vec<&'static str>,
            indicator: Vec<&'static str>,
            key: Vec<&'a str>,
            sign: Vec<i16>,
            other: Vec<&'a str>,
            n: Vec<i64>,
        }
        let mut c = Columns::default();
        for (f, n) in delta.flow_rows() {
            c.region.push(f.flow.counter.region.as_str());
            c.effective.push(f.effective_date);
            c.recorded.push(f.recorded_date);
            c.kind.push(f.kind.as_str());
            c.indicator.push(f.flow.counter.indicator.as_str());
            c.key.push(&f.flow.counter.key);
            c.sign.push(i16::from(f.flow.sign));
            c.other.push(&f.flow.other);
            c.n.push(n);
        }
        if !c.region.is_empty() {
            sqlx::query(
                "INSERT INTO stat_flows (region_code, effective_date, recorded_date, kind, indicator, key, sign, other, n) \
                 SELECT * FROM UNNEST($1::text[], $2::date[], $3::date[], $4::text[], $5::text[], $6::text[], \
                 $7::int2[], $8::text[], $9::bigint[]) ON CONFLICT (region_code, effective_date, recorded_date, kind, \
                 indicator, key, sign, other) DO UPDATE SET n = stat_flows.n + excluded.n",
            )
            .bind(c.region)
            .bind(c.effective)
            .bind(c.recorded)
            .bind(c.kind)
            .bind(c.indicator)
            .bind(c.key)
            .bind(c.sign)
            .bind(c.other)
            .bind(c.n)
            .execute(&mut *self.0)
            .await?;
        }
        Ok(())
    }
}
