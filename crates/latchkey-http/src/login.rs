//! The login page (docs/design.md "HTML forms (contract)": `username`, `password`, CSRF token,
//! POST). Passwords are checked with Argon2id off the async runtime, a bounded number at a
//! time; an unknown user costs the same work as a wrong password.

use crate::authorize::{proceed, see_other, unavailable};
use crate::pages::{error_page, render};
use crate::session::{self, csrf_ok, csrf_refused, csrf_token, safe_return_to, set_cookie};
use crate::state::AppState;
use crate::throttle::Peer;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::authorize::{self as authz, AuthorizeRequest};
use latchkey_core::flows::login;
use latchkey_core::model::{AuditAction, User, UserKind};
use latchkey_core::password;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    ar: Option<String>,
    return_to: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    csrf: Option<String>,
    ar: Option<String>,
    return_to: Option<String>,
}

async fn client_name(st: &AppState, req: Option<&AuthorizeRequest>) -> Option<String> {
    let keyring = st.keyring();
    login::client_name(&st.flow(&keyring), req?.client_id.as_str())
        .await
        .ok()
        .flatten()
}

/// What the login page shows besides its CSRF token.
struct LoginPage<'a> {
    ar: Option<&'a str>,
    return_to: Option<&'a str>,
    username: &'a str,
    client: Option<String>,
    error: Option<&'a str>,
}

fn page(st: &AppState, headers: &HeaderMap, status: StatusCode, p: LoginPage<'_>) -> Response {
    let (csrf, cookie) = csrf_token(st, headers);
    let mut resp = render(
        status,
        "login.html",
        minijinja::context! {
            action => "/login", csrf, ar => p.ar, return_to => p.return_to, username => p.username,
            client_name => p.client, error => p.error,
        },
    );
    if let Some(c) = cookie {
        set_cookie(&mut resp, c);
    }
    resp
}

fn expired() -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "This sign-in has expired",
        "Go back to the application and start again.",
    )
}

pub async fn login_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let req = match q.ar.as_deref() {
        Some(ar) => match authz::open(ar, &st.keyring(), st.now()) {
            Some(r) => Some(r),
            None => return expired(),
        },
        None => None,
    };
    let hint = req
        .as_ref()
        .and_then(|r| r.login_hint.clone())
        .unwrap_or_default();
    let name = client_name(&st, req.as_ref()).await;
    let return_to = safe_return_to(q.return_to.as_deref());
    page(
        &st,
        &headers,
        StatusCode::OK,
        LoginPage {
            ar: q.ar.as_deref(),
            return_to: return_to.as_deref(),
            username: &hint,
            client: name,
            error: None,
        },
    )
}

/// Verify a password without blocking the runtime; at most `password_slots` at once.
async fn check_password(st: &AppState, user: Option<User>, password: String) -> Option<User> {
    let _permit = st.password_slots.clone().acquire_owned().await.ok()?;
    let mut memory = st
        .password_memory
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .pop()
        .unwrap_or_default();
    let (user, memory) = tokio::task::spawn_blocking(move || {
        let user = match user {
            Some(u) if u.kind == UserKind::Person && !u.disabled => {
                // An invited person without a password yet costs the same work as
                // anyone else, so timing does not tell such accounts apart.
                let hash = u.password_hash.as_deref().unwrap_or(password::DUMMY_HASH);
                let ok = password::verify_password_in(&mut memory, hash, &password)
                    && u.password_hash.is_some();
                ok.then_some(u)
            }
            _ => {
                password::verify_password_in(&mut memory, password::DUMMY_HASH, &password);
                None
            }
        };
        (user, memory)
    })
    .await
    .ok()?;
    st.password_memory
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(memory);
    user
}

pub async fn login_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Peer(peer): Peer,
    Form(f): Form<LoginForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let req = match f.ar.as_deref() {
        Some(ar) => match authz::open(ar, &st.keyring(), st.now()) {
            Some(r) => Some(r),
            None => return expired(),
        },
        None => None,
    };
    let username = f.username.trim().to_owned();
    let name = client_name(&st, req.as_ref()).await;
    let return_to = safe_return_to(f.return_to.as_deref());
    let peer = peer.map(|p| p.to_string());
    // Without connection info (never the case under `serve`) all requests are one source.
    let source = peer.as_deref().unwrap_or("unknown");
    let throttles = &st.throttles;
    let by_account = throttles
        .login_account
        .blocked_for(&username, source, st.now())
        .map(|w| (w, "for this account"));
    let by_address = || {
        peer.as_deref()
            .and_then(|p| throttles.login_address.blocked_for(p, st.now()))
            .map(|w| (w, "from your network address"))
    };
    if let Some((wait, whom)) = by_account.or_else(by_address) {
        tracing::warn!(peer = ?peer, "sign-in refused: too many failures {whom}");
        let msg = if wait < 60 {
            format!("Too many failed sign-ins {whom}. Try again in {wait} seconds.")
        } else {
            let minutes = (wait + 59) / 60;
            format!("Too many failed sign-ins {whom}. Try again in {minutes} minute(s).")
        };
        return page(
            &st,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            LoginPage {
                ar: f.ar.as_deref(),
                return_to: return_to.as_deref(),
                username: &username,
                client: name,
                error: Some(&msg),
            },
        );
    }
    let user = if f.password.len() > 1024 {
        None
    } else {
        let keyring = st.keyring();
        match login::find_account(&st.flow(&keyring), &username).await {
            Ok(u) => u,
            Err(_) => return unavailable(),
        }
    };
    let named = user.clone();
    let Some(user) = check_password(&st, user, f.password).await else {
        tracing::info!("failed sign-in");
        throttles
            .login_account
            .record_failure(&username, source, st.now());
        if let Some(p) = &peer {
            throttles.login_address.record_failure(p, st.now());
        }
        // The audit log: this failure, and a lockout when it is the one that trips a limit.
        let keyring = st.keyring();
        let cx = st.flow(&keyring);
        let locked = throttles
            .login_account
            .blocked_for(&username, source, st.now())
            .is_some()
            || peer
                .as_deref()
                .is_some_and(|p| throttles.login_address.blocked_for(p, st.now()).is_some());
        let mut recorded =
            login::record_failure(&cx, &username, named.as_ref(), AuditAction::SignInFailed).await;
        if locked && recorded.is_ok() {
            recorded =
                login::record_failure(&cx, &username, named.as_ref(), AuditAction::LockedOut).await;
        }
        if recorded.is_err() {
            return unavailable();
        }
        return page(
            &st,
            &headers,
            StatusCode::UNAUTHORIZED,
            LoginPage {
                ar: f.ar.as_deref(),
                return_to: return_to.as_deref(),
                username: &username,
                client: name,
                error: Some("The email or password is not right."),
            },
        );
    };
    let (session, cookie) = match session::start(&st, &user).await {
        Ok(s) => s,
        Err(_) => return unavailable(),
    };
    throttles.login_account.record_success(&username, source);
    tracing::info!(user = %user.id, "signed in");
    let mut resp = match req {
        Some(req) => proceed(&st, req, Some((session, user)), false).await,
        None => see_other(
            safe_return_to(f.return_to.as_deref())
                .as_deref()
                .unwrap_or("/account/connected-applications"),
        ),
    };
    set_cookie(&mut resp, cookie);
    resp
}
