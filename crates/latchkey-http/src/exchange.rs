//! `POST /ims/exchange/jwt` (and `/ims/exchange/jwt/`, as `@adobe/jwt-auth` sends it): the
//! Service Account (JWT) exchange of docs/ims-contract.md §2.3. Fields `client_id`, `client_secret`,
//! `jwt_token` (multipart, urlencoded or query); the answer is
//! `{"token_type":"bearer","access_token":…,"expires_in":<ms>}`, errors follow the §7
//! table (decided in `latchkey_core::grants::jwt_bearer`).

use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use latchkey_core::admin::service_accounts;
use latchkey_core::client_auth;
use latchkey_core::grants::jwt_bearer;
use latchkey_core::ids::ClientId;
use latchkey_core::token::{AccessTokenRequest, CTP_TECHNICAL, Dialect, issue_access_token};
use latchkey_core::{ErrorCode, OAuthError};
use serde_json::json;

/// Longest client id looked up; anything longer cannot exist.
const MAX_CLIENT_ID_LEN: usize = 128;

fn ims(code: ErrorCode, status: u16, d: &str) -> ApiError {
    OAuthError::new(code, d).with_status(status).into()
}

pub async fn exchange_jwt_post(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    // docs/ims-contract.md §7: 400 invalid_client for an unknown integration, 401 for a bad secret.
    let presented = client_auth::presented_client(req.basic(), &req.params)?
        .filter(|p| p.client_id.len() <= MAX_CLIENT_ID_LEN)
        .ok_or_else(|| ims(ErrorCode::InvalidClient, 400, "unknown client_id"))?;
    let id = ClientId(presented.client_id.clone());
    let Some(cred) = st.store.get_credential(&id).await? else {
        return Err(ims(ErrorCode::InvalidClient, 400, "unknown client_id"));
    };
    let secrets = if cred.kind.has_secret() {
        st.store.active_secrets(&id).await?
    } else {
        Vec::new()
    };
    if presented.secret.is_none() {
        return Err(ims(
            ErrorCode::InvalidClient,
            401,
            "client_secret is required",
        ));
    }
    let cred = client_auth::authenticate(&presented, Some(&cred), &secrets)?.clone();
    let keyring = st.keyring();
    let subject =
        latchkey_core::flows::client::technical_account(&st.flow(&keyring), &cred).await?;
    let keys = service_accounts::registered_keys(st.store.as_ref(), &id).await?;
    let apis = st.store.project_apis(&cred.project_id).await?;
    let now = st.now();
    let tokens = st.tokens();
    let cx = jwt_bearer::Context {
        issuer: &tokens.issuer,
        now,
        skew_secs: tokens.clock_skew_secs,
    };
    let accepted =
        jwt_bearer::decide_ims_exchange(&cx, &cred, &keys, &apis, req.params.get("jwt_token"))?;
    if let Some(jti) = &accepted.jti
        && !st
            .store
            .record_assertion_jti(&cred.client_id, jti, accepted.expires_at, now)
            .await?
    {
        return Err(ims(
            ErrorCode::InvalidToken,
            400,
            "the JWT's jti was already used",
        ));
    }
    let issued = issue_access_token(
        tokens,
        &st.keyring(),
        st.rng.as_ref(),
        now,
        &AccessTokenRequest {
            client_id: cred.client_id.as_str(),
            subject: subject.as_str(),
            org: Some(cred.org_id.as_str()),
            scopes: &accepted.scopes,
            dialect: Dialect::Ims,
            ctp: CTP_TECHNICAL,
            grant_id: None,
        },
    )?;
    st.metrics.token_issued("jwt_exchange");
    // `expires_in` in milliseconds on this endpoint (docs/ims-contract.md §2.3, §3.2).
    let mut resp = Json(json!({
        "token_type": "bearer",
        "access_token": issued.token,
        "expires_in": issued.expires_in_secs.saturating_mul(1000),
    }))
    .into_response();
    no_store(&mut resp);
    Ok(resp)
}
