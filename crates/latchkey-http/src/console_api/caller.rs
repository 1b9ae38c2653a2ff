//! Who calls the console API (docs/console-contract.md §1, §5) and how it is told no.
//!
//! Two ways in:
//! - **A bearer access token** of a person (RFC 6750 §2.1) carrying `adobeio_api`, plus an
//!   `x-api-key`: an enabled credential's client id, or one of Adobe's own CLI client ids
//!   (`aio console` sends `aio-cli-console-auth`, §4). The secrets paths also need
//!   `read_client_secret` (reads) or `manage_client_secrets` (changes) in the token
//!   (§3.7). A technical account's token is refused: the console acts for people.
//! - **The console session** of a signed-in person (the Developer Console pages' own
//!   calls): the session cookie, plus the page's CSRF token in `x-csrf-token` on every
//!   request that is not a GET (SEC-34, `session::csrf_ok`, which also checks the
//!   origin). No `x-api-key` is needed: the key names a client application, and a
//!   session is the console's own; no scope either, as a session has none.
//!
//! Either way the caller acts with the org roles of that person (`authz`, SEC-40).
//! Errors have the console's body (§5) `{"error_code","message","messages"}` with an
//! `x-request-id`: 401 without a good token or session, 403 without an API key, a scope
//! or a CSRF token, or when the role does not allow the change, 404 for anything outside
//! the person's orgs, 400 for a bad body, 409 on a conflict.

use crate::auth::{CheckError, check_access_token};
use crate::error::no_store;
use crate::session;
use crate::state::AppState;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::admin::{Actor, AdminError};
use latchkey_core::flows::api_key;
use latchkey_core::ids::UserId;
use latchkey_core::rand::lower_hex;
use latchkey_core::scope::ScopeSet;
use latchkey_core::token::CTP_USER;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

/// The scope of the I/O Management API (catalog `io-management`) that console calls need.
pub const CONSOLE_SCOPE: &str = "adobeio_api";
/// Reading a credential's secrets with a bearer token (§3.7).
pub const READ_SECRETS_SCOPE: &str = "read_client_secret";
/// Adding or deleting a credential's secrets with a bearer token (§3.7).
pub const MANAGE_SECRETS_SCOPE: &str = "manage_client_secrets";

/// The header that carries the page's CSRF token on a session caller's change.
pub const CSRF_HEADER: &str = "x-csrf-token";

pub struct ConsoleError {
    status: StatusCode,
    code: &'static str,
    message: String,
    request_id: String,
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let body = json!({
            "error_code": self.code,
            "message": self.message,
            "messages": [{"template": self.code, "message": self.message}],
        });
        let mut r = (self.status, Json(body)).into_response();
        no_store(&mut r);
        if let Ok(v) = HeaderValue::from_str(&self.request_id) {
            r.headers_mut().insert("x-request-id", v);
        }
        r
    }
}

fn request_id(st: &AppState) -> String {
    format!("lk-{}", lower_hex(st.rng.as_ref(), 8))
}

pub fn fail(
    st: &AppState,
    status: StatusCode,
    code: &'static str,
    message: impl Into<String>,
) -> ConsoleError {
    ConsoleError {
        status,
        code,
        message: message.into(),
        request_id: request_id(st),
    }
}

fn unavailable(st: &AppState) -> ConsoleError {
    fail(
        st,
        StatusCode::SERVICE_UNAVAILABLE,
        "ERR_MSG_TRANSIENT",
        "try again",
    )
}

pub fn admin_fail(st: &AppState, e: AdminError) -> ConsoleError {
    match e {
        AdminError::NotFound(what) => fail(
            st,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{what} not found"),
        ),
        AdminError::Forbidden(d) => fail(st, StatusCode::FORBIDDEN, "FORBIDDEN", d),
        AdminError::Invalid(d) => fail(st, StatusCode::BAD_REQUEST, "BAD_REQUEST", d),
        AdminError::Conflict(d) => fail(st, StatusCode::CONFLICT, "CONFLICT", d),
        AdminError::Store(e) => {
            tracing::error!(error = %e, "storage failure");
            unavailable(st)
        }
    }
}

/// The JSON body of a request, or the console's 400.
pub fn json_body<T: DeserializeOwned>(st: &AppState, body: &[u8]) -> Result<T, ConsoleError> {
    serde_json::from_slice(body).map_err(|e| {
        fail(
            st,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("the body is not the expected JSON: {e}"),
        )
    })
}

/// A successful answer (`no-store`: these bodies name credentials).
pub fn reply<T: Serialize>(status: StatusCode, v: T) -> Response {
    let mut r = (status, Json(v)).into_response();
    no_store(&mut r);
    r
}

pub fn ok<T: Serialize>(v: T) -> Response {
    reply(StatusCode::OK, v)
}

/// The bearer token of `Authorization`. The console's clients send JSON bodies (and
/// `Content-Type: application/json` even on GET), so these paths read headers, not the
/// OAuth parameter extractor. `Err` for an `Authorization` header that is not a bearer.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ()> {
    let Some(raw) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let raw = raw.to_str().map_err(|_| ())?;
    let (scheme, token) = raw.split_once(' ').ok_or(())?;
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() {
        Ok(Some(token))
    } else {
        Err(())
    }
}

/// How the caller came in.
pub enum Via {
    /// A bearer token, with its scopes.
    Token(ScopeSet),
    Session,
}

/// A checked caller of the console API.
pub struct Caller {
    pub actor: Actor,
    pub via: Via,
}

impl Caller {
    /// The secrets paths' scope (§3.7): needed in a bearer token; a session has none.
    pub fn require_scope(&self, st: &AppState, scope: &str) -> Result<(), ConsoleError> {
        match &self.via {
            Via::Token(scopes) if !scopes.contains(scope) => Err(fail(
                st,
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                format!("the token lacks the {scope} scope"),
            )),
            _ => Ok(()),
        }
    }
}

/// The person a request acts for, after the token and API-key checks or the session and
/// CSRF checks.
pub async fn caller(
    st: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Caller, ConsoleError> {
    let unauthorized = |m: &str| fail(st, StatusCode::UNAUTHORIZED, "UNAUTHORIZED", m);
    let forbidden = |m: &str| fail(st, StatusCode::FORBIDDEN, "FORBIDDEN", m);
    let raw = match bearer(headers) {
        Ok(Some(raw)) => raw,
        Err(()) => return Err(unauthorized("a bearer access token is required")),
        Ok(None) => return session_caller(st, method, headers).await,
    };
    let claims = match check_access_token(st, raw).await {
        Ok(c) => c,
        Err(CheckError::Invalid(e)) => return Err(unauthorized(&e.to_string())),
        Err(CheckError::Unavailable(_)) => return Err(unavailable(st)),
    };
    if claims.ctp != CTP_USER {
        return Err(unauthorized("the token does not belong to a person"));
    }
    let scopes = claims.scopes();
    if !scopes.contains(CONSOLE_SCOPE) {
        return Err(forbidden("the token lacks the adobeio_api scope"));
    }
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| forbidden("Required parameter x-api-key is not provided"))?;
    // Any enabled client, Adobe's own CLI ids included: they are built-in public clients
    // (`latchkey_core::admin::builtin`).
    let keyring = st.keyring();
    let known = api_key::is_enabled_client(&st.flow(&keyring), key)
        .await
        .map_err(|_| unavailable(st))?;
    if !known {
        return Err(forbidden("the x-api-key is not a known client"));
    }
    Ok(Caller {
        actor: Actor::User(UserId(claims.sub)),
        via: Via::Token(scopes),
    })
}

async fn session_caller(
    st: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Caller, ConsoleError> {
    let signed_in = session::current(st, headers)
        .await
        .map_err(|_| unavailable(st))?;
    let Some((_, user)) = signed_in else {
        return Err(fail(
            st,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "a bearer access token or a console session is required",
        ));
    };
    if method != Method::GET && method != Method::HEAD {
        let submitted = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if !session::csrf_ok(st, headers, submitted) {
            return Err(fail(
                st,
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                format!("a change from the console needs its CSRF token in {CSRF_HEADER}"),
            ));
        }
    }
    Ok(Caller {
        actor: Actor::User(user.id),
        via: Via::Session,
    })
}

/// The path parameters of a console path; a path that does not decode (bad
/// percent-encoding, say) gets the console's 400 rather than axum's plain text.
pub struct ConsolePath<T>(pub T);

impl<T> axum::extract::FromRequestParts<AppState> for ConsolePath<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, st).await {
            Ok(axum::extract::Path(v)) => Ok(ConsolePath(v)),
            Err(e) => Err(fail(
                st,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("bad path: {}", e.body_text()),
            )),
        }
    }
}

/// The query of a console path, with the console's 400 for one that does not parse.
pub struct ConsoleQuery<T>(pub T);

impl<T> axum::extract::FromRequestParts<AppState> for ConsoleQuery<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        st: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, st).await {
            Ok(axum::extract::Query(v)) => Ok(ConsoleQuery(v)),
            Err(e) => Err(fail(
                st,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("bad query: {}", e.body_text()),
            )),
        }
    }
}
