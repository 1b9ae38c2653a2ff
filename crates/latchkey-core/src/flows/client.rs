//! Client authentication at the token, introspection, revocation and logout endpoints
//! (RFC 6749 §2.3): `client_secret_basic`, `client_secret_post`, public clients by
//! `client_id`, and `private_key_jwt` (RFC 7523 §2.2, SEC-32). 400 `invalid_request` when
//! no client is presented (NEG-01), 401 `invalid_client` when it fails (NEG-02).

use super::token::IssuedTokens;
use super::{Context, FlowError, FlowResult};
use crate::admin::service_accounts;
use crate::client_auth::{self, AuthMethod, PresentedAssertion};
use crate::grants::jwt_bearer;
use crate::ids::{ClientId, Jti, UserId};
use crate::model::{Credential, SecretRecord};
use crate::params::Params;
use crate::scope::ScopeSet;
use crate::token::{AccessTokenRequest, CTP_TECHNICAL, Dialect, issue_access_token};
use crate::{ErrorCode, OAuthError};

/// Longest client id looked up; anything longer cannot exist.
pub const MAX_CLIENT_ID_LEN: usize = 128;

/// Authenticate the client of a request from its `Authorization` header (if Basic) and
/// parameters. `token_urls` are the token endpoint URLs a `private_key_jwt` assertion may
/// name as its audience, besides the issuer (not introspection: FUZZ-08).
pub async fn authenticate(
    cx: &Context<'_>,
    basic: Option<&[u8]>,
    params: &Params,
    token_urls: &[String],
) -> FlowResult<(Credential, AuthMethod)> {
    if let Some(presented) = client_auth::presented_assertion(basic, params)? {
        let cred = private_key_jwt(cx, &presented, token_urls).await?;
        return Ok((cred, AuthMethod::PrivateKeyJwt));
    }
    let presented = client_auth::presented_client(basic, params)?
        .ok_or_else(|| OAuthError::invalid_request("client authentication is required"))?;
    let id = ClientId(presented.client_id.clone());
    let cred = if id.0.len() <= MAX_CLIENT_ID_LEN {
        cx.store.get_credential(&id).await?
    } else {
        None
    };
    let secrets = match &cred {
        Some(c) if c.kind.has_secret() => cx.store.active_secrets(&id).await?,
        _ => Vec::new(),
    };
    let (_, used) = client_auth::authenticate(&presented, cred.as_ref(), &secrets)?;
    // Authenticated, so there is a credential: taken, not cloned (a hot-path allocation).
    let cred = cred.ok_or_else(|| OAuthError::invalid_client("client authentication failed"))?;
    record_secret_use(cx, &id, used).await?;
    Ok((cred, presented.method))
}

/// Note that `used` (the secret a request authenticated with, if any) was used now, for
/// the console's "last used" column: written when the stored time is older than
/// `SECRET_USE_GRANULARITY_SECS`, so a busy client costs one write per five minutes.
pub(super) async fn record_secret_use(
    cx: &Context<'_>,
    id: &ClientId,
    used: Option<&SecretRecord>,
) -> FlowResult<()> {
    if let Some(used) = used
        && used
            .last_used_at
            .is_none_or(|t| t.plus_secs(SECRET_USE_GRANULARITY_SECS) <= cx.now)
    {
        cx.store.touch_secret(id, &used.id, cx.now).await?;
    }
    Ok(())
}

/// A secret's "last used" time is written when it is older than this, so a busy client
/// costs one write per secret every five minutes, not one per request.
pub const SECRET_USE_GRANULARITY_SECS: i64 = 300;

/// `private_key_jwt`: verify the assertion with the client's registered keys, then record
/// its `jti` so it authenticates once. Every failure is 401.
async fn private_key_jwt(
    cx: &Context<'_>,
    presented: &PresentedAssertion<'_>,
    token_urls: &[String],
) -> FlowResult<Credential> {
    let failed = || OAuthError::invalid_client("client authentication failed");
    let id = ClientId(presented.client_id.clone());
    if id.0.len() > MAX_CLIENT_ID_LEN {
        return Err(failed().into());
    }
    let Some(cred) = cx.store.get_credential(&id).await? else {
        return Err(failed().into());
    };
    let keys = service_accounts::registered_keys(cx.store, &id).await?;
    let issuer = cx.settings.issuer.trim_end_matches('/');
    let mut audiences = vec![issuer.to_owned()];
    audiences.extend(token_urls.iter().cloned());
    let jcx = jwt_bearer::Context {
        issuer,
        now: cx.now,
        skew_secs: cx.settings.clock_skew_secs,
    };
    let (jti, accepted_until) = jwt_bearer::decide_client_assertion(
        &jcx,
        &cred,
        &keys,
        &audiences,
        presented.assertion,
        presented.body_client_id,
    )?;
    if !cx
        .store
        .record_assertion_jti(&cred.client_id, &Jti(jti), accepted_until, cx.now)
        .await?
    {
        return Err(OAuthError::invalid_client("the client assertion was already used").into());
    }
    Ok(cred)
}

/// The technical account a server-to-server or service-account credential acts as:
/// `unauthorized_client` when it has none or the account is disabled, so a disabled
/// technical account gets no new token by any grant (docs/security-review.md finding 5).
pub async fn technical_account(cx: &Context<'_>, cred: &Credential) -> FlowResult<UserId> {
    let refuse = |d: &str| FlowError::from(OAuthError::new(ErrorCode::UnauthorizedClient, d));
    let id = cred
        .technical_account
        .clone()
        .ok_or_else(|| refuse("credential has no technical account"))?;
    match cx.store.get_user(&id).await? {
        Some(u) if !u.disabled => Ok(id),
        _ => Err(refuse("the credential's technical account is disabled")),
    }
}

/// An access token for `cred`'s technical account `subject` (client credentials, the RFC
/// 7523 grant and the IMS exchange): no refresh token, no ID token, no user.
pub fn technical_token(
    cx: &Context<'_>,
    cred: &Credential,
    subject: &UserId,
    scopes: ScopeSet,
    dialect: Dialect,
) -> Result<IssuedTokens, OAuthError> {
    let issued = issue_access_token(
        cx.settings,
        cx.keyring,
        cx.rng,
        cx.now,
        &AccessTokenRequest {
            client_id: cred.client_id.as_str(),
            subject: subject.as_str(),
            org: Some(cred.org_id.as_str()),
            scopes: &scopes,
            dialect,
            ctp: CTP_TECHNICAL,
            grant_id: None,
            kind: cred.kind,
        },
    )?;
    Ok(IssuedTokens {
        access_token: issued.token,
        expires_in_secs: issued.expires_in_secs,
        scopes,
        refresh_token: None,
        id_token: None,
        user: None,
    })
}
