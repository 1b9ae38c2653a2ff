//! The read paths of the Adobe I/O Management console API (docs/console-contract.md §2,
//! §6 tier 0): `/console/organizations`, `O/projects`, `P`, `P/workspaces`, `W`, with
//! Adobe's numeric ids and shapes (decided in `latchkey_core::admin::console`).
//!
//! Callers send a person's bearer access token carrying `adobeio_api` and an `x-api-key`
//! (a credential's client id, or one of Adobe's own CLI client ids, which `aio` sends).
//! Errors have the console's body (§5): `{"error_code","message"}` with an
//! `x-request-id`: 401 without a good token, 403 without an API key or the scope, 404
//! for anything outside the person's orgs.

use crate::auth::{CheckError, check_access_token};
use crate::error::no_store;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::admin::{AdminError, console};
use latchkey_core::flows::api_key;
use latchkey_core::ids::UserId;
use latchkey_core::rand::lower_hex;
use latchkey_core::token::CTP_USER;
use serde::Serialize;
use serde_json::json;

/// Adobe's own console CLI client ids: `aio console` sends them as its `x-api-key`.
pub const ADOBE_CLI_CLIENT_IDS: &[&str] = &["aio-cli-console-auth", "aio-cli-console-auth-stage"];

pub struct ConsoleError {
    status: StatusCode,
    code: &'static str,
    message: String,
    request_id: String,
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let body = json!({
            "error_code": self.code,
            "message": self.message,
            "messages": [{"template": self.code, "message": self.message}],
        });
        let mut r = (self.status, Json(body)).into_response();
        no_store(&mut r);
        if let Ok(v) = HeaderValue::from_str(&self.request_id) {
            r.headers_mut().insert("x-request-id", v);
        }
        r
    }
}

fn request_id(st: &AppState) -> String {
    format!("lk-{}", lower_hex(st.rng.as_ref(), 8))
}

fn fail(
    st: &AppState,
    status: StatusCode,
    code: &'static str,
    message: impl Into<String>,
) -> ConsoleError {
    ConsoleError {
        status,
        code,
        message: message.into(),
        request_id: request_id(st),
    }
}

fn admin_fail(st: &AppState, e: AdminError) -> ConsoleError {
    match e {
        AdminError::NotFound(what) => fail(
            st,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{what} not found"),
        ),
        AdminError::Forbidden(d) => fail(st, StatusCode::FORBIDDEN, "FORBIDDEN", d),
        AdminError::Invalid(d) => fail(st, StatusCode::BAD_REQUEST, "BAD_REQUEST", d),
        AdminError::Conflict(d) => fail(st, StatusCode::CONFLICT, "ERR_MSG_DUPLICATE_NAME", d),
        AdminError::Store(e) => {
            tracing::error!(error = %e, "storage failure");
            fail(
                st,
                StatusCode::SERVICE_UNAVAILABLE,
                "ERR_MSG_TRANSIENT",
                "try again",
            )
        }
    }
}

/// The bearer token of `Authorization`. The console's clients send JSON bodies (and
/// `Content-Type: application/json` even on GET), so these paths read headers, not the
/// OAuth parameter extractor.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let raw = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = raw.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The person the request acts for, after the token and API-key checks.
async fn person(st: &AppState, headers: &HeaderMap) -> Result<UserId, ConsoleError> {
    let unauthorized = |m: &str| fail(st, StatusCode::UNAUTHORIZED, "UNAUTHORIZED", m);
    let raw = bearer(headers).ok_or_else(|| unauthorized("a bearer access token is required"))?;
    let claims = match check_access_token(st, raw).await {
        Ok(c) => c,
        Err(CheckError::Invalid(e)) => return Err(unauthorized(&e.to_string())),
        Err(CheckError::Unavailable(_)) => {
            return Err(fail(
                st,
                StatusCode::SERVICE_UNAVAILABLE,
                "ERR_MSG_TRANSIENT",
                "try again",
            ));
        }
    };
    if claims.ctp != CTP_USER {
        return Err(unauthorized("the token does not belong to a person"));
    }
    let forbidden = |m: &str| fail(st, StatusCode::FORBIDDEN, "FORBIDDEN", m);
    if !claims.scopes().contains(crate::console_api::CONSOLE_SCOPE) {
        return Err(forbidden("the token lacks the adobeio_api scope"));
    }
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| forbidden("Required parameter x-api-key is not provided"))?;
    if !ADOBE_CLI_CLIENT_IDS.contains(&key) {
        let keyring = st.keyring();
        let known = api_key::is_enabled_client(&st.flow(&keyring), key)
            .await
            .map_err(|_| {
                fail(
                    st,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ERR_MSG_TRANSIENT",
                    "try again",
                )
            })?;
        if !known {
            return Err(forbidden("the x-api-key is not a known client"));
        }
    }
    Ok(UserId(claims.sub))
}

fn ok<T: Serialize>(v: T) -> Response {
    let mut r = Json(v).into_response();
    no_store(&mut r);
    r
}

/// `GET /console/organizations`
pub async fn orgs_get(
    State(st): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let user = person(&st, &headers).await?;
    let orgs = console::orgs(&st.admin_ctx(), &user)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(orgs))
}

/// `GET /console/organizations/{orgId}/projects`
pub async fn projects_get(
    State(st): State<AppState>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let user = person(&st, &headers).await?;
    let v = console::projects(&st.admin_ctx(), &user, &org)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `GET /console/organizations/{orgId}/projects/{projectId}`
pub async fn project_get(
    State(st): State<AppState>,
    Path((org, project)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let user = person(&st, &headers).await?;
    let v = console::project(&st.admin_ctx(), &user, &org, &project)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `GET /console/organizations/{orgId}/projects/{projectId}/workspaces`
pub async fn workspaces_get(
    State(st): State<AppState>,
    Path((org, project)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let user = person(&st, &headers).await?;
    let v = console::workspaces(&st.admin_ctx(), &user, &org, &project)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `GET /console/organizations/{orgId}/projects/{projectId}/workspaces/{workspaceId}`
pub async fn workspace_get(
    State(st): State<AppState>,
    Path((org, project, workspace)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let user = person(&st, &headers).await?;
    let v = console::workspace(&st.admin_ctx(), &user, &org, &project, &workspace)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}
