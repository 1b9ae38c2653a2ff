//! What several endpoints share: authenticating the calling client, and checking an
//! access token against signature, lifetime, revocation and its client's status.

use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::state::AppState;
use latchkey_core::admin::service_accounts;
use latchkey_core::client_auth::{self, AuthMethod};
use latchkey_core::grants::jwt_bearer;
use latchkey_core::ids::{ClientId, UserId};
use latchkey_core::model::Credential;
use latchkey_core::token::{self, AccessTokenClaims, TokenInvalid};
use latchkey_core::{ErrorCode, OAuthError};

/// Longest client id looked up; anything longer cannot exist.
const MAX_CLIENT_ID_LEN: usize = 128;

/// Authenticate the client of a request: 400 `invalid_request` when none is presented
/// (NEG-01), 401 `invalid_client` when it fails (NEG-02).
pub async fn authenticate_client(
    st: &AppState,
    req: &OAuthRequest,
) -> Result<(Credential, AuthMethod), ApiError> {
    if let Some(presented) = client_auth::presented_assertion(req.basic(), &req.params)? {
        let cred = authenticate_private_key_jwt(st, &presented).await?;
        return Ok((cred, AuthMethod::PrivateKeyJwt));
    }
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

/// `private_key_jwt` (RFC 7523 §2.2, SEC-32): verify the assertion with the client's
/// registered keys, then record its `jti` so it authenticates once. Every failure is 401.
async fn authenticate_private_key_jwt(
    st: &AppState,
    presented: &client_auth::PresentedAssertion<'_>,
) -> Result<Credential, ApiError> {
    let failed = || OAuthError::invalid_client("client authentication failed");
    let id = ClientId(presented.client_id.clone());
    if id.0.len() > MAX_CLIENT_ID_LEN {
        return Err(failed().into());
    }
    let Some(cred) = st.store.get_credential(&id).await? else {
        return Err(failed().into());
    };
    let keys = service_accounts::registered_keys(st.store.as_ref(), &id).await?;
    let issuer = st.tokens().issuer.trim_end_matches('/');
    // The issuer or one of its token endpoint URLs (not introspection, FUZZ-08).
    let mut audiences = vec![issuer.to_owned()];
    audiences.extend(
        crate::token::Endpoint::ALL
            .iter()
            .map(|ep| format!("{issuer}{}", ep.path())),
    );
    let now = st.now();
    let cx = jwt_bearer::Context {
        issuer,
        now,
        skew_secs: st.tokens().clock_skew_secs,
    };
    let (jti, exp) = jwt_bearer::decide_client_assertion(
        &cx,
        &cred,
        &keys,
        &audiences,
        presented.assertion,
        presented.body_client_id,
    )?;
    if !st
        .store
        .record_assertion_jti(&cred.client_id, &jti, exp, now)
        .await?
    {
        return Err(OAuthError::invalid_client("the client assertion was already used").into());
    }
    Ok(cred)
}

/// The technical account a server-to-server or service-account credential acts as:
/// `unauthorized_client` when it has none or the account is disabled, so a disabled
/// technical account gets no new token by any grant (docs/security-review.md finding 5).
pub async fn technical_account(st: &AppState, cred: &Credential) -> Result<UserId, ApiError> {
    let refuse = |d: &str| ApiError(OAuthError::new(ErrorCode::UnauthorizedClient, d));
    let id = cred
        .technical_account
        .clone()
        .ok_or_else(|| refuse("credential has no technical account"))?;
    match st.store.get_user(&id).await? {
        Some(u) if !u.disabled => Ok(id),
        _ => Err(refuse("the credential's technical account is disabled")),
    }
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
