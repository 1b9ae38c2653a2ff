//! Bad input at the token, validation, introspection and revocation endpoints: every case
//! gets a clear OAuth error with the right status, never a 500 or a panic. Test names carry
//! the ids of docs/security-checklist.md.

use latchkey_core::model::CredentialKind;
use latchkey_testkit::{S2s, TestServer};
use reqwest::{RequestBuilder, Response};
use serde_json::Value;

const V3: &str = "/ims/token/v3";

fn cc(c: &S2s) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", c.client_id.clone()),
        ("client_secret", c.client_secret.clone()),
        ("scope", "openid,AdobeID".into()),
    ]
}

fn post(s: &TestServer, path: &str) -> RequestBuilder {
    s.http().post(format!("{}{path}", s.url))
}

/// Assert an RFC 6749 §5.2 error: status, `error`, a description, and `no-store`.
async fn expect_error(resp: Response, status: u16, error: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "expected {status} {error}");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
}

#[tokio::test]
async fn neg_01_no_client_authentication_is_400_invalid_request() {
    let s = TestServer::start().await;
    let r = post(&s, V3)
        .form(&[("grant_type", "client_credentials"), ("scope", "openid")])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn neg_02_wrong_secret_or_unknown_client_is_401_invalid_client_with_challenge() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let cases = [
        post(&s, V3)
            .basic_auth(&c.client_id, Some("wrong"))
            .form(&[("grant_type", "client_credentials"), ("scope", "openid")]),
        post(&s, V3)
            .basic_auth("0123456789abcdef0123456789abcdef", Some("x"))
            .form(&[("grant_type", "client_credentials"), ("scope", "openid")]),
        post(&s, V3).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &c.client_id),
            ("client_secret", "wrong"),
            ("scope", "openid"),
        ]),
        post(&s, V3).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "nobody"),
            ("client_secret", "x"),
            ("scope", "openid"),
        ]),
        // A confidential client that presents no secret.
        post(&s, V3).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &c.client_id),
            ("scope", "openid"),
        ]),
    ];
    for req in cases {
        let r = req.send().await.unwrap();
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
        let body = expect_error(r, 401, "invalid_client").await;
        assert_eq!(
            body["error_description"], "client authentication failed",
            "no hint which part was wrong"
        );
    }
}

#[tokio::test]
async fn sec_42_two_authentication_methods_or_mismatched_ids_are_400() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let r = post(&s, V3)
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&cc(&c))
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    let r = post(&s, V3)
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "someone-else"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    // The matching body client_id with Basic is fine.
    let r = post(&s, V3)
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", c.client_id.as_str()),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn fuzz_15_malformed_basic_headers_are_400_never_500() {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let b = |raw: &[u8]| format!("Basic {}", STANDARD.encode(raw));
    let headers = vec![
        "Basic".to_owned(),
        "Basic !!!notbase64".to_owned(),
        b(b"nocolon"),
        b(b":secret"),
        b(b"id:"),
        b(b"id%zz:secret"),
        b(&[0xff, 0xfe, b':', b'x']),
        format!("Basic {}", "A".repeat(100_000)),
        "Bearer abc".to_owned(),
    ];
    for h in headers {
        let r = post(&s, V3)
            .header("authorization", &h)
            .form(&[("grant_type", "client_credentials"), ("scope", "openid")])
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert!(
            status == 400 || status == 401 || status == 431,
            "{status} for {}",
            &h[..h.len().min(30)]
        );
        if status != 431 {
            expect_error(
                r,
                status,
                if status == 400 {
                    "invalid_request"
                } else {
                    "invalid_client"
                },
            )
            .await;
        }
    }
    // Several colons split at the first; `bAsIc` works; %-encoded ids are decoded.
    let r = post(&s, V3)
        .header(
            "authorization",
            format!(
                "bAsIc {}",
                STANDARD.encode(format!("{}:{}", c.client_id, c.client_secret))
            ),
        )
        .form(&[("grant_type", "client_credentials"), ("scope", "openid")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn neg_07_sec_28_password_and_unknown_grants_are_unsupported() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    for g in ["password", "foobar", "implicit"] {
        let mut f = cc(&c);
        f[0].1 = g.into();
        let r = post(&s, V3).form(&f).send().await.unwrap();
        expect_error(r, 400, "unsupported_grant_type").await;
    }
    let r = post(&s, V3)
        .form(&[("client_id", c.client_id.as_str())])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn sec_29_a_web_app_may_not_use_client_credentials() {
    let s = TestServer::start().await;
    let web = s.credential(CredentialKind::OAuthWeb).await;
    let r = post(&s, V3).form(&cc(&web)).send().await.unwrap();
    expect_error(r, 400, "unauthorized_client").await;
}

#[tokio::test]
async fn sec_30_scopes_are_limited_to_the_credentials_apis() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    for bad in [
        "openid,cc_files",
        "openid,offline_access",
        "openid,evil",
        "open\u{0}id",
    ] {
        let mut f = cc(&c);
        f[3].1 = bad.into();
        let r = post(&s, V3).form(&f).send().await.unwrap();
        expect_error(r, 400, "invalid_scope").await;
    }
    // IMS requires scope; the standard endpoint defaults to everything allowed.
    let mut f = cc(&c);
    f.pop();
    expect_error(
        post(&s, V3).form(&f).send().await.unwrap(),
        400,
        "invalid_scope",
    )
    .await;
    let r = post(&s, "/oauth2/token").form(&f).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["scope"].as_str().unwrap().contains("firefly_api"));
    // aio-lib-ims's literal "undefined" is absent, never a 500 (docs/ims-contract.md §6.3.7).
    let r = post(&s, "/ims/token/v1")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "undefined"),
            ("client_secret", "undefined"),
            ("scope", "undefined"),
        ])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn fuzz_11_duplicate_parameters_are_400() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let mut f = cc(&c);
    f.push(("grant_type", "refresh_token".into()));
    let body = expect_error(
        post(&s, V3).form(&f).send().await.unwrap(),
        400,
        "invalid_request",
    )
    .await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("grant_type")
    );
    // The same name in the query and the body is a duplicate too.
    let r = post(&s, &format!("{V3}?client_id={}", c.client_id))
        .form(&cc(&c))
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn fuzz_12_huge_inputs_are_refused_before_buffering() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    // 10 MB body.
    let big = format!(
        "grant_type=client_credentials&scope={}",
        "a".repeat(10 * 1024 * 1024)
    );
    let r = post(&s, V3)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await;
    if let Ok(r) = r {
        expect_error(r, 413, "invalid_request").await;
    }
    // A declared Content-Length far beyond the limit is refused without reading a byte.
    let mut stream = tokio::net::TcpStream::connect(s.url.trim_start_matches("http://"))
        .await
        .unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"POST /ims/token/v3 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000000\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 413"));
    // 100,000 parameters, and a 1 MB scope.
    let many: String = (0..100_000).map(|i| format!("p{i}=v&")).collect();
    let r = post(&s, V3)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(many)
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 400 | 413));
    let mut f = cc(&c);
    f[3].1 = "a".repeat(1024 * 1024);
    let r = post(&s, V3).form(&f).send().await.unwrap();
    expect_error(r, 413, "invalid_request").await;
    // 10,000 small scopes fit in the body limit but not in the scope limit.
    let mut f = cc(&c);
    f[3].1 = (0..10_000)
        .map(|i| format!("s{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let r = post(&s, V3).form(&f).send().await.unwrap();
    assert!(matches!(r.status().as_u16(), 400 | 413));
}

#[tokio::test]
async fn fuzz_18_content_type_confusion_is_refused() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let json_body = serde_json::json!({"grant_type": "client_credentials", "client_id": c.client_id, "client_secret": c.client_secret}).to_string();
    let r = post(&s, V3)
        .header("content-type", "application/json")
        .body(json_body)
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    let form = latchkey_testkit::serde_urlencoded(&[
        ("grant_type", "client_credentials"),
        ("client_id", &c.client_id),
        ("client_secret", &c.client_secret),
        ("scope", "openid"),
    ]);
    let r = post(&s, V3)
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-16",
        )
        .body(form.clone())
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    let r = post(&s, V3).body(form.clone()).send().await.unwrap();
    expect_error(r, 400, "invalid_request").await;
    // Non-UTF-8 bytes, raw and percent-encoded.
    let r = post(&s, V3)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"grant_type=client_credentials&scope=\xff\xfe".to_vec())
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    let r = post(&s, V3)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=%e9")
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    // GET with credentials in the URL is not a token request.
    let r = s
        .http()
        .get(format!("{}{V3}?{form}", s.url))
        .send()
        .await
        .unwrap();
    expect_error(r, 405, "invalid_request").await;
    // `scope[foo]=bar` stays a plain, unknown parameter.
    let mut f = cc(&c);
    f.push(("scope[foo]", "bar".into()));
    assert_eq!(post(&s, V3).form(&f).send().await.unwrap().status(), 200);
    // Broken multipart.
    let r = post(&s, V3)
        .header("content-type", "multipart/form-data; boundary=xyz")
        .body("--xyz\r\ngarbage")
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn sec_41_secrets_are_stored_hashed_and_rotate_with_two_active() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    // The plain secret appears nowhere in the database files.
    for f in std::fs::read_dir(s.dir.path()).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(c.client_secret.len())
                .any(|w| w == c.client_secret.as_bytes())
        );
    }
    let ctx = s.ctx();
    let cid = latchkey_core::ids::ClientId(c.client_id.clone());
    let (second, _) =
        latchkey_core::admin::rotate_secret(&ctx, &latchkey_core::admin::Actor::Operator, &cid)
            .await
            .unwrap();
    let with = |secret: &str| {
        let mut f = cc(&c);
        f[2].1 = secret.to_owned();
        post(&s, V3).form(&f).send()
    };
    assert_eq!(
        with(&c.client_secret).await.unwrap().status(),
        200,
        "old secret still works during rotation"
    );
    assert_eq!(with(second.expose()).await.unwrap().status(), 200);
    let (third, revoked) =
        latchkey_core::admin::rotate_secret(&ctx, &latchkey_core::admin::Actor::Operator, &cid)
            .await
            .unwrap();
    assert_eq!(revoked.len(), 1);
    expect_error(with(&c.client_secret).await.unwrap(), 401, "invalid_client").await;
    assert_eq!(with(second.expose()).await.unwrap().status(), 200);
    assert_eq!(with(third.expose()).await.unwrap().status(), 200);
}

#[tokio::test]
async fn sec_44_token_like_responses_are_never_cached() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let token = s.token(&c, "openid").await;
    let responses = [
        post(&s, V3).form(&cc(&c)).send().await.unwrap(),
        post(&s, "/ims/validate_token/v1")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        post(&s, "/oauth2/introspect")
            .basic_auth(&c.client_id, Some(&c.client_secret))
            .form(&[("token", &token)])
            .send()
            .await
            .unwrap(),
        post(&s, "/oauth2/revoke")
            .basic_auth(&c.client_id, Some(&c.client_secret))
            .form(&[("token", &token)])
            .send()
            .await
            .unwrap(),
        post(&s, V3)
            .form(&[("grant_type", "nope")])
            .send()
            .await
            .unwrap(),
    ];
    for r in responses {
        assert_eq!(r.headers()["cache-control"], "no-store", "{}", r.url());
        assert_eq!(r.headers()["pragma"], "no-cache");
    }
}

#[tokio::test]
async fn sec_47_jwks_has_distinct_kids_and_no_private_members() {
    let s = TestServer::start().await;
    let jwks: Value = s
        .http()
        .get(format!("{}/ims/keys", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert!(keys.len() >= 2);
    let mut kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    kids.sort();
    kids.dedup();
    assert_eq!(kids.len(), keys.len());
    assert!(
        keys.iter()
            .any(|k| k["alg"] == "RS256" && k["kty"] == "RSA")
    );
    assert!(
        keys.iter()
            .any(|k| k["alg"] == "ES256" && k["crv"] == "P-256")
    );
    for k in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(k.get(private).is_none(), "JWKS leaks {private}");
        }
    }
    let disco: Value = s
        .http()
        .get(format!("{}/.well-known/openid-configuration", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !disco["id_token_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "none")
    );
}

#[tokio::test]
async fn sec_52_request_headers_never_change_the_issuer() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/ims/.well-known/openid-configuration",
    ] {
        let d: Value = s
            .http()
            .get(format!("{}{path}", s.url))
            .header("host", "evil.test")
            .header("x-forwarded-host", "evil.test")
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(d["issuer"], s.url.as_str());
        assert!(!d.to_string().contains("evil.test"));
    }
    let r = post(&s, V3)
        .header("host", "evil.test")
        .header("x-forwarded-host", "evil.test")
        .form(&cc(&c))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let claims: Value = jsonwebtoken::dangerous::insecure_decode(token)
        .unwrap()
        .claims;
    assert_eq!(claims["iss"], s.url.as_str());
}

#[tokio::test]
async fn sec_48_neg_15_revocation_rules() {
    let s = TestServer::start().await;
    let a = s.s2s().await;
    let b = s.s2s().await;
    let token = s.token(&a, "openid").await;
    // Client authentication is required.
    let r = post(&s, "/oauth2/revoke")
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    // Missing token.
    let r = post(&s, "/oauth2/revoke")
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    // Another client's token is not revoked.
    let r = post(&s, "/oauth2/revoke")
        .basic_auth(&b.client_id, Some(&b.client_secret))
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    let v: Value = post(&s, "/ims/validate_token/v1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], true);
    // Garbage is a 200 with an empty body.
    let r = post(&s, "/oauth2/revoke")
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .form(&[("token", "garbage")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A wrong hint still revokes; the effect is immediate.
    let r = post(&s, "/ims/invalidate_token/v2")
        .multipart(
            reqwest::multipart::Form::new()
                .text("token_type", "refresh_token")
                .text("token", token.clone())
                .text("cascading", "all")
                .text("client_id", a.client_id.clone())
                .text("client_secret", a.client_secret.clone()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let i: Value = post(&s, "/oauth2/introspect")
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(i, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn sec_49_introspection_needs_a_confidential_client_and_says_only_active_false() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let token = s.token(&c, "openid").await;
    let r = post(&s, "/oauth2/introspect")
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_request").await;
    let r = post(&s, "/oauth2/introspect")
        .basic_auth(&c.client_id, Some("bad"))
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "invalid_client").await;
    let spa = s.credential(CredentialKind::OAuthSpa).await;
    let r = post(&s, "/oauth2/introspect")
        .form(&[
            ("token", token.as_str()),
            ("client_id", spa.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "invalid_client").await;
    for garbage in ["garbage", "a.b.c", &format!("{token}x")] {
        let i: Value = post(&s, "/oauth2/introspect")
            .basic_auth(&c.client_id, Some(&c.client_secret))
            .form(&[("token", garbage)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(i, serde_json::json!({"active": false}));
    }
    // Expired (past exp + skew) is inactive too.
    s.clock.advance_secs(86_400 + 31);
    let i: Value = post(&s, "/oauth2/introspect")
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(i, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn validate_token_answers_200_with_valid_false_for_bad_tokens() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let token = s.token(&c, "openid").await;
    for (tok, reason) in [
        ("garbage", "token is malformed"),
        ("eyJhbGciOiJub25lIn0.e30.", "token is malformed"),
    ] {
        let v: Value = post(&s, "/ims/validate_token/v1")
            .form(&[("token", tok), ("type", "access_token")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["valid"], false);
        assert_eq!(v["reason"], reason);
    }
    let v: Value = post(&s, "/ims/validate_token/v1")
        .form(&[("token", token.as_str()), ("client_id", "other")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], false, "client_id must match the token's");
    let r = post(&s, "/ims/validate_token/v1").send().await.unwrap();
    expect_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let s = TestServer::start().await;
    let r = s
        .http()
        .get(format!("{}/nope", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = s
        .http()
        .delete(format!("{}/oauth2/revoke", s.url))
        .send()
        .await
        .unwrap();
    expect_error(r, 405, "invalid_request").await;
    let ready = s
        .http()
        .get(format!("{}/readyz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let m = s
        .http()
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("latchkey_http_requests_total{route=\"/readyz\",status=\"200\"} 1"),
        "{m}"
    );
}

#[tokio::test]
async fn sec_43_an_address_with_many_failed_client_authentications_is_slowed_down() {
    let limits = latchkey_http::throttle::AddressLimits {
        login_failures: 3,
        client_auth_failures: 4,
    };
    let s = TestServer::start_limited(None, limits).await;
    let c = s.s2s().await;
    let form = |secret: &str| {
        vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_id".to_owned(), c.client_id.clone()),
            ("client_secret".to_owned(), secret.to_owned()),
            ("scope".to_owned(), "openid".to_owned()),
        ]
    };
    let token = |secret: &str| post(&s, "/ims/token/v3").form(&form(secret)).send();
    // Successes do not count; each 401, on any client-authenticating endpoint, does.
    assert_eq!(token(&c.client_secret).await.unwrap().status(), 200);
    for path in [
        "/ims/token/v3",
        "/oauth2/introspect",
        "/oauth2/revoke",
        "/oauth2/token",
    ] {
        let r = post(&s, path)
            .basic_auth(&c.client_id, Some("wrong"))
            .form(&[("grant_type", "client_credentials"), ("token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    // Now even the right secret waits, and is not checked.
    let r = token(&c.client_secret).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&wait), "{wait}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    // Discovery and keys stay reachable.
    let r = s
        .http()
        .get(format!("{}/oauth2/jwks", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    s.clock.advance_secs(wait);
    assert_eq!(token(&c.client_secret).await.unwrap().status(), 200);
}
