//! Signing keys: generated on first start, encrypted at rest under a master key, never
//! regenerated silently (REL-04). ES256 signs access/refresh/code tokens by default (a P-256
//! signature costs a small fraction of an RSA-2048 one); RS256 signs ID tokens (OIDC's
//! mandatory algorithm); EdDSA is available. JWKS publishes every key that is not retired.

use crate::clock::Timestamp;
use crate::rand::{Rng, bytes, lower_hex};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ED25519, EcdsaKeyPair,
    Ed25519KeyPair, KeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
    RsaPublicKeyComponents, UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlg {
    Es256,
    Rs256,
    EdDsa,
}

impl KeyAlg {
    /// The JWS `alg` value.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlg::Es256 => "ES256",
            KeyAlg::Rs256 => "RS256",
            KeyAlg::EdDsa => "EdDSA",
        }
    }
}

impl FromStr for KeyAlg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ES256" => Ok(KeyAlg::Es256),
            "RS256" => Ok(KeyAlg::Rs256),
            "EdDSA" => Ok(KeyAlg::EdDsa),
            other => Err(format!(
                "unsupported signing algorithm '{other}' (ES256, RS256, EdDSA)"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("master key: {0}")]
    MasterKey(String),
    #[error(
        "signing key {0} cannot be decrypted with this master key; refusing to start rather than replace it (set LATCHKEY_MASTER_KEY or restore the key file)"
    )]
    Decrypt(String),
    #[error("key generation failed")]
    Generate,
    #[error("stored key {0} is corrupt")]
    Corrupt(String),
}

/// The 256-bit key that encrypts private signing keys at rest.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn generate(rng: &dyn Rng) -> Self {
        MasterKey(bytes(rng))
    }
    /// Accepts 64 hex characters or base64/base64url of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let t = text.trim();
        let decoded = if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(t).ok()
        } else {
            URL_SAFE_NO_PAD
                .decode(t.trim_end_matches('='))
                .ok()
                .or_else(|| STANDARD.decode(t).ok())
        };
        decoded
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .map(MasterKey)
            .ok_or_else(|| {
                KeyError::MasterKey("expected 32 bytes as 64 hex characters or base64".into())
            })
    }
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// A 256-bit key for one purpose, derived as HMAC-SHA256(master, `label`), so every
    /// node that holds the master key holds it too and no other secret needs sharing.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &self.0);
        let tag = aws_lc_rs::hmac::sign(&key, label.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    fn aead(&self) -> Result<LessSafeKey, KeyError> {
        UnboundKey::new(&AES_256_GCM, &self.0)
            .map(LessSafeKey::new)
            .map_err(|_| KeyError::MasterKey("unusable".into()))
    }

    /// AES-256-GCM with the key id as associated data: `1 || nonce || ciphertext+tag`.
    pub fn seal(&self, rng: &dyn Rng, kid: &str, plain: &[u8]) -> Result<Vec<u8>, KeyError> {
        let nonce: [u8; 12] = bytes(rng);
        let mut buf = plain.to_vec();
        self.aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(kid.as_bytes()),
                &mut buf,
            )
            .map_err(|_| KeyError::Generate)?;
        let mut out = Vec::with_capacity(13 + buf.len());
        out.push(1u8);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(out)
    }

    pub fn open(&self, kid: &str, sealed: &[u8]) -> Result<Vec<u8>, KeyError> {
        if sealed.len() < 13 + 16 || sealed[0] != 1 {
            return Err(KeyError::Corrupt(kid.to_owned()));
        }
        let nonce = Nonce::try_assume_unique_for_key(&sealed[1..13])
            .map_err(|_| KeyError::Corrupt(kid.to_owned()))?;
        let mut buf = sealed[13..].to_vec();
        let plain = self
            .aead()?
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut buf)
            .map_err(|_| KeyError::Decrypt(kid.to_owned()))?;
        Ok(plain.to_vec())
    }
}

/// A key as the store keeps it: the private part sealed, the public part as a JWK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub kid: String,
    pub alg: KeyAlg,
    pub private_sealed: Vec<u8>,
    pub public_jwk: String,
    pub created_at: Timestamp,
    /// Published from creation; signs only from here (REL-04: publish before use).
    pub activate_at: Timestamp,
    /// Stops signing at `retire_at` (if set); stays published until `expire_at`.
    pub retire_at: Option<Timestamp>,
    pub expire_at: Option<Timestamp>,
}

enum Signer {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
    Ed(Ed25519KeyPair),
}

enum Verifier {
    Raw(&'static dyn signature::VerificationAlgorithm, Vec<u8>),
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

/// A usable key: parsed once at load time, not per signature.
pub struct SigningKey {
    pub kid: String,
    pub alg: KeyAlg,
    pub activate_at: Timestamp,
    pub retire_at: Option<Timestamp>,
    pub expire_at: Option<Timestamp>,
    pub public_jwk: Value,
    signer: Signer,
    verifier: Verifier,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

impl SigningKey {
    fn from_pkcs8(
        kid: &str,
        alg: KeyAlg,
        pkcs8: &[u8],
    ) -> Result<(Signer, Verifier, Value), KeyError> {
        let corrupt = || KeyError::Corrupt(kid.to_owned());
        Ok(match alg {
            KeyAlg::Es256 => {
                let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
                    .map_err(|_| corrupt())?;
                let point = kp.public_key().as_ref().to_vec();
                if point.len() != 65 {
                    return Err(corrupt());
                }
                let jwk = json!({"kty":"EC","crv":"P-256","x":b64(&point[1..33]),"y":b64(&point[33..65]),
                    "use":"sig","alg":"ES256","kid":kid});
                (
                    Signer::Ec(kp),
                    Verifier::Raw(&ECDSA_P256_SHA256_FIXED, point),
                    jwk,
                )
            }
            KeyAlg::Rs256 => {
                let kp = RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| corrupt())?;
                let c = RsaPublicKeyComponents::<Vec<u8>>::from(kp.public_key());
                let jwk = json!({"kty":"RSA","n":b64(&c.n),"e":b64(&c.e),"use":"sig","alg":"RS256","kid":kid});
                (Signer::Rsa(kp), Verifier::Rsa { n: c.n, e: c.e }, jwk)
            }
            KeyAlg::EdDsa => {
                let kp = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| corrupt())?;
                let pk = kp.public_key().as_ref().to_vec();
                let jwk = json!({"kty":"OKP","crv":"Ed25519","x":b64(&pk),"use":"sig","alg":"EdDSA","kid":kid});
                (Signer::Ed(kp), Verifier::Raw(&ED25519, pk), jwk)
            }
        })
    }

    /// Generate a new key and its sealed form for the store.
    pub fn generate(
        rng: &dyn Rng,
        master: &MasterKey,
        alg: KeyAlg,
        now: Timestamp,
        activate_at: Timestamp,
    ) -> Result<StoredKey, KeyError> {
        let kid = format!(
            "{}-{}",
            alg.as_str().to_ascii_lowercase(),
            lower_hex(rng, 8)
        );
        let aws_rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8: Vec<u8> = match alg {
            KeyAlg::Es256 => {
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &aws_rng)
                    .map_err(|_| KeyError::Generate)?
                    .as_ref()
                    .to_vec()
            }
            KeyAlg::Rs256 => RsaKeyPair::generate(KeySize::Rsa2048)
                .and_then(|k| k.as_der())
                .map_err(|_| KeyError::Generate)?
                .as_ref()
                .to_vec(),
            KeyAlg::EdDsa => Ed25519KeyPair::generate_pkcs8(&aws_rng)
                .map_err(|_| KeyError::Generate)?
                .as_ref()
                .to_vec(),
        };
        let (_, _, jwk) = Self::from_pkcs8(&kid, alg, &pkcs8)?;
        Ok(StoredKey {
            private_sealed: master.seal(rng, &kid, &pkcs8)?,
            kid,
            alg,
            public_jwk: jwk.to_string(),
            created_at: now,
            activate_at,
            retire_at: None,
            expire_at: None,
        })
    }

    /// Decrypt and parse a stored key. Fails loudly on a wrong master key.
    pub fn load(stored: &StoredKey, master: &MasterKey) -> Result<Self, KeyError> {
        let pkcs8 = master.open(&stored.kid, &stored.private_sealed)?;
        let (signer, verifier, public_jwk) = Self::from_pkcs8(&stored.kid, stored.alg, &pkcs8)?;
        Ok(SigningKey {
            kid: stored.kid.clone(),
            alg: stored.alg,
            activate_at: stored.activate_at,
            retire_at: stored.retire_at,
            expire_at: stored.expire_at,
            public_jwk,
            signer,
            verifier,
        })
    }

    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match &self.signer {
            Signer::Ec(kp) => kp
                .sign(&rng, msg)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Generate),
            Signer::Rsa(kp) => {
                let mut sig = vec![0u8; kp.public_modulus_len()];
                kp.sign(&RSA_PKCS1_SHA256, &rng, msg, &mut sig)
                    .map_err(|_| KeyError::Generate)?;
                Ok(sig)
            }
            Signer::Ed(kp) => Ok(kp.sign(msg).as_ref().to_vec()),
        }
    }

    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match &self.verifier {
            Verifier::Raw(alg, pk) => UnparsedPublicKey::new(*alg, pk).verify(msg, sig).is_ok(),
            Verifier::Rsa { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, msg, sig)
                .is_ok(),
        }
    }

    fn signs_at(&self, now: Timestamp) -> bool {
        self.activate_at <= now && self.retire_at.is_none_or(|r| now < r)
    }

    fn published_at(&self, now: Timestamp) -> bool {
        self.expire_at.is_none_or(|e| now < e)
    }
}

/// Every loaded key; picks the signer for an algorithm and the verifier for a `kid`.
#[derive(Debug, Default)]
pub struct Keyring {
    keys: Vec<SigningKey>,
}

impl Keyring {
    pub fn load(stored: &[StoredKey], master: &MasterKey) -> Result<Self, KeyError> {
        let keys = stored
            .iter()
            .map(|k| SigningKey::load(k, master))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Keyring { keys })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.kid.as_str())
    }

    /// The newest key of `alg` that may sign at `now`.
    pub fn signer(&self, alg: KeyAlg, now: Timestamp) -> Option<&SigningKey> {
        self.keys
            .iter()
            .filter(|k| k.alg == alg && k.signs_at(now))
            .max_by_key(|k| k.activate_at)
    }

    /// A key by `kid`, only if it is still published (a removed key verifies nothing).
    pub fn by_kid(&self, kid: &str, now: Timestamp) -> Option<&SigningKey> {
        self.keys
            .iter()
            .find(|k| k.kid == kid && k.published_at(now))
    }

    /// The public JWK Set (RFC 7517): public members only, distinct `kid`s.
    pub fn jwks(&self, now: Timestamp) -> Value {
        let keys: Vec<&Value> = self
            .keys
            .iter()
            .filter(|k| k.published_at(now))
            .map(|k| &k.public_jwk)
            .collect();
        json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::SystemRng;

    #[test]
    fn sealed_keys_open_only_with_the_right_master_key() {
        let rng = SystemRng;
        let mk = MasterKey::generate(&rng);
        let now = Timestamp(1_700_000_000_000);
        let stored = SigningKey::generate(&rng, &mk, KeyAlg::Es256, now, now).unwrap();
        assert!(SigningKey::load(&stored, &mk).is_ok());
        let other = MasterKey::generate(&rng);
        assert!(matches!(
            SigningKey::load(&stored, &other),
            Err(KeyError::Decrypt(_))
        ));
        // The private key never appears in clear in what is stored.
        assert!(!stored.public_jwk.contains("\"d\""));
    }

    #[test]
    fn sec_47_every_algorithm_signs_and_verifies_and_jwks_has_no_private_members() {
        let rng = SystemRng;
        let mk = MasterKey::generate(&rng);
        let now = Timestamp(1_700_000_000_000);
        let stored: Vec<StoredKey> = [KeyAlg::Es256, KeyAlg::Rs256, KeyAlg::EdDsa]
            .iter()
            .map(|a| SigningKey::generate(&rng, &mk, *a, now, now).unwrap())
            .collect();
        let ring = Keyring::load(&stored, &mk).unwrap();
        for alg in [KeyAlg::Es256, KeyAlg::Rs256, KeyAlg::EdDsa] {
            let k = ring.signer(alg, now).unwrap();
            let sig = k.sign(b"msg").unwrap();
            assert!(k.verify(b"msg", &sig));
            assert!(!k.verify(b"msh", &sig));
        }
        let jwks = ring.jwks(now).to_string();
        for private in [
            "\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\"", "\"k\"",
        ] {
            assert!(!jwks.contains(private), "{private} leaked");
        }
        let kids: std::collections::HashSet<_> = ring.kids().collect();
        assert_eq!(kids.len(), 3);
    }

    #[test]
    fn a_key_signs_only_from_activation_and_stays_published_until_expiry() {
        let rng = SystemRng;
        let mk = MasterKey::generate(&rng);
        let t0 = Timestamp(1_700_000_000_000);
        let mut old = SigningKey::generate(&rng, &mk, KeyAlg::Es256, t0, t0).unwrap();
        let new = SigningKey::generate(&rng, &mk, KeyAlg::Es256, t0, t0.plus_secs(600)).unwrap();
        old.retire_at = Some(t0.plus_secs(600));
        old.expire_at = Some(t0.plus_secs(600 + 86_400));
        let ring = Keyring::load(&[old.clone(), new.clone()], &mk).unwrap();
        assert_eq!(ring.signer(KeyAlg::Es256, t0).unwrap().kid, old.kid);
        assert_eq!(
            ring.signer(KeyAlg::Es256, t0.plus_secs(600)).unwrap().kid,
            new.kid
        );
        assert!(ring.by_kid(&old.kid, t0.plus_secs(700)).is_some());
        assert!(ring.by_kid(&old.kid, t0.plus_secs(600 + 86_400)).is_none());
        assert!(
            ring.jwks(t0).to_string().contains(&new.kid),
            "published before use"
        );
    }

    #[test]
    fn master_key_parses_hex_and_base64() {
        let mk = MasterKey::generate(&SystemRng);
        let b = mk.to_base64();
        assert!(MasterKey::parse(&b).is_ok());
        assert!(MasterKey::parse(&"ab".repeat(32)).is_ok());
        assert!(MasterKey::parse("short").is_err());
    }
}
