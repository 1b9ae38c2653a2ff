//! The person sign-in flow on an in-process server: an app (a credential and a user in
//! its org), the authorize URL, the login and consent forms driven by a [`Browser`],
//! and the token-endpoint and userinfo requests that follow.

use super::browser::{Browser, hidden, location, query_param};
use super::{S2s, TestServer};
use latchkey_core::admin::{self, NewUser};
use latchkey_core::ids::{OrgId, ProjectId};
use latchkey_core::model::{CredentialKind, OrgRole};
use latchkey_core::pkce::s256;
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

/// A plain user of `org` with `PASSWORD`, and optionally a given name, family name and
/// country.
pub async fn add_user(s: &TestServer, org: &str, email: &str, names: Option<(&str, &str, &str)>) {
    admin::create_user(
        &s.ctx(),
        NewUser {
            org: &OrgId(org.to_owned()),
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
            project: &ProjectId(a.client.project_id.clone()),
            kind,
            name: Some("Another app"),
            redirect_uris: &uris,
            certificate_pem: None,
            profiles: &[],
        },
    )
    .await
    .unwrap()
    .credential
    .client_id
    .0
}

/// `/oauth2/authorize` for `a`'s client with `scope`, state `st ate`, a nonce and an
/// S256 challenge of [`VERIFIER`]; `extra` is appended as is (`&prompt=none`, …).
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

/// The hidden fields of a login page: its CSRF token and its sealed authorization
/// request.
pub struct LoginForm {
    pub csrf: String,
    pub ar: String,
}

/// Open `authorize` in `b`, follow it to the login page, and read the page's form.
pub async fn login_form(b: &mut Browser, authorize: &str) -> LoginForm {
    let r = b.get(authorize).await;
    let login = location(&r);
    assert!(login.starts_with("/login"), "not the login page: {login}");
    let html = b.get(&login).await.text().await.unwrap();
    LoginForm {
        csrf: hidden(&html, "csrf"),
        ar: hidden(&html, "ar"),
    }
}

/// POST the login form as `username` with `password`.
pub async fn post_login(
    b: &mut Browser,
    form: &LoginForm,
    username: &str,
    password: &str,
) -> reqwest::Response {
    b.post(
        "/login",
        &[
            ("username", username),
            ("password", password),
            ("csrf", &form.csrf),
            ("ar", &form.ar),
        ],
    )
    .await
}

/// POST `form` to `/oauth2/token` as `client` (client_secret_basic).
pub async fn token_as(a: &App, client: &S2s, form: &[(&str, &str)]) -> reqwest::Response {
    a.s.post("/oauth2/token")
        .basic_auth(&client.client_id, Some(&client.client_secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Redeem `code` as `a`'s client, with [`REDIRECT`] and the verifier if given.
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

/// Redeem the refresh token `rt` as `a`'s client.
pub async fn refresh(a: &App, rt: &str) -> reqwest::Response {
    token_as(
        a,
        &a.client,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await
}

/// `GET /oauth2/userinfo` with `token` as the bearer.
pub async fn userinfo(a: &App, token: &str) -> reqwest::Response {
    a.s.get("/oauth2/userinfo")
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Sign in with a fresh browser for `scope`; the browser and the code.
pub async fn code_for(a: &App, scope: &str) -> (Browser, String) {
    let mut b = Browser::new(&a.s.url);
    let cb = sign_in(a, &mut b, &authorize_url(a, scope, "")).await;
    let code = query_param(&cb, "code").expect("code in callback");
    (b, code)
}

/// Sign in for `scope` and redeem the code; the browser and the token response.
pub async fn tokens_for(a: &App, scope: &str) -> (Browser, Value) {
    let (b, code) = code_for(a, scope).await;
    let r = exchange(a, &code, Some(VERIFIER)).await;
    assert_eq!(r.status(), 200);
    (b, r.json().await.unwrap())
}
