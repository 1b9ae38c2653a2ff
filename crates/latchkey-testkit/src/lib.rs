//! Dev-only test kit: start a real Latchkey server in-process on `127.0.0.1:0` with a fresh
//! SQLite file (or a given database URL) and a clock the test moves by hand, and the helpers
//! the integration tests share: assertions on OAuth error responses (RFC 6749 §5.2) at the
//! crate root, a minimal cookie-keeping [`browser`], and the person sign-in [`flow`]
//! (an app with a user, the login and consent forms, code exchange, refresh, userinfo).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod browser;
pub mod flow;
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
        Self::start_node(database_url, MasterKey::generate(&SystemRng), configure).await
    }

    /// Another node on this server's database, with the same master key and issuer: a
    /// scale-out deployment in one process, each node with its own caches and listener.
    pub async fn another_node(&self) -> Self {
        let issuer = self.url.clone();
        Self::start_node(
            Some(self.database_url.clone()),
            self.state.master().clone(),
            |s| s.tokens.issuer = issuer,
        )
        .await
    }

    async fn start_node(
        database_url: Option<String>,
        master: MasterKey,
        configure: impl FnOnce(&mut ServerSettings),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("latchkey.db").display()));
        let store = latchkey_store::open(&database_url).await.unwrap();
        catalog::seed_if_empty(store.as_ref()).await.unwrap();
        latchkey_core::admin::builtin::ensure_adobe_cli_clients(&Ctx {
            store: store.as_ref(),
            rng: &SystemRng,
            now: SystemClock.now(),
            address: None,
        })
        .await
        .unwrap();
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
            // Tests' receivers listen on loopback.
            events: latchkey_http::events::EventSettings {
                allow_private_targets: true,
                ..Default::default()
            },
        };
        configure(&mut settings);
        let state = AppState::new(store, clock.clone(), Arc::new(SystemRng), settings, master)
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
                profiles: &[],
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
        // reqwest's TLS (rustls) uses the process's aws-lc-rs provider; a second install
        // is refused harmlessly.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
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

    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> String {
        self.get("/metrics")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
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
