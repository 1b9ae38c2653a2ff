//! The RFC 7523 §2.1 JWT-bearer grant at the token endpoint (SEC-31), for authenticated
//! `service_account_jwt` clients; decision in `latchkey_core::grants::jwt_bearer`. The
//! assertion's `aud` is the issuer or this token endpoint's URL; its `jti` is single-use
//! (NEG-13), recorded durably until `exp` (REL-05).

use super::Endpoint;
use crate::auth::{authenticate_client, technical_account};
use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::state::AppState;
use latchkey_core::OAuthError;
use latchkey_core::admin::{allowed_scopes, service_accounts};
use latchkey_core::grants::jwt_bearer;
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
    let keys = service_accounts::registered_keys(st.store.as_ref(), &cred.client_id).await?;
    let issuer = st.tokens().issuer.trim_end_matches('/');
    let audiences = [issuer.to_owned(), format!("{issuer}{}", ep.path())];
    let now = st.now();
    let cx = jwt_bearer::Context {
        issuer,
        now,
        skew_secs: st.tokens().clock_skew_secs,
    };
    let accepted = jwt_bearer::decide_grant(
        &cx,
        &cred,
        &keys,
        &allowed,
        &audiences,
        req.params.get("assertion"),
        req.params.get("scope"),
    )?;
    if let Some(jti) = &accepted.jti
        && !st
            .store
            .record_assertion_jti(&cred.client_id, jti, accepted.expires_at, now)
            .await?
    {
        return Err(OAuthError::invalid_grant("the assertion was already used").into());
    }
    let dialect = ep.dialect();
    let issued = issue_access_token(
        st.tokens(),
        &st.keyring(),
        st.rng.as_ref(),
        now,
        &AccessTokenRequest {
            client_id: cred.client_id.as_str(),
            subject: subject.as_str(),
            org: Some(cred.org_id.as_str()),
            scopes: &accepted.scopes,
            dialect,
            ctp: CTP_TECHNICAL,
            grant_id: None,
        },
    )?;
    let mut body = Map::new();
    body.insert("access_token".into(), Value::from(issued.token));
    body.insert("token_type".into(), Value::from(ep.token_type()));
    body.insert(
        "expires_in".into(),
        json!(ep.expires_in(issued.expires_in_secs)),
    );
    if dialect == Dialect::Standard {
        body.insert("scope".into(), Value::from(accepted.scopes.to_standard()));
    }
    Ok(body)
}
