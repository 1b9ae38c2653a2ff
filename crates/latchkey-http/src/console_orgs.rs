//! Orgs, projects and workspaces of the Adobe I/O Management console API
//! (docs/console-contract.md §2, §6 tiers 0–1): `/console/organizations`, `O/projects`
//! (list, create), `P` (read, edit, delete), `P/workspaces` (list; a second workspace is
//! refused, §3.3), `W` and `W/download` (§3.6), with Adobe's numeric ids and shapes,
//! decided in `latchkey_core::admin::console` and `console_download`. Who may call and
//! how errors look: `console_api::caller`.

use crate::console_api::caller::{
    ConsoleError, ConsolePath, admin_fail, caller, json_body, ok, reply,
};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use latchkey_core::admin::console;
use latchkey_core::admin::console_credentials::WorkspacePath;
use latchkey_core::admin::console_download;
use latchkey_core::admin::console_projects::{self as projects, NewProject};
use serde_json::json;

/// `GET /console/organizations`
pub async fn orgs_get(
    State(st): State<AppState>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let orgs = console::orgs(&st.admin_ctx(), &c.actor)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(orgs))
}

/// `GET O/projects`
pub async fn projects_get(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = console::projects(&st.admin_ctx(), &c.actor, &org)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `POST O/projects`: 201 `{projectId, projectType, workspaceId}`.
pub async fn projects_post(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let new: NewProject = json_body(&st, &body)?;
    let v = projects::create_project(&st.admin_ctx(), &c.actor, &org, &new)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(reply(StatusCode::CREATED, v))
}

/// `GET P`
pub async fn project_get(
    State(st): State<AppState>,
    ConsolePath((org, project)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = console::project(&st.admin_ctx(), &c.actor, &org, &project)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `PATCH P`: the project after the change.
pub async fn project_patch(
    State(st): State<AppState>,
    ConsolePath((org, project)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let edit: NewProject = json_body(&st, &body)?;
    let v = projects::edit_project(&st.admin_ctx(), &c.actor, &org, &project, &edit)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `DELETE P`: 200 for an empty project; 409 while it has credentials.
pub async fn project_delete(
    State(st): State<AppState>,
    ConsolePath((org, project)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    projects::delete_project(&st.admin_ctx(), &c.actor, &org, &project)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(json!({})))
}

/// `GET P/workspaces`
pub async fn workspaces_get(
    State(st): State<AppState>,
    ConsolePath((org, project)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = console::workspaces(&st.admin_ctx(), &c.actor, &org, &project)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `POST P/workspaces`: always 400 after the permission checks (one workspace per project).
pub async fn workspaces_post(
    State(st): State<AppState>,
    ConsolePath((org, project)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    projects::create_workspace(&st.admin_ctx(), &c.actor, &org, &project)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(json!({})))
}

/// `GET W`
pub async fn workspace_get(
    State(st): State<AppState>,
    ConsolePath((org, project, workspace)): ConsolePath<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = console::workspace(&st.admin_ctx(), &c.actor, &org, &project, &workspace)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `GET W/download` (§3.6; without secrets, see `console_download`).
pub async fn download_get(
    State(st): State<AppState>,
    ConsolePath((org, project, workspace)): ConsolePath<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let path = WorkspacePath {
        org: &org,
        project: &project,
        workspace: &workspace,
    };
    let issuer = st.tokens().issuer.clone();
    let v = console_download::download(&st.admin_ctx(), &c.actor, path, &issuer)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}
