//! Tests of `assertion`: key uploads, strict decoding, signature and time checks; plus the
//! test signer the `grants::jwt_bearer` tests share.

use super::*;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

pub(crate) const RSA_CERT: &str = include_str!("../testdata/sa_rsa.crt");
pub(crate) const RSA_KEY: &str = include_str!("../testdata/sa_rsa.key");
pub(crate) const RSA_PUB: &str = include_str!("../testdata/sa_rsa.pub");
pub(crate) const EC_CERT: &str = include_str!("../testdata/sa_ec.crt");
pub(crate) const EC_KEY: &str = include_str!("../testdata/sa_ec.key");
pub(crate) const EC_PUB: &str = include_str!("../testdata/sa_ec.pub");

pub(crate) const NOW: Timestamp = Timestamp(1_800_000_000_000);

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("");
    STANDARD.decode(body).unwrap()
}

pub(crate) fn b64(v: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

/// Sign `claims` under `header` with a PKCS#8 PEM private key (RSA → RS256, EC → ES256).
pub(crate) fn sign(private_pem: &str, header: Value, claims: Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let der = pem_der(private_pem);
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let sig = if let Ok(kp) = RsaKeyPair::from_pkcs8(&der) {
        let mut sig = vec![0u8; kp.public_modulus_len()];
        kp.sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut sig)
            .unwrap();
        sig
    } else {
        let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).unwrap();
        kp.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec()
    };
    format!("{input}.{}", b64(&sig))
}

pub(crate) fn rsa_keys() -> Vec<RegisteredKey> {
    vec![RegisteredKey {
        id: "k1".into(),
        key: parse_public_key_pem(RSA_CERT).unwrap().key,
        not_before: None,
        expires_at: None,
    }]
}

fn claims_at(now: Timestamp) -> Value {
    json!({"iss": "ORG@LatchkeyOrg", "sub": "T@techacct.latchkey.local",
           "aud": "http://127.0.0.1/c/cid", "exp": now.secs() + 300, "iat": now.secs()})
}

const RULES: TimeRules = TimeRules {
    skew_secs: 30,
    max_lifetime_secs: 86_400,
    max_lifetime_without_iat_secs: 300,
};

#[test]
fn certificates_and_public_keys_of_both_types_parse() {
    let rsa = parse_public_key_pem(RSA_CERT).unwrap();
    assert_eq!(rsa.key.alg(), "RS256");
    assert!(rsa.is_certificate);
    // notAfter is 2126-10-30 (GeneralizedTime): well past 2100-01-01.
    assert!(rsa.not_after.unwrap() > Timestamp::from_secs(4_102_444_800));
    assert_eq!(parse_public_key_pem(RSA_PUB).unwrap().key, rsa.key);
    let ec = parse_public_key_pem(EC_CERT).unwrap();
    assert_eq!(ec.key.alg(), "ES256");
    assert_eq!(parse_public_key_pem(EC_PUB).unwrap().key, ec.key);
    assert!(!parse_public_key_pem(EC_PUB).unwrap().is_certificate);
}

#[test]
fn certificate_times_convert_to_epoch() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    let utc = Tlv {
        tag: 0x17,
        content: b"491231235959Z",
        whole: b"",
        rest: b"",
    };
    assert_eq!(
        parse_time(&utc).unwrap(),
        Timestamp::from_secs(2_524_607_999)
    );
}

/// docs/security-review.md finding 12: a certificate whose `notBefore` lies ahead verifies nothing yet.
#[test]
fn review_12_a_key_verifies_nothing_before_its_not_before() {
    let future = include_str!("../testdata/sa_rsa_future.crt");
    let parsed = parse_public_key_pem(future).unwrap();
    let starts = Timestamp::from_secs(4_102_444_800); // 2100-01-01T00:00:00Z
    assert_eq!(parsed.not_before, Some(starts));
    let keys = vec![RegisteredKey {
        id: "future".into(),
        key: parsed.key,
        not_before: parsed.not_before,
        expires_at: parsed.not_after,
    }];
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), claims_at(NOW));
    let a = decode(&t).unwrap();
    assert_eq!(
        verify_signature(&a, &keys, NOW).err(),
        Some(AssertionError::UnknownKey)
    );
    assert_eq!(
        verify_signature(&a, &keys, Timestamp(starts.0 - 1)).err(),
        Some(AssertionError::UnknownKey)
    );
    assert!(verify_signature(&a, &keys, starts).is_ok());
}

#[test]
fn garbage_uploads_are_refused_without_panicking() {
    for bad in [
        "",
        "hello",
        "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
        "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----",
        &format!("{RSA_CERT}\n{EC_CERT}"),
    ] {
        assert!(parse_public_key_pem(bad).is_err(), "{bad:?}");
    }
    // Every truncation of a real certificate fails cleanly.
    let der = pem_der(RSA_CERT);
    for n in 0..der.len() {
        assert!(parse_certificate(&der[..n]).is_err());
    }
}

#[test]
fn a_signed_assertion_verifies_and_its_times_pass() {
    let keys = rsa_keys();
    let t = sign(RSA_KEY, json!({"alg":"RS256","typ":"JWT"}), claims_at(NOW));
    let a = decode(&t).unwrap();
    assert_eq!(verify_signature(&a, &keys, NOW).unwrap().id, "k1");
    check_times(&a.claims, &RULES, NOW).unwrap();
}

#[test]
fn fuzz_01_alg_none_is_rejected() {
    let keys = rsa_keys();
    for alg in ["none", "None", "nOnE"] {
        let h = b64(json!({"alg": alg}).to_string().as_bytes());
        let p = b64(claims_at(NOW).to_string().as_bytes());
        assert!(decode(&format!("{h}.{p}.")).is_err(), "empty signature");
        let t = format!("{h}.{p}.AA");
        let a = decode(&t).unwrap();
        assert_eq!(
            verify_signature(&a, &keys, NOW).unwrap_err(),
            AssertionError::AlgNotAllowed
        );
    }
}

#[test]
fn fuzz_02_hs256_keyed_with_the_public_key_is_rejected() {
    let keys = rsa_keys();
    let input = format!(
        "{}.{}",
        b64(br#"{"alg":"HS256"}"#),
        b64(claims_at(NOW).to_string().as_bytes())
    );
    for secret in [RSA_CERT.as_bytes(), RSA_PUB.as_bytes()] {
        let k = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
        let tag = aws_lc_rs::hmac::sign(&k, input.as_bytes());
        let t = format!("{input}.{}", b64(tag.as_ref()));
        let a = decode(&t).unwrap();
        assert_eq!(
            verify_signature(&a, &keys, NOW).unwrap_err(),
            AssertionError::AlgNotAllowed
        );
    }
}

#[test]
fn fuzz_03_rs256_header_against_an_es256_key_is_rejected() {
    let keys = vec![RegisteredKey {
        id: "ec".into(),
        key: parse_public_key_pem(EC_CERT).unwrap().key,
        not_before: None,
        expires_at: None,
    }];
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), claims_at(NOW));
    assert_eq!(
        verify_signature(&decode(&t).unwrap(), &keys, NOW).unwrap_err(),
        AssertionError::AlgNotAllowed
    );
    let t = sign(EC_KEY, json!({"alg":"ES256"}), claims_at(NOW));
    assert!(verify_signature(&decode(&t).unwrap(), &keys, NOW).is_ok());
}

#[test]
fn fuzz_04_header_keys_and_urls_are_ignored() {
    // Signed by the EC key, which is not registered; the header offers it as `jwk`,
    // `jku`, `x5u` and `x5c`: nothing is fetched or trusted.
    let h = json!({"alg":"ES256","jwk":{"kty":"EC"},"jku":"http://10.0.0.1/jwks",
                   "x5u":"http://10.0.0.1/c.pem","x5c":[EC_CERT]});
    let t = sign(EC_KEY, h, claims_at(NOW));
    assert_eq!(
        verify_signature(&decode(&t).unwrap(), &rsa_keys(), NOW).unwrap_err(),
        AssertionError::AlgNotAllowed
    );
}

#[test]
fn fuzz_05_kid_injection_finds_no_key() {
    let long = "k".repeat(10_000);
    for kid in [
        "../../../../dev/null",
        "' OR 1=1 --",
        "\u{0}",
        &long,
        "other-clients-kid",
    ] {
        let t = sign(RSA_KEY, json!({"alg":"RS256","kid":kid}), claims_at(NOW));
        if let Ok(a) = decode(&t) {
            assert_eq!(
                verify_signature(&a, &rsa_keys(), NOW).unwrap_err(),
                AssertionError::UnknownKey
            );
        }
    }
}

#[test]
fn same_kid_with_a_different_key_is_rejected() {
    // Key "k1" is the RSA certificate; the assertion is signed by another RSA key.
    let other = RegisteredKey {
        id: "k1".into(),
        key: parse_public_key_pem(EC_CERT).unwrap().key,
        not_before: None,
        expires_at: None,
    };
    let t = sign(EC_KEY, json!({"alg":"ES256","kid":"k1"}), claims_at(NOW));
    assert!(verify_signature(&decode(&t).unwrap(), &[other], NOW).is_ok());
    assert_eq!(
        verify_signature(&decode(&t).unwrap(), &rsa_keys(), NOW).unwrap_err(),
        AssertionError::AlgNotAllowed
    );
}

#[test]
fn expired_keys_verify_nothing() {
    let mut keys = rsa_keys();
    keys[0].expires_at = Some(NOW);
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), claims_at(NOW));
    assert_eq!(
        verify_signature(&decode(&t).unwrap(), &keys, NOW).unwrap_err(),
        AssertionError::UnknownKey
    );
}

#[test]
fn fuzz_06_bad_numeric_dates_are_refused_without_overflow() {
    let s = NOW.secs();
    let mut cases: Vec<(Value, AssertionError)> = vec![
        (json!(s - 3600), AssertionError::Expired),
        (json!(-1), AssertionError::Expired),
        (json!(i64::MIN), AssertionError::Expired),
        (json!(i64::MAX), AssertionError::LifetimeTooLong),
        (
            json!(9_000_000_000_000_000_000i64),
            AssertionError::LifetimeTooLong,
        ),
    ];
    for bad in [
        json!("123"),
        json!(9e18),
        json!(1.5),
        json!(u64::MAX),
        json!(null),
    ] {
        cases.push((bad, AssertionError::BadClaim("exp")));
    }
    for (exp, want) in cases {
        let mut c = claims_at(NOW);
        c["exp"] = exp.clone();
        let t = sign(RSA_KEY, json!({"alg":"RS256"}), c);
        let got = decode(&t).and_then(|a| check_times(&a.claims, &RULES, NOW));
        assert_eq!(got.unwrap_err(), want, "exp = {exp}");
    }
    // 1e400 is not even valid JSON for serde_json: the whole payload is malformed.
    let p = b64(br#"{"exp":1e400,"iss":"a"}"#);
    let t = format!("{}.{p}.AA", b64(br#"{"alg":"RS256"}"#));
    assert_eq!(decode(&t).unwrap_err(), AssertionError::Malformed);
    // Missing exp.
    let mut c = claims_at(NOW);
    c.as_object_mut().unwrap().remove("exp");
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), c);
    assert_eq!(decode(&t).unwrap_err(), AssertionError::MissingClaim("exp"));
}

#[test]
fn fuzz_06_nbf_and_iat_in_the_future_and_old_iat_are_refused() {
    let s = NOW.secs();
    let check = |patch: Value| {
        let mut c = claims_at(NOW);
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        let t = sign(RSA_KEY, json!({"alg":"RS256"}), c);
        check_times(&decode(&t).unwrap().claims, &RULES, NOW)
    };
    assert_eq!(
        check(json!({"nbf": s + 600})),
        Err(AssertionError::NotYetValid)
    );
    assert!(check(json!({"nbf": s + 20})).is_ok(), "inside the skew");
    assert_eq!(
        check(json!({"iat": s + 600})),
        Err(AssertionError::IssuedInFuture)
    );
    assert_eq!(
        check(json!({"iat": s - 90_000, "exp": s + 60})),
        Err(AssertionError::TooOld)
    );
    assert_eq!(
        check(json!({"iat": null, "exp": s + 3600})),
        Err(AssertionError::LifetimeTooLong),
        "without iat only 300 s ahead"
    );
    assert!(check(json!({"exp": s + 86_400})).is_ok(), "24 h with iat");
    assert_eq!(
        check(json!({"exp": s + 86_400 + 31})),
        Err(AssertionError::LifetimeTooLong)
    );
    let mut c = claims_at(NOW);
    c["nbf"] = json!("soon");
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), c);
    assert_eq!(decode(&t).unwrap_err(), AssertionError::BadClaim("nbf"));
}

#[test]
fn fuzz_08_audience_must_be_exactly_one() {
    let mut c = claims_at(NOW);
    c["aud"] = json!(["http://127.0.0.1/c/cid"]);
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), c.clone());
    assert_eq!(
        decode(&t).unwrap().claims.aud.as_deref(),
        Some("http://127.0.0.1/c/cid")
    );
    for aud in [
        json!(["http://127.0.0.1/c/cid", "https://evil.example"]),
        json!(null),
        json!([]),
        json!(42),
    ] {
        c["aud"] = aud;
        let t = sign(RSA_KEY, json!({"alg":"RS256"}), c.clone());
        assert_eq!(decode(&t).unwrap_err(), AssertionError::BadClaim("aud"));
    }
}

#[test]
fn fuzz_09_tampered_payload_padding_and_extra_segments_are_rejected() {
    let keys = rsa_keys();
    let t = sign(RSA_KEY, json!({"alg":"RS256"}), claims_at(NOW));
    let parts: Vec<&str> = t.split('.').collect();
    let mut forged = claims_at(NOW);
    forged["sub"] = json!("OTHER@techacct.latchkey.local");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(
        verify_signature(&decode(&tampered).unwrap(), &keys, NOW).unwrap_err(),
        AssertionError::BadSignature
    );
    for bad in [
        format!("{t}.x.y"),
        format!("{t}="),
        format!(" {t}"),
        format!("{}.{}", parts[0], parts[1]),
    ] {
        assert_eq!(
            decode(&bad).unwrap_err(),
            AssertionError::Malformed,
            "{bad}"
        );
    }
}

#[test]
fn fuzz_10_duplicate_claims_and_deep_nesting_are_rejected() {
    let h = b64(br#"{"alg":"RS256"}"#);
    let dup = b64(br#"{"sub":"a","sub":"b","exp":1}"#);
    assert_eq!(
        decode(&format!("{h}.{dup}.AA")).unwrap_err(),
        AssertionError::Malformed
    );
    let deep = b64(format!("{{\"x\":{}}}", "[".repeat(10_000)).as_bytes());
    assert_eq!(
        decode(&format!("{h}.{deep}.AA")).unwrap_err(),
        AssertionError::Malformed
    );
    let null_header = b64(b"null");
    assert_eq!(
        decode(&format!("{null_header}.{dup}.AA")).unwrap_err(),
        AssertionError::Malformed
    );
}

#[test]
fn jti_must_be_an_integer_or_a_short_string() {
    let mut c = claims_at(NOW);
    for (jti, want) in [
        (json!(7), Some(Jti::Int(7))),
        (json!("abc"), Some(Jti::Text("abc".into()))),
    ] {
        c["jti"] = jti;
        let t = sign(RSA_KEY, json!({"alg":"RS256"}), c.clone());
        assert_eq!(decode(&t).unwrap().claims.jti, want);
    }
    for bad in [json!(1.5), json!(""), json!("j".repeat(300)), json!({})] {
        c["jti"] = bad;
        let t = sign(RSA_KEY, json!({"alg":"RS256"}), c.clone());
        assert_eq!(decode(&t).unwrap_err(), AssertionError::BadClaim("jti"));
    }
}
