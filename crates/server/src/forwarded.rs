//! The user's address behind a load balancer. The audit log and the login
//! throttle need the address of the person, not of the balancer (behind one,
//! fifty failed logins anywhere would lock the whole province out). A
//! request from a balancer listed in `server.trusted_proxies` is taken to
//! come from the address the balancer appended to `X-Forwarded-For`; from
//! anyone else the header is ignored, since a client can write it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;

/// Replaces the peer address by the forwarded one when the peer is trusted.
pub async fn from_trusted_proxy(
    mut request: Request,
    next: Next,
    trusted: Arc<Vec<IpAddr>>,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if let Some(peer) = peer
        && trusted.contains(&peer.ip())
        && let Some(client) = last_forwarded(&request)
    {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client, peer.port())));
    }
    next.run(request).await
}

/// The last address of the last `X-Forwarded-For` header: the one the
/// trusted balancer appended (earlier ones came with the request).
fn last_forwarded(request: &Request) -> Option<IpAddr> {
    request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim()
        .parse()
        .ok()
}
