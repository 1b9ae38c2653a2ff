//! Dev-only test kit: start a real Latchkey server in-process on `127.0.0.1:0` with a fresh
//! SQLite file (or a given database URL) and a clock the test moves by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use latchkey_core::admin::{self, Ctx, NewCredential, catalog};
use latchkey_core::clock::{Clock, FixedClock, SystemClock};
use latchkey_core::ids::{ApiId, ProjectId};
use latchkey_core::keys::{KeyAlg, MasterKey};
use latchkey_core::model::CredentialKind;
use latchkey_core::rand::SystemRng;
use latchkey_core::token::TokenSettings;
use latchkey_http::throttle::AddressLimits;
use latchkey_http::{AppState, ServerSettings};
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
                issuer: url.clone(),
                ims_as: "ims-na1".into(),
                access_token_ttl_secs: 86_400,
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
