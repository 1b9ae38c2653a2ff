//! Service accounts over HTTP: the IMS JWT exchange (docs/ims-contract.md §2.3, §7), the
//! RFC 7523 grant (SEC-31), `private_key_jwt` (SEC-32), the hostile-assertion cases of
//! FUZZ-01…10 and FUZZ-19, replay across a restart (REL-05), certificates, conversion to
//! server-to-server, product roles, and the role matrix (SEC-40).

use crate::support::{Env, http};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use latchkey_core::admin::service_accounts as sa;
use latchkey_core::admin::{self, Actor, AdminError, NewCredential, NewUser, products};
use latchkey_core::clock::Clock;
use latchkey_core::ids::{ClientId, ProjectId};
use latchkey_core::model::{CredentialKind, OrgRole};
use latchkey_testkit::TestServer;
use serde_json::{Value, json};

pub const RSA_CERT: &str = include_str!("../../../latchkey-core/testdata/sa_rsa.crt");
pub const RSA_KEY: &str = include_str!("../../../latchkey-core/testdata/sa_rsa.key");
const RSA_PUB: &str = include_str!("../../../latchkey-core/testdata/sa_rsa.pub");
const EC_CERT: &str = include_str!("../../../latchkey-core/testdata/sa_ec.crt");
const EC_KEY: &str = include_str!("../../../latchkey-core/testdata/sa_ec.key");

/// A service-account credential in a fresh org whose project has every catalog API.
pub(crate) struct Sa {
    pub client_id: String,
    pub client_secret: String,
    pub org_id: String,
    pub tech: String,
    pub project_id: String,
}

pub(crate) async fn service_account(s: &TestServer, kind: CredentialKind, pem: Option<&str>) -> Sa {
    let ctx = s.ctx();
    let org = admin::create_org(&ctx, "SA Org").await.unwrap();
    let project = admin::create_project(&ctx, &org.id, "SA Project")
        .await
        .unwrap();
    for api in s.state.store.list_apis().await.unwrap() {
        admin::add_api_to_project(&ctx, &project.id, &api.id)
            .await
            .unwrap();
    }
    let c = admin::create_credential(
        &ctx,
        &Actor::Operator,
        NewCredential {
            project: &project.id,
            kind,
            name: Some("Service Account"),
            redirect_uris: &[],
            certificate_pem: pem,
        },
    )
    .await
    .unwrap();
    Sa {
        client_id: c.credential.client_id.0.clone(),
        client_secret: c.secret.unwrap().expose().to_owned(),
        org_id: org.id.0,
        tech: c.technical_account.unwrap().id.0,
        project_id: project.id.0,
    }
}

pub(crate) fn now_secs(s: &TestServer) -> i64 {
    s.clock.now().secs()
}

/// IMS claims as aio-lib-ims-jwt builds them, against this server's base URL.
pub(crate) fn ims_claims(s: &TestServer, c: &Sa) -> Value {
    json!({"iss": c.org_id, "sub": c.tech, "aud": format!("{}/c/{}", s.url, c.client_id),
           "exp": now_secs(s) + 300, "iat": now_secs(s),
           format!("{}/s/ent_workfront_sdk", s.url): true})
}

fn sign_with(alg: Algorithm, pem: &str, header: Header, claims: &Value) -> String {
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    jsonwebtoken::encode(&Header { alg, ..header }, claims, &key).unwrap()
}

pub(crate) fn rs256(claims: &Value) -> String {
    sign_with(Algorithm::RS256, RSA_KEY, Header::default(), claims)
}

fn b64(v: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

/// A token assembled by hand: header and payload JSON text, and a signature.
fn raw_token(header: &str, payload: &str, sig: &[u8]) -> String {
    format!("{}.{}.{}", b64(header), b64(payload), b64(sig))
}

pub(crate) async fn exchange(s: &TestServer, c: &Sa, jwt: &str) -> (u16, Value) {
    let r = s
        .post_form(
            "/ims/exchange/jwt",
            &[
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
                ("jwt_token", jwt),
            ],
        )
        .await;
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

pub(crate) fn assert_err(got: &(u16, Value), status: u16, error: &str) {
    assert_eq!(
        (got.0, got.1["error"].as_str().unwrap_or("")),
        (status, error),
        "{}",
        got.1
    );
}

pub(crate) async fn jwt_bearer(
    s: &TestServer,
    c: &Sa,
    assertion: &str,
    scope: Option<&str>,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.client_secret.as_str()),
        ("assertion", assertion),
    ];
    if let Some(sc) = scope {
        form.push(("scope", sc));
    }
    let r = s.post_form("/oauth2/token", &form).await;
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

pub(crate) fn grant_claims(s: &TestServer, c: &Sa, jti: &str) -> Value {
    json!({"iss": c.org_id, "sub": c.tech, "aud": format!("{}/oauth2/token", s.url),
           "exp": now_secs(s) + 120, "iat": now_secs(s), "jti": jti})
}

pub(crate) async fn validate(s: &TestServer, token: &str) -> Value {
    let r = s
        .post_form(
            "/ims/validate_token/v1",
            &[("token", token), ("type", "access_token")],
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn ims_exchange_issues_a_technical_account_token_with_product_roles() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    for path in ["/ims/exchange/jwt", "/ims/exchange/jwt/"] {
        let r = s
            .post_form(
                path,
                &[
                    ("client_id", &c.client_id),
                    ("client_secret", &c.client_secret),
                    ("jwt_token", &rs256(&ims_claims(&s, &c))),
                ],
            )
            .await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["token_type"], "bearer");
        assert_eq!(
            v["expires_in"], 86_400_000,
            "milliseconds (docs/ims-contract.md §2.3)"
        );
        let token = v["access_token"].as_str().unwrap();
        let claims = validate(&s, token).await;
        assert_eq!(claims["valid"], true, "{claims}");
        assert_eq!(claims["token"]["org"], c.org_id.as_str());
        assert_eq!(claims["token"]["user_id"], c.tech.as_str());
        assert_eq!(claims["token"]["ctp"], 3);
        let scope = claims["token"]["scope"].as_str().unwrap();
        assert!(scope.split(',').any(|x| x == "workfront.read"), "{scope}");
        assert!(!scope.split(',').any(|x| x == "firefly_api"), "{scope}");
        let roles = claims["product_roles"].as_array().unwrap();
        let wf = roles.iter().find(|r| r["product"] == "Workfront").unwrap();
        assert_eq!(wf["role"], "contributor");
    }
    // The public-key upload path works too (a PUBLIC KEY PEM instead of a certificate).
    let pk = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_PUB)).await;
    let got = exchange(&s, &pk, &rs256(&ims_claims(&s, &pk))).await;
    assert_eq!(got.0, 200, "{}", got.1);
}

#[tokio::test]
async fn exchange_client_errors_follow_the_contract_table() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let jwt = rs256(&ims_claims(&s, &c));
    let unknown = Sa {
        client_id: "0".repeat(32),
        ..service_account(&s, CredentialKind::ServiceAccountJwt, None).await
    };
    assert_err(&exchange(&s, &unknown, &jwt).await, 400, "invalid_client");
    let wrong = Sa {
        client_secret: "wrong".into(),
        ..service_account(&s, CredentialKind::ServiceAccountJwt, None).await
    };
    let wrong = Sa {
        client_id: c.client_id.clone(),
        ..wrong
    };
    assert_err(&exchange(&s, &wrong, &jwt).await, 401, "invalid_client");
    let s2s = service_account(&s, CredentialKind::ServerToServer, None).await;
    assert_err(&exchange(&s, &s2s, &jwt).await, 401, "invalid_client");
    let r = s
        .post_form(
            "/ims/exchange/jwt",
            &[
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_token");
    let r = s
        .http()
        .get(format!("{}/ims/exchange/jwt", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn fuzz_01_alg_none_is_rejected() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let payload = ims_claims(&s, &c).to_string();
    for alg in ["none", "None", "nOnE"] {
        let h = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
        let unsigned = format!("{}.{}.", b64(&h), b64(&payload));
        assert_err(&exchange(&s, &c, &unsigned).await, 400, "invalid_token");
        let t = raw_token(&h, &payload, b"x");
        assert_err(&exchange(&s, &c, &t).await, 400, "invalid_signature");
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
        assert_err(&exchange(&s, &c, &t).await, 400, "invalid_signature");
    }
}

#[tokio::test]
async fn fuzz_03_wrong_key_and_mismatched_alg_are_invalid_signature() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let claims = ims_claims(&s, &c);
    let ec = sign_with(Algorithm::ES256, EC_KEY, Header::default(), &claims);
    assert_err(&exchange(&s, &c, &ec).await, 400, "invalid_signature");
    // RS256 header over an ES256 signature.
    let parts: Vec<&str> = ec.split('.').collect();
    let forged = format!("{}.{}.{}", b64(r#"{"alg":"RS256"}"#), parts[1], parts[2]);
    assert_err(&exchange(&s, &c, &forged).await, 400, "invalid_signature");
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
    assert_err(&exchange(&s, &c, &t).await, 400, "invalid_signature");
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
        let got = exchange(&s, &c, &t).await;
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
        assert_err(&exchange(&s, &c, &rs256(&claims)).await, 400, want);
    }
    // 1e400 is not valid JSON for the server's parser: undecodable.
    let h = r#"{"alg":"RS256"}"#;
    let p = format!(r#"{{"iss":"{}","exp":1e400}}"#, c.org_id);
    assert_err(
        &exchange(&s, &c, &raw_token(h, &p, b"x")).await,
        400,
        "invalid_token",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_07_neg_13_replayed_jti_is_refused_even_in_parallel() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let mut claims = ims_claims(&s, &c);
    claims["jti"] = json!(424242);
    let form = vec![
        ("client_id".to_owned(), c.client_id.clone()),
        ("client_secret".to_owned(), c.client_secret.clone()),
        ("jwt_token".to_owned(), rs256(&claims)),
    ];
    let url = format!("{}/ims/exchange/jwt", s.url);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (url, form) = (url.clone(), form.clone());
            tokio::spawn(async move {
                let r = http().post(url).form(&form).send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let ok = results.iter().filter(|r| r.0 == 200).count();
    assert_eq!(ok, 1, "{results:?}");
    for r in results.iter().filter(|r| r.0 != 200) {
        assert_err(r, 400, "invalid_token");
    }
    // RFC 7523 grant: the second use is invalid_grant (NEG-13).
    let a = rs256(&grant_claims(&s, &c, "grant-jti-1"));
    assert_eq!(jwt_bearer(&s, &c, &a, None).await.0, 200);
    assert_err(&jwt_bearer(&s, &c, &a, None).await, 400, "invalid_grant");
}

#[test]
fn fuzz_07_rel_05_replayed_jti_is_refused_across_a_restart() {
    let env = Env::new();
    let org = env.cli_json(&["org", "create", "--name", "Restart Org", "--json"]);
    let org_id = org["id"].as_str().unwrap();
    let p = env.cli_json(&[
        "project", "create", "--org", org_id, "--name", "P", "--json",
    ]);
    let pid = p["id"].as_str().unwrap();
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        pid,
        "--api",
        "workfront",
        "--json",
    ]);
    let cert = env.dir.path().join("sa.crt");
    std::fs::write(&cert, RSA_CERT).unwrap();
    let c = env.cli_json(&[
        "credential",
        "create",
        "--project",
        pid,
        "--kind",
        "service_account_jwt",
        "--certificate",
        cert.to_str().unwrap(),
        "--json",
    ]);
    let (cid, secret, tech) = (
        c["client_id"].as_str().unwrap().to_owned(),
        c["client_secret"].as_str().unwrap().to_owned(),
        c["technical_account_id"].as_str().unwrap().to_owned(),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let exchange_at = |url: &str, jwt: &str| {
        let form = [
            ("client_id", cid.as_str()),
            ("client_secret", secret.as_str()),
            ("jwt_token", jwt),
        ];
        let url = format!("{url}/ims/exchange/jwt");
        rt.block_on(async {
            let r = http().post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        })
    };
    // A fixed issuer: the assertion's `aud` must survive the new port after the restart.
    let issuer = "http://127.0.0.1:9";
    let server = env.serve(&["--issuer", issuer]);
    let now = latchkey_core::clock::SystemClock.now().secs();
    let claims = json!({"iss": org_id, "sub": tech, "aud": format!("{issuer}/c/{cid}"),
        "exp": now + 600, "jti": 777, format!("{issuer}/s/ent_workfront_sdk"): true});
    let jwt = rs256(&claims);
    let first = exchange_at(&server.url, &jwt);
    assert_eq!(first.0, 200, "{}", first.1);
    server.kill9();
    let server = env.serve(&["--issuer", issuer]);
    let again = exchange_at(&server.url, &jwt);
    assert_err(&again, 400, "invalid_token");
    assert!(
        again.1["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
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
        assert_err(&exchange(&s, &c, &rs256(&claims)).await, 400, want);
    }
    for aud in [
        json!(format!("{}/oauth2/introspect", s.url)),
        json!([s.url.clone(), "https://evil.example"]),
        json!(null),
    ] {
        let mut claims = grant_claims(&s, &c, "aud-test");
        claims["aud"] = aud;
        assert_err(
            &jwt_bearer(&s, &c, &rs256(&claims), None).await,
            400,
            "invalid_grant",
        );
    }
}

#[tokio::test]
async fn neg_08_metascope_outside_the_binding_and_unknown_scope_are_invalid_scope() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let mut claims = ims_claims(&s, &c);
    claims[format!("{}/s/ent_campaign_sdk", s.url)] = json!(true);
    let got = exchange(&s, &c, &rs256(&claims)).await;
    assert_err(&got, 400, "invalid_scope");
    assert!(
        got.1["error_description"]
            .as_str()
            .unwrap()
            .contains("not a subset")
    );
    let mut none = ims_claims(&s, &c);
    none.as_object_mut()
        .unwrap()
        .remove(&format!("{}/s/ent_workfront_sdk", s.url));
    assert_err(&exchange(&s, &c, &rs256(&none)).await, 400, "invalid_scope");
    let a = rs256(&grant_claims(&s, &c, "scope-1"));
    assert_err(
        &jwt_bearer(&s, &c, &a, Some("cc_files")).await,
        400,
        "invalid_scope",
    );
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
    assert_err(&exchange(&s, &c, &tampered).await, 400, "invalid_signature");
    for bad in [
        format!("{t}.a.b"),
        format!("{t}="),
        format!("{t} "),
        "a.b".into(),
    ] {
        assert_err(&exchange(&s, &c, &bad).await, 400, "invalid_token");
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
    assert_err(
        &exchange(&s, &c, &raw_token(h, &dup, b"x")).await,
        400,
        "invalid_token",
    );
    let deep = format!(r#"{{"x":{}}}"#, "[".repeat(10_000));
    assert_err(
        &exchange(&s, &c, &raw_token(h, &deep, b"x")).await,
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
    let (st, v) = exchange(&s, &c, &rs256(&ims_claims(&s, &c))).await;
    assert_eq!(st, 200);
    let at = v["access_token"].as_str().unwrap();
    assert_err(&exchange(&s, &c, at).await, 400, "invalid_signature");
    // The other account's assertion (its key, its sub) presented with this client.
    let theirs = sign_with(
        Algorithm::ES256,
        EC_KEY,
        Header::default(),
        &ims_claims(&s, &other),
    );
    assert_eq!(exchange(&s, &other, &theirs).await.0, 200);
    assert!(exchange(&s, &c, &theirs).await.0 == 400);
    // This account's key, but the other's technical account as sub.
    let mut claims = ims_claims(&s, &c);
    claims["sub"] = json!(other.tech);
    assert_err(&exchange(&s, &c, &rs256(&claims)).await, 400, "bad_request");
}

#[tokio::test]
async fn sec_31_jwt_bearer_grant_on_the_standard_token_endpoint() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let a = rs256(&grant_claims(&s, &c, "std-1"));
    let (st, v) = jwt_bearer(&s, &c, &a, Some("openid workfront.read")).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["scope"], "openid workfront.read");
    assert!(v.get("refresh_token").is_none());
    let claims = validate(&s, v["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["token"]["sub"], c.tech.as_str());
    // The issuer itself is an accepted audience too.
    let mut claims = grant_claims(&s, &c, "std-2");
    claims["aud"] = json!(s.url);
    assert_eq!(jwt_bearer(&s, &c, &rs256(&claims), None).await.0, 200);
    let r = s
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let mut no_jti = grant_claims(&s, &c, "x");
    no_jti.as_object_mut().unwrap().remove("jti");
    assert_err(
        &jwt_bearer(&s, &c, &rs256(&no_jti), None).await,
        400,
        "invalid_grant",
    );
    let disc: Value = s
        .http()
        .get(format!("{}/.well-known/openid-configuration", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        disc["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("urn:ietf:params:oauth:grant-type:jwt-bearer"))
    );
}

#[tokio::test]
async fn neg_06_jwt_bearer_for_a_server_to_server_client_is_unauthorized_client() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServerToServer, None).await;
    let a = rs256(&grant_claims(&s, &c, "neg6"));
    assert_err(
        &jwt_bearer(&s, &c, &a, None).await,
        400,
        "unauthorized_client",
    );
}

#[tokio::test]
async fn sec_32_conf_34_private_key_jwt_client_authentication() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let urn = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let client_assertion = |jti: &str, patch: Value| {
        let mut claims = json!({"iss": c.client_id, "sub": c.client_id,
            "aud": format!("{}/oauth2/token", s.url), "exp": now_secs(&s) + 60,
            "iat": now_secs(&s), "jti": jti});
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        rs256(&claims)
    };
    let post = |ca: String, extra: Vec<(&'static str, String)>| {
        let grant = rs256(&grant_claims(
            &s,
            &c,
            &format!("g-{}", ca.len() + extra.len()),
        ));
        let mut form: Vec<(String, String)> = vec![
            (
                "grant_type".into(),
                "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
            ),
            ("assertion".into(), grant),
            ("client_assertion_type".into(), urn.into()),
            ("client_assertion".into(), ca),
        ];
        form.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
        let url = format!("{}/oauth2/token", s.url);
        async move {
            let r = http().post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let first = client_assertion("ca-1", json!({}));
    let ok = post(first.clone(), vec![]).await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    // CONF-34: the issuer itself is an accepted audience.
    let ok = post(client_assertion("ca-iss", json!({"aud": s.url})), vec![]).await;
    assert_eq!(ok.0, 200, "CONF-34: {}", ok.1);
    // The same client assertion again: replay.
    assert_err(&post(first, vec![]).await, 401, "invalid_client");
    for patch in [
        json!({"iss": "someone"}),
        json!({"sub": c.tech}),
        json!({"aud": format!("{}/oauth2/introspect", s.url)}),
        json!({"jti": null}),
        json!({"exp": null}),
    ] {
        let got = post(client_assertion("ca-x", patch.clone()), vec![]).await;
        assert_err(&got, 401, "invalid_client");
    }
    let got = post(
        client_assertion("ca-2", json!({})),
        vec![("client_secret", c.client_secret.clone())],
    )
    .await;
    assert_err(&got, 400, "invalid_request");
    let r = http()
        .post(format!("{}/oauth2/token", s.url))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", urn),
            ("client_assertion", &client_assertion("ca-3", json!({}))),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http()
        .post(format!("{}/oauth2/token", s.url))
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
            ),
            ("client_assertion", &client_assertion("ca-4", json!({}))),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
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
        let (st, v) = exchange(&s, &c, jwt).await;
        assert!((400..500).contains(&st), "{jwt:.30}: {st} {v}");
    }
}

#[path = "service_accounts_admin.rs"]
pub(crate) mod admin_ops;
