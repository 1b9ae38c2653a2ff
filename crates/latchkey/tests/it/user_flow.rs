//! The sign-in flow end to end on an in-process server: authorize → login form →
//! consent form → callback → code exchange → userinfo → refresh → revoke, with the
//! negative cases of docs/security-checklist.md, named after their ids.

use crate::browser::{Browser, hidden, location, query_param};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use latchkey_core::admin::{self, NewUser};
use latchkey_core::model::{CredentialKind, OrgRole};
use latchkey_core::pkce::s256;
use latchkey_testkit::{S2s, TestServer};
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const REDIRECT: &str = "https://app.example/cb";

pub struct App {
    pub s: TestServer,
    pub client: S2s,
    pub email: String,
}

/// A server, a credential of `kind` and a user (Ada Lovelace) in the credential's org.
pub async fn app(kind: CredentialKind) -> App {
    app_on(TestServer::start().await, kind).await
}

/// `app` on a server the caller started.
pub async fn app_on(s: TestServer, kind: CredentialKind) -> App {
    let client = s.credential(kind).await;
    let email = format!("ada{}@example.com", &client.client_id[..6]);
    add_user(&s, &client.org_id, &email, Some(("Ada", "Lovelace", "GB"))).await;
    App { s, client, email }
}

/// A plain user of `org` with `PASSWORD`, and optionally a given name, family name and country.
pub async fn add_user(s: &TestServer, org: &str, email: &str, names: Option<(&str, &str, &str)>) {
    admin::create_user(
        &s.ctx(),
        NewUser {
            org: &latchkey_core::ids::OrgId(org.to_owned()),
            email,
            password: PASSWORD,
            role: OrgRole::User,
            given_name: names.map(|n| n.0),
            family_name: names.map(|n| n.1),
            country: names.map(|n| n.2),
        },
    )
    .await
    .unwrap();
}

/// Another credential of `kind` in `a`'s project with these redirect URIs; its client id.
pub async fn another_credential(a: &App, kind: CredentialKind, uris: &[&str]) -> String {
    let uris: Vec<String> = uris.iter().map(|u| (*u).to_owned()).collect();
    admin::create_credential(
        &a.s.ctx(),
        &admin::Actor::Operator,
        admin::NewCredential {
            project: &latchkey_core::ids::ProjectId(a.client.project_id.clone()),
            kind,
            name: Some("Another app"),
            redirect_uris: &uris,
            certificate_pem: None,
        },
    )
    .await
    .unwrap()
    .credential
    .client_id
    .0
}

pub fn authorize_url(a: &App, scope: &str, extra: &str) -> String {
    format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state=st%20ate&nonce=n-0S6&code_challenge={}&code_challenge_method=S256{extra}",
        a.client.client_id,
        REDIRECT,
        scope.replace(' ', "%20"),
        s256(VERIFIER)
    )
}

/// Drive the browser from the authorize URL through login and consent; returns the
/// final redirect to the client.
pub async fn sign_in(a: &App, b: &mut Browser, url: &str) -> String {
    let r = b.get(url).await;
    assert_eq!(r.status(), 303);
    let mut next = location(&r);
    if next.starts_with("/login") {
        let page = b.get(&next).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let r = b
            .post(
                "/login",
                &[
                    ("username", &a.email),
                    ("password", PASSWORD),
                    ("csrf", &hidden(&html, "csrf")),
                    ("ar", &hidden(&html, "ar")),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "login failed");
        next = location(&r);
    }
    if next.starts_with("/consent") {
        let html = b.get(&next).await.text().await.unwrap();
        let r = b
            .post(
                "/consent",
                &[
                    ("decision", "allow"),
                    ("csrf", &hidden(&html, "csrf")),
                    ("ar", &hidden(&html, "ar")),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        next = location(&r);
    }
    next
}

/// POST `form` to `/oauth2/token` as `client` (client_secret_basic).
pub async fn token_as(a: &App, client: &S2s, form: &[(&str, &str)]) -> reqwest::Response {
    a.s.http()
        .post(format!("{}/oauth2/token", a.s.url))
        .basic_auth(&client.client_id, Some(&client.client_secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

pub async fn exchange(a: &App, code: &str, verifier: Option<&str>) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    token_as(a, &a.client, &form).await
}

async fn refresh(a: &App, rt: &str) -> reqwest::Response {
    token_as(
        a,
        &a.client,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await
}

pub async fn userinfo(a: &App, token: &str) -> reqwest::Response {
    a.s.http()
        .get(format!("{}/oauth2/userinfo", a.s.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub async fn code_for(a: &App, scope: &str) -> (Browser, String) {
    let mut b = Browser::new(&a.s.url);
    let cb = sign_in(a, &mut b, &authorize_url(a, scope, "")).await;
    let code = query_param(&cb, "code").expect("code in callback");
    (b, code)
}

#[tokio::test]
async fn conf_01_29_code_flow_happy_path_with_pkce_id_token_userinfo_and_refresh() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let cb = sign_in(
        &a,
        &mut b,
        &authorize_url(&a, "openid profile email address offline_access", ""),
    )
    .await;
    assert!(cb.starts_with(&format!("{REDIRECT}?code=")), "{cb}");
    assert_eq!(
        query_param(&cb, "state").as_deref(),
        Some("st ate"),
        "SEC-35: state byte for byte"
    );
    assert_eq!(
        query_param(&cb, "iss").as_deref(),
        Some(a.s.url.as_str()),
        "SEC-36: iss in the response"
    );
    let code = query_param(&cb, "code").unwrap();
    let code_payload: Value = jsonwebtoken::dangerous::insecure_decode(&code)
        .unwrap()
        .claims;
    assert_eq!(
        code_payload["type"], "authorization_code",
        "IMS clients decode codes"
    );

    let r = exchange(&a, &code, Some(VERIFIER)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let t: Value = r.json().await.unwrap();
    let (at, rt, idt) = (
        t["access_token"].as_str().unwrap(),
        t["refresh_token"].as_str().unwrap(),
        t["id_token"].as_str().unwrap(),
    );

    // The ID token verifies against JWKS with a third-party library (CONF-03, SEC-47).
    let jwks: JwkSet =
        a.s.http()
            .get(format!("{}/oauth2/jwks", a.s.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let header = decode_header(idt).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[&a.client.client_id]);
    v.set_issuer(&[&a.s.url]);
    let claims = decode::<Value>(
        idt,
        &DecodingKey::from_jwk(jwks.find(&header.kid.unwrap()).unwrap()).unwrap(),
        &v,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["nonce"], "n-0S6", "SEC-19");
    assert!(claims["auth_time"].as_i64().is_some());
    assert_eq!(claims["at_hash"], latchkey_core::idtoken::at_hash(at));

    let info: Value = userinfo(&a, at).await.json().await.unwrap();
    assert_eq!(
        info["sub"], claims["sub"],
        "SEC-50: userinfo sub = id_token sub"
    );
    assert_eq!(info["email"], a.email.as_str());
    assert_eq!(info["name"], "Ada Lovelace");
    assert_eq!(info["address"]["country"], "GB");

    // Refresh rotates; the new access token works.
    let r2: Value = refresh(&a, rt).await.json().await.unwrap();
    let rt2 = r2["refresh_token"].as_str().unwrap();
    assert_ne!(rt2, rt);
    assert_eq!(
        userinfo(&a, r2["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn sec_15_neg_03_code_replay_is_invalid_grant_and_revokes_what_it_issued() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid offline_access").await;
    let first: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let r = exchange(&a, &code, Some(VERIFIER)).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    assert_eq!(
        userinfo(&a, first["access_token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    let i: Value =
        a.s.http()
            .post(format!("{}/oauth2/introspect", a.s.url))
            .basic_auth(&a.client.client_id, Some(&a.client.client_secret))
            .form(&[("token", first["access_token"].as_str().unwrap())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(i, serde_json::json!({"active": false}));
    assert_eq!(
        refresh(&a, first["refresh_token"].as_str().unwrap())
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn sec_22_neg_14_refresh_reuse_revokes_the_whole_grant() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid offline_access").await;
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let rt1 = t["refresh_token"].as_str().unwrap();
    let t2: Value = refresh(&a, rt1).await.json().await.unwrap();
    let rt2 = t2["refresh_token"].as_str().unwrap();
    let r = refresh(&a, rt1).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    assert_eq!(
        refresh(&a, rt2).await.status(),
        400,
        "the newest refresh token died too"
    );
    assert_eq!(
        userinfo(&a, t2["access_token"].as_str().unwrap())
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn sec_23_concurrent_refresh_and_code_redemption_exactly_one_wins() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid offline_access").await;
    let results = futures_join(8, |_| exchange(&a, &code, Some(VERIFIER))).await;
    assert_eq!(
        results.iter().filter(|s| **s == 200).count(),
        1,
        "{results:?}"
    );
    assert!(
        results.iter().all(|s| *s == 200 || *s == 400),
        "{results:?}"
    );
    let (_, code) = code_for(&a, "openid offline_access").await;
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let rt = t["refresh_token"].as_str().unwrap();
    let results = futures_join(8, |_| refresh(&a, rt)).await;
    assert_eq!(
        results.iter().filter(|s| **s == 200).count(),
        1,
        "{results:?}"
    );
}

/// Run `n` requests at once (polled together, so they really race) and return statuses.
pub async fn futures_join<F, Fut>(n: usize, f: F) -> Vec<u16>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let mut futs: Vec<_> = (0..n).map(|i| Box::pin(f(i))).collect();
    let mut done: Vec<Option<u16>> = vec![None; n];
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, fut) in futs.iter_mut().enumerate() {
            if done[i].is_none() {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(r) => done[i] = Some(r.status().as_u16()),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    done.into_iter().map(|d| d.unwrap()).collect()
}
