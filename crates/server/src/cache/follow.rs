//! Follows the database's change notices for the caches: while it listens,
//! the caches keep entries; when the listening connection drops (a failover,
//! a restart), everything cached is forgotten and nothing is kept until it
//! listens again.

use std::time::Duration;

use renkou_store::{ChangeNotice, Store};

use super::{Caches, county_scopes};

/// Runs for the server's life (spawn it). On SQLite it returns at once and
/// the caches stay off.
pub async fn follow_changes(store: Store, caches: Caches) {
    let mut pause = Duration::from_millis(100);
    loop {
        let mut notices = match store.change_notices().await {
            Ok(Some(notices)) => notices,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot follow the database's change notices: caches off");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        pause = Duration::from_millis(100);
        // Listening from here on: what was cached before may have missed notices.
        caches.forget_all(true).await;
        tracing::info!("caches on: following the database's change notices");
        loop {
            let scopes = match notices.next().await {
                Ok(ChangeNotice::Accounts) => vec!["accounts".to_string()],
                Ok(ChangeNotice::Regions) => vec!["regions".to_string()],
                Ok(ChangeNotice::County(county)) => county_scopes(&county),
                Ok(ChangeNotice::Missed) | Err(_) => break,
            };
            caches.changed(&scopes).await;
        }
        tracing::warn!("lost the database's change notices: caches off until they are back");
        caches.forget_all(false).await;
    }
}
