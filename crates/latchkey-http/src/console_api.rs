//! The console REST API: Adobe's I/O Management paths (docs/console-contract.md §2; the
//! handlers in `console_orgs`, `credentials` and `services`, callers in `caller`, every
//! path in `routes::ROUTES`, which also makes the OpenAPI document), and Latchkey's own
//! endpoint below, converting a Service Account (JWT)
//! credential to OAuth Server-to-Server (docs/ims-contract.md §5: same client id, technical account,
//! scopes and product profiles). Authenticated like Adobe's I/O Management API: a person's
//! access token carrying `adobeio_api` in `Authorization: Bearer` (RFC 6750 §2.1), never a
//! cookie, so there is no CSRF surface. Who may act is decided in the core (SEC-40):
//! no token → 401, not allowed → 403, unknown credential → 404.

use crate::auth::{CheckError, check_access_token};
use crate::error::{ApiError, Transport, no_store};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use latchkey_core::admin::{Actor, AdminError, service_accounts};
use latchkey_core::ids::{ClientId, UserId};
use latchkey_core::token::CTP_USER;
use latchkey_core::{ErrorCode, OAuthError};
use serde_json::json;

pub mod admin;
pub mod caller;
pub mod credentials;
pub mod openapi;
pub mod routes;
pub mod services;

pub use caller::CONSOLE_SCOPE;

/// The signed-in person behind the request's bearer token.
/// Read from the headers only, so that a JSON content type (which the console's clients
/// send on every call) is no error.
async fn actor(st: &AppState, headers: &HeaderMap) -> Result<Actor, ApiError> {
    let raw = caller::bearer(headers)
        .ok()
        .flatten()
        .ok_or_else(|| OAuthError::invalid_token("a bearer access token is required"))?;
    let claims = match check_access_token(st, raw).await {
        Ok(c) => c,
        Err(CheckError::Invalid(e)) => return Err(OAuthError::invalid_token(e.to_string()).into()),
        Err(CheckError::Unavailable(e)) => return Err(e),
    };
    if claims.ctp != CTP_USER {
        return Err(OAuthError::invalid_token("the token does not belong to a person").into());
    }
    if !claims.scopes().contains(CONSOLE_SCOPE) {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            format!("the token lacks the {CONSOLE_SCOPE} scope"),
        )
        .into());
    }
    Ok(Actor::User(UserId(claims.sub)))
}

fn admin_error(e: AdminError) -> ApiError {
    let err = match e {
        AdminError::Forbidden(d) => OAuthError::new(ErrorCode::AccessDenied, d),
        AdminError::NotFound(d) => return Transport::NotFound(format!("{d} not found")).into(),
        AdminError::Invalid(d) => OAuthError::invalid_request(d),
        AdminError::Conflict(d) => OAuthError::invalid_request(d).with_status(409),
        AdminError::Store(e) => return e.into(),
    };
    err.into()
}

/// `POST /console/api/credentials/{client_id}/convert`
pub async fn convert_post(
    State(st): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let actor = actor(&st, &headers).await?;
    let ctx = st.admin_ctx();
    let (cred, scopes) =
        service_accounts::convert_to_server_to_server(&ctx, &actor, &ClientId(client_id))
            .await
            .map_err(admin_error)?;
    let mut resp = Json(json!({
        "client_id": cred.client_id,
        "kind": cred.kind,
        "org_id": cred.org_id,
        "technical_account_id": cred.technical_account,
        "scopes": scopes,
    }))
    .into_response();
    no_store(&mut resp);
    Ok(resp)
}
