//! Revocation: RFC 7009 at `/oauth2/revoke` and IMS `/ims/revoke`, and IMS
//! `/ims/invalidate_token/v2` (docs/ims-contract.md §2.5). Client authentication is required; a token
//! of another client is not revoked (SEC-48); garbage gets 200; success is always 200
//! (aio-lib-ims treats anything else as failure). The revocation is committed before the
//! response is sent (REL-02).

use crate::auth::authenticate_client;
use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::OAuthError;
use latchkey_core::artifact::{self, ArtifactKind};
use latchkey_core::client_auth::AuthMethod;
use latchkey_core::clock::Timestamp;
use latchkey_core::model::Credential;
use latchkey_core::token;

fn ok() -> Response {
    let mut resp = StatusCode::OK.into_response();
    no_store(&mut resp);
    resp
}

async fn revoke(st: &AppState, req: &OAuthRequest) -> Result<Response, ApiError> {
    let (caller, method) = authenticate_client(st, req).await?;
    let raw = req.params.require("token")?;
    // token_type_hint is only a hint (RFC 7009 §2.1): any value, or none, is fine.
    let Ok(claims) = token::verified_claims(&st.keyring(), st.now(), raw) else {
        return revoke_refresh_token(st, &caller, method, raw).await;
    };
    if claims.client_id != caller.client_id.as_str() {
        // Confidential callers learn the refusal; public ones get a silent 200 (NOP).
        return if method == AuthMethod::None {
            Ok(ok())
        } else {
            Err(OAuthError::invalid_request("the token was not issued to this client").into())
        };
    }
    st.store
        .revoke_token(
            &claims.jti,
            &caller.client_id,
            Timestamp::from_secs(claims.exp),
            st.now(),
        )
        .await?;
    tracing::info!(client_id = %caller.client_id, jti = %claims.jti, "token revoked");
    Ok(ok())
}

/// A refresh token: revoking it revokes its grant, and so the access tokens issued from it
/// (RFC 7009 §2.1 SHOULD; SEC-48). Anything unrecognised needs no action (§2.2).
async fn revoke_refresh_token(
    st: &AppState,
    caller: &Credential,
    method: AuthMethod,
    raw: &str,
) -> Result<Response, ApiError> {
    let Some((hash, _)) =
        artifact::hash_of(&st.keyring(), st.now(), ArtifactKind::RefreshToken, raw)
    else {
        return Ok(ok());
    };
    let Some(rt) = st.store.find_refresh_token(&hash).await? else {
        return Ok(ok());
    };
    if rt.client_id != caller.client_id {
        return if method == AuthMethod::None {
            Ok(ok())
        } else {
            Err(OAuthError::invalid_request("the token was not issued to this client").into())
        };
    }
    st.store.revoke_grant(&rt.grant_id, st.now()).await?;
    tracing::info!(client_id = %caller.client_id, grant = %rt.grant_id, "refresh token revoked with its grant");
    Ok(ok())
}

pub async fn revoke_post(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    revoke(&st, &req).await
}

/// `token_type` and `cascading=all` are accepted; revoking an access token has nothing
/// further to cascade to, and refresh-token families cascade through their grant.
pub async fn invalidate_post(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    revoke(&st, &req).await
}
