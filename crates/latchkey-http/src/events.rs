//! I/O Events over the network (the decisions are `latchkey_core::events`): the challenge
//! a webhook must answer before its subscription is stored, and the delivery worker each
//! node runs. The worker claims due deliveries from the shared queue (`SKIP LOCKED` on
//! PostgreSQL, so two nodes never send one delivery at once), POSTs each with its
//! signature, and records the outcome; a node that dies mid-delivery lets go when its
//! lease ends and another attempt (with the same delivery id) follows.
//!
//! Outbound requests (SSRF): the target's host is resolved first and every address must
//! be public unless the operator allows private targets; the request then goes to the
//! checked address (no second lookup to rebind), follows no redirect, and has a 5 s
//! connect and 10 s total timeout; at most 4 KiB of a challenge answer is read.

use crate::state::AppState;
use latchkey_core::events::{self, Delivery, DeliveryStatus, Outcome};
use latchkey_core::keys::KeyAlg;
use std::net::SocketAddr;
use std::time::Duration;

/// How the worker and the challenge behave (configuration `events_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSettings {
    /// Allow loopback and private targets (tests, or a receiver inside the network).
    pub allow_private_targets: bool,
    /// The first retry waits this long; each next one twice as long (capped at an hour).
    pub retry_base_ms: i64,
    /// How long a node holds a delivery it is sending.
    pub lease_ms: i64,
    /// How often an idle worker looks for due deliveries.
    pub poll_ms: u64,
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings {
            allow_private_targets: false,
            retry_base_ms: 5_000,
            lease_ms: 60_000,
            poll_ms: 500,
        }
    }
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CHALLENGE_MAX_BYTES: usize = 4096;
/// Deliveries one worker round sends at once.
const BATCH: i64 = 16;

/// Where a webhook URL may be sent to: its host and a checked address.
async fn target(url: &url::Url, allow_private: bool) -> Result<(String, SocketAddr), String> {
    let host = url
        .host_str()
        .ok_or("the webhook URL has no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url
        .port_or_known_default()
        .ok_or("the webhook URL has no port")?;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_private && let Some(a) = addrs.iter().find(|a| !events::is_public(a.ip())) {
        return Err(format!(
            "{host} resolves to {}, which is not a public address (refused: SSRF)",
            a.ip()
        ));
    }
    Ok((host, addrs[0]))
}

/// An error with its causes (reqwest's own text omits why a request failed, such as a
/// certificate the receiver's TLS presented).
fn why(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// TLS for `https` webhooks: rustls with the aws-lc-rs provider and the Mozilla roots.
fn tls() -> Result<rustls::ClientConfig, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

/// A client that sends to `addr` only, for `host`.
fn client(host: &str, addr: SocketAddr) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .use_preconfigured_tls(tls()?)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .resolve(host, addr)
        .user_agent("Latchkey-Events/1")
        .build()
        .map_err(|e| format!("http client: {e}"))
}

/// Check that `raw` is a webhook that answers Adobe I/O Events' challenge: a `GET` with
/// `?challenge=<random>` must return 200 with the challenge as its body (or as the
/// `challenge` member of a JSON body). The URL, checked, on success.
pub async fn verify_challenge(
    raw: &str,
    challenge: &str,
    allow_private: bool,
) -> Result<url::Url, String> {
    let url = events::check_url(raw)?;
    let (host, addr) = target(&url, allow_private).await?;
    let mut probe = url.clone();
    probe.query_pairs_mut().append_pair("challenge", challenge);
    let mut resp = client(&host, addr)?
        .get(probe)
        .send()
        .await
        .map_err(|e| format!("the webhook did not answer the challenge: {}", why(&e)))?;
    if !resp.status().is_success() {
        return Err(format!(
            "the webhook answered the challenge with HTTP {}",
            resp.status().as_u16()
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("reading the challenge answer: {e}"))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > CHALLENGE_MAX_BYTES {
            return Err("the challenge answer is too long".into());
        }
    }
    let text = String::from_utf8_lossy(&body);
    let text = text.trim();
    let echoed = text == challenge
        || serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .is_some_and(|v| v["challenge"] == challenge);
    if echoed {
        Ok(url)
    } else {
        Err("the webhook did not echo the challenge".into())
    }
}

/// One attempt at `d` to `url`; what it came to.
async fn attempt(st: &AppState, settings: &EventSettings, d: &Delivery, url: &str) -> Outcome {
    let now = st.now();
    let fail = |code: Option<i64>, why: String| {
        events::after_failure(
            d.created_at,
            d.attempts,
            now,
            settings.retry_base_ms,
            events::RETRY_FOR_MS,
            code,
            why,
        )
    };
    let url = match events::check_url(url) {
        Ok(u) => u,
        Err(e) => return fail(None, e),
    };
    let (host, addr) = match target(&url, settings.allow_private_targets).await {
        Ok(t) => t,
        Err(e) => return fail(None, e),
    };
    let keyring = st.keyring();
    let Some(signature) =
        events::sign_delivery(&keyring, KeyAlg::Es256, &st.tokens().issuer, now, d)
    else {
        return fail(None, "no signing key".into());
    };
    let client = match client(&host, addr) {
        Ok(c) => c,
        Err(e) => return fail(None, e),
    };
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-latchkey-delivery-id", &d.id)
        .header("x-latchkey-event-id", &d.event_id)
        .header("x-latchkey-event-type", &d.event_type)
        .header("x-latchkey-timestamp", (now.0 / 1000).to_string())
        .header("x-latchkey-signature", signature)
        .body(d.payload.clone())
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => Outcome {
            status: DeliveryStatus::Delivered,
            next_attempt_at: now,
            http_status: Some(i64::from(r.status().as_u16())),
            error: None,
        },
        Ok(r) => {
            let code = r.status().as_u16();
            fail(
                Some(i64::from(code)),
                format!("the webhook answered HTTP {code}"),
            )
        }
        Err(e) => fail(None, format!("sending failed: {}", why(&e))),
    }
}

/// One round: claim what is due, send it all, record the outcomes. How many were sent.
pub async fn deliver_due(st: &AppState, settings: &EventSettings) -> Result<usize, String> {
    let now = st.now();
    let claimed = events::claim(st.store.as_ref(), now, settings.lease_ms, BATCH)
        .await
        .map_err(|e| e.to_string())?;
    let n = claimed.len();
    let mut tasks = tokio::task::JoinSet::new();
    for (d, url) in claimed {
        let (st, settings) = (st.clone(), *settings);
        tasks.spawn(async move {
            let outcome = attempt(&st, &settings, &d, &url).await;
            if outcome.status != DeliveryStatus::Delivered {
                tracing::info!(delivery = %d.id, attempts = d.attempts,
                    error = ?outcome.error, "event delivery failed");
            }
            if let Err(e) = events::finish(st.store.as_ref(), &d.id, &outcome, st.now()).await {
                // The lease runs out and the delivery is tried again: at least once.
                tracing::warn!(delivery = %d.id, error = %e, "could not record a delivery");
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(n)
}

/// Run the delivery worker for as long as the runtime lives.
pub fn spawn_worker(st: AppState, settings: EventSettings) {
    tokio::spawn(async move {
        loop {
            match deliver_due(&st, &settings).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "event delivery round failed"),
            }
            tokio::time::sleep(Duration::from_millis(settings.poll_ms)).await;
        }
    });
}
