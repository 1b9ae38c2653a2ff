//! Credentials and their secrets on the console API (docs/console-contract.md §2, §3.4,
//! §3.7, §6 tier 1): `W/credentials` (list; create OAuth Server-to-Server and `adobeId`;
//! delete), `O/integrations/{id}`, the secrets of `O/credentials/{id}/secrets` and
//! `O/integrations/{id}/secrets`, and the `O/projects_workspaces/…` look-ups. Decided in
//! `latchkey_core::admin::console_credentials` and `console_secrets`.

use super::caller::{
    ConsoleError, ConsolePath, MANAGE_SECRETS_SCOPE, READ_SECRETS_SCOPE, admin_fail, caller, fail,
    json_body, ok, reply,
};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::admin::console_credentials::{
    self as creds, NewConsoleCredential, WorkspacePath,
};
use latchkey_core::admin::console_integrations as integrations;
use latchkey_core::admin::console_secrets;
use serde_json::json;

type W = (String, String, String);

fn path(w: &W) -> WorkspacePath<'_> {
    WorkspacePath {
        org: &w.0,
        project: &w.1,
        workspace: &w.2,
    }
}

/// `GET W/credentials`
pub async fn list_get(
    State(st): State<AppState>,
    ConsolePath(w): ConsolePath<W>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = creds::list(&st.admin_ctx(), &c.actor, path(&w))
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `POST W/credentials/oauth-server-to-server`: 200 `{id, apiKey, orgId, technicalAccountId}`.
pub async fn s2s_post(
    State(st): State<AppState>,
    ConsolePath(w): ConsolePath<W>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let new: NewConsoleCredential = json_body(&st, &body)?;
    let v = creds::create_server_to_server(&st.admin_ctx(), &c.actor, path(&w), &new)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `POST W/credentials/adobeId`: 200 `{id, apiKey, orgId}`.
pub async fn adobe_id_post(
    State(st): State<AppState>,
    ConsolePath(w): ConsolePath<W>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let new: NewConsoleCredential = json_body(&st, &body)?;
    let v = creds::create_adobe_id(&st.admin_ctx(), &c.actor, path(&w), &new)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// Largest certificate accepted in `POST W/credentials/entp`.
const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;

/// `POST W/credentials/entp` (multipart: `certificate`, `name`, `description`, as
/// `createEnterpriseCredential` sends them): 200 `{id, apiKey, orgId, technicalAccountId}`.
pub async fn entp_post(
    State(st): State<AppState>,
    ConsolePath(w): ConsolePath<W>,
    method: Method,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let bad = |m: String| fail(&st, StatusCode::BAD_REQUEST, "BAD_REQUEST", m);
    let mut form = form.map_err(|e| bad(format!("send multipart/form-data: {e}")))?;
    let (mut name, mut certificate) = (None, None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| bad(format!("unreadable form: {e}")))?
    {
        let field_name = field.name().unwrap_or_default().to_owned();
        let value = field
            .bytes()
            .await
            .map_err(|e| bad(format!("unreadable form field: {e}")))?;
        if value.len() > MAX_CERTIFICATE_BYTES {
            return Err(bad(format!("{field_name} is too large")));
        }
        let text = String::from_utf8(value.to_vec())
            .map_err(|_| bad(format!("{field_name} is not UTF-8 text")))?;
        match field_name.as_str() {
            "certificate" => certificate = Some(text),
            "name" => name = Some(text),
            _ => {}
        }
    }
    let certificate = certificate.ok_or_else(|| bad("certificate is required".into()))?;
    let v = creds::create_service_account(
        &st.admin_ctx(),
        &c.actor,
        path(&w),
        name.as_deref(),
        &certificate,
    )
    .await
    .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `DELETE W/credentials/{id}`
pub async fn delete(
    State(st): State<AppState>,
    ConsolePath((org, project, workspace, id)): ConsolePath<(String, String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let w = (org, project, workspace);
    creds::delete(&st.admin_ctx(), &c.actor, path(&w), &id)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(json!({})))
}

/// `GET O/integrations/{id}`
pub async fn integration_get(
    State(st): State<AppState>,
    ConsolePath((org, id)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = integrations::integration(&st.admin_ctx(), &c.actor, &org, &id)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `GET O/credentials/{id}/secrets` and `GET O/integrations/{id}/secrets`: never a
/// secret's value.
pub async fn secrets_get(
    State(st): State<AppState>,
    ConsolePath((org, id)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    c.require_scope(&st, READ_SECRETS_SCOPE)?;
    let v = console_secrets::list(&st.admin_ctx(), &c.actor, &org, &id)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `POST O/credentials/{id}/secrets`: 201 with the new secret's value, shown this once.
pub async fn secrets_post(
    State(st): State<AppState>,
    ConsolePath((org, id)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    c.require_scope(&st, MANAGE_SECRETS_SCOPE)?;
    let v = console_secrets::add(&st.admin_ctx(), &c.actor, &org, &id)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(reply(StatusCode::CREATED, v))
}

/// `DELETE O/credentials/{id}/secrets/{uuid}`: 204.
pub async fn secret_delete(
    State(st): State<AppState>,
    ConsolePath((org, id, uuid)): ConsolePath<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    c.require_scope(&st, MANAGE_SECRETS_SCOPE)?;
    console_secrets::delete(&st.admin_ctx(), &c.actor, &org, &id, &uuid)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    crate::error::no_store(&mut r);
    Ok(r)
}

/// `GET O/projects_workspaces/credentials/{id}`: `{projectId, workspaceId}`.
pub async fn credential_location_get(
    State(st): State<AppState>,
    ConsolePath((org, id)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = integrations::where_is_credential(&st.admin_ctx(), &c.actor, &org, &id)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `GET O/projects_workspaces/workspaces/{w}`: `{projectId, workspaceId}`.
pub async fn workspace_location_get(
    State(st): State<AppState>,
    ConsolePath((org, id)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = integrations::where_is_workspace(&st.admin_ctx(), &c.actor, &org, &id)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}
