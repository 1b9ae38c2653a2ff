//! The IMS Service Account (JWT) exchange, `POST /ims/exchange/jwt`
//! (docs/ims-contract.md §2.3): `client_id`, `client_secret` and `jwt_token` for an access
//! token of the credential's technical account, with the errors of the §7 table (decided
//! in `grants::jwt_bearer`). A `jti`, when sent, works once.

use super::token::IssuedTokens;
use super::{Context, FlowResult, client};
use crate::admin::service_accounts;
use crate::client_auth;
use crate::grants::jwt_bearer;
use crate::ids::{ClientId, Jti};
use crate::params::Params;
use crate::token::Dialect;
use crate::{ErrorCode, OAuthError};

fn ims(code: ErrorCode, status: u16, d: &str) -> OAuthError {
    OAuthError::new(code, d).with_status(status)
}

pub async fn exchange(
    cx: &Context<'_>,
    basic: Option<&[u8]>,
    params: &Params,
) -> FlowResult<IssuedTokens> {
    // §7: 400 invalid_client for an unknown integration, 401 for a bad secret.
    let unknown = || ims(ErrorCode::InvalidClient, 400, "unknown client_id");
    let presented = client_auth::presented_client(basic, params)?
        .filter(|p| p.client_id.len() <= client::MAX_CLIENT_ID_LEN)
        .ok_or_else(unknown)?;
    let id = ClientId(presented.client_id.clone());
    let Some(cred) = cx.store.get_credential(&id).await? else {
        return Err(unknown().into());
    };
    let secrets = if cred.kind.has_secret() {
        cx.store.active_secrets(&id).await?
    } else {
        Vec::new()
    };
    if presented.secret.is_none() {
        return Err(ims(ErrorCode::InvalidClient, 401, "client_secret is required").into());
    }
    let (cred, used) = client_auth::authenticate(&presented, Some(&cred), &secrets)?;
    let cred = cred.clone();
    client::record_secret_use(cx, &id, used).await?;
    let subject = client::technical_account(cx, &cred).await?;
    let keys = service_accounts::registered_keys(cx.store, &id).await?;
    let apis = cx.store.project_apis(&cred.project_id).await?;
    let jcx = jwt_bearer::Context {
        issuer: &cx.settings.issuer,
        now: cx.now,
        skew_secs: cx.settings.clock_skew_secs,
    };
    let accepted =
        jwt_bearer::decide_ims_exchange(&jcx, &cred, &keys, &apis, params.get("jwt_token"))?;
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
        return Err(ims(
            ErrorCode::InvalidToken,
            400,
            "the JWT's jti was already used",
        )
        .into());
    }
    Ok(client::technical_token(
        cx,
        &cred,
        &subject,
        accepted.scopes,
        Dialect::Ims,
    )?)
}
