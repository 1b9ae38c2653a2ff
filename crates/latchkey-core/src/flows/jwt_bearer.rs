//! The RFC 7523 JWT-bearer grant at the token endpoint (SEC-31): a service account's
//! signed assertion for an access token of its technical account. The assertion is
//! decided in `grants::jwt_bearer`; its `jti` works once (NEG-13, REL-05).

use super::token::{Endpoint, IssuedTokens};
use super::{Context, FlowResult, client};
use crate::OAuthError;
use crate::admin::{allowed_scopes, service_accounts};
use crate::grants::jwt_bearer;
use crate::ids::Jti;
use crate::model::Credential;

pub async fn grant(
    cx: &Context<'_>,
    cred: &Credential,
    assertion: Option<&str>,
    scope: Option<&str>,
    at: &Endpoint<'_>,
) -> FlowResult<IssuedTokens> {
    let subject = client::technical_account(cx, cred).await?;
    let allowed = allowed_scopes(cx.store, cred).await?;
    let keys = service_accounts::registered_keys(cx.store, &cred.client_id).await?;
    let issuer = cx.settings.issuer.trim_end_matches('/');
    let audiences = [issuer.to_owned(), at.url.to_owned()];
    let jcx = jwt_bearer::Context {
        issuer,
        now: cx.now,
        skew_secs: cx.settings.clock_skew_secs,
    };
    let accepted =
        jwt_bearer::decide_grant(&jcx, cred, &keys, &allowed, &audiences, assertion, scope)?;
    if let Some(jti) = &accepted.jti
        && !cx
            .store
            .record_assertion_jti(
                &cred.client_id,
                &Jti(jti.clone()),
                accepted.expires_at,
                cx.now,
            )
            .await?
    {
        return Err(OAuthError::invalid_grant("the assertion was already used").into());
    }
    Ok(client::technical_token(
        cx,
        cred,
        &subject,
        accepted.scopes,
        at.dialect,
    )?)
}
