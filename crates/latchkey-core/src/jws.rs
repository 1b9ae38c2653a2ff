//! Compact JWS (RFC 7515 §7.1) for Latchkey's own tokens: strict parsing, an algorithm
//! allow-list decided by the key (never by the header: RFC 8725 §2.1, FUZZ-01/02), and no
//! header-supplied keys or URLs honoured (FUZZ-04).

use crate::clock::Timestamp;
use crate::keys::{KeyError, Keyring, SigningKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest token accepted anywhere (FUZZ-12): far above any token we issue.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("token is not a compact JWS")]
    Malformed,
    #[error("token header is invalid")]
    BadHeader,
    #[error("token is signed with an unknown key")]
    UnknownKey,
    #[error("token algorithm does not match its key")]
    AlgMismatch,
    #[error("token signature is invalid")]
    BadSignature,
}

/// The JOSE header fields we read. `crit` is refused: we understand no extensions.
#[derive(Debug, Clone, Deserialize)]
pub struct JoseHeader {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub typ: Option<String>,
    #[serde(default)]
    pub itt: Option<String>,
    #[serde(default)]
    pub crit: Option<Value>,
}

/// A token split and decoded, signature not yet checked.
#[derive(Debug)]
pub struct ParsedJws<'a> {
    pub header: JoseHeader,
    pub signing_input: &'a str,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

fn b64d(seg: &str) -> Result<Vec<u8>, JwsError> {
    // The default engine rejects padding and non-canonical trailing bits (FUZZ-09).
    URL_SAFE_NO_PAD.decode(seg).map_err(|_| JwsError::Malformed)
}

pub fn parse(token: &str) -> Result<ParsedJws<'_>, JwsError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwsError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed);
    };
    if h.is_empty() || p.is_empty() || s.is_empty() {
        return Err(JwsError::Malformed);
    }
    let header_bytes = b64d(h)?;
    let header: JoseHeader = parse_object(&header_bytes).ok_or(JwsError::BadHeader)?;
    if header.crit.is_some() {
        return Err(JwsError::BadHeader);
    }
    Ok(ParsedJws {
        header,
        signing_input: &token[..h.len() + 1 + p.len()],
        payload: b64d(p)?,
        signature: b64d(s)?,
    })
}

/// Parse a JSON object, refusing duplicate member names at the top level (FUZZ-10) and
/// anything but an object. serde_json bounds nesting depth (128), so deep input fails fast.
pub fn parse_object<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Option<T> {
    struct UniqueKeys;
    impl<'de> serde::de::Visitor<'de> for UniqueKeys {
        type Value = Map<String, Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object without duplicate members")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Map::new();
            while let Some((k, v)) = m.next_entry::<String, Value>()? {
                if out.insert(k, v).is_some() {
                    return Err(serde::de::Error::custom("duplicate member"));
                }
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let map = serde::Deserializer::deserialize_map(&mut de, UniqueKeys).ok()?;
    de.end().ok()?;
    serde_json::from_value(Value::Object(map)).ok()
}

/// Verify a parsed token against the keyring: the `kid` must name one of our published
/// keys and the header `alg` must be exactly that key's algorithm.
pub fn verify<'k>(
    parsed: &ParsedJws<'_>,
    keyring: &'k Keyring,
    now: Timestamp,
) -> Result<&'k SigningKey, JwsError> {
    let kid = parsed.header.kid.as_deref().ok_or(JwsError::UnknownKey)?;
    let key = keyring.by_kid(kid, now).ok_or(JwsError::UnknownKey)?;
    if parsed.header.alg != key.alg.as_str() {
        return Err(JwsError::AlgMismatch);
    }
    if key.verify(parsed.signing_input.as_bytes(), &parsed.signature) {
        Ok(key)
    } else {
        Err(JwsError::BadSignature)
    }
}

/// Header members, serialized as a JSON object in their order.
struct Members<'a>(&'a [(&'a str, &'a str)]);

impl Serialize for Members<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().copied())
    }
}

/// Sign `payload` with `key` under a header carrying `alg`, `kid` and `extra` members.
pub fn sign<P: Serialize>(
    key: &SigningKey,
    extra_header: &[(&str, &str)],
    payload: &P,
) -> Result<String, KeyError> {
    // The members in name order, a later one replacing an earlier of the same name: the
    // JSON a map would give, without a map of owned strings per token.
    let mut header: Vec<(&str, &str)> = Vec::with_capacity(2 + extra_header.len());
    for (k, v) in [("alg", key.alg.as_str()), ("kid", key.kid.as_str())]
        .into_iter()
        .chain(extra_header.iter().copied())
    {
        match header.binary_search_by(|(name, _)| name.cmp(&k)) {
            Ok(i) => header[i].1 = v,
            Err(i) => header.insert(i, (k, v)),
        }
    }
    let h = serde_json::to_vec(&Members(&header)).map_err(|_| KeyError::Generate)?;
    let p = serde_json::to_vec(payload).map_err(|_| KeyError::Generate)?;
    let mut out = String::with_capacity(h.len() * 2 + p.len() * 2 + 400);
    URL_SAFE_NO_PAD.encode_string(h, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(p, &mut out);
    let sig = key.sign(out.as_bytes())?;
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(sig, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlg, MasterKey};
    use crate::rand::SystemRng;
    use serde_json::json;

    fn ring() -> (Keyring, Timestamp) {
        let rng = SystemRng;
        let mk = MasterKey::generate(&rng);
        let now = Timestamp(1_700_000_000_000);
        let stored: Vec<_> = [KeyAlg::Es256, KeyAlg::Rs256]
            .iter()
            .map(|a| SigningKey::generate(&rng, &mk, *a, now, now).unwrap())
            .collect();
        (Keyring::load(&stored, &mk).unwrap(), now)
    }

    fn enc(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[test]
    fn roundtrip() {
        let (ring, now) = ring();
        let k = ring.signer(KeyAlg::Es256, now).unwrap();
        let t = sign(k, &[("itt", "at")], &json!({"a": 1})).unwrap();
        let p = parse(&t).unwrap();
        assert_eq!(p.header.itt.as_deref(), Some("at"));
        assert!(verify(&p, &ring, now).is_ok());
    }

    #[test]
    fn the_header_lists_its_members_by_name_and_an_extra_member_replaces_a_default() {
        let (ring, now) = ring();
        let k = ring.signer(KeyAlg::Es256, now).unwrap();
        let header = |t: &str| {
            let h = t.split('.').next().unwrap();
            String::from_utf8(URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
        };
        let t = sign(k, &[("typ", "at+jwt"), ("itt", "at")], &json!({})).unwrap();
        assert_eq!(
            header(&t),
            format!(
                r#"{{"alg":"ES256","itt":"at","kid":"{}","typ":"at+jwt"}}"#,
                k.kid
            )
        );
        let t = sign(k, &[("kid", "other"), ("x5u", "a.cer")], &json!({})).unwrap();
        assert_eq!(header(&t), r#"{"alg":"ES256","kid":"other","x5u":"a.cer"}"#);
    }

    #[test]
    fn fuzz_01_alg_none_in_any_case_is_rejected() {
        let (ring, now) = ring();
        let kid = ring.signer(KeyAlg::Es256, now).unwrap().kid.clone();
        for alg in ["none", "None", "nOnE"] {
            let t = format!(
                "{}.{}.",
                enc(&json!({"alg": alg, "kid": kid})),
                enc(&json!({"a":1}))
            );
            assert!(parse(&t).is_err() || verify(&parse(&t).unwrap(), &ring, now).is_err());
            let t2 = format!("{t}AA");
            let p = parse(&t2).unwrap();
            assert_eq!(verify(&p, &ring, now).unwrap_err(), JwsError::AlgMismatch);
        }
    }

    #[test]
    fn fuzz_02_hs256_with_the_public_key_is_rejected() {
        let (ring, now) = ring();
        let k = ring.signer(KeyAlg::Rs256, now).unwrap();
        let signing_input = format!(
            "{}.{}",
            enc(&json!({"alg":"HS256","kid":k.kid})),
            enc(&json!({"a":1}))
        );
        let mac_key = aws_lc_rs::hmac::Key::new(
            aws_lc_rs::hmac::HMAC_SHA256,
            k.public_jwk.to_string().as_bytes(),
        );
        let tag = aws_lc_rs::hmac::sign(&mac_key, signing_input.as_bytes());
        let t = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
        assert_eq!(
            verify(&parse(&t).unwrap(), &ring, now).unwrap_err(),
            JwsError::AlgMismatch
        );
    }

    #[test]
    fn fuzz_09_tampering_padding_and_extra_segments_are_rejected() {
        let (ring, now) = ring();
        let k = ring.signer(KeyAlg::Es256, now).unwrap();
        let t = sign(k, &[], &json!({"sub": "a"})).unwrap();
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = enc(&json!({"sub": "b"}));
        parts[1] = &forged;
        let tampered = parts.join(".");
        assert_eq!(
            verify(&parse(&tampered).unwrap(), &ring, now).unwrap_err(),
            JwsError::BadSignature
        );
        assert!(parse(&format!("{t}.x.y")).is_err(), "JWE-shaped");
        assert!(parse(&format!("{t}=")).is_err(), "padding");
        assert!(parse(&format!(" {t}")).is_err(), "whitespace");
        assert!(parse(&"a".repeat(MAX_TOKEN_LEN + 1)).is_err());
    }

    #[test]
    fn fuzz_10_duplicate_header_members_and_deep_nesting_are_rejected() {
        let dup = URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256","alg":"none","kid":"x"}"#);
        assert!(parse(&format!("{dup}.e30.AA")).is_err());
        let deep = URL_SAFE_NO_PAD.encode(format!("{{\"alg\":{}}}", "[".repeat(10_000)));
        assert!(parse(&format!("{deep}.e30.AA")).is_err());
    }

    #[test]
    fn fuzz_05_kid_injection_finds_nothing() {
        let (ring, now) = ring();
        for kid in [
            "../../../../dev/null",
            "' OR 1=1 --",
            "\u{0}",
            &"k".repeat(10_000),
        ] {
            let t = format!(
                "{}.{}.AA",
                enc(&json!({"alg":"ES256","kid":kid})),
                enc(&json!({}))
            );
            if let Ok(p) = parse(&t) {
                assert_eq!(verify(&p, &ring, now).unwrap_err(), JwsError::UnknownKey);
            }
        }
    }
}
