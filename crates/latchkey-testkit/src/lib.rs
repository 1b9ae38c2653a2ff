//! Dev-only test kit: start a real Latchkey server in-process on `127.0.0.1:0` with a fresh
//! SQLite file (or a given database URL) and a clock the test moves by hand, and the helpers
//! the integration tests share: assertions on OAuth error responses (RFC 6749 §5.2) at the
//! crate root, a minimal cookie-keeping [`browser`], and the person sign-in [`flow`]
//! (an app with a user, the login and consent forms, code exchange, refresh, userinfo).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use latchkey_core::admin::{self, Ctx, NewCredential, catalog};
use latchkey_core::clock::{Clock, FixedClock, SystemClock};
use latchkey_core::ids::{ApiId, ProjectId, UserId};
use latchkey_core::keys::{KeyAlg, MasterKey};
use latchkey_core::model::CredentialKind;
use latchkey_core::rand::SystemRng;
use latchkey_core::token::TokenSettings;
use latchkey_http::throttle::AddressLimits;
use latchkey_http::{AppState, ServerSettings};
use serde_json::Value;
use std::sync::Arc;
use tempfile::TempDir;

pub const TEST_ISSUER_PLACEHOLDER: &str = "http://127.0.0.1";

pub struct TestServer {
    /// Base URL, e.g. `http://127.0.0.1:41234`; also the issuer.
    pub url: String,
    pub state: AppState,
    pub clock: Arc<FixedClock>,
    pub database_url: String,
    pub dir: TempDir,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// A server-to-server credential created for a test.
#[derive(Debug, Clone)]
pub struct S2s {
    pub client_id: String,
    pub client_secret: String,
    pub org_id: String,
    pub project_id: String,
    pub technical_account_id: String,
    pub scopes: Vec<String>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_on(None).await
    }

    /// Start on `database_url`, or a fresh SQLite file when `None`.
    pub async fn start_on(database_url: Option<String>) -> Self {
        Self::start_limited(database_url, AddressLimits::default()).await
    }

    /// Start with these brute-force limits per address (SEC-43).
    pub async fn start_limited(database_url: Option<String>, limits: AddressLimits) -> Self {
        Self::start_configured(database_url, |s| s.address_limits = limits).await
    }

    /// Start with settings changed by `configure` from the test defaults.
    pub async fn start_configured(
        database_url: Option<String>,
        configure: impl FnOnce(&mut ServerSettings),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("latchkey.db").display()));
        let store = latchkey_store::open(&database_url).await.unwrap();
        catalog::seed_if_empty(store.as_ref()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let clock = Arc::new(FixedClock::new(SystemClock.now()));
        let mut settings = ServerSettings {
            tokens: TokenSettings {
                lifetimes: latchkey_core::token::Lifetimes::default(),
                issuer: url.clone(),
                ims_as: "ims-na1".into(),
                access_token_ttl_secs: 86_400,
                access_token_ttl_by_kind: Vec::new(),
                clock_skew_secs: 30,
                access_token_alg: KeyAlg::Es256,
            },
            max_body_bytes: 64 * 1024,
            address_limits: AddressLimits::default(),
            timeouts: latchkey_http::Timeouts::default(),
        };
        configure(&mut settings);
        let state = AppState::new(
            store,
            clock.clone(),
            Arc::new(SystemRng),
            settings,
            MasterKey::generate(&SystemRng),
        )
        .await
        .unwrap();
        let handle = tokio::spawn(latchkey_http_serve(listener, state.clone()));
        TestServer {
            url,
            state,
            clock,
            database_url,
            dir,
            handle,
        }
    }

    pub fn ctx(&self) -> Ctx<'_> {
        self.state.admin_ctx()
    }

    /// A new org, project (with every catalog API) and server-to-server credential.
    pub async fn s2s(&self) -> S2s {
        self.credential(CredentialKind::ServerToServer).await
    }

    pub async fn credential(&self, kind: CredentialKind) -> S2s {
        let ctx = self.ctx();
        let org = admin::create_org(&ctx, "Test Org").await.unwrap();
        let project = admin::create_project(&ctx, &org.id, "Test Project")
            .await
            .unwrap();
        for api in self.state.store.list_apis().await.unwrap() {
            admin::add_api_to_project(&ctx, &project.id, &api.id)
                .await
                .unwrap();
        }
        let uris: Vec<String> = if kind.uses_redirect_uris() {
            vec!["https://app.example/cb".into()]
        } else {
            vec![]
        };
        let c = admin::create_credential(
            &ctx,
            &admin::Actor::Operator,
            NewCredential {
                project: &project.id,
                kind,
                name: Some("Test Credential"),
                redirect_uris: &uris,
                certificate_pem: None,
            },
        )
        .await
        .unwrap();
        S2s {
            client_id: c.credential.client_id.0.clone(),
            client_secret: c.secret.map(|s| s.expose().to_owned()).unwrap_or_default(),
            org_id: org.id.0,
            project_id: project.id.0,
            technical_account_id: c.technical_account.map(|t| t.id.0).unwrap_or_default(),
            scopes: c.scopes,
        }
    }

    pub async fn add_api(&self, project: &str, api: &str) {
        admin::add_api_to_project(&self.ctx(), &ProjectId(project.into()), &ApiId(api.into()))
            .await
            .unwrap();
    }

    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// POST urlencoded `form` to `path`.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let body = serde_urlencoded(form);
        self.http()
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// A GET of `path` on this server (no redirects followed).
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http().get(format!("{}{path}", self.url))
    }

    /// A POST to `path` on this server (no redirects followed).
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http().post(format!("{}{path}", self.url))
    }

    /// `/ims/validate_token/v1` for an access token sent in the form; the JSON answer
    /// (200 even for a bad token, with `valid: false`).
    pub async fn validate(&self, token: &str) -> Value {
        let r = self
            .post_form(
                "/ims/validate_token/v1",
                &[("token", token), ("type", "access_token")],
            )
            .await;
        assert_eq!(r.status(), 200, "validate_token answers 200");
        r.json().await.unwrap()
    }

    /// A person's IMS access token for `client_id`, as the console would hold one, minted
    /// directly with the server's keys (the sign-in flow that issues them has its own tests).
    pub fn person_token(&self, client_id: &str, user: &UserId, scope: &str) -> String {
        use latchkey_core::scope::ScopeSet;
        use latchkey_core::token::{AccessTokenRequest, CTP_USER, Dialect, issue_access_token};
        let scopes = ScopeSet::parse(scope).unwrap();
        issue_access_token(
            self.state.tokens(),
            &self.state.keyring(),
            self.state.rng.as_ref(),
            self.clock.now(),
            &AccessTokenRequest {
                client_id,
                subject: user.as_str(),
                org: None,
                scopes: &scopes,
                dialect: Dialect::Ims,
                ctp: CTP_USER,
                grant_id: None,
                kind: latchkey_core::model::CredentialKind::OAuthWeb,
            },
        )
        .unwrap()
        .token
    }

    /// A client_credentials token for `c` with `scope`, from `/ims/token/v3`.
    pub async fn token(&self, c: &S2s, scope: &str) -> String {
        let r = self
            .post_form(
                "/ims/token/v3",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &c.client_id),
                    ("client_secret", &c.client_secret),
                    ("scope", scope),
                ],
            )
            .await;
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }
}

async fn latchkey_http_serve(listener: tokio::net::TcpListener, state: AppState) {
    let _ = latchkey_http::serve(listener, state, std::future::pending()).await;
}

/// Encode pairs as `application/x-www-form-urlencoded`.
pub fn serde_urlencoded(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// OAuth error responses: `{"error", "error_description"}` with a status (RFC 6749 §5.2,
// RFC 6750 §3.1). A test that checks an error asserts the `error` code, not only the status.

/// The status and the JSON body of `r` (`Null` when the body is not JSON).
pub async fn status_and_json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Assert that `got` (a status and a JSON body) is the OAuth error `error` with `status`.
pub fn assert_error(got: &(u16, Value), status: u16, error: &str) {
    assert_eq!(
        (got.0, got.1["error"].as_str().unwrap_or("")),
        (status, error),
        "{}",
        got.1
    );
}

/// The status and the `error` code of an OAuth error response (`""` without one); panics
/// when the body is not JSON.
pub async fn oauth_error(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r
        .json()
        .await
        .unwrap_or_else(|e| panic!("{status}: the body is not JSON ({e})"));
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Assert that `r` is the OAuth error `error` with `status`; its JSON body.
pub async fn assert_oauth_error(r: reqwest::Response, status: u16, error: &str) -> Value {
    let got = (r.status().as_u16(), r.json::<Value>().await);
    let got = match got {
        (s, Ok(body)) => (s, body),
        (s, Err(e)) => panic!("expected {status} {error}, got {s} without a JSON body ({e})"),
    };
    assert_error(&got, status, error);
    got.1
}

/// Assert an RFC 6749 §5.2 error in full: status, `error`, a non-empty
/// `error_description`, a JSON content type and `Cache-Control: no-store`; its body.
pub async fn assert_rfc6749_error(r: reqwest::Response, status: u16, error: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "expected {status} {error}");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body = assert_oauth_error(r, status, error).await;
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
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

pub mod browser {
    //! A minimal browser for tests: keeps cookies, never follows redirects on its own, and
    //! reads hidden form fields out of our pages.

    use reqwest::{Client, Response};
    use std::collections::BTreeMap;

    pub struct Browser {
        pub http: Client,
        pub cookies: BTreeMap<String, String>,
        pub base: String,
    }

    impl Browser {
        pub fn new(base: &str) -> Self {
            Self::from_address(base, None)
        }

        /// A browser whose connections come from `local` (any 127.x address reaches a server
        /// on 127.0.0.1): another "network address" for the per-address limits.
        pub fn from_address(base: &str, local: Option<std::net::IpAddr>) -> Self {
            Browser {
                http: Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .local_address(local)
                    .build()
                    .unwrap(),
                cookies: BTreeMap::new(),
                base: base.to_owned(),
            }
        }

        fn absolute(&self, url: &str) -> String {
            if url.starts_with("http") {
                url.to_owned()
            } else {
                format!("{}{url}", self.base)
            }
        }

        fn cookie_header(&self) -> String {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        }

        fn keep_cookies(&mut self, r: &Response) {
            for v in r.headers().get_all("set-cookie") {
                let v = v.to_str().unwrap();
                let first = v.split(';').next().unwrap();
                let (k, val) = first.split_once('=').unwrap();
                if val.is_empty() || v.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), val.to_owned());
                }
            }
        }

        pub async fn get(&mut self, url: &str) -> Response {
            let r = self
                .http
                .get(self.absolute(url))
                .header("cookie", self.cookie_header())
                .send()
                .await
                .unwrap();
            self.keep_cookies(&r);
            r
        }

        pub async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Response {
            let r = self
                .http
                .post(self.absolute(url))
                .header("cookie", self.cookie_header())
                .header("origin", self.base.clone())
                .form(form)
                .send()
                .await
                .unwrap();
            self.keep_cookies(&r);
            r
        }
    }

    pub fn location(r: &Response) -> String {
        r.headers()
            .get("location")
            .unwrap_or_else(|| panic!("no Location on {}", r.status()))
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// The `value` of the hidden input named `name`.
    pub fn hidden(html: &str, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html
            .find(&marker)
            .unwrap_or_else(|| panic!("no hidden {name} in page"))
            + marker.len();
        let end = html[start..].find('"').unwrap() + start;
        html[start..end]
            .replace("&#x2f;", "/")
            .replace("&amp;", "&")
    }

    /// Every hidden input of a page, `(name, value)`, in order.
    pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find("<input type=\"hidden\" name=\"") {
            rest = &rest[at + "<input type=\"hidden\" name=\"".len()..];
            let name = rest[..rest.find('"').unwrap()].to_owned();
            out.push((name.clone(), hidden(html, &name)));
        }
        out
    }

    /// Sign out through the confirmation page `page` (the response that showed it): POST
    /// its form with `confirm=yes` (docs/security-review.md finding 8).
    pub async fn confirm_logout(b: &mut Browser, page: Response) -> Response {
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("Sign out?"),
            "not the confirmation page: {html}"
        );
        let action = {
            let at = html.find("action=\"").unwrap() + "action=\"".len();
            html[at..at + html[at..].find('"').unwrap()].replace("&#x2f;", "/")
        };
        let mut form = hidden_fields(&html);
        form.push(("confirm".into(), "yes".into()));
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        b.post(&action, &pairs).await
    }

    /// A query parameter of a URL, decoded.
    pub fn query_param(url: &str, name: &str) -> Option<String> {
        let q = url.split_once('?')?.1;
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| urldecode(v))
        })
    }

    fn urldecode(v: &str) -> String {
        let b = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'%' => {
                    out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                    i += 2;
                }
                b'+' => out.push(b' '),
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
}

pub mod flow {
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
    pub async fn add_user(
        s: &TestServer,
        org: &str,
        email: &str,
        names: Option<(&str, &str, &str)>,
    ) {
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
}
