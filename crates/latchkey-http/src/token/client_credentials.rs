//! The client credentials grant at the token endpoint (decision in
//! `latchkey_core::grants::client_credentials`).

use super::Endpoint;
use crate::auth::{authenticate_client, technical_account};
use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::state::AppState;
use latchkey_core::OAuthError;
use latchkey_core::admin::allowed_scopes;
use latchkey_core::grants::client_credentials;
use latchkey_core::token::{AccessTokenRequest, CTP_TECHNICAL, Dialect, issue_access_token};
use serde_json::{Map, Value, json};

pub(super) async fn grant(
    st: &AppState,
    req: &OAuthRequest,
    ep: Endpoint,
) -> Result<Map<String, Value>, ApiError> {
    let (cred, _) = authenticate_client(st, req).await?;
    let subject = technical_account(st, &cred).await?;
    let allowed = allowed_scopes(st.store.as_ref(), &cred).await?;
    let dialect = ep.dialect();
    let scopes = client_credentials::decide(
        &cred,
        &allowed,
        &client_credentials::ClientCredentialsRequest {
            scope: req.params.get("scope"),
            org_id: req.params.get("org_id"),
            dialect,
        },
    )?;
    let issued = issue_access_token(
        st.tokens(),
        &st.keyring(),
        st.rng.as_ref(),
        st.now(),
        &AccessTokenRequest {
            client_id: cred.client_id.as_str(),
            subject: subject.as_str(),
            org: Some(cred.org_id.as_str()),
            scopes: &scopes,
            dialect,
            ctp: CTP_TECHNICAL,
            grant_id: None,
        },
    )?;
    let mut body = json!({
        "access_token": issued.token,
        "token_type": ep.token_type(),
        "expires_in": ep.expires_in(issued.expires_in_secs),
    });
    if dialect == Dialect::Standard {
        body["scope"] = Value::from(scopes.to_standard());
    }
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(OAuthError::server_error().into()),
    }
}
