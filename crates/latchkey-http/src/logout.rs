//! Logout. IMS `/ims/logout/v1` (docs/ims-contract.md §2.8): front channel redirects to a registered
//! `redirect_uri` of `client_id`; back channel (with `client_secret`) answers 200;
//! `/ims/logout/v1/token` answers `{}` (or JSONP). Standard RP-initiated logout at
//! `/oauth2/logout` with `post_logout_redirect_uri`. Never an open redirect (SEC-05).
//!
//! A browser's session is only ended when the request shows it comes from the user's own
//! application or the user (docs/security-review.md finding 8; OIDC RP-Initiated Logout §2 lets the OP
//! ask): a valid `id_token_hint` (or, on the IMS paths, an `access_token`) naming the
//! signed-in user, or the POST of our own confirmation form with its CSRF token.
//! Anything else gets the confirmation page, and the session stays.

use crate::auth::{authenticate_client, check_access_token};
use crate::authorize::{see_other, unavailable};
use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::pages::render;
use crate::session::{self, csrf_ok, csrf_token, set_cookie};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::authorize::redirect_url;
use latchkey_core::flows::login;
use latchkey_core::idtoken;
use serde_json::{Value, json};

/// A registered redirect URI of the named client, or `None`.
async fn registered_target(
    st: &AppState,
    client_id: Option<&str>,
    uri: Option<&str>,
) -> Option<String> {
    let (cid, uri) = (client_id?, uri?);
    let keyring = st.keyring();
    login::registered_target(&st.flow(&keyring), cid, uri)
        .await
        .ok()
        .flatten()
}

async fn end_session(st: &AppState, headers: &HeaderMap) -> Result<String, Response> {
    session::end(st, headers).await.map_err(|_| unavailable())
}

/// The parameters the confirmation form carries over to its POST.
const CARRIED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "post_logout_redirect_uri",
    "state",
    "callback",
];

/// `None` when this logout may go ahead: no session to end, a hint or access token of
/// the signed-in user, or our confirmed form. Otherwise the confirmation page to show.
async fn confirm_or_ask(
    st: &AppState,
    headers: &HeaderMap,
    method: &Method,
    req: &OAuthRequest,
    action: &str,
) -> Option<Response> {
    let Ok(Some((_, user))) = session::current(st, headers).await else {
        return None;
    };
    let me = Some(user.id.as_str());
    let hinted = req.params.get("id_token_hint").and_then(|t| {
        idtoken::hint_claims(t, &st.keyring(), &st.tokens().issuer, st.now())
            .and_then(|c| c.get("sub").and_then(Value::as_str).map(str::to_owned))
    });
    if hinted.as_deref() == me {
        return None;
    }
    if let Some(t) = req.params.get("access_token")
        && let Ok(claims) = check_access_token(st, t).await
        && Some(claims.sub.as_str()) == me
    {
        return None;
    }
    if *method == Method::POST
        && req.params.get("confirm") == Some("yes")
        && csrf_ok(st, headers, req.params.get("csrf"))
    {
        return None;
    }
    let client_name = match req.params.get("client_id") {
        Some(cid) => {
            let keyring = st.keyring();
            login::client_name(&st.flow(&keyring), cid)
                .await
                .ok()
                .flatten()
        }
        None => None,
    };
    let carried: Vec<(&str, &str)> = CARRIED
        .iter()
        .filter_map(|k| req.params.get(k).map(|v| (*k, v)))
        .collect();
    let (csrf, cookie) = csrf_token(st, headers);
    let mut page = render(
        StatusCode::OK,
        "logout_confirm.html",
        minijinja::context! {
            action, csrf, carried, client_name, user_email => user.email,
        },
    );
    if let Some(c) = cookie {
        set_cookie(&mut page, c);
    }
    Some(page)
}

fn signed_out(clear: String) -> Response {
    let mut r = render(StatusCode::OK, "signed_out.html", minijinja::context! {});
    set_cookie(&mut r, clear);
    r
}

pub async fn ims_logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    method: Method,
    req: Result<OAuthRequest, ApiError>,
) -> Response {
    let Ok(req) = req else {
        return signed_out(String::new());
    };
    if req.params.get("client_secret").is_some() {
        // Back channel: the client authenticates; the browser session is not involved.
        return match authenticate_client(&st, &req).await {
            Ok(_) => {
                let mut r = Json(json!({})).into_response();
                no_store(&mut r);
                r
            }
            Err(e) => e.into_response(),
        };
    }
    if let Some(ask) = confirm_or_ask(&st, &headers, &method, &req, "/ims/logout/v1").await {
        return ask;
    }
    let clear = match end_session(&st, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match registered_target(
        &st,
        req.params.get("client_id"),
        req.params.get("redirect_uri"),
    )
    .await
    {
        Some(target) => {
            let mut r = see_other(&target);
            *r.status_mut() = StatusCode::FOUND;
            set_cookie(&mut r, clear);
            r
        }
        None => signed_out(clear),
    }
}

/// `/ims/logout/v1/token`: `{}`, or `callback({});` for a plain JavaScript identifier.
pub async fn ims_logout_token(
    State(st): State<AppState>,
    headers: HeaderMap,
    method: Method,
    req: Result<OAuthRequest, ApiError>,
) -> Response {
    let req = match req {
        Ok(r) => r,
        // Unreadable parameters: nothing is ended.
        Err(e) => return e.into_response(),
    };
    if let Some(ask) = confirm_or_ask(&st, &headers, &method, &req, "/ims/logout/v1/token").await {
        return ask;
    }
    let clear = match end_session(&st, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let callback = req.params.get("callback").map(str::to_owned).filter(|c| {
        !c.is_empty()
            && c.len() <= 64
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.')
            && !c.starts_with('.')
    });
    let mut r = match callback {
        Some(cb) => {
            let mut r = format!("/**/{cb}({{}});").into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/javascript"),
            );
            r
        }
        None => Json(Value::Object(Default::default())).into_response(),
    };
    no_store(&mut r);
    set_cookie(&mut r, clear);
    r
}

/// OpenID Connect RP-Initiated Logout 1.0 §2–3.
pub async fn end_session_endpoint(
    State(st): State<AppState>,
    headers: HeaderMap,
    method: Method,
    req: Result<OAuthRequest, ApiError>,
) -> Response {
    let req = match req {
        Ok(r) => r,
        // Unreadable parameters: nothing is ended.
        Err(e) => return e.into_response(),
    };
    if let Some(ask) = confirm_or_ask(&st, &headers, &method, &req, "/oauth2/logout").await {
        return ask;
    }
    let clear = match end_session(&st, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    // The client comes from `client_id` or from the ID token hint's audience.
    let hinted = req.params.get("id_token_hint").and_then(|t| {
        let claims = idtoken::hint_claims(t, &st.keyring(), &st.tokens().issuer, st.now())?;
        claims.get("aud")?.as_str().map(str::to_owned)
    });
    let client = req.params.get("client_id").map(str::to_owned).or(hinted);
    match registered_target(
        &st,
        client.as_deref(),
        req.params.get("post_logout_redirect_uri"),
    )
    .await
    {
        Some(target) => {
            let state: Vec<(&str, &str)> = req
                .params
                .get("state")
                .map(|s| ("state", s))
                .into_iter()
                .collect();
            let mut r = see_other(&redirect_url(&target, &state, &st.tokens().issuer));
            set_cookie(&mut r, clear);
            r
        }
        None => signed_out(clear),
    }
}
