//! The escalation clock: every so often (`[cases] escalate_every_seconds`)
//! the server sends the cases whose deadline passed to the level above.
//! Several servers may run it at once: each case is escalated once.

use std::time::Duration;

use renkou_domain::cases::DeadlineRule;
use renkou_store::Store;

/// Starts the clock (nothing when `every` is zero).
pub fn start(store: Store, rule: DeadlineRule, every: Duration) {
    if every.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store.escalate_overdue(chrono::Utc::now(), &rule).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(escalated = n, "overdue cases escalated"),
                Err(err) => {
                    tracing::warn!(%err, "escalating overdue cases failed; retried next time")
                }
            }
        }
    });
}
