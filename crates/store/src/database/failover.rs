//! A primary and its hot mirror named in one URL
//! (`postgres://user@primary:5432,mirror:5432/renkou`, as libpq writes it).
//! The pool connects only to the host that takes writes: a connection to a
//! standby is refused as it opens. A watcher keeps one connection of its own
//! to the primary and, when that fails, looks for the host that is primary
//! now (the promoted mirror) and points the pool there. Requests that fail
//! in between get [`crate::StoreError::is_unavailable`], which the server
//! retries when that is safe.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::error::{StoreError, StoreResult};

/// How often the watcher asks the primary whether it still is one.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// How long one host may take to answer the watcher.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// One host of the list: how to reach it and its `host:port` for the log.
#[derive(Debug, Clone)]
pub(crate) struct Host {
    pub(crate) label: String,
    pub(crate) options: PgConnectOptions,
}

/// The hosts a `postgres:` URL names, in order. A single host is a list of one.
/// `target_session_attrs` is libpq's and is left out: the store always wants
/// the primary (`read-write`); a reader's store takes whichever host it names.
pub(crate) fn hosts(url: &str) -> StoreResult<Vec<Host>> {
    let invalid = |why: &str| StoreError::Invalid(format!("database URL: {why}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| invalid("no scheme"))?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (userinfo, host_list) = match authority.rsplit_once('@') {
        Some((user, hosts)) => (format!("{user}@"), hosts),
        None => (String::new(), authority),
    };
    let tail = without_parameter(tail, "target_session_attrs");
    if host_list.is_empty() {
        // `postgres:///db?host=/run/postgresql`: libpq's defaults, one host.
        let options = PgConnectOptions::from_str(&format!("{scheme}://{userinfo}{tail}"))?;
        return Ok(vec![Host {
            label: options.get_host().to_string(),
            options: options.options([("jit", "off")]),
        }]);
    }
    host_list
        .split(',')
        .map(|host| {
            if host.is_empty() {
                return Err(invalid("an empty host in the list"));
            }
            let options =
                PgConnectOptions::from_str(&format!("{scheme}://{userinfo}{host}{tail}"))?;
            Ok(Host {
                label: host.to_string(),
                options: options.options([("jit", "off")]),
            })
        })
        .collect()
}

/// `tail` (`/db?a=1&b=2`) without the query parameter `name`.
fn without_parameter(tail: &str, name: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| pair.split('=').next() != Some(name))
        .collect();
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// Whether a connected server is a standby (in recovery).
async fn in_recovery(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_is_in_recovery()")
        .fetch_one(conn)
        .await
}

/// A connection to `host` if it answers within the probe timeout and is primary.
async fn connect_primary(host: &Host) -> Option<PgConnection> {
    let attempt = async {
        let mut conn = PgConnection::connect_with(&host.options).await.ok()?;
        (!in_recovery(&mut conn).await.ok()?).then_some(conn)
    };
    tokio::time::timeout(PROBE_TIMEOUT, attempt).await.ok()?
}

/// The first host of the list that is primary now, with a connection to it.
async fn find_primary(hosts: &[Host]) -> Option<(usize, PgConnection)> {
    for (i, host) in hosts.iter().enumerate() {
        if let Some(conn) = connect_primary(host).await {
            return Some((i, conn));
        }
    }
    None
}

/// A pool on whichever of `hosts` is primary, kept there by a watcher.
pub(crate) async fn connect(
    hosts: Vec<Host>,
    max_connections: u32,
    acquire_timeout: Duration,
) -> StoreResult<PgPool> {
    let labels: Vec<&str> = hosts.iter().map(|h| h.label.as_str()).collect();
    let Some((primary, watch)) = find_primary(&hosts).await else {
        return Err(StoreError::Invalid(format!(
            "none of the database hosts {labels:?} answers as primary"
        )));
    };
    tracing::info!(primary = %hosts[primary].label, hosts = ?labels, "database primary found");
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .after_connect(|conn, _| {
            Box::pin(async move {
                if in_recovery(conn).await? {
                    // The pool waits and tries again, by then on the new primary.
                    return Err(sqlx::Error::Protocol("the host is a standby".into()));
                }
                Ok(())
            })
        })
        .connect_with(hosts[primary].options.clone())
        .await?;
    tokio::spawn(watch_primary(pool.clone(), hosts, primary, watch));
    Ok(pool)
}

/// Follows the primary until the pool closes.
async fn watch_primary(pool: PgPool, hosts: Vec<Host>, mut current: usize, conn: PgConnection) {
    let mut watch = Some(conn);
    while !pool.is_closed() {
        tokio::time::sleep(WATCH_EVERY).await;
        let healthy = match watch.as_mut() {
            Some(conn) => tokio::time::timeout(PROBE_TIMEOUT, in_recovery(conn))
                .await
                .is_ok_and(|answer| answer.is_ok_and(|standby| !standby)),
            None => false,
        };
        if healthy {
            continue;
        }
        watch = None;
        let Some((next, conn)) = find_primary(&hosts).await else {
            tracing::warn!(was = %hosts[current].label, "no database host answers as primary");
            continue;
        };
        if next != current {
            tracing::warn!(
                from = %hosts[current].label,
                to = %hosts[next].label,
                "the database primary moved; new connections go to the new primary"
            );
            pool.set_connect_options(hosts[next].options.clone());
            current = next;
        }
        watch = Some(conn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_with_two_hosts_names_both_with_the_same_database_and_user() {
        let hosts =
            hosts("postgres://app@10.0.0.1:5432,10.0.0.2:6432/renkou?target_session_attrs=read-write&sslmode=disable")
                .unwrap();
        let labels: Vec<&str> = hosts.iter().map(|h| h.label.as_str()).collect();
        assert_eq!(labels, ["10.0.0.1:5432", "10.0.0.2:6432"]);
        assert_eq!(hosts[1].options.get_port(), 6432);
        assert_eq!(hosts[1].options.get_database(), Some("renkou"));
        assert_eq!(hosts[1].options.get_username(), "app");
    }

    #[test]
    fn a_url_with_one_host_is_a_list_of_one() {
        let hosts = hosts("postgresql://127.0.0.1/renkou").unwrap();
        assert_eq!(hosts.len(), 1);
        assert_eq!(hosts[0].options.get_host(), "127.0.0.1");
    }

    #[test]
    fn a_url_without_a_host_keeps_its_socket_parameter() {
        let hosts = hosts("postgres:///renkou?host=/run/postgresql").unwrap();
        assert_eq!(hosts.len(), 1);
        assert_eq!(hosts[0].options.get_database(), Some("renkou"));
    }

    #[test]
    fn an_empty_host_in_the_list_is_refused() {
        assert!(hosts("postgres://a,,b/renkou").is_err());
    }

    #[test]
    fn only_the_named_parameter_is_dropped() {
        assert_eq!(without_parameter("/db?x=1&y=2", "x"), "/db?y=2");
        assert_eq!(without_parameter("/db?x=1", "x"), "/db");
        assert_eq!(without_parameter("/db", "x"), "/db");
    }
}
