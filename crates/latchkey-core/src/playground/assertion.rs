//! The Playground's service-account exchange: the JWT that Adobe's `aio-lib-ims-jwt`
//! builds (docs/ims-contract.md §2.3), signed with a private key the developer pastes for
//! this one request. The key is parsed, used and dropped: never stored or logged.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

/// The IMS assertion's claims: `iss` the org, `sub` the technical account, `aud`
/// `{issuer}/c/{client_id}`, valid five minutes, one `{issuer}/s/{metascope}: true`
/// claim per metascope.
pub fn ims_claims(
    issuer: &str,
    org: &str,
    technical_account: &str,
    client_id: &str,
    metascopes: &[String],
    now_secs: i64,
) -> Value {
    let issuer = issuer.trim_end_matches('/');
    let mut m = Map::new();
    m.insert("iss".into(), json!(org));
    m.insert("sub".into(), json!(technical_account));
    m.insert("aud".into(), json!(format!("{issuer}/c/{client_id}")));
    m.insert("iat".into(), json!(now_secs));
    m.insert("exp".into(), json!(now_secs + 300));
    for meta in metascopes {
        m.insert(format!("{issuer}/s/{meta}"), json!(true));
    }
    Value::Object(m)
}

fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let b64: String = pem[start..stop].split_whitespace().collect();
    STANDARD.decode(b64).ok()
}

enum Key {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

impl Key {
    /// PKCS#8 (`PRIVATE KEY`, RSA or P-256) or PKCS#1 (`RSA PRIVATE KEY`).
    fn from_pem(pem: &str) -> Result<Key, String> {
        if let Some(der) = pem_body(pem, "PRIVATE KEY") {
            if let Ok(kp) = RsaKeyPair::from_pkcs8(&der) {
                return Ok(Key::Rsa(kp));
            }
            return EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                .map(Key::Ec)
                .map_err(|_| "the private key is neither RSA nor P-256 (PKCS#8)".to_owned());
        }
        if let Some(der) = pem_body(pem, "RSA PRIVATE KEY") {
            return RsaKeyPair::from_der(&der)
                .map(Key::Rsa)
                .map_err(|_| "the RSA private key (PKCS#1) does not parse".to_owned());
        }
        Err(
            "paste a PEM private key: -----BEGIN PRIVATE KEY----- (PKCS#8) or \
             -----BEGIN RSA PRIVATE KEY-----"
                .to_owned(),
        )
    }

    fn alg(&self) -> &'static str {
        match self {
            Key::Rsa(_) => "RS256",
            Key::Ec(_) => "ES256",
        }
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Key::Rsa(kp) => rsa_sign(kp, msg),
            Key::Ec(kp) => ec_sign(kp, msg),
        }
    }
}

/// Sign `claims` with a PEM private key: RS256 for RSA, ES256 for P-256.
pub fn sign(private_pem: &str, claims: &Value) -> Result<String, String> {
    let key = Key::from_pem(private_pem)?;
    let header = json!({"alg": key.alg(), "typ": "JWT"});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = key.sign(input.as_bytes())?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

fn rsa_sign(kp: &RsaKeyPair, msg: &[u8]) -> Result<Vec<u8>, String> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut sig = vec![0u8; kp.public_modulus_len()];
    kp.sign(&RSA_PKCS1_SHA256, &rng, msg, &mut sig)
        .map_err(|_| "RSA signing failed".to_owned())?;
    Ok(sig)
}

fn ec_sign(kp: &EcdsaKeyPair, msg: &[u8]) -> Result<Vec<u8>, String> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    kp.sign(&rng, msg)
        .map(|s| s.as_ref().to_vec())
        .map_err(|_| "ECDSA signing failed".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_key_kinds_sign_and_garbage_is_refused() {
        let claims = ims_claims(
            "https://i.example/",
            "O@AdobeOrg",
            "T@techacct",
            "cid",
            &["ent_x_sdk".into()],
            100,
        );
        assert_eq!(claims["aud"], "https://i.example/c/cid");
        assert_eq!(claims["https://i.example/s/ent_x_sdk"], true);
        for (pem, alg) in [
            (include_str!("../../testdata/sa_rsa.key"), "RS256"),
            (include_str!("../../testdata/sa_ec.key"), "ES256"),
        ] {
            let jwt = sign(pem, &claims).unwrap();
            let parsed = crate::jws::parse(&jwt).unwrap();
            assert_eq!(parsed.header.alg, alg);
        }
        assert!(sign("not a key", &claims).is_err());
        assert!(
            sign(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
                &claims
            )
            .is_err()
        );
    }
}
