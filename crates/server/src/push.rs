//! Push delivery of the feed (推送): each subscription gets the pages of
//! the feed its API token may read, posted as JSON to its address and
//! signed with its secret (`X-Renkou-Signature: sha256=HEX`, HMAC-SHA256 of
//! the body). `X-Renkou-Delivery` names the page (the same page sent again
//! has the same name: receivers handle it once). The cursor moves only
//! when the receiver answers 2xx; a failure is retried after a growing
//! wait, and after `push_max_failures` in a row the subscription is paused
//! (the administrators' page shows it and resumes it).

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use renkou_store::{FeedCursor, Subscription};
use sha2::Sha256;

use crate::routes::exchange::feed_for;
use crate::session::Session;
use crate::{ApiError, AppState};

/// Pages sent to one subscription in one turn (then the others' turn).
const PAGES_PER_TURN: usize = 20;

/// The signature of a body: `sha256=` and the hex HMAC-SHA256 under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Starts the deliverer (nothing when `push_every_seconds` is zero).
pub fn start(state: AppState) {
    let every = state.settings.exchange.push_every_seconds;
    if every == 0 {
        return;
    }
    tokio::spawn(async move {
        let Ok(http) = client(&state) else { return };
        let mut tick = tokio::time::interval(Duration::from_secs(every));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = deliver_due_with(&state, &http, Utc::now()).await {
                tracing::warn!(?err, "push delivery failed; retried next time");
            }
        }
    });
}

/// The HTTP client of the deliveries (one per server: it keeps connections).
fn client(state: &AppState) -> Result<reqwest::Client, ApiError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(
            state.settings.exchange.push_timeout_seconds,
        ))
        .build()
        .map_err(|e| {
            tracing::error!(%e, "no HTTP client");
            ApiError::unavailable()
        })
}

/// Delivers to every subscription due at `now`; returns the events delivered.
pub async fn deliver_due(state: &AppState, now: DateTime<Utc>) -> Result<i64, ApiError> {
    deliver_due_with(state, &client(state)?, now).await
}

/// [`deliver_due`] with the server's client.
async fn deliver_due_with(
    state: &AppState,
    http: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let mut delivered = 0;
    for subscription in state.store.claim_due_subscriptions(now).await? {
        delivered += deliver(state, http, subscription, now).await?;
    }
    Ok(delivered)
}

/// Sends one subscription its pages until the feed has no more, the turn
/// is over, or the receiver fails.
async fn deliver(
    state: &AppState,
    http: &reqwest::Client,
    mut s: Subscription,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let settings = &state.settings.exchange;
    let later = now + chrono::Duration::seconds(settings.push_every_seconds.max(1) as i64);
    let token = state
        .store
        .api_token_named(&s.token_name)
        .await?
        .filter(|t| t.revoked_at.is_none() && t.expires_at > now);
    let Some(token) = token else {
        fail(state, &s, "接口令牌已吊销或过期", now).await?;
        return Ok(0);
    };
    let session = Session::of_token(token, format!("push:{}", s.id), None);
    let mut delivered = 0;
    for _ in 0..PAGES_PER_TURN {
        let after: FeedCursor = s.cursor.parse().unwrap_or_default();
        let page = feed_for(state, &session, after, settings.push_page).await?;
        let moved = page.next != s.cursor;
        if page.items.is_empty() {
            // Nothing this token may see (or nothing new): the cursor moves on.
            state
                .store
                .subscription_delivered(s.id, &page.next, 0, now, later)
                .await?;
            return Ok(delivered);
        }
        let body = serde_json::to_vec(&page).map_err(|_| ApiError::unavailable())?;
        let answer = http
            .post(&s.url)
            .header("Content-Type", "application/json")
            .header("X-Renkou-Delivery", format!("{}:{}", s.id, s.cursor))
            .header("X-Renkou-Signature", signature(&s.secret, &body))
            .body(body)
            .send()
            .await;
        match answer {
            Ok(a) if a.status().is_success() => {
                let n = page.items.len() as i64;
                delivered += n;
                let full = n >= settings.push_page;
                let next = if full { now } else { later };
                state
                    .store
                    .subscription_delivered(s.id, &page.next, n, now, next)
                    .await?;
                s.cursor = page.next;
                if !full || !moved {
                    return Ok(delivered);
                }
            }
            Ok(a) => {
                fail(
                    state,
                    &s,
                    &format!("接收方答复 HTTP {}", a.status().as_u16()),
                    now,
                )
                .await?;
                return Ok(delivered);
            }
            Err(e) => {
                let why = if e.is_timeout() {
                    "接收方超时未答复".to_string()
                } else {
                    format!("无法送达：{e}")
                };
                fail(state, &s, &why, now).await?;
                return Ok(delivered);
            }
        }
    }
    Ok(delivered)
}

/// Records a failed delivery (paused after too many in a row).
async fn fail(
    state: &AppState,
    s: &Subscription,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let settings = &state.settings.exchange;
    let paused = state
        .store
        .subscription_failed(
            s.id,
            why,
            now,
            chrono::Duration::seconds(settings.push_backoff_seconds as i64),
            settings.push_max_failures,
        )
        .await?;
    if paused {
        tracing::warn!(subscription = s.id, url = %s.url, "push subscription paused after repeated failures");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn a_signature_is_the_hmac_sha256_of_the_body_under_the_secret() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
