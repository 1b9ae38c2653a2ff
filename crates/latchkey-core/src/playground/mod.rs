//! The OAuth 2.0 Playground and token debugger (docs/playground.md): a developer gets a
//! token for their own credential without writing code, and sees every exchange and
//! every error explained. This module holds the pure parts: what a Playground session
//! remembers (`State`), how it is sealed for the store, what an error means
//! (`explain`), and what a pasted token says (`inspect`). The HTTP side lives in
//! `latchkey-http/src/playground/`; loading and saving sessions in `flows::playground`.
//!
//! Safety: the client secret and tokens live only in the sealed server-side session,
//! never in a URL or a log; `State`'s `Debug` redacts them.

pub mod assertion;
pub mod explain;
pub mod inspect;

use crate::keys::MasterKey;
use crate::rand::Rng;
use serde::{Deserialize, Serialize};

/// How long an idle Playground session lives.
pub const SESSION_TTL_SECS: i64 = 60 * 60;
/// How many exchanges the Tokens tab keeps, newest first.
pub const MAX_EXCHANGES: usize = 8;
/// The Playground's redirect URI, below the issuer; register it on the credential.
pub const CALLBACK_PATH: &str = "/playground/callback";

/// The flow under way: what the callback checks, like any client (RFC 6749 §10.12,
/// RFC 7636).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Pending {
    pub state: String,
    pub verifier: Option<String>,
    pub nonce: String,
}

/// The tokens the Playground holds.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    /// Which grant got them: `authorization_code`, `client_credentials`, `jwt_bearer`.
    pub grant: String,
}

/// One HTTP exchange as sent and received, for the page (secrets masked).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq, Debug)]
pub struct Exchange {
    pub label: String,
    pub request: String,
    pub status: u16,
    pub response: String,
    /// The `error` and what it means, when the exchange failed.
    pub explanation: Option<explain::Explanation>,
}

/// Everything a Playground session remembers between requests.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scope: String,
    pub pkce: bool,
    pub pending: Option<Pending>,
    pub tokens: Option<Tokens>,
    pub exchanges: Vec<Exchange>,
    /// An error to show once on the next page (e.g. the callback's `access_denied`).
    #[serde(default)]
    pub notice: Option<explain::Explanation>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("scope", &self.scope)
            .field("pkce", &self.pkce)
            .field("pending", &self.pending.is_some())
            .field("tokens", &self.tokens.is_some())
            .field("exchanges", &self.exchanges.len())
            .finish()
    }
}

impl State {
    /// Remember an exchange, newest first, keeping the last `MAX_EXCHANGES`.
    pub fn record(&mut self, e: Exchange) {
        self.exchanges.insert(0, e);
        self.exchanges.truncate(MAX_EXCHANGES);
    }
}

fn aad(cookie_hash: &str) -> String {
    format!("playground:{cookie_hash}")
}

/// Seal a session for the store: AES-256-GCM under the master key, bound to the cookie's
/// hash, so a row copied to another cookie does not open.
pub fn seal(
    master: &MasterKey,
    rng: &dyn Rng,
    cookie_hash: &str,
    state: &State,
) -> Option<Vec<u8>> {
    let plain = serde_json::to_vec(state).ok()?;
    master.seal(rng, &aad(cookie_hash), &plain).ok()
}

/// Open a sealed session; `None` if it was sealed for another cookie or under another
/// master key, or is damaged.
pub fn open(master: &MasterKey, cookie_hash: &str, sealed: &[u8]) -> Option<State> {
    let plain = master.open(&aad(cookie_hash), sealed).ok()?;
    serde_json::from_slice(&plain).ok()
}

/// Scopes as typed (comma- or space-separated) in the IMS form: comma-separated, in
/// order, without duplicates or empties.
pub fn normalise_scopes(typed: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for s in typed.split([',', ' ', '\t', '\n', '\r']) {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::SystemRng;

    #[test]
    fn scopes_typed_either_way_become_the_ims_form() {
        assert_eq!(
            normalise_scopes(" openid, AdobeID  offline_access,openid "),
            "openid,AdobeID,offline_access"
        );
        assert_eq!(normalise_scopes(""), "");
    }

    #[test]
    fn a_sealed_session_opens_only_for_its_cookie_and_master_key() {
        let rng = SystemRng;
        let master = MasterKey::generate(&rng);
        let state = State {
            client_id: "c".into(),
            client_secret: Some("s3cret".into()),
            ..State::default()
        };
        let sealed = seal(&master, &rng, "h1", &state).unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("s3cret"));
        assert_eq!(open(&master, "h1", &sealed), Some(state.clone()));
        assert_eq!(open(&master, "h2", &sealed), None);
        assert_eq!(open(&MasterKey::generate(&rng), "h1", &sealed), None);
        assert!(!format!("{state:?}").contains("s3cret"));
    }
}
