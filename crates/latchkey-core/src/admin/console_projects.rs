//! Changing projects through the console API (docs/console-contract.md §2, §6 tier 1):
//! create (201 `{projectId, projectType, workspaceId}`), rename, delete, and the refused
//! second workspace (§3.3). Every decision on who may act is `authz`'s, through the same
//! operations the CLI uses (`projects::create`, `rename_project`, `delete_project`), so
//! system admins, and developers where the org allows it, may; a plain member gets
//! `Forbidden`; anyone outside the org `NotFound` (SEC-40).
//!
//! Latchkey keeps neither a project type nor a description: create accepts `default` and
//! `jaeger` and makes the same one-workspace `default` project (App Builder's runtime does
//! not exist here); a description sent is not kept.

use super::authz::{Action, Actor};
use super::console::org_for;
use super::console::{ConsoleProject, console_project, project_for};
use super::console_ids::{ConsoleKind, number_of};
use super::{AdminError, AdminResult, Ctx};
use serde::{Deserialize, Serialize};

/// The body of `POST O/projects` (§2: `{name*, title*, type*, description, …}`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewProject {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(rename = "type", default)]
    pub project_type: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// What `POST O/projects` answers (§2: 201 `{projectId, projectType, workspaceId}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedProject {
    pub project_id: String,
    pub project_type: &'static str,
    pub workspace_id: String,
}

fn required(what: &str, v: Option<&str>) -> AdminResult<String> {
    match v.map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(AdminError::Invalid(format!("{what} is required"))),
    }
}

/// Create a project in org `org` (`projects::create`: system admins, and developers where
/// the org allows it). `type` must be `default` or `jaeger`; both make a `default`
/// project with its one workspace (App Builder's runtime does not exist here).
pub async fn create_project(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    body: &NewProject,
) -> AdminResult<CreatedProject> {
    let org_id = org_for(ctx, actor, org).await?;
    let kind = required("type", body.project_type.as_deref())?;
    if kind != "default" && kind != "jaeger" {
        return Err(AdminError::Invalid(format!(
            "type must be default or jaeger, not {kind:?}"
        )));
    }
    let name = match body.name.as_deref() {
        Some(n) if !n.trim().is_empty() => n.to_owned(),
        _ => required("name", body.title.as_deref())?,
    };
    let p = super::projects::create(ctx, actor, &org_id, &name).await?;
    Ok(CreatedProject {
        project_id: number_of(ctx, ConsoleKind::Project, p.id.as_str()).await?,
        project_type: "default",
        workspace_id: number_of(ctx, ConsoleKind::Workspace, p.id.as_str()).await?,
    })
}

/// `PATCH P` (§2: `{name, title, description, notifications_enabled}`): renames the
/// project to `name` (else `title`); answers the project.
pub async fn edit_project(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    project: &str,
    body: &NewProject,
) -> AdminResult<ConsoleProject> {
    let p = project_for(ctx, actor, org, project).await?;
    let name = body
        .name
        .as_deref()
        .or(body.title.as_deref())
        .filter(|n| !n.trim().is_empty());
    let p = match name {
        Some(n) => super::rename_project(ctx, actor, &p.id, n).await?,
        None => {
            // Nothing Latchkey keeps changes, but only those who may edit get the answer.
            super::projects::project_for(ctx, actor, &p.id, Action::ManageCredentials).await?
        }
    };
    console_project(ctx, org, &p).await
}

/// `DELETE P`: an empty project only (`delete_project`: `Conflict` while it has
/// credentials; delete those first).
pub async fn delete_project(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    project: &str,
) -> AdminResult<()> {
    let p = project_for(ctx, actor, org, project).await?;
    super::delete_project(ctx, actor, &p.id).await
}

/// `POST P/workspaces`: a project has exactly one workspace, as Adobe's `default`
/// projects (§3.3), so a second is refused with Adobe's 400, after the same checks as
/// any change to the project.
pub async fn create_workspace(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    project: &str,
) -> AdminResult<()> {
    let p = project_for(ctx, actor, org, project).await?;
    super::projects::project_for(ctx, actor, &p.id, Action::ManageCredentials).await?;
    Err(AdminError::Invalid(
        "Only one workspace allowed for project type default".into(),
    ))
}
