//! What several endpoints share: authenticating the calling client, and checking an
//! access token against signature, lifetime, revocation and its client's status.

use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::state::AppState;
use latchkey_core::client_auth::AuthMethod;
use latchkey_core::flows;
use latchkey_core::ids::{ClientId, UserId};
use latchkey_core::model::Credential;
use latchkey_core::token::{self, AccessTokenClaims, TokenInvalid};

/// Authenticate the client of a request (`latchkey_core::flows::client`).
pub async fn authenticate_client(
    st: &AppState,
    req: &OAuthRequest,
) -> Result<(Credential, AuthMethod), ApiError> {
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    let urls = crate::token::token_urls(&st.tokens().issuer);
    Ok(flows::client::authenticate(&cx, req.basic(), &req.params, &urls).await?)
}

/// Full validation of an access token at the current time.
pub async fn check_access_token(st: &AppState, raw: &str) -> Result<AccessTokenClaims, CheckError> {
    let claims = token::validate_access_token(st.tokens(), &st.keyring(), st.now(), raw)?;
    if st.store.is_token_revoked(&claims.jti).await? {
        return Err(TokenInvalid::Revoked.into());
    }
    // Disabling the credential or the account (or a password change) revoked every token
    // issued until then, for good (docs/security-review.md finding 5).
    let cutoff = st
        .store
        .tokens_revoked_before(
            &ClientId(claims.client_id.clone()),
            &UserId(claims.sub.clone()),
        )
        .await?;
    if claims.revoked_by_cutoff(cutoff) {
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
