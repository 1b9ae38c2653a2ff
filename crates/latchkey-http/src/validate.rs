//! Token validation: IMS `POST /ims/validate_token/v1` (docs/ims-contract.md §2.4: token in the
//! `Authorization: Bearer` header or a `token` field; always 200 with `valid`) and RFC 7662
//! introspection at `/oauth2/introspect` (client authentication required; an inactive token
//! is exactly `{"active":false}`, SEC-49).

use crate::auth::{CheckError, authenticate_client, check_access_token};
use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use latchkey_core::OAuthError;
use latchkey_core::admin::products;
use latchkey_core::ids::UserId;
use latchkey_core::model::CredentialKind;
use latchkey_core::token::{CTP_TECHNICAL, TokenInvalid};
use serde_json::{Value, json};

fn json_no_store(v: Value) -> Response {
    let mut resp = Json(v).into_response();
    no_store(&mut resp);
    resp
}

pub async fn validate_token_post(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    let raw = match (req.params.get("token"), req.bearer()) {
        (Some(t), None) | (None, Some(t)) => t.to_owned(),
        (Some(a), Some(b)) if a == b => a.to_owned(),
        (Some(_), Some(_)) => return Err(OAuthError::invalid_request("send the token once").into()),
        (None, None) => {
            return Err(OAuthError::invalid_request("missing required parameter 'token'").into());
        }
    };
    let wanted_type = req.params.get("type").unwrap_or("access_token");
    let invalid = |reason: &str| json_no_store(json!({"valid": false, "reason": reason}));
    if wanted_type != "access_token" {
        return Ok(invalid("token type is not supported"));
    }
    match check_access_token(&st, &raw).await {
        Ok(claims) => {
            if req
                .params
                .get("client_id")
                .is_some_and(|c| c != claims.client_id)
            {
                return Ok(invalid(&TokenInvalid::WrongClient.to_string()));
            }
            let expires_at = claims.exp * 1000;
            let mut body = json!({"valid": true, "token": claims, "expires_at": expires_at});
            // Technical accounts: their product roles (docs/design.md "Product"; `/ims/profile/v1` too).
            if claims.ctp == CTP_TECHNICAL {
                let user = UserId(claims.user_id.clone());
                let roles = products::product_roles(st.store.as_ref(), &user).await?;
                body["product_roles"] = json!(roles);
            }
            Ok(json_no_store(body))
        }
        Err(CheckError::Invalid(e)) => Ok(invalid(&e.to_string())),
        Err(CheckError::Unavailable(e)) => Err(e),
    }
}

pub async fn introspect_post(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    let (caller, _) = authenticate_client(&st, &req).await?;
    // POLICY (SEC-49): only confidential clients and resource servers may introspect.
    if !caller.kind.has_secret() || caller.kind == CredentialKind::ApiKey {
        return Err(OAuthError::invalid_client("client authentication failed").into());
    }
    let raw = req.params.require("token")?;
    match check_access_token(&st, raw).await {
        Ok(c) => Ok(json_no_store(json!({
            "active": true,
            "scope": c.scopes().to_standard(),
            "client_id": c.client_id,
            "sub": c.sub,
            "exp": c.exp,
            "iat": c.iat,
            "iss": c.iss,
            "aud": c.aud,
            "jti": c.jti,
            "token_type": "Bearer",
            "org": c.org,
        }))),
        Err(CheckError::Invalid(_)) => Ok(json_no_store(json!({"active": false}))),
        Err(CheckError::Unavailable(e)) => Err(e),
    }
}
