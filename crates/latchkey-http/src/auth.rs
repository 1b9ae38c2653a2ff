//! What several endpoints share, as calls of the core flows: authenticating the calling
//! client, and checking an access token (signature, lifetime, revocation, its client's
//! status).

use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::state::AppState;
use latchkey_core::client_auth::AuthMethod;
use latchkey_core::flows;
use latchkey_core::model::Credential;
use latchkey_core::token::{AccessTokenClaims, TokenInvalid};

/// Authenticate the client of a request (`latchkey_core::flows::client`).
pub async fn authenticate_client(
    st: &AppState,
    req: &OAuthRequest,
) -> Result<(Credential, AuthMethod), ApiError> {
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    Ok(flows::client::authenticate(&cx, req.basic(), &req.params, &st.token_urls).await?)
}

/// Full validation of an access token at the current time
/// (`latchkey_core::flows::validation`).
pub async fn check_access_token(st: &AppState, raw: &str) -> Result<AccessTokenClaims, CheckError> {
    let keyring = st.keyring();
    match flows::validation::check_access_token(&st.flow(&keyring), raw).await {
        Ok(c) => Ok(c),
        Err(flows::validation::CheckError::Invalid(e)) => Err(CheckError::Invalid(e)),
        Err(flows::validation::CheckError::Store(e)) => Err(CheckError::Unavailable(e.into())),
    }
}

/// A token check fails either because the token is bad or because the store is down.
pub enum CheckError {
    Invalid(TokenInvalid),
    Unavailable(ApiError),
}
