//! The server's configuration: defaults, then a TOML file (`--config FILE` or
//! `RENKOU_CONFIG`), then environment variables `RENKOU_<SECTION>__<KEY>`
//! (e.g. `RENKOU_DATABASE__MAX_CONNECTIONS=32`,
//! `RENKOU_SERVER__SECURE_COOKIES=true`). Every value has a default that
//! suits the demo on a laptop; README.md (Configuration) lists them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything the server reads at start. (Top-level keys not listed are
/// ignored: `RENKOU_DB`, `RENKOU_LOG` and the like share the prefix.)
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The database.
    pub database: DatabaseSettings,
    /// HTTP.
    pub server: ServerSettings,
    /// The caches in front of the database (PostgreSQL only).
    pub cache: CacheSettings,
    /// The audit log's key and checkpoints.
    pub audit: AuditSettings,
    /// Login throttling.
    pub login: LoginSettings,
    /// The township's review of collectors' entries.
    pub review: ReviewSettings,
    /// Women of childbearing age: the follow-up schedule of the work lists.
    pub wis: WisSettings,
    /// Cases handed between offices: deadlines and escalation.
    pub cases: CasesSettings,
    /// The exchange's push deliveries.
    pub exchange: ExchangeSettings,
    /// Reward and special support: the programs and their rules.
    pub support: SupportSettings,
    /// Only-child parents' certificates: who may hold one.
    pub certificates: CertificateSettings,
    /// Re-birth approvals: the register's advice to the reviewers.
    pub rebirth: RebirthSettings,
    /// A fault to inject, for the crash tests only (`RENKOU_TEST_FAULT`).
    #[serde(skip)]
    pub fault: Option<Fault>,
}

/// A fault the crash tests inject into a running server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Abort the process after a change commits, before it is answered
    /// (`RENKOU_TEST_FAULT=abort_after_commit`): the client sees the
    /// connection drop and retries.
    AbortAfterCommit,
}

impl Fault {
    fn from_env() -> Option<Fault> {
        match std::env::var("RENKOU_TEST_FAULT").ok()?.as_str() {
            "abort_after_commit" => Some(Fault::AbortAfterCommit),
            _ => None,
        }
    }

    /// Called right after a change committed.
    pub fn after_commit(&self) {
        match self {
            Fault::AbortAfterCommit => {
                tracing::warn!("RENKOU_TEST_FAULT: aborting after commit");
                std::process::abort();
            }
        }
    }
}

/// The database.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://FILE` or `postgres://…` (the `--db` flag and `RENKOU_DB` win).
    pub url: Option<String>,
    /// Connections per server process.
    pub max_connections: u32,
    /// How long a read (or a write with an idempotency key) that failed
    /// because the database was away is tried again before the 503 is shown:
    /// long enough for the mirror to be promoted. 0: never.
    pub retry_seconds: u64,
    /// The decision-support copy (a read replica): reports, exports and the
    /// statistics check read there instead of the primary. None: the primary.
    pub reports_url: Option<String>,
}

/// The caches in front of the database (`cache/`): sessions, regions and
/// report results, invalidated by the database's change notices.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// Keep anything at all (on PostgreSQL; SQLite sends no notices).
    pub enabled: bool,
    /// This server's own cache (L2), in MiB.
    pub local_mib: u64,
    /// The cache the servers share (L1), e.g. `redis://10.0.0.5:6379`.
    /// None: each server has only its own.
    pub redis_url: Option<String>,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            enabled: true,
            local_mib: 256,
            redis_url: None,
        }
    }
}

/// HTTP.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Where to listen (the `--listen` flag wins).
    pub listen: Option<SocketAddr>,
    /// How long a login lasts, in hours.
    pub session_hours: i64,
    /// Mark the session cookie `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// Send `Strict-Transport-Security` (behind TLS).
    pub hsts: bool,
    /// Largest JSON body, in KiB.
    pub max_json_kib: usize,
    /// Largest upload (a register CSV), in MiB.
    pub max_upload_mib: usize,
    /// Seconds to finish requests in flight after SIGTERM or Ctrl-C.
    pub shutdown_grace_seconds: u64,
    /// The load balancers in front (their addresses): a request from one of
    /// them is from the address it appended to `X-Forwarded-For`.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The audit log's key and checkpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// The key file (created on first start). Default: beside a SQLite file,
    /// else `<database name>.audit-key` in the working folder.
    pub key_file: Option<PathBuf>,
    /// The checkpoint file (JSON lines). Default: beside the key file.
    pub checkpoint_file: Option<PathBuf>,
    /// Seconds between checkpoints of the chain's head (0: none).
    pub checkpoint_seconds: u64,
}

/// Login throttling.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginSettings {
    /// Failed logins of one user name before it locks.
    pub max_failed_per_name: i64,
    /// Failed logins from one address before it locks.
    pub max_failed_per_address: i64,
}

/// The township's review of collectors' entries (审核 / 退回).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewSettings {
    /// Every entry a village collector makes waits for the township to
    /// confirm or return it (the province switches this on; off by default).
    pub collector_entries: bool,
}

/// Women of childbearing age (`[wis]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WisSettings {
    /// When checks, visits, deliveries and postpartum methods fall due
    /// (`[wis.schedule]`: `iud_check_months = [3, 6, 12]`, …).
    pub schedule: renkou_domain::wis::Schedule,
    /// The policy indicators each birth is judged by, in CEL
    /// (`[[wis.policy]] key = "compliant" title = "政策符合" rule = "order <= 3"`).
    pub policy: Vec<renkou_domain::wis::PolicyRule>,
}

impl Default for WisSettings {
    fn default() -> Self {
        WisSettings {
            schedule: renkou_domain::wis::Schedule::default(),
            policy: renkou_domain::wis::PolicyRule::defaults(),
        }
    }
}

/// Cases handed between offices (`[cases]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CasesSettings {
    /// The days an office has for a case before it goes to the level above,
    /// in CEL over `kind`, `inside_province`, `level`, `escalations`
    /// (default `(inside_province ? 15 : 30) + 7 * escalations`).
    pub deadline_days: renkou_domain::cases::DeadlineRule,
    /// How often the server looks for overdue cases to escalate (seconds; 0: never).
    pub escalate_every_seconds: u64,
}

impl Default for CasesSettings {
    fn default() -> Self {
        CasesSettings {
            deadline_days: renkou_domain::cases::DeadlineRule::default(),
            escalate_every_seconds: 60,
        }
    }
}

/// Reward and special support (`[support]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupportSettings {
    /// The programs (`[[support.programs]]`: `key`, `title`, `exclude` and
    /// `include` lists of `{ reason, when }` in CEL, `otherwise`, `amount`);
    /// a file that names any replaces the national defaults.
    pub programs: Vec<renkou_domain::support::SupportProgram>,
}

impl Default for SupportSettings {
    fn default() -> Self {
        SupportSettings {
            programs: renkou_domain::support::SupportProgram::defaults(),
        }
    }
}

/// Only-child parents' certificates (`[certificates]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CertificateSettings {
    /// Who may hold one, as a program's `exclude` / `include` rules in CEL
    /// over the applicant's family (`[certificates.rules]`; its `amount` is unused).
    pub rules: renkou_domain::support::SupportProgram,
}

impl Default for CertificateSettings {
    fn default() -> Self {
        CertificateSettings {
            rules: renkou_domain::certificates::default_rules(),
        }
    }
}

/// Re-birth approvals (`[rebirth]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RebirthSettings {
    /// Which couples the register shows eligible, as a program's `exclude` /
    /// `include` rules in CEL (`[rebirth.rules]`): advice the reviewers
    /// read with the documents, not a refusal.
    pub rules: renkou_domain::support::SupportProgram,
}

impl Default for RebirthSettings {
    fn default() -> Self {
        RebirthSettings {
            rules: renkou_domain::rebirth::default_rules(),
        }
    }
}

/// The exchange's push deliveries (`[exchange]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExchangeSettings {
    /// How often the server delivers to the push subscriptions (seconds; 0: never).
    pub push_every_seconds: u64,
    /// The wait after a first failure; it doubles with each failure in a row (seconds).
    pub push_backoff_seconds: u64,
    /// Failures in a row after which a subscription is paused.
    pub push_max_failures: i64,
    /// Events per delivery at most.
    pub push_page: i64,
    /// How long a receiver has to answer (seconds).
    pub push_timeout_seconds: u64,
}

impl Default for ExchangeSettings {
    fn default() -> Self {
        ExchangeSettings {
            push_every_seconds: 5,
            push_backoff_seconds: 30,
            push_max_failures: 8,
            push_page: 500,
            push_timeout_seconds: 10,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: None,
            max_connections: 16,
            retry_seconds: 30,
            reports_url: None,
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: None,
            session_hours: 8,
            secure_cookies: false,
            hsts: false,
            max_json_kib: 1024,
            max_upload_mib: 256,
            shutdown_grace_seconds: 30,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            key_file: None,
            checkpoint_file: None,
            checkpoint_seconds: 60,
        }
    }
}

impl Default for LoginSettings {
    fn default() -> Self {
        LoginSettings {
            max_failed_per_name: renkou_store::MAX_FAILED_LOGINS,
            max_failed_per_address: renkou_store::MAX_FAILED_LOGINS_PER_ADDRESS,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct SettingsError(String);

impl Settings {
    /// Defaults, then the file (if given), then `RENKOU_<SECTION>__<KEY>`.
    pub fn load(file: Option<&Path>) -> Result<Settings, SettingsError> {
        let mut builder = config::Config::builder();
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
        }
        builder
            .add_source(
                config::Environment::with_prefix("RENKOU")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true)
                    // `RENKOU_SERVER__TRUSTED_PROXIES=10.0.0.2,10.0.0.3`
                    .list_separator(",")
                    .with_list_parse_key("server.trusted_proxies"),
            )
            .build()
            .and_then(|c| c.try_deserialize::<Settings>())
            .map_err(|e| SettingsError(e.to_string()))
            .and_then(|s| {
                renkou_domain::wis::policy::check(&s.wis.policy)
                    .map_err(|e| SettingsError(e.to_string()))?;
                s.cases
                    .deadline_days
                    .check()
                    .map_err(|e| SettingsError(e.to_string()))?;
                for rules in [&s.certificates.rules, &s.rebirth.rules] {
                    renkou_domain::support::Judge::new(rules)
                        .map_err(|e| SettingsError(e.to_string()))?;
                }
                for program in &s.support.programs {
                    renkou_domain::support::Judge::new(program)
                        .map_err(|e| SettingsError(e.to_string()))?;
                }
                Ok(s)
            })
            .map(|mut s| {
                s.fault = Fault::from_env();
                s
            })
    }

    /// The province's rules a write applies: the policy indicators and the
    /// deadline of the cases it opens.
    pub fn rules(&self) -> renkou_store::Rules {
        renkou_store::Rules {
            policies: self.wis.policy.clone(),
            deadline: self.cases.deadline_days.clone(),
        }
    }

    /// The audit key file for a database URL.
    pub fn audit_key_file(&self, url: &str) -> PathBuf {
        self.audit
            .key_file
            .clone()
            .unwrap_or_else(|| default_beside(url, "audit-key"))
    }

    /// The audit checkpoint file for a database URL.
    pub fn audit_checkpoint_file(&self, url: &str) -> PathBuf {
        self.audit.checkpoint_file.clone().unwrap_or_else(|| {
            let key = self.audit_key_file(url);
            key.with_extension("audit-checkpoints")
        })
    }
}

/// `FILE.db.<what>` beside a SQLite file, else `<database name>.<what>` here.
fn default_beside(url: &str, what: &str) -> PathBuf {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = path.split('?').next().unwrap_or(path);
        return PathBuf::from(format!("{path}.{what}"));
    }
    let name = url
        .rsplit('/')
        .next()
        .and_then(|n| n.split('?').next())
        .filter(|n| !n.is_empty() && !n.contains('@') && !n.contains(':'))
        .unwrap_or("renkou");
    PathBuf::from(format!("{name}.{what}"))
}
