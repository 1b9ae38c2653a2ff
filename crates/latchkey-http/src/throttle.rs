//! SEC-43: brute-force limits. A `Throttle` counts failures per key (an account, or a
//! peer address) in a fixed window; once `max` failures are seen, further attempts are
//! refused without being checked until the window has passed. The counts live in memory
//! on each node (a lost count only forgives a few attempts), bounded in size.
//!
//! Three are kept (see `Throttles`): failed sign-ins per account (an account lock, as
//! Keycloak's brute-force detection), failed sign-ins per peer address (password
//! spraying over many accounts), and failed client authentications per peer address on
//! the token, introspection, revocation and exchange endpoints. There is deliberately no
//! lock per client_id: client secrets carry 256 random bits, so a per-client lock would
//! protect nothing and would let anyone who knows a client_id lock its owner out.

use latchkey_core::clock::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// Failed sign-ins per account before it is locked for `WINDOW_SECS`.
pub const MAX_FAILURES: u32 = 5;
pub const WINDOW_SECS: i64 = 15 * 60;
/// Most keys tracked at once; beyond this, expired windows are dropped first.
const MAX_TRACKED: usize = 100_000;

/// The per-address limits; `0` turns a limit off (e.g. behind a proxy that hides
/// client addresses: every request then comes from the proxy's address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressLimits {
    /// Failed sign-ins from one address, any accounts, per 15 minutes.
    pub login_failures: u32,
    /// Failed client authentications from one address per 5 minutes.
    pub client_auth_failures: u32,
}

impl Default for AddressLimits {
    fn default() -> Self {
        AddressLimits {
            login_failures: 50,
            client_auth_failures: 100,
        }
    }
}

#[derive(Debug)]
pub struct Throttle {
    max: u32,
    window_secs: i64,
    failures: Mutex<HashMap<String, (u32, Timestamp)>>,
}

impl Throttle {
    /// `max == 0` never blocks.
    pub fn new(max: u32, window_secs: i64) -> Self {
        Throttle {
            max,
            window_secs,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn key(k: &str) -> String {
        k.trim().to_lowercase()
    }

    /// `Some(seconds to wait)` if `key` may not try now.
    pub fn blocked_for(&self, key: &str, now: Timestamp) -> Option<i64> {
        if self.max == 0 {
            return None;
        }
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let (count, since) = map.get(&Self::key(key))?;
        let wait = since.plus_secs(self.window_secs).millis() - now.millis();
        (*count >= self.max && wait > 0).then(|| (wait + 999) / 1000)
    }

    pub fn record_failure(&self, key: &str, now: Timestamp) {
        if self.max == 0 {
            return;
        }
        let window = self.window_secs;
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_TRACKED {
            map.retain(|_, (_, since)| since.plus_secs(window) > now);
            if map.len() >= MAX_TRACKED {
                map.clear();
            }
        }
        let entry = map.entry(Self::key(key)).or_insert((0, now));
        if entry.1.plus_secs(window) <= now {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }

    pub fn record_success(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&Self::key(key));
    }
}

/// The node's three throttles.
#[derive(Debug)]
pub struct Throttles {
    pub login_account: Throttle,
    pub login_address: Throttle,
    pub client_address: Throttle,
}

impl Throttles {
    pub fn new(limits: AddressLimits) -> Self {
        Throttles {
            login_account: Throttle::new(MAX_FAILURES, WINDOW_SECS),
            login_address: Throttle::new(limits.login_failures, WINDOW_SECS),
            client_address: Throttle::new(limits.client_auth_failures, 5 * 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_43_five_failures_block_until_the_window_passes() {
        let t = Throttle::new(MAX_FAILURES, WINDOW_SECS);
        let t0 = Timestamp(1_700_000_000_000);
        for _ in 0..MAX_FAILURES {
            assert_eq!(t.blocked_for("Ada@Example.com", t0), None);
            t.record_failure("ada@example.com", t0);
        }
        assert_eq!(
            t.blocked_for("ADA@example.com", t0.plus_secs(10)),
            Some(WINDOW_SECS - 10)
        );
        assert_eq!(
            t.blocked_for("ada@example.com", t0.plus_secs(WINDOW_SECS)),
            None
        );
        assert_eq!(
            t.blocked_for("bob@example.com", t0),
            None,
            "other accounts are unaffected"
        );
        t.record_success("ada@example.com");
        assert_eq!(t.blocked_for("ada@example.com", t0), None);
    }

    #[test]
    fn sec_43_a_zero_limit_never_blocks() {
        let t = Throttle::new(0, 60);
        let t0 = Timestamp(1_700_000_000_000);
        for _ in 0..1000 {
            t.record_failure("10.0.0.1", t0);
        }
        assert_eq!(t.blocked_for("10.0.0.1", t0), None);
    }
}

/// The TCP peer's address, when the server was started with connection info (it always
/// is by `serve`). Never from `X-Forwarded-For`, which any client can write (SEC-52).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Middleware for the endpoints that authenticate clients: an address with too many
/// recent `401`s gets `429` without the request being looked at; each `401` counts.
pub async fn client_auth_guard(
    axum::extract::State(st): axum::extract::State<crate::state::AppState>,
    Peer(ip): Peer,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // Discovery and JWKS (GET) never authenticate anyone and stay reachable.
    let Some(ip) = ip
        .filter(|_| req.method() == axum::http::Method::POST)
        .map(|i| i.to_string())
    else {
        return next.run(req).await;
    };
    let t = &st.throttles.client_address;
    if let Some(wait) = t.blocked_for(&ip, st.now()) {
        tracing::warn!(peer = %ip, "client authentication refused: too many failures from this address");
        return too_many(
            wait,
            "too many failed client authentications from this address",
        );
    }
    let resp = next.run(req).await;
    if resp.status() == axum::http::StatusCode::UNAUTHORIZED {
        t.record_failure(&ip, st.now());
    }
    resp
}

/// `429` with `Retry-After` and an RFC 6749 §5.2 body (`temporarily_unavailable`: the
/// registered code that tells a client to try again later).
pub fn too_many(wait_secs: i64, why: &str) -> axum::response::Response {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::IntoResponse;
    let body = serde_json::json!({
        "error": "temporarily_unavailable",
        "error_description": format!("{why}; try again in {wait_secs} s"),
    });
    let mut r = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&wait_secs.to_string()) {
        h.insert(header::RETRY_AFTER, v);
    }
    r
}
