//! Logout. IMS `/ims/logout/v1` (contract §2.8): front channel redirects to a registered
//! `redirect_uri` of `client_id`; back channel (with `client_secret`) answers 200;
//! `/ims/logout/v1/token` answers `{}` (or JSONP). Standard RP-initiated logout at
//! `/oauth2/logout` with `post_logout_redirect_uri`. Never an open redirect (SEC-05).

use crate::auth::authenticate_client;
use crate::authorize::{see_other, unavailable};
use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::pages::render;
use crate::session::{self, set_cookie};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::admin::redirect::matches_registered;
use latchkey_core::authorize::redirect_url;
use latchkey_core::ids::ClientId;
use latchkey_core::idtoken;
use serde_json::{Value, json};

/// A registered redirect URI of the named client, or `None`.
async fn registered_target(
    st: &AppState,
    client_id: Option<&str>,
    uri: Option<&str>,
) -> Option<String> {
    let (cid, uri) = (client_id?, uri?);
    let cred = st
        .store
        .get_credential(&ClientId(cid.to_owned()))
        .await
        .ok()
        .flatten()?;
    matches_registered(uri, &cred.redirect_uris, cred.kind).then(|| uri.to_owned())
}

async fn end_session(st: &AppState, headers: &HeaderMap) -> Result<String, Response> {
    session::end(st, headers).await.map_err(|_| unavailable())
}

fn signed_out(clear: String) -> Response {
    let mut r = render(StatusCode::OK, "signed_out.html", minijinja::context! {});
    set_cookie(&mut r, clear);
    r
}

pub async fn ims_logout(
    State(st): State<AppState>,
    headers: HeaderMap,
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
    req: Result<OAuthRequest, ApiError>,
) -> Response {
    let clear = match end_session(&st, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let callback = req
        .ok()
        .and_then(|r| r.params.get("callback").map(str::to_owned))
        .filter(|c| {
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
    req: Result<OAuthRequest, ApiError>,
) -> Response {
    let clear = match end_session(&st, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(req) = req else {
        return signed_out(clear);
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
