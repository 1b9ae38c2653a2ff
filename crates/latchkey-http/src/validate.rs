//! Token validation: IMS `POST /ims/validate_token/v1` (docs/ims-contract.md §2.4: token in the
//! `Authorization: Bearer` header or a `token` field; always 200 with `valid`) and RFC 7662
//! introspection at `/oauth2/introspect` (client authentication required; an inactive token
//! is exactly `{"active":false}`, SEC-49).

use crate::auth::authenticate_client;
use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use latchkey_core::OAuthError;
use latchkey_core::flows::validation::{self, Validation};
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
    let keyring = st.keyring();
    let cx = st.flow(&keyring);
    let answer = validation::validate(&cx, &raw, wanted_type, req.params.get("client_id")).await?;
    Ok(json_no_store(match answer {
        Validation::Valid {
            claims,
            product_roles,
        } => {
            let expires_at = claims.exp * 1000;
            let mut body = json!({"valid": true, "token": claims, "expires_at": expires_at});
            if let Some(roles) = product_roles {
                body["product_roles"] = json!(roles);
            }
            body
        }
        Validation::Invalid(reason) => json!({"valid": false, "reason": reason}),
    }))
}

pub async fn introspect_post(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    let (caller, _) = authenticate_client(&st, &req).await?;
    let raw = req.params.get("token");
    let keyring = st.keyring();
    Ok(json_no_store(
        match validation::introspect(&st.flow(&keyring), &caller, raw).await? {
            Some(c) => json!({
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
            }),
            None => json!({"active": false}),
        },
    ))
}
