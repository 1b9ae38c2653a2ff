//! Orgs, projects and workspaces of the console API (docs/console-contract.md §2, §6
//! tier 0), in Adobe's shapes (§3.1–§3.3): a person's orgs, an org's projects, a project
//! and its one implicit workspace (`Production`, as Adobe's `default` projects have
//! exactly one, §3.3), and the look-ups every console path starts with (`org_for`,
//! `project_for`, `workspace_for`). Paths name objects by their numeric console ids
//! (`console_ids`); an org the person is not a member of, and anything in it, is not
//! found (SEC-40). Changes to projects are in `console_projects`.
//!
//! Projects have no type, title or description in Latchkey: `type` is always `default`,
//! and `title` mirrors `name`.

use super::authz::{self, Action, Actor};
use super::console_ids::{ConsoleKind, id_of, number_of};
use super::{AdminError, AdminResult, Ctx};
use crate::ids::{OrgId, ProjectId};
use crate::model::{Org, OrgRole, Project};
use serde::Serialize;

/// §3.1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleOrg {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub org_type: &'static str,
    pub roles: Vec<String>,
    pub role: &'static str,
}

/// §3.2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleProject {
    pub id: String,
    pub name: String,
    pub title: String,
    pub description: String,
    #[serde(rename = "type")]
    pub project_type: &'static str,
    pub enabled: u8,
    pub deleted: u8,
    pub org_id: String,
    pub date_created: String,
    pub date_last_modified: String,
    pub who_created: String,
    pub who_last_modified: String,
}

/// §3.3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleWorkspace {
    pub id: String,
    pub name: &'static str,
    pub title: &'static str,
    pub description: String,
    pub quota_usage: String,
    pub enabled: u8,
    pub runtime_enabled: u8,
    pub date_created: String,
    pub date_last_modified: String,
    pub who_created: String,
    pub who_last_modified: String,
}

fn console_role(role: OrgRole) -> &'static str {
    match role {
        OrgRole::SystemAdmin => "ADMIN",
        OrgRole::Developer => "DEVELOPER",
        OrgRole::User => "USER",
    }
}

pub(super) fn not_found(what: &str) -> AdminError {
    AdminError::NotFound(what.to_owned())
}

pub(super) async fn console_org(
    ctx: &Ctx<'_>,
    org: &Org,
    role: OrgRole,
) -> AdminResult<ConsoleOrg> {
    Ok(ConsoleOrg {
        id: number_of(ctx, ConsoleKind::Org, org.id.as_str()).await?,
        code: org.id.0.clone(),
        name: org.name.clone(),
        description: None,
        org_type: "entp",
        roles: Vec::new(),
        role: console_role(role),
    })
}

/// The orgs `actor` belongs to (none for anyone but a person).
pub async fn orgs(ctx: &Ctx<'_>, actor: &Actor) -> AdminResult<Vec<ConsoleOrg>> {
    let Actor::User(user) = actor else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (org, role) in ctx.store.user_memberships(user).await? {
        out.push(console_org(ctx, &org, role).await?);
    }
    Ok(out)
}

/// The org behind console number `org`, if `actor` may see it (`authz`: a member; anyone
/// else learns nothing, SEC-40).
pub(super) async fn org_for(ctx: &Ctx<'_>, actor: &Actor, org: &str) -> AdminResult<OrgId> {
    let object = format!("organization {org}");
    let id = OrgId(
        id_of(ctx, ConsoleKind::Org, org)
            .await?
            .ok_or_else(|| not_found(&object))?,
    );
    authz::authorize(ctx, actor, &id, Action::View, &object).await?;
    Ok(id)
}

/// The org behind a console number or an IMS org code (the devterms paths take both).
pub(super) async fn org_for_number_or_code(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
) -> AdminResult<OrgId> {
    if org.contains('@') {
        let id = OrgId(org.to_owned());
        let object = format!("organization {org}");
        authz::authorize(ctx, actor, &id, Action::View, &object).await?;
        return Ok(id);
    }
    org_for(ctx, actor, org).await
}

pub(super) async fn console_project(
    ctx: &Ctx<'_>,
    org_number: &str,
    p: &Project,
) -> AdminResult<ConsoleProject> {
    let created = p.created_at.iso8601();
    Ok(ConsoleProject {
        id: number_of(ctx, ConsoleKind::Project, p.id.as_str()).await?,
        name: p.name.clone(),
        title: p.name.clone(),
        description: String::new(),
        project_type: "default",
        enabled: 1,
        deleted: 0,
        org_id: org_number.to_owned(),
        date_created: created.clone(),
        date_last_modified: created,
        who_created: "Latchkey".into(),
        who_last_modified: "Latchkey".into(),
    })
}

/// The projects of org `org` (a console number).
pub async fn projects(ctx: &Ctx<'_>, actor: &Actor, org: &str) -> AdminResult<Vec<ConsoleProject>> {
    let org_id = org_for(ctx, actor, org).await?;
    let mut out = Vec::new();
    for p in ctx.store.list_projects(&org_id).await? {
        out.push(console_project(ctx, org, &p).await?);
    }
    Ok(out)
}

/// The project behind console number `project`, in org `org`, if `actor` may see it.
pub(super) async fn project_for(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    project: &str,
) -> AdminResult<Project> {
    let org_id = org_for(ctx, actor, org).await?;
    let missing = || not_found(&format!("project {project}"));
    let id = ProjectId(
        id_of(ctx, ConsoleKind::Project, project)
            .await?
            .ok_or_else(missing)?,
    );
    match ctx.store.get_project(&id).await? {
        Some(p) if p.org_id == org_id => Ok(p),
        _ => Err(missing()),
    }
}

/// The project whose implicit workspace is `workspace`, checked against the path.
pub(super) async fn workspace_for(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    project: &str,
    workspace: &str,
) -> AdminResult<Project> {
    let p = project_for(ctx, actor, org, project).await?;
    let of = id_of(ctx, ConsoleKind::Workspace, workspace).await?;
    if of.as_deref() != Some(p.id.as_str()) {
        return Err(not_found(&format!("workspace {workspace}")));
    }
    Ok(p)
}

pub async fn project(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    project: &str,
) -> AdminResult<ConsoleProject> {
    let p = project_for(ctx, actor, org, project).await?;
    console_project(ctx, org, &p).await
}

pub(super) async fn console_workspace(ctx: &Ctx<'_>, p: &Project) -> AdminResult<ConsoleWorkspace> {
    let created = p.created_at.iso8601();
    Ok(ConsoleWorkspace {
        id: number_of(ctx, ConsoleKind::Workspace, p.id.as_str()).await?,
        name: WORKSPACE_NAME,
        title: WORKSPACE_NAME,
        description: String::new(),
        quota_usage: String::new(),
        enabled: 1,
        runtime_enabled: 0,
        date_created: created.clone(),
        date_last_modified: created,
        who_created: "Latchkey".into(),
        who_last_modified: "Latchkey".into(),
    })
}

/// The name of a project's one implicit workspace (§6).
pub const WORKSPACE_NAME: &str = "Production";

/// A project's workspaces: its one implicit workspace.
pub async fn workspaces(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    project: &str,
) -> AdminResult<Vec<ConsoleWorkspace>> {
    let p = project_for(ctx, actor, org, project).await?;
    Ok(vec![console_workspace(ctx, &p).await?])
}

/// Workspace `workspace` of a project: only its implicit one exists.
pub async fn workspace(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    project: &str,
    workspace: &str,
) -> AdminResult<ConsoleWorkspace> {
    let p = workspace_for(ctx, actor, org, project, workspace).await?;
    console_workspace(ctx, &p).await
}
