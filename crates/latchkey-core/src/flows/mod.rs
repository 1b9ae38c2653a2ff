//! The protocol flows: each a function over the store traits and a per-request
//! `Context`, returning typed results and typed errors. An HTTP handler parses its
//! dialect's wire format, calls one flow and formats the result (ARCHITECTURE.md); the
//! console, Playground and CLI call the same flows.
//!
//! Client side: client authentication (`client`), the token endpoint (`token` and one
//! module per grant: `client_credentials`, `code`, `refresh`, `jwt_bearer`, with
//! `user_tokens`), the IMS JWT exchange (`exchange`), validation and introspection
//! (`validation`), revocation (`revocation`), userinfo and the IMS profile (`userinfo`),
//! API keys (`api_key`).
//! Browser side: sessions (`session`), the authorization endpoint (`authorize`), the login
//! and logout lookups (`login`), the consent page (`consent`) and Connected Applications
//! (`account`). The Playground's session and lookups (`playground`).

pub mod account;
pub mod api_key;
pub mod authorize;
pub mod client;
pub mod client_credentials;
pub mod code;
pub mod consent;
pub mod exchange;
pub mod jwt_bearer;
pub mod login;
pub mod playground;
pub mod refresh;
pub mod revocation;
pub mod session;
pub mod token;
pub mod user_tokens;
pub mod userinfo;
pub mod validation;

use crate::OAuthError;
use crate::clock::Timestamp;
use crate::keys::Keyring;
use crate::rand::Rng;
use crate::store::{Store, StoreError};
use crate::token::TokenSettings;

/// What a flow needs besides its request: read once per request at the edge, so that a
/// flow sees one time and one key set throughout (docs/style.md habit 1).
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub store: &'a dyn Store,
    pub settings: &'a TokenSettings,
    pub keyring: &'a Keyring,
    pub rng: &'a dyn Rng,
    pub now: Timestamp,
    /// Access tokens already verified (`crate::verified`).
    pub verified: &'a crate::verified::VerifiedTokens,
    /// The caller's IP address, for the audit log.
    pub address: Option<std::net::IpAddr>,
}

impl Context<'_> {
    /// An audit entry (see `crate::audit`).
    pub fn audit(
        &self,
        org: Option<&crate::ids::OrgId>,
        actor: &str,
        action: crate::model::AuditAction,
        target: String,
        details: serde_json::Value,
    ) -> crate::model::AuditEvent {
        crate::audit::event(
            self.rng,
            self.now,
            self.address,
            crate::audit::Entry {
                org,
                actor,
                action,
                target,
                details,
            },
        )
    }
}

/// Why a flow did not succeed.
#[derive(Debug)]
pub enum FlowError {
    /// A protocol refusal, for the client. `detail`, when set, is for the log only
    /// (docs/style.md habit 4): something an operator should see, such as a replay.
    Refused {
        error: OAuthError,
        detail: Option<String>,
    },
    /// The store failed; the client is told to try again later.
    Store(StoreError),
}

impl FlowError {
    /// A refusal the operator should hear about.
    pub fn logged(error: OAuthError, detail: impl Into<String>) -> Self {
        FlowError::Refused {
            error,
            detail: Some(detail.into()),
        }
    }
}

impl From<OAuthError> for FlowError {
    fn from(error: OAuthError) -> Self {
        FlowError::Refused {
            error,
            detail: None,
        }
    }
}

impl From<StoreError> for FlowError {
    fn from(e: StoreError) -> Self {
        FlowError::Store(e)
    }
}

pub type FlowResult<T> = Result<T, FlowError>;
