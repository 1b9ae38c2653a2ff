//! Projects and their APIs on behalf of a person (the Developer Console and the console
//! API): every member of the org may look (`Action::View`); creating, renaming, deleting
//! and changing a project's APIs need `Action::ManageCredentials`, the role that creates
//! credentials in it (SEC-40). Anyone outside the org gets `NotFound`.

use super::authz::{self, Action, Actor};
use super::{AdminError, AdminResult, Ctx};
use crate::ids::{ApiId, OrgId, ProjectId};
use crate::model::{Api, Credential, Project};

fn missing_project(id: &ProjectId) -> AdminError {
    AdminError::NotFound(format!("project {id}"))
}

/// The project, if `actor` may perform `action` on it.
pub async fn project_for(
    ctx: &Ctx<'_>,
    actor: &Actor,
    id: &ProjectId,
    action: Action,
) -> AdminResult<Project> {
    let project = ctx
        .store
        .get_project(id)
        .await?
        .ok_or_else(|| missing_project(id))?;
    authz::authorize(
        ctx,
        actor,
        &project.org_id,
        action,
        &format!("project {id}"),
    )
    .await?;
    Ok(project)
}

/// The org's projects, for any member.
pub async fn list(ctx: &Ctx<'_>, actor: &Actor, org: &OrgId) -> AdminResult<Vec<Project>> {
    authz::authorize_org(ctx, actor, org, Action::View).await?;
    Ok(ctx.store.list_projects(org).await?)
}

/// A project with its APIs and credentials, for any member.
pub struct ProjectView {
    pub project: Project,
    pub apis: Vec<Api>,
    pub credentials: Vec<Credential>,
}

pub async fn view(ctx: &Ctx<'_>, actor: &Actor, id: &ProjectId) -> AdminResult<ProjectView> {
    let project = project_for(ctx, actor, id, Action::View).await?;
    Ok(ProjectView {
        apis: ctx.store.project_apis(id).await?,
        credentials: ctx.store.list_credentials(id).await?,
        project,
    })
}

/// Create a project in `org` on behalf of `actor`.
pub async fn create(ctx: &Ctx<'_>, actor: &Actor, org: &OrgId, name: &str) -> AdminResult<Project> {
    authz::authorize_org(ctx, actor, org, Action::ManageCredentials).await?;
    super::create_project(ctx, org, name).await
}

/// Add a catalog API to a project on behalf of `actor`; technical accounts of the
/// project's credentials become contributors of the API's product.
pub async fn add_api(
    ctx: &Ctx<'_>,
    actor: &Actor,
    project: &ProjectId,
    api: &ApiId,
) -> AdminResult<()> {
    project_for(ctx, actor, project, Action::ManageCredentials).await?;
    super::add_api_to_project(ctx, project, api).await
}

/// Take an API off a project: its scopes are no longer granted to the project's
/// credentials from the next token on (tokens already issued keep their scopes until
/// they expire or are revoked). Technical accounts stay users of the product, as product
/// membership is the Admin Console's to change.
pub async fn remove_api(
    ctx: &Ctx<'_>,
    actor: &Actor,
    project: &ProjectId,
    api: &ApiId,
) -> AdminResult<()> {
    project_for(ctx, actor, project, Action::ManageCredentials).await?;
    if ctx.store.remove_project_api(project, api).await? {
        Ok(())
    } else {
        Err(AdminError::NotFound(format!(
            "API {api} in project {project}"
        )))
    }
}
