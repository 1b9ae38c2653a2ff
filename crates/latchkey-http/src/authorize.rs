//! The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2) on `/ims/authorize/v1`,
//! `/ims/authorize/v2`, legacy `/ims/authorize` and `/oauth2/authorize`, GET and POST.
//! The decisions are `latchkey_core::flows::authorize`'s; this module shows their outcome:
//! an untrustworthy client or redirect → an error page; the login or consent page; or a
//! 303 back to the client with a code or an `error`, `state` and `iss`. No CORS here
//! (SEC-07).

use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::pages::error_page;
use crate::session;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use latchkey_core::authorize::AuthorizeRequest;
use latchkey_core::flows::authorize::{self as flow, Outcome};
use latchkey_core::model::{Session, User};
use latchkey_core::store::StoreError;
use latchkey_core::token::Dialect;

pub const PATHS: &[(&str, Dialect)] = &[
    ("/ims/authorize/v1", Dialect::Ims),
    ("/ims/authorize/v2", Dialect::Ims),
    ("/ims/authorize", Dialect::Ims),
    ("/oauth2/authorize", Dialect::Standard),
];

pub fn route(dialect: Dialect) -> MethodRouter<AppState> {
    get(
        move |st: State<AppState>, h: HeaderMap, r: Result<OAuthRequest, ApiError>| {
            authorize(st, h, r, dialect)
        },
    )
    .post(
        move |st: State<AppState>, h: HeaderMap, r: Result<OAuthRequest, ApiError>| {
            authorize(st, h, r, dialect)
        },
    )
}

/// A 303 to `location`, uncacheable.
pub fn see_other(location: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

pub fn unavailable() -> Response {
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "Please try again in a moment.",
    )
}

async fn authorize(
    State(st): State<AppState>,
    headers: HeaderMap,
    req: Result<OAuthRequest, ApiError>,
    dialect: Dialect,
) -> Response {
    let req = match req {
        Ok(r) => r,
        Err(ApiError::OAuth(e)) => {
            return error_page(StatusCode::BAD_REQUEST, "Invalid request", &e.description);
        }
        Err(e @ ApiError::Transport(_)) => return e.into_response(),
    };
    let Ok(signed_in) = session::current(&st, &headers).await else {
        return unavailable();
    };
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    respond(flow::start(&cx, &req.params, dialect, signed_in.as_ref()).await)
}

/// Continue a validated request given the browser's session (after login or consent).
pub async fn proceed(
    st: &AppState,
    req: AuthorizeRequest,
    signed_in: Option<(Session, User)>,
    consent_given: bool,
) -> Response {
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    respond(flow::proceed(&cx, &req, signed_in.as_ref(), consent_given).await)
}

/// The page or redirect of an authorization outcome.
pub fn respond(outcome: Result<Outcome, StoreError>) -> Response {
    match outcome {
        Ok(Outcome::Page(msg)) => error_page(
            StatusCode::BAD_REQUEST,
            "This sign-in link is not valid",
            &msg,
        ),
        Ok(Outcome::Redirect(url)) => see_other(&url),
        Ok(Outcome::Login { ar }) => see_other(&format!("/login?ar={ar}")),
        Ok(Outcome::Consent { ar }) => see_other(&format!("/consent?ar={ar}")),
        Err(_) => unavailable(),
    }
}
