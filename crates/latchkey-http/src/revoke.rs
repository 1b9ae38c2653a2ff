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
use latchkey_core::flows::revocation::{self, Revoked};

async fn revoke(st: &AppState, req: &OAuthRequest) -> Result<Response, ApiError> {
    let (caller, method) = authenticate_client(st, req).await?;
    let raw = req.params.require("token")?;
    let keyring = st.keyring();
    match revocation::revoke(&st.flow(&keyring), &caller, method, raw).await? {
        Revoked::AccessToken { jti } => {
            tracing::info!(client_id = %caller.client_id, %jti, "token revoked");
        }
        Revoked::Grant { grant_id } => {
            tracing::info!(client_id = %caller.client_id, grant = %grant_id, "refresh token revoked with its grant");
        }
        Revoked::Nothing => {}
    }
    let mut resp = StatusCode::OK.into_response();
    no_store(&mut resp);
    Ok(resp)
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
