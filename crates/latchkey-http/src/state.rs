//! Shared state: the store, the clock, randomness, settings and the current keyring.

use latchkey_core::admin::{self, Ctx};
use latchkey_core::clock::{Clock, Timestamp};
use latchkey_core::csrf::{self, CsrfKey};
use latchkey_core::flows;
use latchkey_core::keys::{Keyring, MasterKey};
use latchkey_core::rand::Rng;
use latchkey_core::store::Store;
use latchkey_core::token::TokenSettings;
use std::sync::{Arc, RwLock};

use crate::metrics::Metrics;

/// Deployment settings the HTTP layer needs beyond token settings.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub tokens: TokenSettings,
    /// Largest request body accepted on OAuth endpoints, checked before buffering.
    pub max_body_bytes: usize,
    /// Brute-force limits per peer address (SEC-43).
    pub address_limits: crate::throttle::AddressLimits,
    /// Connection and request time limits (docs/security-review.md finding 11, slowloris).
    pub timeouts: Timeouts,
    /// I/O Events: targets allowed, retries, leases.
    pub events: crate::events::EventSettings,
}

/// How long a client may take. A connection that has not sent a whole request head
/// within `header_read` (counted from when the server starts waiting for one, so an idle
/// keep-alive connection too) is closed; a request whose response is not ready within
/// `request` (body upload included) gets `408`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub header_read: std::time::Duration,
    pub request: std::time::Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: std::time::Duration::from_secs(15),
            request: std::time::Duration::from_secs(30),
        }
    }
}

/// What every handler shares, behind one `Arc`: axum clones the state into each request's
/// middleware, so a clone must cost one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    pub settings: Arc<ServerSettings>,
    pub metrics: Arc<Metrics>,
    /// Bounds concurrent Argon2 verifications (≈ 19 MiB each) to the core count.
    pub password_slots: Arc<tokio::sync::Semaphore>,
    /// The Argon2 working memory of each slot, allocated once and reused
    /// (`latchkey_core::password::HashMemory`), so memory stays at slots × 19 MiB.
    pub password_memory: std::sync::Mutex<Vec<latchkey_core::password::HashMemory>>,
    pub throttles: Arc<crate::throttle::Throttles>,
    /// Signs the CSRF tokens of our forms (derived from the master key).
    pub csrf: Arc<CsrfKey>,
    master: Arc<MasterKey>,
    keyring: Arc<RwLock<Arc<Keyring>>>,
    /// Access tokens already verified, by hash (`latchkey_core::verified`).
    pub verified: Arc<latchkey_core::verified::VerifiedTokens>,
    /// Every token endpoint URL of this issuer (`crate::token::token_urls`), made once.
    pub token_urls: Vec<String>,
}

impl AppState {
    /// Build the state, loading (or on an empty database, creating) the signing keys.
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
        settings: ServerSettings,
        master: MasterKey,
    ) -> Result<Self, admin::AdminError> {
        let keyring = {
            let ctx = Ctx {
                store: store.as_ref(),
                rng: rng.as_ref(),
                now: clock.now(),
                address: None,
            };
            admin::keys::ensure_keys(&ctx, &master).await?
        };
        let throttles = Arc::new(crate::throttle::Throttles::new(settings.address_limits));
        let token_urls = crate::token::token_urls(&settings.tokens.issuer);
        Ok(AppState(Arc::new(Shared {
            store,
            clock,
            rng,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::default()),
            password_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            password_memory: std::sync::Mutex::new(Vec::new()),
            throttles,
            csrf: Arc::new(CsrfKey::new(&master.derive(csrf::KEY_LABEL))),
            master: Arc::new(master),
            keyring: Arc::new(RwLock::new(Arc::new(keyring))),
            verified: Arc::new(latchkey_core::verified::VerifiedTokens::default()),
            token_urls,
        })))
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn tokens(&self) -> &TokenSettings {
        &self.settings.tokens
    }

    pub fn keyring(&self) -> Arc<Keyring> {
        match self.keyring.read() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-read the keys from the store, so a rotation by the CLI or another node is seen.
    pub async fn reload_keys(&self) -> Result<(), String> {
        let ring = admin::keys::load_keyring(self.store.as_ref(), &self.master)
            .await
            .map_err(|e| e.to_string())?;
        match self.keyring.write() {
            Ok(mut k) => *k = Arc::new(ring),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(ring),
        }
        Ok(())
    }

    /// The context of one flow: the time read once, the keyring snapshot `keyring`.
    pub fn flow<'a>(&'a self, keyring: &'a Keyring) -> flows::Context<'a> {
        flows::Context {
            store: self.store.as_ref(),
            settings: &self.settings.tokens,
            keyring,
            rng: self.rng.as_ref(),
            now: self.now(),
            verified: &self.verified,
            address: peer(),
        }
    }

    /// The master key, for sealing server-side state such as Playground sessions.
    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    pub fn admin_ctx(&self) -> Ctx<'_> {
        Ctx {
            store: self.store.as_ref(),
            rng: self.rng.as_ref(),
            now: self.now(),
            address: peer(),
        }
    }
}

tokio::task_local! {
    /// The TCP peer of the request being handled (`metrics::track` sets it for every
    /// request), for the audit log's "from which address". Never `X-Forwarded-For`.
    pub static PEER: Option<std::net::IpAddr>;
}

/// The current request's peer address, if any.
pub fn peer() -> Option<std::net::IpAddr> {
    PEER.try_with(|p| *p).ok().flatten()
}
