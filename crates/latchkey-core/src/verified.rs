//! Access tokens already verified, by the SHA-256 of their text (docs/performance.md):
//! validating the same token again skips the signature check, which is the remaining
//! per-request cost of validate_token and introspection once the store is cached. Only
//! the signature and the parsing are remembered: expiry, the issuing key still being
//! published, revocation, cutoffs, the grant and the client are checked every time.
//! Bounded: a full map is emptied.

use crate::clock::Timestamp;
use crate::keys::Keyring;
use crate::token::AccessTokenClaims;
use aws_lc_rs::digest;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Entries kept at most.
pub const MAX_VERIFIED: usize = 100_000;

#[derive(Default)]
pub struct VerifiedTokens {
    map: RwLock<HashMap<[u8; 32], (String, AccessTokenClaims)>>,
    hits: AtomicU64,
}

fn key(raw: &str) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, raw.as_bytes());
    let mut k = [0u8; 32];
    k.copy_from_slice(d.as_ref());
    k
}

impl VerifiedTokens {
    /// The claims of `raw` if it was verified before and its key is still published.
    pub fn get(&self, raw: &str, keyring: &Keyring, now: Timestamp) -> Option<AccessTokenClaims> {
        let map = self
            .map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (kid, claims) = map.get(&key(raw))?;
        keyring.by_kid(kid, now)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(claims.clone())
    }

    /// Remember that `raw`, signed with key `kid`, verified to `claims`.
    pub fn put(&self, raw: &str, kid: &str, claims: &AccessTokenClaims) {
        let mut map = self
            .map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_VERIFIED {
            map.clear();
        }
        map.insert(key(raw), (kid.to_owned(), claims.clone()));
    }

    /// How many validations skipped the signature check.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}
