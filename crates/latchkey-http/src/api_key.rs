//! `GET /ims/check_api_key/v1?api=<api id>` with the key in `x-api-key` (or an `api_key`
//! parameter): for resource servers, whether a caller's API key may call their API
//! (`latchkey_core::flows::api_key`). Always 200, like IMS `validate_token`:
//! `{"valid":true,"client_id","kind","org","project","api"}` or
//! `{"valid":false,"reason"}`. Missing `api` or key is 400 `invalid_request`.

use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use latchkey_core::OAuthError;
use latchkey_core::flows::api_key;
use serde_json::json;

pub const PATH: &str = "/ims/check_api_key/v1";

pub async fn check_api_key_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    let api = req.params.require("api")?;
    let header = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let key = match (header, req.params.get("api_key")) {
        (Some(k), None) | (None, Some(k)) => k,
        (Some(a), Some(b)) if a == b => a,
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request("send the api key once").into());
        }
        (None, None) => {
            return Err(
                OAuthError::invalid_request("send the api key in the x-api-key header").into(),
            );
        }
    };
    let keyring = st.keyring();
    let body = match api_key::check(&st.flow(&keyring), key.trim(), api).await? {
        Ok(g) => json!({
            "valid": true,
            "client_id": g.client_id,
            "kind": g.kind,
            "org": g.org_id,
            "project": g.project_id,
            "api": g.api,
        }),
        Err(refusal) => json!({"valid": false, "reason": refusal.reason()}),
    };
    let mut resp = Json(body).into_response();
    no_store(&mut resp);
    Ok(resp)
}
