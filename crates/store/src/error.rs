//! What can go wrong in the store, in terms a caller can act on.

use renkou_domain::RuleViolation;

/// A store operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no engine Renkou supports.
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    /// A rule of the register refused the change; nothing was written.
    #[error(transparent)]
    Rule(#[from] RuleViolation),
    /// The region is not in the region table, or has been retired.
    #[error("region {code}: {reason}")]
    Region { code: String, reason: String },
    /// Another living person already has this identity number.
    #[error("identity number {id_number} already belongs to living person {holder}")]
    DuplicateIdNumber { id_number: String, holder: i64 },
    /// The caller may not change records in this region.
    #[error("region {0} is outside the caller's regions")]
    OutsideScope(String),
    /// A requested record does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A task or review was settled already (by someone else, first).
    #[error("task {0} is already resolved")]
    AlreadyResolved(i64),
    /// An idempotency key was sent again with a different request.
    #[error("case {id} is no longer at that step (it is {state})")]
    CaseMoved { id: i64, state: String },

    #[error("the idempotency key was used for another request")]
    IdempotencyKeyReused,
    /// Two requests with one idempotency key were recorded at once; the
    /// second is rolled back and answered with the first's answer.
    #[error("a request with the same idempotency key is being recorded")]
    IdempotencyRace,
    /// The input cannot be used as a whole (e.g. a re-zoning file that collides).
    #[error("{0}")]
    Invalid(String),
    /// A stored value does not parse: the database was changed outside Renkou.
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt { what: String, reason: String },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// SQLite refused a bulk write (e.g. a constraint).
    #[error("database error: {0}")]
    Sqlite(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Whether the database could not be reached or was switching over (the
    /// primary gone, the mirror not yet promoted): trying again shortly can
    /// succeed. What was being written may or may not have committed, so only
    /// reads and writes with an idempotency key are safe to try again.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(err) = self else {
            return false;
        };
        match err {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => true,
            sqlx::Error::Protocol(_) => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                // 08: connection exception; 57P01–57P03: the server shutting
                // down or starting; 25006: a write reached a standby.
                code.starts_with("08") || ["57P01", "57P02", "57P03", "25006"].contains(&&*code)
            }),
            _ => false,
        }
    }
}
