//! Userinfo (OIDC Core §5.3; docs/ims-contract.md §2.6) at `/ims/userinfo/v2`, legacy
//! `/ims/userinfo` and `/oauth2/userinfo` (GET or POST), plus IMS `/ims/profile/v1` and
//! `/ims/organizations/v6`. This module only finds the bearer token: in the
//! `Authorization` header or a POST body, never the URL (RFC 6750 §2.3: it ends up in
//! logs and `Referer`), whatever the percent-encoding of its name
//! (docs/security-review.md finding 7). What the token yields is decided in
//! `latchkey_core::flows::userinfo`, limited to the granted scopes (SEC-50).

use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use latchkey_core::OAuthError;
use latchkey_core::flows::userinfo as flow;
use serde_json::Value;

/// The bearer token of a resource request.
fn bearer(req: &OAuthRequest) -> Result<&str, ApiError> {
    if req.in_query("access_token") {
        return Err(OAuthError::invalid_request(
            "send the access token in the Authorization header, not the URL",
        )
        .into());
    }
    if req.params.get("access_token").is_some() && req.bearer().is_some() {
        return Err(OAuthError::invalid_request("send the access token once").into());
    }
    req.bearer()
        .or_else(|| req.params.get("access_token"))
        .ok_or_else(|| OAuthError::invalid_token("an access token is required").into())
}

fn json_no_store(v: Value) -> Response {
    let mut r = Json(v).into_response();
    no_store(&mut r);
    r
}

/// GET/POST userinfo.
pub async fn userinfo(State(st): State<AppState>, req: OAuthRequest) -> Result<Response, ApiError> {
    let raw = bearer(&req)?;
    let keyring = st.keyring();
    let claims = flow::userinfo(&st.flow(&keyring), raw).await?;
    Ok(json_no_store(Value::Object(claims)))
}

/// IMS `/ims/profile/v1`.
pub async fn profile(State(st): State<AppState>, req: OAuthRequest) -> Result<Response, ApiError> {
    let raw = bearer(&req)?;
    let keyring = st.keyring();
    let profile = flow::profile(&st.flow(&keyring), raw).await?;
    Ok(json_no_store(Value::Object(profile)))
}

/// IMS `/ims/organizations/v6`: the caller's orgs; needs `read_organizations`.
pub async fn organizations(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    let raw = bearer(&req)?;
    let keyring = st.keyring();
    let orgs = flow::organizations(&st.flow(&keyring), raw).await?;
    Ok(json_no_store(Value::Array(orgs)))
}
