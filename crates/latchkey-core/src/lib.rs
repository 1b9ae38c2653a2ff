//! Latchkey's protocol core: every OAuth 2.0 / OIDC / IMS decision, free of any runtime.
//!
//! This crate must not depend on tokio, sqlx or axum (CI checks `cargo tree`). Time and
//! randomness come in as parameters ([`clock::Clock`], [`rand::Rng`]); storage comes in
//! through the narrow traits of [`store`], whose implementations live in `latchkey-store`.

pub mod admin;
pub mod artifact;
pub mod assertion;
pub mod audit;
pub mod authorize;
pub mod client_auth;
pub mod clock;
pub mod csrf;
pub mod error;
pub mod events;
pub mod flows;
pub mod grants;
pub mod ids;
pub mod idtoken;
pub mod jws;
pub mod keys;
pub mod model;
pub mod params;
pub mod password;
pub mod pkce;
pub mod playground;
pub mod products;
pub mod rand;
pub mod scope;
pub mod secret;
pub mod store;
pub mod token;
pub mod verified;

pub use error::{ErrorCode, OAuthError};
