//! `/console/projects/{id}`: a project's APIs (with their scopes, metascopes and the
//! credential kinds they accept), its credentials and its activity; renaming, deleting,
//! and adding or removing a catalog API (SEC-40 in `admin::projects`).

use super::{Flash, Msg, actor, done, page, person, read_failed, refusal, seg, utc};
use crate::session::{csrf_ok, csrf_refused};
use crate::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::admin::{self, console_pages, projects};
use latchkey_core::ids::{ApiId, ProjectId};
use latchkey_core::model::{Api, User};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub(super) struct ApiRow {
    id: String,
    name: String,
    product: String,
    description: String,
    auth: Vec<&'static str>,
    scopes: Vec<String>,
    metascopes: Vec<String>,
}

pub(super) fn api_row(a: Api) -> ApiRow {
    ApiRow {
        id: a.id.0,
        name: a.name,
        product: a.product.unwrap_or_default(),
        description: a.description,
        auth: a
            .auth
            .iter()
            .map(|k| match k.as_str() {
                "api_key" => "API key",
                "oauth_user" => "OAuth user (Web, SPA, Native)",
                "server_to_server" => "Server-to-Server",
                _ => "Service Account (JWT)",
            })
            .collect(),
        scopes: a.scopes.into_iter().map(|s| s.name).collect(),
        metascopes: a.metascopes,
    }
}

#[derive(Serialize)]
struct CredRow {
    href: String,
    name: String,
    kind: &'static str,
    client_id: String,
    disabled: bool,
    created: String,
}

#[derive(Serialize)]
struct ActivityRow {
    at: String,
    what: String,
}

async fn project_page(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    id: &ProjectId,
    status: StatusCode,
    msg: &Msg,
) -> Response {
    let ctx = st.admin_ctx();
    let who = actor(user);
    let view = match projects::view(&ctx, &who, id).await {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let org = view.project.org_id.clone();
    let (org_view, catalog, activity) = match async {
        Ok::<_, admin::AdminError>((
            console_pages::org_view(&ctx, &who, &org).await?,
            console_pages::catalog(&ctx, &who, &org).await?,
            console_pages::activity(&ctx, &who, id).await?,
        ))
    }
    .await
    {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let added: Vec<String> = view.apis.iter().map(|a| a.id.0.clone()).collect();
    let available: Vec<ApiRow> = catalog
        .into_iter()
        .filter(|a| !added.contains(&a.id.0))
        .map(api_row)
        .collect();
    let creds: Vec<CredRow> = view
        .credentials
        .into_iter()
        .map(|c| CredRow {
            href: format!("/console/credentials/{}", seg(c.client_id.as_str())),
            name: c.name,
            kind: c.kind.label(),
            client_id: c.client_id.0,
            disabled: c.disabled,
            created: utc(c.created_at),
        })
        .collect();
    let activity: Vec<ActivityRow> = activity
        .into_iter()
        .map(|a| ActivityRow {
            at: utc(a.at),
            what: a.what,
        })
        .collect();
    let base = format!("/console/projects/{}", seg(id.as_str()));
    let may_manage = org_view.may_manage;
    page(
        st,
        headers,
        status,
        "console_project.html",
        user,
        msg,
        minijinja::context! {
            project_name => view.project.name,
            project_id => view.project.id.0,
            org_href => format!("/console/orgs/{}", seg(org.as_str())),
            org_name => org_view.org.name,
            base,
            may_manage,
            apis => view.apis.into_iter().map(api_row).collect::<Vec<_>>(),
            available,
            credentials => creds,
            activity,
        },
    )
}

pub(super) async fn project_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let here = format!("/console/projects/{}", seg(&project));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    project_page(
        &st,
        &headers,
        &user,
        &ProjectId(project),
        StatusCode::OK,
        &flash.msg(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct ProjectForm {
    csrf: Option<String>,
    name: Option<String>,
    api: Option<String>,
}

enum Op {
    Rename,
    Delete,
    AddApi,
    RemoveApi,
}

async fn act(
    st: AppState,
    headers: HeaderMap,
    project: String,
    f: ProjectForm,
    op: Op,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let base = format!("/console/projects/{}", seg(&project));
    let user = match person(&st, &headers, &base).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let id = ProjectId(project);
    let ctx = st.admin_ctx();
    let who = actor(&user);
    let api = ApiId(f.api.unwrap_or_default());
    let result = match op {
        Op::Rename => {
            let name = f.name.unwrap_or_default();
            admin::rename_project(&ctx, &who, &id, &name)
                .await
                .map(|_| (base.clone(), "project-renamed"))
        }
        Op::Delete => {
            // Where to go afterwards: the project's org (looked up before it goes).
            match projects::project_for(&ctx, &who, &id, admin::authz::Action::View).await {
                Ok(p) => admin::delete_project(&ctx, &who, &id).await.map(|()| {
                    (
                        format!("/console/orgs/{}", seg(p.org_id.as_str())),
                        "project-deleted",
                    )
                }),
                Err(e) => Err(e),
            }
        }
        Op::AddApi => projects::add_api(&ctx, &who, &id, &api)
            .await
            .map(|()| (base.clone(), "api-added")),
        Op::RemoveApi => projects::remove_api(&ctx, &who, &id, &api)
            .await
            .map(|()| (base.clone(), "api-removed")),
    };
    match result {
        Ok((to, code)) => done(&to, code),
        Err(e) => match refusal(e) {
            super::Refusal::Show(status, m) => {
                project_page(&st, &headers, &user, &id, status, &Msg::Error(m)).await
            }
            super::Refusal::Page(r) => r,
        },
    }
}

pub(super) async fn rename_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Form(f): Form<ProjectForm>,
) -> Response {
    act(st, headers, project, f, Op::Rename).await
}

pub(super) async fn delete_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Form(f): Form<ProjectForm>,
) -> Response {
    act(st, headers, project, f, Op::Delete).await
}

pub(super) async fn add_api_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Form(f): Form<ProjectForm>,
) -> Response {
    act(st, headers, project, f, Op::AddApi).await
}

pub(super) async fn remove_api_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Form(f): Form<ProjectForm>,
) -> Response {
    act(st, headers, project, f, Op::RemoveApi).await
}
