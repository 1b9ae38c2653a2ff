//! SEC-43: brute-force limits, all in memory on each node (a lost count only forgives a
//! few attempts), bounded in size.
//!
//! Sign-in (`LoginThrottle`) slows guessing down without handing anyone a lockout switch
//! (docs/security-review.md finding 4): failures are counted per account *and* per (account, source
//! address). A source that has failed on an account waits, after `FREE_FAILURES`
//! failures, a delay that doubles with each further failure, from `FIRST_DELAY_SECS` up
//! to `MAX_DELAY_SECS`: per pair, and once the account as a whole has seen that many
//! failures, per account too. A source that has not failed on the account is never
//! held back by the account's count, so the owner signing in from their own address
//! gets in while someone elsewhere guesses. Counts are kept `MEMORY_SECS` after the last
//! failure, so waiting does not reset the delay to zero.
//!
//! Two fixed-window `Throttle`s per peer address: failed sign-ins over any accounts
//! (password spraying), and failed client authentications on the token, introspection,
//! revocation and exchange endpoints. There is deliberately no lock per client_id:
//! client secrets carry 256 random bits, so a per-client lock would protect nothing and
//! would let anyone who knows a client_id lock its owner out.

use axum::response::IntoResponse;
use latchkey_core::clock::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// Failed sign-ins of one account (from one source, or in all) that cost no delay.
pub const FREE_FAILURES: u32 = 5;
/// The delay after the `FREE_FAILURES`-th failure; each further failure doubles it.
pub const FIRST_DELAY_SECS: i64 = 30;
/// The longest delay between two guesses.
pub const MAX_DELAY_SECS: i64 = 15 * 60;
/// How long failures are remembered after the last one.
pub const MEMORY_SECS: i64 = 24 * 3_600;
/// The window of the per-address sign-in limit.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Most keys tracked at once; beyond this, expired windows are dropped first.
const MAX_TRACKED: usize = 100_000;

/// The wait after `failures` failures.
pub fn delay_after(failures: u32) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(16);
    (FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS)
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Timestamp,
}

impl Failures {
    fn remembered_at(&self, now: Timestamp) -> bool {
        self.last.plus_secs(MEMORY_SECS) > now
    }
    /// Milliseconds still to wait at `now` (zero or less: may try).
    fn wait_ms(&self, now: Timestamp) -> i64 {
        self.last.plus_secs(delay_after(self.count)).millis() - now.millis()
    }
}

#[derive(Debug, Default)]
struct LoginCounts {
    accounts: HashMap<String, Failures>,
    pairs: HashMap<(String, String), Failures>,
}

/// Sign-in failures per account and per (account, source); see the module doc.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    counts: Mutex<LoginCounts>,
}

fn account_key(k: &str) -> String {
    k.trim().to_lowercase()
}

fn bump<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Failures>, key: K, now: Timestamp) {
    if map.len() >= MAX_TRACKED {
        map.retain(|_, f| f.remembered_at(now));
        if map.len() >= MAX_TRACKED {
            map.clear();
        }
    }
    let f = map.entry(key).or_insert(Failures {
        count: 0,
        last: now,
    });
    if !f.remembered_at(now) {
        f.count = 0;
    }
    f.count = f.count.saturating_add(1);
    f.last = now;
}

impl LoginThrottle {
    /// `Some(seconds to wait)` if `source` may not try `account`'s password now.
    pub fn blocked_for(&self, account: &str, source: &str, now: Timestamp) -> Option<i64> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let account = account_key(account);
        // A source with no recent failure on this account is never held back.
        let pair = counts
            .pairs
            .get(&(account.clone(), source.to_owned()))
            .filter(|f| f.remembered_at(now))?;
        let by_account = counts
            .accounts
            .get(&account)
            .filter(|f| f.remembered_at(now))
            .map_or(0, |f| f.wait_ms(now));
        let wait = pair.wait_ms(now).max(by_account);
        (wait > 0).then(|| (wait + 999) / 1000)
    }

    pub fn record_failure(&self, account: &str, source: &str, now: Timestamp) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let account = account_key(account);
        bump(&mut counts.pairs, (account.clone(), source.to_owned()), now);
        bump(&mut counts.accounts, account, now);
    }

    /// A correct password from `source` clears that source's record on the account; the
    /// account's count stays, so other failing sources keep waiting.
    pub fn record_success(&self, account: &str, source: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts
            .pairs
            .remove(&(account_key(account), source.to_owned()));
    }
}

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

    /// `Some(seconds to wait)` if `key` may not try now.
    pub fn blocked_for(&self, key: &str, now: Timestamp) -> Option<i64> {
        if self.max == 0 {
            return None;
        }
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let (count, since) = map.get(&account_key(key))?;
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
        let entry = map.entry(account_key(key)).or_insert((0, now));
        if entry.1.plus_secs(window) <= now {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }

    pub fn record_success(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&account_key(key));
    }
}

/// The node's three throttles.
#[derive(Debug)]
pub struct Throttles {
    pub login_account: LoginThrottle,
    pub login_address: Throttle,
    pub client_address: Throttle,
}

impl Throttles {
    pub fn new(limits: AddressLimits) -> Self {
        Throttles {
            login_account: LoginThrottle::default(),
            login_address: Throttle::new(limits.login_failures, WINDOW_SECS),
            client_address: Throttle::new(limits.client_auth_failures, 5 * 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_43_a_fixed_window_blocks_after_max_failures_until_it_passes() {
        let t = Throttle::new(5, WINDOW_SECS);
        let t0 = Timestamp(1_700_000_000_000);
        for _ in 0..5 {
            assert_eq!(t.blocked_for("10.0.0.1", t0), None);
            t.record_failure("10.0.0.1", t0);
        }
        assert_eq!(
            t.blocked_for("10.0.0.1", t0.plus_secs(10)),
            Some(WINDOW_SECS - 10)
        );
        assert_eq!(t.blocked_for("10.0.0.1", t0.plus_secs(WINDOW_SECS)), None);
        assert_eq!(t.blocked_for("10.0.0.2", t0), None, "other keys unaffected");
        t.record_success("10.0.0.1");
        assert_eq!(t.blocked_for("10.0.0.1", t0), None);
    }

    #[test]
    fn review_04_delay_doubles_per_failure_up_to_the_cap() {
        let delays: Vec<i64> = (0..12).map(delay_after).collect();
        assert_eq!(delays, vec![0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]);
        assert_eq!(delay_after(u32::MAX), MAX_DELAY_SECS);
    }

    #[test]
    fn review_04_a_failing_source_waits_and_a_clean_source_does_not() {
        let t = LoginThrottle::default();
        let t0 = Timestamp(1_700_000_000_000);
        for i in 0..FREE_FAILURES {
            assert_eq!(
                t.blocked_for("Ada@Example.com", "10.0.0.9", t0),
                None,
                "{i}"
            );
            t.record_failure("ada@example.com", "10.0.0.9", t0);
        }
        assert_eq!(
            t.blocked_for("ADA@example.com", "10.0.0.9", t0.plus_secs(10)),
            Some(FIRST_DELAY_SECS - 10)
        );
        // The owner, from an address that has not failed, is not held back.
        assert_eq!(t.blocked_for("ada@example.com", "192.0.2.1", t0), None);
        // Another address that fails once on the busy account then waits the account's
        // delay, though it has failed only once itself.
        t.record_failure("ada@example.com", "10.0.0.10", t0.plus_secs(1));
        assert_eq!(
            t.blocked_for("ada@example.com", "10.0.0.10", t0.plus_secs(1)),
            Some(60)
        );
        // The delay passes; the next failure doubles it; waiting a while does not reset it.
        let later = t0.plus_secs(3_600);
        assert_eq!(t.blocked_for("ada@example.com", "10.0.0.9", later), None);
        t.record_failure("ada@example.com", "10.0.0.9", later);
        assert_eq!(
            t.blocked_for("ada@example.com", "10.0.0.9", later),
            Some(120)
        );
        // A success clears only that source.
        t.record_success("ada@example.com", "10.0.0.9");
        assert_eq!(t.blocked_for("ada@example.com", "10.0.0.9", later), None);
        assert!(
            t.blocked_for("ada@example.com", "10.0.0.10", t0.plus_secs(2))
                .is_some()
        );
        // A day after the last failure everything is forgotten.
        let next_day = later.plus_secs(MEMORY_SECS);
        assert_eq!(
            t.blocked_for("ada@example.com", "10.0.0.10", next_day),
            None
        );
        assert_eq!(t.blocked_for("bob@example.com", "10.0.0.9", t0), None);
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
        return crate::error::ApiError::from(crate::error::Transport::TooManyRequests {
            why: "too many failed client authentications from this address",
            wait_secs: wait,
        })
        .into_response();
    }
    let resp = next.run(req).await;
    if resp.status() == axum::http::StatusCode::UNAUTHORIZED {
        t.record_failure(&ip, st.now());
    }
    resp
}
