//! `POST /ims/exchange/jwt` (and `/ims/exchange/jwt/`, as `@adobe/jwt-auth` sends it): the
//! Service Account (JWT) exchange of docs/ims-contract.md §2.3. Fields `client_id`, `client_secret`,
//! `jwt_token` (multipart, urlencoded or query); the answer is
//! `{"token_type":"bearer","access_token":…,"expires_in":<ms>}`, errors follow the §7
//! table (decided in `latchkey_core::flows::exchange`).

use crate::error::{ApiError, no_store};
use crate::extract::OAuthRequest;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use latchkey_core::flows::exchange;
use serde_json::json;

pub async fn exchange_jwt_post(
    State(st): State<AppState>,
    req: OAuthRequest,
) -> Result<Response, ApiError> {
    let keyring = st.keyring();
    let issued = exchange::exchange(&st.flow(&keyring), req.basic(), &req.params).await?;
    st.metrics.token_issued("jwt_exchange");
    // `expires_in` in milliseconds on this endpoint (docs/ims-contract.md §2.3, §3.2).
    let mut resp = Json(json!({
        "token_type": "bearer",
        "access_token": issued.access_token,
        "expires_in": issued.expires_in_secs.saturating_mul(1000),
    }))
    .into_response();
    no_store(&mut resp);
    Ok(resp)
}
