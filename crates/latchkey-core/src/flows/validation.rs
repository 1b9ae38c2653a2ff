//! Checking access tokens: signature and lifetime (`token::validate_access_token`), then
//! what only the store knows: a revoked `jti`, a cutoff from disabling the credential or
//! the account (docs/security-review.md finding 5), a revoked grant, a disabled client.
//! Used by IMS `validate_token` (docs/ims-contract.md §2.4), RFC 7662 introspection
//! (SEC-49) and every resource endpoint.

use super::{Context, FlowResult};
use crate::OAuthError;
use crate::ids::{ClientId, GrantId, Jti, UserId};
use crate::model::{Credential, CredentialKind};
use crate::products::ProductRole;
use crate::store::StoreError;
use crate::token::{self, AccessTokenClaims, CTP_TECHNICAL, TokenInvalid};

/// A token check fails because the token is not good, or because the store is down.
#[derive(Debug)]
pub enum CheckError {
    Invalid(TokenInvalid),
    Store(StoreError),
}

impl From<TokenInvalid> for CheckError {
    fn from(e: TokenInvalid) -> Self {
        CheckError::Invalid(e)
    }
}

impl From<StoreError> for CheckError {
    fn from(e: StoreError) -> Self {
        CheckError::Store(e)
    }
}

/// Full validation of one of our access tokens at `cx.now`.
pub async fn check_access_token(
    cx: &Context<'_>,
    raw: &str,
) -> Result<AccessTokenClaims, CheckError> {
    let claims =
        token::validate_access_token_cached(cx.settings, cx.keyring, cx.verified, cx.now, raw)?;
    if cx.store.is_token_revoked(&Jti(claims.jti.clone())).await? {
        return Err(TokenInvalid::Revoked.into());
    }
    // Disabling the credential or the account (or a password change) revoked every token
    // issued until then, for good.
    let cutoff = cx
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
        && !cx.store.grant_is_active(&GrantId(gid.clone())).await?
    {
        return Err(TokenInvalid::Revoked.into());
    }
    match cx
        .store
        .get_credential(&ClientId(claims.client_id.clone()))
        .await?
    {
        Some(c) if !c.disabled => Ok(claims),
        _ => Err(TokenInvalid::ClientInactive.into()),
    }
}

/// The answer of IMS `validate_token`: valid with the claims (and a technical account's
/// product roles), or why not.
#[derive(Debug)]
pub enum Validation {
    Valid {
        claims: Box<AccessTokenClaims>,
        product_roles: Option<Vec<ProductRole>>,
    },
    Invalid(String),
}

/// IMS `validate_token`: `wanted_type` must be `access_token`; `client_id`, when given,
/// must be the token's.
pub async fn validate(
    cx: &Context<'_>,
    raw: &str,
    wanted_type: &str,
    client_id: Option<&str>,
) -> Result<Validation, StoreError> {
    if wanted_type != "access_token" {
        return Ok(Validation::Invalid("token type is not supported".into()));
    }
    let claims = match check_access_token(cx, raw).await {
        Ok(c) => c,
        Err(CheckError::Invalid(e)) => return Ok(Validation::Invalid(e.to_string())),
        Err(CheckError::Store(e)) => return Err(e),
    };
    if client_id.is_some_and(|c| c != claims.client_id) {
        return Ok(Validation::Invalid(TokenInvalid::WrongClient.to_string()));
    }
    // Technical accounts: their product roles (docs/design.md "Product").
    let product_roles = if claims.ctp == CTP_TECHNICAL {
        let user = UserId(claims.user_id.clone());
        Some(cx.store.product_roles(&user).await?)
    } else {
        None
    };
    Ok(Validation::Valid {
        claims: Box::new(claims),
        product_roles,
    })
}

/// RFC 7662 introspection by an authenticated `caller`: `None` for an inactive token.
/// POLICY (SEC-49): only confidential clients and resource servers may introspect.
pub async fn introspect(
    cx: &Context<'_>,
    caller: &Credential,
    raw: Option<&str>,
) -> FlowResult<Option<AccessTokenClaims>> {
    if !caller.kind.has_secret() || caller.kind == CredentialKind::ApiKey {
        return Err(OAuthError::invalid_client("client authentication failed").into());
    }
    let raw =
        raw.ok_or_else(|| OAuthError::invalid_request("missing required parameter 'token'"))?;
    match check_access_token(cx, raw).await {
        Ok(c) => Ok(Some(c)),
        Err(CheckError::Invalid(_)) => Ok(None),
        Err(CheckError::Store(e)) => Err(e.into()),
    }
}
