//! Client secrets (SEC-41): 256 random bits, shown once, stored as SHA-256, compared in
//! constant time. A slow hash is deliberately not used: the secrets are high-entropy, and
//! Argon2 on every token request would be a denial-of-service lever (docs/design.md).

use crate::rand::{Rng, token};
use aws_lc_rs::digest;
use std::fmt;
use subtle::ConstantTimeEq;

/// Prefix that makes a leaked secret recognisable to secret scanners.
pub const SECRET_PREFIX: &str = "lks_";

/// A plain-text client secret. Exists only between generation and the one response that
/// shows it; never logged (redacting `Debug`), never serialised.
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn generate(rng: &dyn Rng) -> Self {
        ClientSecret(format!("{SECRET_PREFIX}{}", token(rng, 32)))
    }
    /// Reveal the secret, for the one response that shows it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// SHA-256 of a secret: what the store keeps.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(pub [u8; 32]);

impl SecretHash {
    pub fn of(presented: &str) -> Self {
        let d = digest::digest(&digest::SHA256, presented.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        SecretHash(out)
    }
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(b).ok().map(SecretHash)
    }
    /// Constant-time comparison of the hash of what was presented against a stored hash.
    pub fn matches(&self, presented: &str) -> bool {
        self.ct_matches(&SecretHash::of(presented))
    }
    /// Constant-time comparison of two hashes.
    pub fn ct_matches(&self, other: &SecretHash) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(<redacted>)")
    }
}

/// SHA-256 hex of a value: how refresh tokens and codes are looked up without storing them.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(digest::digest(&digest::SHA256, value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::SystemRng;
    use std::collections::HashSet;

    #[test]
    fn sec_18_secrets_are_unique_long_and_urlsafe() {
        let rng = SystemRng;
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let s = ClientSecret::generate(&rng);
            let body = &s.expose()[SECRET_PREFIX.len()..];
            assert_eq!(body.len(), 43, "32 bytes base64url");
            assert!(
                body.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            );
            assert!(seen.insert(s.expose().to_owned()));
        }
    }

    #[test]
    fn sec_41_hash_matches_only_the_secret_and_debug_redacts() {
        let rng = SystemRng;
        let s = ClientSecret::generate(&rng);
        let h = s.hash();
        assert!(h.matches(s.expose()));
        assert!(!h.matches(&format!("{}x", s.expose())));
        assert!(!h.matches(""));
        assert!(!format!("{s:?}").contains(&s.expose()[4..]));
    }
}
