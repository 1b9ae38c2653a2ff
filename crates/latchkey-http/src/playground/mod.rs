//! The OAuth 2.0 Playground (docs/playground.md): `/playground` gets a developer a token
//! for their own credential without writing code, and `/playground/debugger` decodes and
//! checks any JWT. Signed in or not.
//!
//! - **Authorization** tab: client id, secret, scopes, PKCE (on by default). Before the
//!   flow starts the credential is checked (a user-flow kind, the Playground's redirect
//!   URI `{issuer}/playground/callback` registered, the secret right), so a mistake is
//!   explained at once with a link to the credential's page. "Generate tokens" runs the
//!   authorization code flow against this server, with the Playground's own `state`,
//!   `nonce` and PKCE verifier checked at the callback like any client's.
//! - **Tokens** tab: each token decoded and checked against the JWKS, the expiry counting
//!   down, and refresh / userinfo / validate_token / introspect / revoke, each a real
//!   request through this server's router whose raw exchange is shown.
//! - Server-to-server credentials: "Generate access token" (client_credentials).
//!
//! Safety: the secret and tokens live only in the sealed server-side session
//! (`latchkey_core::playground`), never in a URL or a log; every form carries the CSRF
//! token; the session expires after an hour idle.

mod authorization;
pub mod debugger;
mod tokens;
mod wire;

pub use authorization::{callback_get, start_post};
pub use tokens::{action_post, client_credentials_post, generate_post, jwt_post};

use crate::authorize::{see_other, unavailable};
use crate::pages::render;
use crate::session::{self, cookie, csrf_ok, csrf_refused, csrf_token, set_cookie};
use crate::state::AppState;
use crate::throttle::Peer;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::flows::playground as flow;
use latchkey_core::playground::explain::Explanation;
use latchkey_core::playground::inspect::inspect;
use latchkey_core::playground::{CALLBACK_PATH, SESSION_TTL_SECS, State as Pg};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

pub const PATH: &str = "/playground";

fn cookie_name(st: &AppState) -> &'static str {
    if st.tokens().issuer.starts_with("https://") {
        "__Host-lk_playground"
    } else {
        "lk_playground"
    }
}

fn redirect_uri(st: &AppState) -> String {
    format!(
        "{}{CALLBACK_PATH}",
        st.tokens().issuer.trim_end_matches('/')
    )
}

/// This browser's Playground session (empty when it has none).
async fn load(st: &AppState, headers: &HeaderMap) -> Result<(Option<String>, Pg), Response> {
    let raw = cookie(headers, cookie_name(st));
    let Some(raw) = raw else {
        return Ok((None, Pg::default()));
    };
    let keyring = st.keyring();
    match flow::load(&st.flow(&keyring), st.master(), &raw).await {
        Ok(Some(pg)) => Ok((Some(raw), pg)),
        Ok(None) => Ok((None, Pg::default())),
        Err(e) => {
            tracing::error!(error = %e, "playground session unavailable");
            Err(unavailable())
        }
    }
}

/// A Playground form's POST: the CSRF check (SEC-34), then this browser's session.
async fn posted(
    st: &AppState,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<(Option<String>, Pg), Response> {
    if !csrf_ok(st, headers, csrf) {
        return Err(csrf_refused());
    }
    load(st, headers).await
}

/// Save the session and answer `resp` with its cookie.
async fn save(st: &AppState, raw: Option<&str>, pg: &Pg, mut resp: Response) -> Response {
    let keyring = st.keyring();
    match flow::save(&st.flow(&keyring), st.master(), raw, pg).await {
        Ok(value) => {
            let secure = if st.tokens().issuer.starts_with("https://") {
                "; Secure"
            } else {
                ""
            };
            set_cookie(
                &mut resp,
                format!(
                    "{}={value}; Path=/playground; HttpOnly; SameSite=Lax; Max-Age={SESSION_TTL_SECS}{secure}",
                    cookie_name(st)
                ),
            );
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "playground session not saved");
            unavailable()
        }
    }
}

/// The developer's address, so the calls made on their behalf count against their
/// own brute-force limits (SEC-43).
fn peer_of(p: Option<std::net::IpAddr>) -> Option<SocketAddr> {
    p.map(|ip| SocketAddr::new(ip, 0))
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    tab: Option<String>,
    client_id: Option<String>,
}

#[derive(Serialize)]
struct TokenView {
    name: &'static str,
    raw: String,
    kind: &'static str,
    header: String,
    claims: String,
    claim_list: Vec<latchkey_core::playground::inspect::Claim>,
    signature: latchkey_core::playground::inspect::Signature,
    expires_at: Option<i64>,
    expires_in: Option<i64>,
    validity: Option<String>,
}

#[derive(Serialize)]
struct CredentialOption {
    client_id: String,
    label: String,
    selected: bool,
}

/// Everything the page shows.
async fn page(
    st: &AppState,
    headers: &HeaderMap,
    pg: &Pg,
    tab: &str,
    typed_client: Option<&str>,
    explanation: Option<Explanation>,
    status: StatusCode,
) -> Response {
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    let (csrf, pre) = csrf_token(st, headers);
    let signed_in = match session::current(st, headers).await {
        Ok(s) => s.map(|(_, u)| u),
        Err(_) => return unavailable(),
    };
    let client_id = typed_client
        .map(str::to_owned)
        .unwrap_or_else(|| pg.client_id.clone());
    let mut options = Vec::new();
    if let Some(u) = &signed_in {
        match flow::own_credentials(&cx, &u.id).await {
            Ok(list) => {
                options = list
                    .into_iter()
                    .map(|c| CredentialOption {
                        selected: c.client_id.0 == client_id,
                        label: format!("{} ({})", c.name, c.kind.label()),
                        client_id: c.client_id.0,
                    })
                    .collect();
            }
            Err(_) => return unavailable(),
        }
    }
    let (mut suggestions, mut kind, mut confidential) = (Vec::new(), String::new(), true);
    if !client_id.is_empty()
        && let Ok(Ok(found)) = flow::check_client(&cx, &client_id).await
    {
        suggestions = found.scopes;
        kind = found.credential.kind.label().to_owned();
        confidential = found.credential.kind.has_secret();
    }
    let mut tokens = Vec::new();
    if let Some(t) = &pg.tokens {
        for (name, raw) in [
            ("Access token", &t.access_token),
            ("Refresh token", &t.refresh_token),
            ("ID token", &t.id_token),
        ] {
            let Some(raw) = raw else { continue };
            let Ok(i) = inspect(raw, &keyring, &st.tokens().issuer, cx.now) else {
                continue;
            };
            let validity = if name == "Access token" {
                flow::validity(&cx, raw, &i)
                    .await
                    .ok()
                    .map(|(_, words)| words)
            } else {
                None
            };
            tokens.push(TokenView {
                name,
                raw: raw.clone(),
                kind: i.kind,
                header: i.header,
                claims: i.claims,
                claim_list: i.claim_list,
                signature: i.signature,
                expires_at: i.expires_at,
                expires_in: i.expires_in,
                validity,
            });
        }
    }
    let notice = explanation.or_else(|| pg.notice.clone());
    let tab = if tab == "tokens" {
        "tokens"
    } else {
        "authorization"
    };
    let mut resp = render(
        status,
        "playground.html",
        minijinja::context! {
            csrf,
            tab,
            issuer => st.tokens().issuer.clone(),
            redirect_uri => redirect_uri(st),
            client_id,
            kind,
            confidential,
            has_secret => pg.client_secret.is_some() && pg.client_id == client_id,
            scope => if pg.scope.is_empty() { "openid,AdobeID".to_owned() } else { pg.scope.clone() },
            pkce => pg.pkce || pg.client_id.is_empty(),
            suggestions,
            options,
            signed_in => signed_in.map(|u| u.email),
            tokens,
            grant => pg.tokens.as_ref().map(|t| t.grant.clone()),
            exchanges => pg.exchanges.clone(),
            notice,
        },
    );
    allow_script(&mut resp);
    if let Some(c) = pre {
        set_cookie(&mut resp, c);
    }
    resp
}

/// The Playground pages load one script of ours (the expiry countdown and copy buttons);
/// everything works without it.
pub fn allow_script(resp: &mut Response) {
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
}

/// `GET /playground`
pub async fn index_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let (raw, mut pg) = match load(&st, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let default_tab = if pg.tokens.is_some() {
        "tokens"
    } else {
        "authorization"
    };
    let tab = q.tab.as_deref().unwrap_or(default_tab).to_owned();
    let had_notice = pg.notice.is_some();
    let resp = page(
        &st,
        &headers,
        &pg,
        &tab,
        q.client_id.as_deref(),
        None,
        StatusCode::OK,
    )
    .await;
    if had_notice {
        // A notice is shown once.
        pg.notice = None;
        return save(&st, raw.as_deref(), &pg, resp).await;
    }
    resp
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /playground/reset`: forget the session (secret, tokens, exchanges).
pub async fn reset_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    if let Some(raw) = cookie(&headers, cookie_name(&st)) {
        let keyring = st.keyring();
        if flow::forget(&st.flow(&keyring), &raw).await.is_err() {
            return unavailable();
        }
    }
    let mut resp = see_other("/playground");
    set_cookie(
        &mut resp,
        format!(
            "{}=; Path=/playground; HttpOnly; SameSite=Lax; Max-Age=0",
            cookie_name(&st)
        ),
    );
    resp
}

/// `GET /playground/playground.js`: the countdown and copy buttons.
pub async fn script_get() -> Response {
    let mut r = (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/playground.js"),
    )
        .into_response();
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}
