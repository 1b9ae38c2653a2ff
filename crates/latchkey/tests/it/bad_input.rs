//! Bad input at the token endpoint: no or broken client authentication (NEG-01, NEG-02,
//! SEC-42, FUZZ-15), unsupported grants and clients (NEG-07, SEC-28, SEC-29), scopes
//! (SEC-30), duplicate, huge and mistyped parameters (FUZZ-11, FUZZ-12, FUZZ-18), headers
//! that must change nothing (SEC-44 caching, SEC-52 issuer), and unknown paths and methods:
//! every case gets a clear OAuth error with the right status, never a 500 or a panic. Bad
//! input at revocation, introspection and validation is in `revocation`; hostile
//! assertions are in `hostile_assertions`.

use latchkey_core::model::CredentialKind;
use latchkey_testkit::{S2s, TestServer, assert_rfc6749_error, oauth_error};
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

#[tokio::test]
async fn neg_01_no_client_authentication_is_400_invalid_request() {
    let s = TestServer::start().await;
    let r = s
        .post(V3)
        .form(&[("grant_type", "client_credentials"), ("scope", "openid")])
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn neg_02_wrong_secret_or_unknown_client_is_401_invalid_client_with_challenge() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let cases = [
        s.post(V3)
            .basic_auth(&c.client_id, Some("wrong"))
            .form(&[("grant_type", "client_credentials"), ("scope", "openid")]),
        s.post(V3)
            .basic_auth("0123456789abcdef0123456789abcdef", Some("x"))
            .form(&[("grant_type", "client_credentials"), ("scope", "openid")]),
        s.post(V3).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &c.client_id),
            ("client_secret", "wrong"),
            ("scope", "openid"),
        ]),
        s.post(V3).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "nobody"),
            ("client_secret", "x"),
            ("scope", "openid"),
        ]),
        // A confidential client that presents no secret.
        s.post(V3).form(&[
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
        let body = assert_rfc6749_error(r, 401, "invalid_client").await;
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
    let r = s
        .post(V3)
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&cc(&c))
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    let r = s
        .post(V3)
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "someone-else"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    // The matching body client_id with Basic is fine.
    let r = s
        .post(V3)
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
        let r = s
            .post(V3)
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
            assert_rfc6749_error(
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
    let r = s
        .post(V3)
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
        let r = s.post(V3).form(&f).send().await.unwrap();
        assert_rfc6749_error(r, 400, "unsupported_grant_type").await;
    }
    let r = s
        .post(V3)
        .form(&[("client_id", c.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn sec_29_a_web_app_may_not_use_client_credentials() {
    let s = TestServer::start().await;
    let web = s.credential(CredentialKind::OAuthWeb).await;
    let r = s.post(V3).form(&cc(&web)).send().await.unwrap();
    assert_rfc6749_error(r, 400, "unauthorized_client").await;
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
        let r = s.post(V3).form(&f).send().await.unwrap();
        assert_rfc6749_error(r, 400, "invalid_scope").await;
    }
    // IMS requires scope; the standard endpoint defaults to everything allowed.
    let mut f = cc(&c);
    f.pop();
    assert_rfc6749_error(
        s.post(V3).form(&f).send().await.unwrap(),
        400,
        "invalid_scope",
    )
    .await;
    let r = s.post("/oauth2/token").form(&f).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["scope"].as_str().unwrap().contains("firefly_api"));
    // aio-lib-ims's literal "undefined" is absent, never a 500 (docs/ims-contract.md §6.3.7).
    let r = s
        .post("/ims/token/v1")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "undefined"),
            ("client_secret", "undefined"),
            ("scope", "undefined"),
        ])
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn fuzz_11_duplicate_parameters_are_400() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let mut f = cc(&c);
    f.push(("grant_type", "refresh_token".into()));
    let body = assert_rfc6749_error(
        s.post(V3).form(&f).send().await.unwrap(),
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
    let r = s
        .post(&format!("{V3}?client_id={}", c.client_id))
        .form(&cc(&c))
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
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
    let r = s
        .post(V3)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await;
    if let Ok(r) = r {
        assert_rfc6749_error(r, 413, "invalid_request").await;
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
    let r = s
        .post(V3)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(many)
        .send()
        .await
        .unwrap();
    let (status, error) = oauth_error(r).await;
    assert!(
        matches!(status, 400 | 413) && error == "invalid_request",
        "{status} {error}"
    );
    let mut f = cc(&c);
    f[3].1 = "a".repeat(1024 * 1024);
    let r = s.post(V3).form(&f).send().await.unwrap();
    assert_rfc6749_error(r, 413, "invalid_request").await;
    // 10,000 small scopes fit in the body limit but not in the scope limit.
    let mut f = cc(&c);
    f[3].1 = (0..10_000)
        .map(|i| format!("s{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let r = s.post(V3).form(&f).send().await.unwrap();
    let (status, error) = oauth_error(r).await;
    assert!(
        matches!(status, 400 | 413) && error == "invalid_request",
        "{status} {error}"
    );
}

#[tokio::test]
async fn fuzz_18_content_type_confusion_is_refused() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let json_body = serde_json::json!({"grant_type": "client_credentials", "client_id": c.client_id, "client_secret": c.client_secret}).to_string();
    let r = s
        .post(V3)
        .header("content-type", "application/json")
        .body(json_body)
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    let form = latchkey_testkit::serde_urlencoded(&[
        ("grant_type", "client_credentials"),
        ("client_id", &c.client_id),
        ("client_secret", &c.client_secret),
        ("scope", "openid"),
    ]);
    let r = s
        .post(V3)
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-16",
        )
        .body(form.clone())
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    let r = s.post(V3).body(form.clone()).send().await.unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    // Non-UTF-8 bytes, raw and percent-encoded.
    let r = s
        .post(V3)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"grant_type=client_credentials&scope=\xff\xfe".to_vec())
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    let r = s
        .post(V3)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=%e9")
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    // GET with credentials in the URL is not a token request.
    let r = s
        .http()
        .get(format!("{}{V3}?{form}", s.url))
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 405, "invalid_request").await;
    // `scope[foo]=bar` stays a plain, unknown parameter.
    let mut f = cc(&c);
    f.push(("scope[foo]", "bar".into()));
    assert_eq!(s.post(V3).form(&f).send().await.unwrap().status(), 200);
    // Broken multipart.
    let r = s
        .post(V3)
        .header("content-type", "multipart/form-data; boundary=xyz")
        .body("--xyz\r\ngarbage")
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn sec_44_token_like_responses_are_never_cached() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let token = s.token(&c, "openid").await;
    let responses = [
        s.post(V3).form(&cc(&c)).send().await.unwrap(),
        s.post("/ims/validate_token/v1")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        s.post("/oauth2/introspect")
            .basic_auth(&c.client_id, Some(&c.client_secret))
            .form(&[("token", &token)])
            .send()
            .await
            .unwrap(),
        s.post("/oauth2/revoke")
            .basic_auth(&c.client_id, Some(&c.client_secret))
            .form(&[("token", &token)])
            .send()
            .await
            .unwrap(),
        s.post(V3)
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
    let r = s
        .post(V3)
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
async fn unknown_paths_and_methods_get_json_errors() {
    let s = TestServer::start().await;
    let r = s
        .http()
        .get(format!("{}/nope", s.url))
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 404, "not_found").await;
    let r = s
        .http()
        .delete(format!("{}/oauth2/revoke", s.url))
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 405, "invalid_request").await;
    let ready = s
        .http()
        .get(format!("{}/readyz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let m = s.metrics().await;
    assert!(
        m.contains("latchkey_http_requests_total{route=\"/readyz\",status=\"200\"} 1"),
        "{m}"
    );
}

/// The layers every answer passes, whatever its route or outcome: a token, a refused
/// client, an HTML page, an unknown path and a wrong method all say
/// `X-Content-Type-Options: nosniff`, and `/metrics` counts each under its route pattern
/// (the unknown path as `unmatched`, never its raw path).
#[tokio::test]
async fn every_answer_says_nosniff_and_is_counted_under_its_route() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let mut wrong = cc(&c);
    wrong[2].1 = "not-the-secret".into();
    let answers = [
        (s.post(V3).form(&cc(&c)).send().await.unwrap(), 200),
        (s.post(V3).form(&wrong).send().await.unwrap(), 401),
        (s.get("/login").send().await.unwrap(), 200),
        (s.get("/no/such/path").send().await.unwrap(), 404),
        (s.get(V3).send().await.unwrap(), 405),
    ];
    for (r, status) in answers {
        assert_eq!(r.status(), status, "{}", r.url());
        assert_eq!(
            r.headers()
                .get("x-content-type-options")
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{} {status}",
            r.url()
        );
    }
    let m = s.metrics().await;
    for line in [
        "latchkey_http_requests_total{route=\"/ims/token/v3\",status=\"200\"} 1",
        "latchkey_http_requests_total{route=\"/ims/token/v3\",status=\"401\"} 1",
        "latchkey_http_requests_total{route=\"/ims/token/v3\",status=\"405\"} 1",
        "latchkey_http_requests_total{route=\"/login\",status=\"200\"} 1",
        "latchkey_http_requests_total{route=\"unmatched\",status=\"404\"} 1",
    ] {
        assert!(m.contains(line), "{line} not in\n{m}");
    }
    assert!(!m.contains("/no/such/path"), "{m}");
}
