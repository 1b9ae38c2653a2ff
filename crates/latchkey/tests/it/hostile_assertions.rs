//! Hostile assertions at the IMS JWT exchange and the RFC 7523 grant: `alg` none and HS256
//! with the public key (FUZZ-01, FUZZ-02), wrong keys and header keys (FUZZ-03, FUZZ-04),
//! `kid` injection (FUZZ-05), bad times and numbers (FUZZ-06), foreign audiences (FUZZ-08),
//! tampering and malformed tokens (FUZZ-09, FUZZ-10), token confusion (FUZZ-19), and
//! garbage that must never yield a 5xx. Each refusal asserts its OAuth `error` code.

use crate::helpers::{
    EC_CERT, EC_KEY, RSA_CERT, RSA_KEY, RSA_PUB, b64, grant_claims, ims_claims, ims_exchange,
    jwt_bearer, now_secs, raw_token, rs256, service_account, sign_with,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use latchkey_core::admin::Actor;
use latchkey_core::admin::service_accounts as sa;
use latchkey_core::ids::ClientId;
use latchkey_core::model::CredentialKind;
use latchkey_testkit::{TestServer, assert_error};
use serde_json::json;

#[tokio::test]
async fn fuzz_01_alg_none_is_rejected() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let payload = ims_claims(&s, &c).to_string();
    for alg in ["none", "None", "nOnE"] {
        let h = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
        let unsigned = format!("{}.{}.", b64(&h), b64(&payload));
        assert_error(&ims_exchange(&s, &c, &unsigned).await, 400, "invalid_token");
        let t = raw_token(&h, &payload, b"x");
        assert_error(&ims_exchange(&s, &c, &t).await, 400, "invalid_signature");
    }
}

#[tokio::test]
async fn fuzz_02_hs256_with_the_public_key_is_rejected() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    for secret in [RSA_CERT, RSA_PUB] {
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &ims_claims(&s, &c),
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap();
        assert_error(&ims_exchange(&s, &c, &t).await, 400, "invalid_signature");
    }
}

#[tokio::test]
async fn fuzz_03_wrong_key_and_mismatched_alg_are_invalid_signature() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let claims = ims_claims(&s, &c);
    let ec = sign_with(Algorithm::ES256, EC_KEY, Header::default(), &claims);
    assert_error(&ims_exchange(&s, &c, &ec).await, 400, "invalid_signature");
    // RS256 header over an ES256 signature.
    let parts: Vec<&str> = ec.split('.').collect();
    let forged = format!("{}.{}.{}", b64(r#"{"alg":"RS256"}"#), parts[1], parts[2]);
    assert_error(
        &ims_exchange(&s, &c, &forged).await,
        400,
        "invalid_signature",
    );
}

#[tokio::test]
async fn fuzz_04_header_jwk_jku_x5u_x5c_are_ignored() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let mut h = Header::new(Algorithm::ES256);
    h.jku = Some("http://127.0.0.1:9/jwks.json".into());
    h.x5u = Some("http://127.0.0.1:9/cert.pem".into());
    h.x5c = Some(vec![
        EC_CERT.lines().filter(|l| !l.starts_with("---")).collect(),
    ]);
    let t = sign_with(Algorithm::ES256, EC_KEY, h, &ims_claims(&s, &c));
    assert_error(&ims_exchange(&s, &c, &t).await, 400, "invalid_signature");
}

#[tokio::test]
async fn fuzz_05_kid_injection_is_rejected() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let other = service_account(&s, CredentialKind::ServiceAccountJwt, Some(EC_CERT)).await;
    let other_kid = sa::list_certificates(
        &s.ctx(),
        &Actor::Operator,
        &ClientId(other.client_id.clone()),
    )
    .await
    .unwrap()[0]
        .id
        .clone();
    let long = "k".repeat(10_000);
    for kid in [
        "../../../../dev/null",
        "' OR 1=1 --",
        "\u{0}",
        &long,
        &other_kid,
    ] {
        let h = Header {
            kid: Some(kid.to_owned()),
            ..Header::new(Algorithm::RS256)
        };
        let t = sign_with(Algorithm::RS256, RSA_KEY, h, &ims_claims(&s, &c));
        let got = ims_exchange(&s, &c, &t).await;
        assert!(got.0 == 400, "{kid:.20}: {}", got.1);
        assert!(
            ["invalid_signature", "invalid_token"].contains(&got.1["error"].as_str().unwrap()),
            "{}",
            got.1
        );
    }
}

#[tokio::test]
async fn fuzz_06_expired_future_nbf_and_bad_numbers_are_invalid_token() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let n = now_secs(&s);
    for (patch, want) in [
        (json!({"exp": n - 3600}), "invalid_token"),
        (json!({"nbf": n + 3600}), "invalid_token"),
        (json!({"iat": n + 3600}), "invalid_token"),
        (json!({"exp": "123"}), "invalid_token"),
        (json!({"exp": 9e18}), "invalid_token"),
        (json!({"exp": -5}), "invalid_token"),
        (json!({"exp": n + 3 * 86_400}), "bad_request"),
        (json!({"jti": "abc"}), "invalid_token"),
    ] {
        let mut claims = ims_claims(&s, &c);
        for (k, v) in patch.as_object().unwrap() {
            claims[k] = v.clone();
        }
        assert_error(&ims_exchange(&s, &c, &rs256(&claims)).await, 400, want);
    }
    // 1e400 is not valid JSON for the server's parser: undecodable.
    let h = r#"{"alg":"RS256"}"#;
    let p = format!(r#"{{"iss":"{}","exp":1e400}}"#, c.org_id);
    assert_error(
        &ims_exchange(&s, &c, &raw_token(h, &p, b"x")).await,
        400,
        "invalid_token",
    );
}

#[tokio::test]
async fn fuzz_08_foreign_audiences_are_rejected() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    for (aud, want) in [
        (
            json!(format!("{}/c/{}", s.url, "f".repeat(32))),
            "invalid_client",
        ),
        (
            json!(format!("https://ims-na1.adobelogin.com/c/{}", c.client_id)),
            "invalid_client",
        ),
        (
            json!([
                format!("{}/c/{}", s.url, c.client_id),
                "https://evil.example"
            ]),
            "invalid_client",
        ),
        (json!(null), "invalid_client"),
    ] {
        let mut claims = ims_claims(&s, &c);
        claims["aud"] = aud;
        assert_error(&ims_exchange(&s, &c, &rs256(&claims)).await, 400, want);
    }
    for aud in [
        json!(format!("{}/oauth2/introspect", s.url)),
        json!([s.url.clone(), "https://evil.example"]),
        json!(null),
    ] {
        let mut claims = grant_claims(&s, &c, "aud-test");
        claims["aud"] = aud;
        assert_error(
            &jwt_bearer(&s, &c, &rs256(&claims), None).await,
            400,
            "invalid_grant",
        );
    }
}

#[tokio::test]
async fn fuzz_09_tampered_payload_and_malformed_tokens_are_rejected() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let t = rs256(&ims_claims(&s, &c));
    let parts: Vec<&str> = t.split('.').collect();
    let mut forged = ims_claims(&s, &c);
    forged["exp"] = json!(now_secs(&s) + 3000);
    let tampered = format!("{}.{}.{}", parts[0], b64(forged.to_string()), parts[2]);
    assert_error(
        &ims_exchange(&s, &c, &tampered).await,
        400,
        "invalid_signature",
    );
    for bad in [
        format!("{t}.a.b"),
        format!("{t}="),
        format!("{t} "),
        "a.b".into(),
    ] {
        assert_error(&ims_exchange(&s, &c, &bad).await, 400, "invalid_token");
    }
}

#[tokio::test]
async fn fuzz_10_duplicate_claims_and_deep_nesting_are_rejected() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let h = r#"{"alg":"RS256"}"#;
    let dup = format!(
        r#"{{"sub":"{}","sub":"x","exp":{}}}"#,
        c.tech,
        now_secs(&s) + 60
    );
    assert_error(
        &ims_exchange(&s, &c, &raw_token(h, &dup, b"x")).await,
        400,
        "invalid_token",
    );
    let deep = format!(r#"{{"x":{}}}"#, "[".repeat(10_000));
    assert_error(
        &ims_exchange(&s, &c, &raw_token(h, &deep, b"x")).await,
        400,
        "invalid_token",
    );
}

#[tokio::test]
async fn fuzz_19_token_confusion_is_rejected() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let other = service_account(&s, CredentialKind::ServiceAccountJwt, Some(EC_CERT)).await;
    // One of our own access tokens presented as the assertion.
    let (st, v) = ims_exchange(&s, &c, &rs256(&ims_claims(&s, &c))).await;
    assert_eq!(st, 200);
    let at = v["access_token"].as_str().unwrap();
    assert_error(&ims_exchange(&s, &c, at).await, 400, "invalid_signature");
    // The other account's assertion (its key, its sub) presented with this client.
    let theirs = sign_with(
        Algorithm::ES256,
        EC_KEY,
        Header::default(),
        &ims_claims(&s, &other),
    );
    assert_eq!(ims_exchange(&s, &other, &theirs).await.0, 200);
    assert_error(
        &ims_exchange(&s, &c, &theirs).await,
        400,
        "invalid_signature",
    );
    // This account's key, but the other's technical account as sub.
    let mut claims = ims_claims(&s, &c);
    claims["sub"] = json!(other.tech);
    assert_error(
        &ims_exchange(&s, &c, &rs256(&claims)).await,
        400,
        "bad_request",
    );
}

#[tokio::test]
async fn bad_input_at_the_exchange_never_yields_a_5xx() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let long = "A".repeat(20_000);
    for jwt in [
        "",
        ".",
        "..",
        "...",
        "a.b.c",
        "e30.e30.e30",
        "bnVsbA.bnVsbA.AA",
        &long,
        "eyJhbGciOiJSUzI1NiJ9.W10.AA",
        "eyJhbGciOlsiUlMyNTYiXX0.e30.AA",
    ] {
        let (st, v) = ims_exchange(&s, &c, jwt).await;
        assert!((400..500).contains(&st), "{jwt:.30}: {st} {v}");
        assert!(
            v["error"].is_string(),
            "{jwt:.30}: no OAuth error code in {v}"
        );
    }
}
