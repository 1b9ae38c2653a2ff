//! `/console`: the person's orgs; `/console/orgs/{org}`: an org's projects, and creating
//! one (system admins, and developers where the org allows: SEC-40).

use super::{Flash, Msg, actor, done, page, person, read_failed, refusal, seg, utc};
use crate::session::{csrf_ok, csrf_refused};
use crate::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::admin::{console_pages, projects};
use latchkey_core::ids::OrgId;
use latchkey_core::model::{OrgRole, User};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct OrgRow {
    href: String,
    name: String,
    role: &'static str,
    may_manage: bool,
}

fn role_label(role: OrgRole) -> &'static str {
    match role {
        OrgRole::SystemAdmin => "System administrator",
        OrgRole::Developer => "Developer",
        OrgRole::User => "User (read-only)",
    }
}

pub(super) async fn index_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(flash): Query<Flash>,
) -> Response {
    let user = match person(&st, &headers, "/console").await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let ctx = st.admin_ctx();
    let orgs = match console_pages::my_orgs(&ctx, &user.id).await {
        Ok(o) => o,
        Err(e) => return read_failed(e),
    };
    let rows: Vec<OrgRow> = orgs
        .into_iter()
        .map(|o| OrgRow {
            href: format!("/console/orgs/{}", seg(o.org.id.as_str())),
            name: o.org.name,
            role: role_label(o.role),
            may_manage: o.may_manage,
        })
        .collect();
    page(
        &st,
        &headers,
        StatusCode::OK,
        "console_orgs.html",
        &user,
        &flash.msg(),
        minijinja::context! { orgs => rows },
    )
}

#[derive(Serialize)]
struct ProjectRow {
    href: String,
    name: String,
    created: String,
}

async fn org_page(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    org: &OrgId,
    status: StatusCode,
    msg: &Msg,
) -> Response {
    let ctx = st.admin_ctx();
    let view = match console_pages::org_view(&ctx, &actor(user), org).await {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let rows: Vec<ProjectRow> = view
        .projects
        .into_iter()
        .map(|p| ProjectRow {
            href: format!("/console/projects/{}", seg(p.id.as_str())),
            name: p.name,
            created: utc(p.created_at),
        })
        .collect();
    page(
        st,
        headers,
        status,
        "console_org.html",
        user,
        msg,
        minijinja::context! {
            org_name => view.org.name,
            org_id => view.org.id.0,
            create_action => format!("/console/orgs/{}/projects", seg(view.org.id.as_str())),
            may_manage => view.may_manage,
            projects => rows,
        },
    )
}

pub(super) async fn org_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let here = format!("/console/orgs/{}", seg(&org));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    org_page(
        &st,
        &headers,
        &user,
        &OrgId(org),
        StatusCode::OK,
        &flash.msg(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct CreateForm {
    csrf: Option<String>,
    name: Option<String>,
}

pub(super) async fn create_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Form(f): Form<CreateForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let here = format!("/console/orgs/{}", seg(&org));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let org = OrgId(org);
    let ctx = st.admin_ctx();
    let name = f.name.unwrap_or_default();
    match projects::create(&ctx, &actor(&user), &org, &name).await {
        Ok(p) => done(
            &format!("/console/projects/{}", seg(p.id.as_str())),
            "project-created",
        ),
        Err(e) => match refusal(e) {
            super::Refusal::Show(status, m) => {
                org_page(&st, &headers, &user, &org, status, &Msg::Error(m)).await
            }
            super::Refusal::Page(r) => r,
        },
    }
}
