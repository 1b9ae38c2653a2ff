//! JWT assertions signed by a client's own key (RFC 7523; docs/ims-contract.md §2.3): the keys a
//! service-account credential uploads (X.509 certificates or SPKI public keys, PEM), strict
//! decoding of the assertion, signature verification and time checks. The decisions per
//! endpoint (IMS exchange, RFC 7523 grant, `private_key_jwt`) live in
//! [`crate::grants::jwt_bearer`].
//!
//! Rules (RFC 8725 §2.1, §3.1, §3.10): the uploaded key's type decides the one algorithm
//! accepted (RSA → RS256, P-256 → ES256), never the header, so `none` and HS* never verify
//! (FUZZ-01/02); header `jwk`/`jku`/`x5u`/`x5c` are ignored (FUZZ-04); `kid` is opaque and
//! only matched against this credential's key ids (FUZZ-05); numeric dates must be JSON
//! integers and are compared with saturating arithmetic (FUZZ-06).

use crate::clock::Timestamp;
use crate::jws;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

/// Largest PEM accepted at upload.
pub const MAX_PEM_LEN: usize = 16 * 1024;
/// Longest `jti` stored for replay detection.
pub const MAX_JTI_LEN: usize = 256;

/// Why an uploaded key is refused (shown to the uploader).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyParseError {
    #[error("expected one PEM CERTIFICATE or PUBLIC KEY block")]
    NotPem,
    #[error("the certificate or key is not valid DER")]
    BadDer,
    #[error("only RSA (2048 to 8192 bits) and EC P-256 keys are supported")]
    Unsupported,
}

/// The public half of a service account's signing key.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// RSAPublicKey DER (PKCS#1), verified as RS256.
    Rsa(Vec<u8>),
    /// Uncompressed P-256 point, verified as ES256.
    EcP256(Vec<u8>),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.alg())
    }
}

impl PublicKey {
    /// The one JWS `alg` this key verifies.
    pub fn alg(&self) -> &'static str {
        match self {
            PublicKey::Rsa(_) => "RS256",
            PublicKey::EcP256(_) => "ES256",
        }
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match self {
            PublicKey::Rsa(der) => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
                .verify(msg, sig)
                .is_ok(),
            PublicKey::EcP256(point) => UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(msg, sig)
                .is_ok(),
        }
    }
}

/// A parsed upload: the key, and the certificate's `notAfter` when it was a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedKey {
    pub key: PublicKey,
    /// A certificate's `notBefore`: the key verifies nothing before it (docs/security-review.md finding 12).
    pub not_before: Option<Timestamp>,
    pub not_after: Option<Timestamp>,
    pub is_certificate: bool,
}

/// One key registered to a credential, as the verifier sees it.
#[derive(Debug, Clone)]
pub struct RegisteredKey {
    pub id: String,
    pub key: PublicKey,
    /// The key verifies nothing before this time (a certificate's `notBefore`).
    pub not_before: Option<Timestamp>,
    /// The key stops verifying at this time (certificate expiry, or expired by an admin).
    pub expires_at: Option<Timestamp>,
}

impl RegisteredKey {
    fn usable_at(&self, now: Timestamp) -> bool {
        self.not_before.is_none_or(|b| b <= now) && self.expires_at.is_none_or(|e| now < e)
    }
}

// ---- PEM and a minimal DER reader (X.509 §4.1, RFC 5280; SPKI, RFC 5480) ----

/// One DER element: its tag, its contents, the whole element, and what follows it.
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    whole: &'a [u8],
    rest: &'a [u8],
}

fn tlv(input: &[u8]) -> Result<Tlv<'_>, KeyParseError> {
    let (&tag, after_tag) = input.split_first().ok_or(KeyParseError::BadDer)?;
    // Multi-byte tags never occur in the structures read here.
    if tag & 0x1f == 0x1f {
        return Err(KeyParseError::BadDer);
    }
    let (&first, after_len) = after_tag.split_first().ok_or(KeyParseError::BadDer)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        // Long form with 1 to 3 length bytes (certificates here are < 16 MiB); 0x80 is
        // BER's indefinite length, which DER forbids.
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 || after_len.len() < n {
            return Err(KeyParseError::BadDer);
        }
        let len = after_len[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    let end = header.checked_add(len).ok_or(KeyParseError::BadDer)?;
    if input.len() < end {
        return Err(KeyParseError::BadDer);
    }
    Ok(Tlv {
        tag,
        content: &input[header..end],
        whole: &input[..end],
        rest: &input[end..],
    })
}

fn expect(input: &[u8], tag: u8) -> Result<Tlv<'_>, KeyParseError> {
    let t = tlv(input)?;
    if t.tag == tag {
        Ok(t)
    } else {
        Err(KeyParseError::BadDer)
    }
}

const SEQUENCE: u8 = 0x30;
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// The key inside a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
pub fn parse_spki(der: &[u8]) -> Result<PublicKey, KeyParseError> {
    let spki = expect(der, SEQUENCE)?;
    if !spki.rest.is_empty() {
        return Err(KeyParseError::BadDer);
    }
    let alg = expect(spki.content, SEQUENCE)?;
    let bits = expect(alg.rest, 0x03)?;
    let oid = expect(alg.content, 0x06)?;
    let (&unused, key) = bits.content.split_first().ok_or(KeyParseError::BadDer)?;
    if unused != 0 || !bits.rest.is_empty() {
        return Err(KeyParseError::BadDer);
    }
    if oid.content == OID_RSA_ENCRYPTION {
        // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
        let rsa = expect(key, SEQUENCE)?;
        let n = expect(rsa.content, 0x02)?;
        let modulus = n.content.strip_prefix(&[0]).unwrap_or(n.content);
        if !(256..=1024).contains(&modulus.len()) {
            return Err(KeyParseError::Unsupported);
        }
        Ok(PublicKey::Rsa(key.to_vec()))
    } else if oid.content == OID_EC_PUBLIC_KEY {
        let curve = expect(oid.rest, 0x06)?;
        if curve.content != OID_PRIME256V1 || key.len() != 65 || key[0] != 0x04 {
            return Err(KeyParseError::Unsupported);
        }
        Ok(PublicKey::EcP256(key.to_vec()))
    } else {
        Err(KeyParseError::Unsupported)
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), RFC 5280 §4.1.2.5.
fn parse_time(t: &Tlv<'_>) -> Result<Timestamp, KeyParseError> {
    let s = std::str::from_utf8(t.content).map_err(|_| KeyParseError::BadDer)?;
    let digits = s.strip_suffix('Z').ok_or(KeyParseError::BadDer)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(KeyParseError::BadDer);
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, KeyParseError> {
        digits
            .get(r)
            .and_then(|x| x.parse().ok())
            .ok_or(KeyParseError::BadDer)
    };
    let (year, rest) = match (t.tag, digits.len()) {
        (0x17, 12) => {
            let yy = num(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (0x18, 14) => (num(0..4)?, 4),
        _ => return Err(KeyParseError::BadDer),
    };
    let (mo, d) = (num(rest..rest + 2)?, num(rest + 2..rest + 4)?);
    let (h, mi, se) = (
        num(rest + 4..rest + 6)?,
        num(rest + 6..rest + 8)?,
        num(rest + 8..rest + 10)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return Err(KeyParseError::BadDer);
    }
    let secs = days_from_civil(year, mo, d) * 86_400 + h * 3600 + mi * 60 + se;
    Ok(Timestamp::from_secs(secs))
}

/// The SPKI, `notBefore` and `notAfter` of an X.509 certificate (RFC 5280 §4.1). The certificate's
/// own signature is not checked: it is self-signed by the uploader, who is trusted to
/// register their own key (docs/ims-contract.md §2.3: "any private key whose public certificate is
/// attached").
pub fn parse_certificate(der: &[u8]) -> Result<(PublicKey, Timestamp, Timestamp), KeyParseError> {
    let cert = expect(der, SEQUENCE)?;
    if !cert.rest.is_empty() {
        return Err(KeyParseError::BadDer);
    }
    let tbs = expect(cert.content, SEQUENCE)?;
    let mut at = tbs.content;
    // version [0] EXPLICIT, optional
    if tlv(at)?.tag == 0xa0 {
        at = tlv(at)?.rest;
    }
    let serial = expect(at, 0x02)?;
    let signature_alg = expect(serial.rest, SEQUENCE)?;
    let issuer = expect(signature_alg.rest, SEQUENCE)?;
    let validity = expect(issuer.rest, SEQUENCE)?;
    let subject = expect(validity.rest, SEQUENCE)?;
    let spki = expect(subject.rest, SEQUENCE)?;
    let not_before = tlv(validity.content)?;
    let not_after = tlv(not_before.rest)?;
    Ok((
        parse_spki(spki.whole)?,
        parse_time(&not_before)?,
        parse_time(&not_after)?,
    ))
}

/// Parse an uploaded PEM: one `CERTIFICATE` or `PUBLIC KEY` block.
pub fn parse_public_key_pem(pem: &str) -> Result<ParsedKey, KeyParseError> {
    if pem.len() > MAX_PEM_LEN {
        return Err(KeyParseError::NotPem);
    }
    let t = pem.trim();
    for (label, is_certificate) in [("CERTIFICATE", true), ("PUBLIC KEY", false)] {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let Some(body) = t.strip_prefix(&begin).and_then(|b| b.strip_suffix(&end)) else {
            continue;
        };
        if body.contains("-----") {
            return Err(KeyParseError::NotPem);
        }
        let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = STANDARD.decode(b64).map_err(|_| KeyParseError::NotPem)?;
        return if is_certificate {
            let (key, not_before, not_after) = parse_certificate(&der)?;
            Ok(ParsedKey {
                key,
                not_before: Some(not_before),
                not_after: Some(not_after),
                is_certificate,
            })
        } else {
            Ok(ParsedKey {
                key: parse_spki(&der)?,
                not_before: None,
                not_after: None,
                is_certificate,
            })
        };
    }
    Err(KeyParseError::NotPem)
}

// ---- Assertions ----

/// Why an assertion is refused. Endpoint modules map these onto their error tables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("the assertion is not a well-formed JWT")]
    Malformed,
    #[error("the assertion lacks the '{0}' claim")]
    MissingClaim(&'static str),
    #[error("the assertion's '{0}' claim has the wrong type or format")]
    BadClaim(&'static str),
    #[error("the assertion's algorithm is not allowed for the registered keys")]
    AlgNotAllowed,
    #[error("the assertion names no key registered to this client")]
    UnknownKey,
    #[error("the assertion's signature does not verify")]
    BadSignature,
    #[error("the assertion has expired")]
    Expired,
    #[error("the assertion is not valid yet")]
    NotYetValid,
    #[error("the assertion was issued in the future")]
    IssuedInFuture,
    #[error("the assertion was issued too long ago")]
    TooOld,
    #[error("the assertion's expiry is too far in the future")]
    LifetimeTooLong,
}

/// A `jti` as sent: IMS documents integers (docs/ims-contract.md §7), RFC 7519 §4.1.7 strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jti {
    Int(i64),
    Text(String),
}

impl Jti {
    /// The key stored for replay detection.
    pub fn key(&self) -> String {
        match self {
            Jti::Int(i) => i.to_string(),
            Jti::Text(s) => s.clone(),
        }
    }
}

/// The registered claims every assertion must or may carry (RFC 7523 §3), and the rest.
#[derive(Debug, Clone)]
pub struct Claims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    /// Exactly one audience: a string, or an array of exactly one string.
    pub aud: Option<String>,
    pub exp: i64,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    pub jti: Option<Jti>,
    /// Every other claim (IMS metascopes are `"{issuer}/s/{name}": true`).
    pub other: Map<String, Value>,
}

/// A decoded assertion whose signature is not checked yet.
#[derive(Debug)]
pub struct Unverified<'a> {
    pub alg: String,
    pub kid: Option<String>,
    pub claims: Claims,
    signing_input: &'a str,
    signature: Vec<u8>,
}

/// An integer NumericDate; anything else (string, float, `1e400`, > i64) is refused.
fn int_claim(
    map: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<i64>, AssertionError> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(AssertionError::BadClaim(name)),
        Some(_) => Err(AssertionError::BadClaim(name)),
    }
}

fn string_claim(
    map: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, AssertionError> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 512 => Ok(Some(s)),
        Some(_) => Err(AssertionError::BadClaim(name)),
    }
}

/// Decode an assertion strictly: compact JWS with canonical base64url and no duplicate
/// members (via [`jws::parse`], FUZZ-09/10), an object payload, typed registered claims.
/// An `aud` array with more than one member is refused (FUZZ-08).
pub fn decode(token: &str) -> Result<Unverified<'_>, AssertionError> {
    let parsed = jws::parse(token).map_err(|_| AssertionError::Malformed)?;
    let mut map: Map<String, Value> =
        jws::parse_object(&parsed.payload).ok_or(AssertionError::Malformed)?;
    let aud = match map.remove("aud") {
        None => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Array(a)) => match a.as_slice() {
            [Value::String(s)] => Some(s.clone()),
            _ => return Err(AssertionError::BadClaim("aud")),
        },
        Some(_) => return Err(AssertionError::BadClaim("aud")),
    };
    let jti = match map.remove("jti") {
        None => None,
        Some(Value::Number(n)) => {
            Some(Jti::Int(n.as_i64().ok_or(AssertionError::BadClaim("jti"))?))
        }
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_JTI_LEN => Some(Jti::Text(s)),
        Some(_) => return Err(AssertionError::BadClaim("jti")),
    };
    let claims = Claims {
        iss: string_claim(&mut map, "iss")?,
        sub: string_claim(&mut map, "sub")?,
        aud,
        exp: int_claim(&mut map, "exp")?.ok_or(AssertionError::MissingClaim("exp"))?,
        nbf: int_claim(&mut map, "nbf")?,
        iat: int_claim(&mut map, "iat")?,
        jti,
        other: map,
    };
    Ok(Unverified {
        alg: parsed.header.alg,
        kid: parsed.header.kid,
        claims,
        signing_input: parsed.signing_input,
        signature: parsed.signature,
    })
}

/// The `iss` of an assertion without checking anything else: only to find which
/// client's keys to verify it with.
pub fn unverified_issuer(token: &str) -> Option<String> {
    decode(token).ok()?.claims.iss
}

/// Verify the signature with one of `keys` usable at `now`. With a `kid`, only the key of
/// that id is tried (same `kid`, different key → refused); without one, every key whose
/// algorithm is the header's. Returns the id of the key that verified.
pub fn verify_signature<'k>(
    a: &Unverified<'_>,
    keys: &'k [RegisteredKey],
    now: Timestamp,
) -> Result<&'k RegisteredKey, AssertionError> {
    let usable = || keys.iter().filter(|k| k.usable_at(now));
    let candidates: Vec<&RegisteredKey> = match &a.kid {
        Some(kid) => usable().filter(|k| &k.id == kid).collect(),
        None => usable().collect(),
    };
    if candidates.is_empty() {
        return Err(AssertionError::UnknownKey);
    }
    // RFC 8725 §3.1: the key decides the algorithm; `none`, HS256 and friends match none.
    let matching: Vec<&RegisteredKey> = candidates
        .into_iter()
        .filter(|k| k.key.alg() == a.alg)
        .collect();
    if matching.is_empty() {
        return Err(AssertionError::AlgNotAllowed);
    }
    matching
        .into_iter()
        .find(|k| k.key.verify(a.signing_input.as_bytes(), &a.signature))
        .ok_or(AssertionError::BadSignature)
}

/// How far an assertion's times may stray from `now`.
#[derive(Debug, Clone, Copy)]
pub struct TimeRules {
    pub skew_secs: i64,
    /// Furthest `exp` ahead of `now`, and oldest `iat`, when `iat` is present.
    pub max_lifetime_secs: i64,
    /// Furthest `exp` ahead of `now` when there is no `iat` (SEC-31, Keycloak: 300 s).
    pub max_lifetime_without_iat_secs: i64,
}

/// The first moment `check_times` refuses an assertion whatever the time of asking:
/// `exp` plus the tolerated skew. A `jti` must be remembered until then, or the assertion
/// replays in the skew after `exp` (docs/security-review.md finding 2).
pub fn accepted_until(c: &Claims, rules: &TimeRules) -> Timestamp {
    Timestamp::from_secs(c.exp.saturating_add(rules.skew_secs))
}

/// Check `exp` (required), `nbf` and `iat` at `now`, tolerating `skew_secs` either way.
pub fn check_times(c: &Claims, rules: &TimeRules, now: Timestamp) -> Result<(), AssertionError> {
    let now_s = now.secs();
    let skew = rules.skew_secs;
    // RFC 7519 §4.1.4: not accepted on or after exp.
    if now_s >= c.exp.saturating_add(skew) {
        return Err(AssertionError::Expired);
    }
    if c.nbf.is_some_and(|nbf| nbf > now_s.saturating_add(skew)) {
        return Err(AssertionError::NotYetValid);
    }
    let limit = match c.iat {
        Some(iat) => {
            if iat > now_s.saturating_add(skew) {
                return Err(AssertionError::IssuedInFuture);
            }
            if now_s.saturating_sub(iat) > rules.max_lifetime_secs.saturating_add(skew) {
                return Err(AssertionError::TooOld);
            }
            rules.max_lifetime_secs
        }
        None => rules.max_lifetime_without_iat_secs,
    };
    if c.exp > now_s.saturating_add(limit).saturating_add(skew) {
        return Err(AssertionError::LifetimeTooLong);
    }
    Ok(())
}

#[cfg(test)]
#[path = "assertion_tests.rs"]
pub(crate) mod tests;
