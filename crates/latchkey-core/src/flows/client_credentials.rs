//! OAuth Server-to-Server (RFC 6749 §4.4): an access token for the credential's
//! technical account, with the scopes `grants::client_credentials::decide` allows.

use super::token::IssuedTokens;
use super::{Context, FlowResult, client};
use crate::admin::allowed_scopes;
use crate::grants::client_credentials::{self, ClientCredentialsRequest};
use crate::model::Credential;
use crate::token::{AccessTokenRequest, CTP_TECHNICAL, Dialect, issue_access_token};

pub async fn grant(
    cx: &Context<'_>,
    cred: &Credential,
    scope: Option<&str>,
    org_id: Option<&str>,
    dialect: Dialect,
) -> FlowResult<IssuedTokens> {
    let subject = client::technical_account(cx, cred).await?;
    let allowed = allowed_scopes(cx.store, cred).await?;
    let scopes = client_credentials::decide(
        cred,
        &allowed,
        &ClientCredentialsRequest {
            scope,
            org_id,
            dialect,
        },
    )?;
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
