//! Authorization codes and refresh tokens: secrets with ≥ 256 random bits in their `id`,
//! wrapped in a JWS because IMS clients decode them (docs/ims-contract.md §2.2: aio-lib-ims picks the
//! grant type from the payload `type`). Only the SHA-256 of the whole token is stored, so
//! the database never holds a usable code or refresh token, and a presented one is found
//! by that hash alone: a token changed anywhere (payload, header or signature) finds
//! nothing, so redeeming needs no signature check, which would cost more than the lookup
//! (docs/performance.md). Refresh tokens minted before this were stored under the SHA-256
//! of their `id`; [`legacy_key_of`] still finds those until they expire.

use crate::clock::Timestamp;
use crate::error::OAuthError;
use crate::ids::TokenHash;
use crate::jws;
use crate::keys::{KeyAlg, Keyring};
use crate::rand::{Rng, token};
use crate::secret::sha256_hex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactKind {
    AuthorizationCode,
    RefreshToken,
}

impl ArtifactKind {
    fn type_claim(self) -> &'static str {
        match self {
            ArtifactKind::AuthorizationCode => "authorization_code",
            ArtifactKind::RefreshToken => "refresh_token",
        }
    }
    fn itt(self) -> &'static str {
        match self {
            ArtifactKind::AuthorizationCode => "ac",
            ArtifactKind::RefreshToken => "rt",
        }
    }
}

/// The payload: IMS shape (docs/ims-contract.md §3.1), all strings but `exp`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtifactClaims {
    pub id: String,
    #[serde(rename = "type")]
    pub token_type: String,
    pub client_id: String,
    pub user_id: String,
    #[serde(rename = "as")]
    pub auth_server: String,
    pub scope: String,
    pub created_at: String,
    pub expires_in: String,
    pub exp: i64,
}

/// A freshly minted code or refresh token: what the client gets and what the store keeps.
#[derive(Debug, Clone)]
pub struct Minted {
    pub token: String,
    /// SHA-256 (hex) of the whole token: the lookup key in the store ([`key_of`]).
    pub hash: TokenHash,
    pub expires_at: Timestamp,
}

pub struct ArtifactRequest<'a> {
    pub kind: ArtifactKind,
    pub client_id: &'a str,
    pub user_id: &'a str,
    pub scope: &'a str,
    pub ims_as: &'a str,
    pub ttl_secs: i64,
}

pub fn mint(
    keyring: &Keyring,
    alg: KeyAlg,
    rng: &dyn Rng,
    now: Timestamp,
    req: &ArtifactRequest<'_>,
) -> Result<Minted, OAuthError> {
    let key = keyring
        .signer(alg, now)
        .ok_or_else(OAuthError::server_error)?;
    let expires_at = now.plus_secs(req.ttl_secs);
    let claims = ArtifactClaims {
        id: token(rng, 32),
        token_type: req.kind.type_claim().into(),
        client_id: req.client_id.into(),
        user_id: req.user_id.into(),
        auth_server: req.ims_as.into(),
        scope: req.scope.into(),
        created_at: now.millis().to_string(),
        expires_in: (req.ttl_secs * 1000).to_string(),
        exp: expires_at.secs(),
    };
    let token = jws::sign(key, &[("itt", req.kind.itt())], &claims)
        .map_err(|_| OAuthError::server_error())?;
    Ok(Minted {
        hash: key_of(&token),
        token,
        expires_at,
    })
}

/// The store key of a presented code or refresh token: the SHA-256 of its text. Whether
/// it is one of ours, of the right kind and unexpired is decided by the stored record.
pub fn key_of(presented: &str) -> TokenHash {
    TokenHash(sha256_hex(presented))
}

/// The key a refresh token minted before [`key_of`] was stored under (the SHA-256 of its
/// `id`), if `presented` is one of ours of `kind`: signature checked, since the key does
/// not cover the rest of the token.
pub fn legacy_key_of(
    keyring: &Keyring,
    now: Timestamp,
    kind: ArtifactKind,
    presented: &str,
) -> Option<TokenHash> {
    let parsed = jws::parse(presented).ok()?;
    jws::verify(&parsed, keyring, now).ok()?;
    if parsed.header.itt.as_deref() != Some(kind.itt()) {
        return None;
    }
    let claims: ArtifactClaims = jws::parse_object(&parsed.payload)?;
    (claims.token_type == kind.type_claim()).then(|| TokenHash(sha256_hex(&claims.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{MasterKey, SigningKey};
    use crate::rand::SystemRng;

    /// A keyring with one ES256 key, its time, and a `kind` minted with it.
    fn minted(kind: ArtifactKind) -> (Keyring, Timestamp, Minted) {
        let rng = SystemRng;
        let mk = MasterKey::generate(&rng);
        let now = Timestamp(1_700_000_000_000);
        let ring = Keyring::load(
            &[SigningKey::generate(&rng, &mk, KeyAlg::Es256, now, now).unwrap()],
            &mk,
        )
        .unwrap();
        let req = ArtifactRequest {
            kind,
            client_id: "c",
            user_id: "u",
            scope: "openid",
            ims_as: "ims-na1",
            ttl_secs: 60,
        };
        let m = mint(&ring, KeyAlg::Es256, &rng, now, &req).unwrap();
        (ring, now, m)
    }

    #[test]
    fn codes_are_ims_shaped_and_not_refresh_tokens() {
        let (ring, now, m) = minted(ArtifactKind::AuthorizationCode);
        assert_eq!(
            m.hash,
            key_of(&m.token),
            "stored under the hash of the whole token"
        );
        let claims: ArtifactClaims =
            jws::parse_object(&jws::parse(&m.token).unwrap().payload).unwrap();
        let legacy = legacy_key_of(&ring, now, ArtifactKind::AuthorizationCode, &m.token).unwrap();
        assert_eq!(legacy, TokenHash(sha256_hex(&claims.id)));
        assert_ne!(legacy, m.hash);
        assert_eq!(claims.token_type, "authorization_code");
        assert_eq!(claims.expires_in, "60000");
        assert!(claims.id.len() >= 43, "256 random bits");
        assert!(legacy_key_of(&ring, now, ArtifactKind::RefreshToken, &m.token).is_none());
    }

    #[test]
    fn fuzz_09_a_token_changed_anywhere_has_another_key() {
        let (ring, now, m) = minted(ArtifactKind::RefreshToken);
        let sig_start = m.token.rfind('.').unwrap() + 1;
        for at in [0, m.token.find('.').unwrap() + 3, sig_start + 2] {
            let mut t = m.token.clone().into_bytes();
            t[at] = if t[at] == b'A' { b'B' } else { b'A' };
            let t = String::from_utf8(t).unwrap();
            assert_ne!(key_of(&t), m.hash, "byte {at} changed");
            assert!(
                legacy_key_of(&ring, now, ArtifactKind::RefreshToken, &t).is_none(),
                "a changed token is not ours either (byte {at})"
            );
        }
        assert_ne!(key_of(&format!("{}=", m.token)), m.hash);
    }
}
