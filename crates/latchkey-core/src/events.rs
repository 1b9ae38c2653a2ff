//! I/O Events: a project subscribes a webhook to chosen event types (the audit log's
//! actions) and receives each matching event of its org as a signed JSON delivery.
//!
//! The decisions live here; the queue is the store's (`store::EventStore`), the worker
//! and its HTTP client are `latchkey_http::events`.
//! - **Outbox.** A delivery row is inserted, for each matching active subscription, in
//!   the transaction that writes the audit entry, which is the transaction of the change
//!   itself. No event is lost between a change and its delivery.
//! - **At least once, stable id.** A delivery's id is `<event id>.<subscription id>`: a
//!   retry, a redelivery or a second attempt after a crash carries the same id, for the
//!   receiver to de-duplicate on.
//! - **Signed.** Each request carries `x-latchkey-signature`, a compact JWS made with the
//!   server's current signing key (published in JWKS). Its claims are the issuer, the
//!   time, the delivery id, the event id and the SHA-256 of the body (`DeliveryClaims`).
//! - **Retries** back off exponentially (`backoff_ms`), capped at an hour, for at least
//!   `RETRY_FOR_MS` (24 h) after the event, then the delivery is marked failed. It can be
//!   redelivered by hand.
//! - **SSRF.** Targets are `http`/`https` URLs without credentials. An address that is
//!   not public (`is_public`) is refused unless the operator allows private targets.

use crate::clock::Timestamp;
use crate::ids::{OrgId, ProjectId};
use crate::model::{AuditAction, AuditEvent};
use serde::Serialize;
use std::net::IpAddr;

/// Deliveries are retried for at least this long after their event.
pub const RETRY_FOR_MS: i64 = 24 * 3600 * 1000;
/// The longest wait between two attempts.
pub const MAX_BACKOFF_MS: i64 = 3600 * 1000;
/// At most this many subscriptions per project.
pub const MAX_SUBSCRIPTIONS: usize = 20;

/// A project's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub id: String,
    pub org_id: OrgId,
    pub project_id: ProjectId,
    pub url: String,
    pub event_types: Vec<AuditAction>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// One event for one subscription, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: String,
    pub subscription_id: String,
    pub event_id: String,
    pub event_type: String,
    /// The JSON body sent.
    #[serde(skip)]
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub next_attempt_at: Timestamp,
    pub last_attempt_at: Option<Timestamp>,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
}

/// What an attempt came to, for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: DeliveryStatus,
    pub next_attempt_at: Timestamp,
    pub http_status: Option<i64>,
    pub error: Option<String>,
}

/// The delivery id of `event` for `subscription`.
pub fn delivery_id(event_id: &str, subscription_id: &str) -> String {
    format!("{event_id}.{subscription_id}")
}

/// The JSON body of an event's deliveries (the same for every subscription).
pub fn payload(e: &AuditEvent) -> String {
    serde_json::json!({
        "event_id": e.id,
        "type": e.action.as_str(),
        "org_id": e.org_id,
        "occurred_at": e.at.0,
        "actor": e.actor,
        "target": e.target,
        "details": e.details,
    })
    .to_string()
}

/// The `LIKE` pattern that finds `action` in a subscription's stored JSON array of types.
pub fn type_pattern(action: AuditAction) -> String {
    let quoted = format!("\"{}\"", action.as_str());
    let mut p = String::from("%");
    for c in quoted.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones: `base_ms`
/// doubling, capped at `MAX_BACKOFF_MS`.
pub fn backoff_ms(attempts: i64, base_ms: i64) -> i64 {
    let shift = attempts.clamp(1, 30) - 1;
    base_ms
        .max(1)
        .saturating_mul(1i64 << shift)
        .min(MAX_BACKOFF_MS)
}

/// What a failed attempt leads to: another one after the backoff, or, once the event is
/// older than `retry_for_ms`, failed for good.
pub fn after_failure(
    d_created: Timestamp,
    attempts: i64,
    now: Timestamp,
    base_ms: i64,
    retry_for_ms: i64,
    http_status: Option<i64>,
    error: String,
) -> Outcome {
    let next = Timestamp(now.0 + backoff_ms(attempts, base_ms));
    let status = if next.0 - d_created.0 > retry_for_ms {
        DeliveryStatus::Failed
    } else {
        DeliveryStatus::Pending
    };
    Outcome {
        status,
        next_attempt_at: next,
        http_status,
        error: Some(error.chars().take(500).collect()),
    }
}

/// The claims of a delivery's `x-latchkey-signature` JWS.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct DeliveryClaims {
    pub iss: String,
    /// Seconds since the epoch, when the attempt was made.
    pub iat: i64,
    /// The delivery id (also `x-latchkey-delivery-id`).
    pub jti: String,
    pub event_id: String,
    pub subscription_id: String,
    /// Base64url SHA-256 of the request body.
    pub body_sha256: String,
}

/// Whether an address may be a webhook target without the operator's leave: not
/// loopback, private, link-local, shared (CGNAT), documentation, multicast or
/// unspecified, for IPv4 and IPv6 (and IPv4 mapped into IPv6).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x0064 && s[1] == 0xff9b))
        }
    }
}

/// A webhook URL as a subscription may hold it: `http` or `https`, a host, no user
/// information or fragment, at most 2048 characters.
pub fn check_url(raw: &str) -> Result<url::Url, String> {
    if raw.len() > 2048 {
        return Err("the webhook URL is longer than 2048 characters".into());
    }
    let u =
        url::Url::parse(raw.trim()).map_err(|e| format!("the webhook URL is not a URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err("the webhook URL must be http or https".into());
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err("the webhook URL has no host".into());
    }
    if !u.username().is_empty() || u.password().is_some() || u.fragment().is_some() {
        return Err("the webhook URL may not carry user information or a fragment".into());
    }
    Ok(u)
}

/// The `x-latchkey-signature` of one attempt at `d`: a compact JWS by the keyring's
/// current `alg` key (published in JWKS), over `DeliveryClaims`.
pub fn sign_delivery(
    keyring: &crate::keys::Keyring,
    alg: crate::keys::KeyAlg,
    issuer: &str,
    now: Timestamp,
    d: &Delivery,
) -> Option<String> {
    let key = keyring.signer(alg, now)?;
    let claims = DeliveryClaims {
        iss: issuer.to_owned(),
        iat: now.0 / 1000,
        jti: d.id.clone(),
        event_id: d.event_id.clone(),
        subscription_id: d.subscription_id.clone(),
        body_sha256: crate::pkce::s256(&d.payload),
    };
    crate::jws::sign(key, &[("typ", "latchkey-event+jwt")], &claims).ok()
}

/// Take the deliveries due at `now`, held for `lease_ms` (see `EventStore::claim_deliveries`).
pub async fn claim(
    store: &dyn crate::store::Store,
    now: Timestamp,
    lease_ms: i64,
    limit: i64,
) -> crate::store::StoreResult<Vec<(Delivery, String)>> {
    store
        .claim_deliveries(now, Timestamp(now.0 + lease_ms), limit)
        .await
}

/// Record what an attempt came to.
pub async fn finish(
    store: &dyn crate::store::Store,
    id: &str,
    outcome: &Outcome,
    now: Timestamp,
) -> crate::store::StoreResult<()> {
    store.finish_delivery(id, outcome, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(1, 1000), 1000);
        assert_eq!(backoff_ms(2, 1000), 2000);
        assert_eq!(backoff_ms(5, 1000), 16_000);
        assert_eq!(backoff_ms(40, 1000), MAX_BACKOFF_MS);
    }

    #[test]
    fn retries_last_at_least_a_day() {
        let t0 = Timestamp(0);
        let (mut now, mut attempts) = (t0, 0);
        loop {
            attempts += 1;
            let o = after_failure(t0, attempts, now, 5000, RETRY_FOR_MS, Some(503), "x".into());
            if o.status == DeliveryStatus::Failed {
                break;
            }
            now = o.next_attempt_at;
        }
        assert!(
            now.0 >= RETRY_FOR_MS - MAX_BACKOFF_MS,
            "gave up after {} ms",
            now.0
        );
        assert!(attempts < 60, "{attempts} attempts");
    }

    #[test]
    fn ssrf_refuses_private_and_special_addresses() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(check_url("https://hooks.example.com/latchkey?x=1").is_ok());
        for bad in [
            "ftp://x.example",
            "https://user:pw@x.example/",
            "https://x.example/#f",
            "nope",
            "file:///etc/passwd",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn type_patterns_match_only_the_quoted_name() {
        assert_eq!(type_pattern(AuditAction::UserCreated), "%\"user.created\"%");
        assert_eq!(
            type_pattern(AuditAction::CodeReplayed),
            "%\"code.replay\\_detected\"%"
        );
    }
}
