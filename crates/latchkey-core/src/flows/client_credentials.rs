//! OAuth Server-to-Server (RFC 6749 §4.4): an access token for the credential's
//! technical account, with the scopes `grants::client_credentials::decide` allows.

use super::token::IssuedTokens;
use super::{Context, FlowResult, client};
use crate::admin::allowed_scopes;
use crate::grants::client_credentials::{self, ClientCredentialsRequest};
use crate::model::Credential;
use crate::token::Dialect;

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
    Ok(client::technical_token(
        cx, cred, &subject, scopes, dialect,
    )?)
}
