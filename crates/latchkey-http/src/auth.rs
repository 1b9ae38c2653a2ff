//! What several endpoints share: authenticating the calling client, and checking an
//! access token against signature, lifetime, revocation and its client's status.

use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::state::AppState;
use latchkey_core::OAuthError;
use latchkey_core::client_auth::{self, AuthMethod};
use latchkey_core::ids::ClientId;
use latchkey_core::model::Credential;
use latchkey_core::token::{self, AccessTokenClaims, TokenInvalid};

/// Longest client id looked up; anything longer cannot exist.
const MAX_CLIENT_ID_LEN: usize = 128;

/// Authenticate the client of a request: 400 `invalid_request` when none is presented
/// (NEG-01), 401 `invalid_client` when it fails (NEG-02).
pub async fn authenticate_client(
    st: &AppState,
    req: &OAuthRequest,
) -> Result<(Credential, AuthMethod), ApiError> {
    let presented = client_auth::presented_client(req.basic(), &req.params)?
        .ok_or_else(|| OAuthError::invalid_request("client authentication is required"))?;
    let id = ClientId(presented.client_id.clone());
    let cred = if id.0.len() <= MAX_CLIENT_ID_LEN {
        st.store.get_credential(&id).await?
    } else {
        None
    };
    let secrets = match &cred {
        Some(c) if c.kind.has_secret() => st.store.active_secrets(&id).await?,
        _ => Vec::new(),
    };
    let cred = client_auth::authenticate(&presented, cred.as_ref(), &secrets)?.clone();
    Ok((cred, presented.method))
}

/// Full validation of an access token at the current time.
pub async fn check_access_token(st: &AppState, raw: &str) -> Result<AccessTokenClaims, CheckError> {
    let claims = token::validate_access_token(st.tokens(), &st.keyring(), st.now(), raw)?;
    if st.store.is_token_revoked(&claims.jti).await? {
        return Err(TokenInvalid::Revoked.into());
    }
    // A user token dies with its grant (Connected Applications, code replay, refresh reuse).
    if let Some(gid) = &claims.grant_id
        && !st.store.grant_is_active(gid).await?
    {
        return Err(TokenInvalid::Revoked.into());
    }
    match st
        .store
        .get_credential(&ClientId(claims.client_id.clone()))
        .await?
    {
        Some(c) if !c.disabled => Ok(claims),
        _ => Err(TokenInvalid::ClientInactive.into()),
    }
}

/// A token check fails either because the token is bad or because the store is down.
pub enum CheckError {
    Invalid(TokenInvalid),
    Unavailable(ApiError),
}

impl From<TokenInvalid> for CheckError {
    fn from(e: TokenInvalid) -> Self {
        CheckError::Invalid(e)
    }
}

impl From<latchkey_core::store::StoreError> for CheckError {
    fn from(e: latchkey_core::store::StoreError) -> Self {
        CheckError::Unavailable(e.into())
    }
}
