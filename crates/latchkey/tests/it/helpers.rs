//! Helpers the integration tests share beyond the test kit: service-account credentials
//! and the JWTs they present (the IMS exchange assertion, the RFC 7523 grant assertion, a
//! `private_key_jwt` client assertion), signed with the keys in
//! `crates/latchkey-core/testdata` by `jsonwebtoken`. In-process-server helpers live in
//! `latchkey_testkit`; driving the real binary lives in `support`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use latchkey_core::admin::{self, Actor, NewCredential};
use latchkey_core::clock::Clock;
use latchkey_core::model::CredentialKind;
use latchkey_testkit::{TestServer, status_and_json};
use serde_json::{Value, json};

pub const RSA_CERT: &str = include_str!("../../../latchkey-core/testdata/sa_rsa.crt");
pub const RSA_KEY: &str = include_str!("../../../latchkey-core/testdata/sa_rsa.key");
pub const RSA_PUB: &str = include_str!("../../../latchkey-core/testdata/sa_rsa.pub");
pub const EC_CERT: &str = include_str!("../../../latchkey-core/testdata/sa_ec.crt");
pub const EC_KEY: &str = include_str!("../../../latchkey-core/testdata/sa_ec.key");

/// The RFC 7523 grant type.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The `client_assertion_type` of `private_key_jwt` (RFC 7523 §2.2).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A service-account credential in a fresh org whose project has every catalog API.
pub struct Sa {
    pub client_id: String,
    pub client_secret: String,
    pub org_id: String,
    pub tech: String,
    pub project_id: String,
}

pub async fn service_account(s: &TestServer, kind: CredentialKind, pem: Option<&str>) -> Sa {
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
            profiles: &[],
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

pub fn now_secs(s: &TestServer) -> i64 {
    s.clock.now().secs()
}

/// IMS claims as aio-lib-ims-jwt builds them, against this server's base URL.
pub fn ims_claims(s: &TestServer, c: &Sa) -> Value {
    json!({"iss": c.org_id, "sub": c.tech, "aud": format!("{}/c/{}", s.url, c.client_id),
           "exp": now_secs(s) + 300, "iat": now_secs(s),
           format!("{}/s/ent_workfront_sdk", s.url): true})
}

/// RFC 7523 grant claims: the technical account as `sub`, the token endpoint as `aud`.
pub fn grant_claims(s: &TestServer, c: &Sa, jti: &str) -> Value {
    json!({"iss": c.org_id, "sub": c.tech, "aud": format!("{}/oauth2/token", s.url),
           "exp": now_secs(s) + 120, "iat": now_secs(s), "jti": jti})
}

/// `private_key_jwt` client-assertion claims: the client as `iss` and `sub`, the token
/// endpoint as `aud`, valid for 60 s.
pub fn client_assertion_claims(s: &TestServer, c: &Sa, jti: &str) -> Value {
    json!({"iss": c.client_id, "sub": c.client_id,
           "aud": format!("{}/oauth2/token", s.url), "exp": now_secs(s) + 60,
           "iat": now_secs(s), "jti": jti})
}

pub fn sign_with(alg: Algorithm, pem: &str, header: Header, claims: &Value) -> String {
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    };
    jsonwebtoken::encode(&Header { alg, ..header }, claims, &key).unwrap()
}

/// `claims` signed RS256 with the key of [`RSA_CERT`].
pub fn rs256(claims: &Value) -> String {
    sign_with(Algorithm::RS256, RSA_KEY, Header::default(), claims)
}

pub fn b64(v: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

/// A token assembled by hand: header and payload JSON text, and a signature.
pub fn raw_token(header: &str, payload: &str, sig: &[u8]) -> String {
    format!("{}.{}.{}", b64(header), b64(payload), b64(sig))
}

/// `POST /ims/exchange/jwt` as `c` with `jwt`; the status and JSON body.
pub async fn ims_exchange(s: &TestServer, c: &Sa, jwt: &str) -> (u16, Value) {
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
    status_and_json(r).await
}

/// The RFC 7523 grant at `/oauth2/token` as `c` (secret in the body); status and body.
pub async fn jwt_bearer(
    s: &TestServer,
    c: &Sa,
    assertion: &str,
    scope: Option<&str>,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", JWT_BEARER),
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.client_secret.as_str()),
        ("assertion", assertion),
    ];
    if let Some(sc) = scope {
        form.push(("scope", sc));
    }
    status_and_json(s.post_form("/oauth2/token", &form).await).await
}
