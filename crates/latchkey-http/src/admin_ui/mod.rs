//! The Admin Console in the browser, at `/admin`, for an org's system admins: its people
//! (search, add or invite, org role, disable / enable), its products (instances, product
//! profiles and their members, technical accounts under "API credentials") and its
//! settings. Everything is decided in `latchkey_core::admin` (`members`, `products`,
//! `authz`): a developer or plain user of the org gets 403 here, an outsider 404. Pages
//! share the Developer Console's session, CSRF, CSP and post/redirect/get (see
//! `console_ui`); an invitation link is shown once, in the POST's own `no-store` answer.

mod audit;
mod invite;
mod products;
mod users;

use crate::console_ui::{Msg, page, person, read_failed, seg};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use latchkey_core::admin::console_pages;
use latchkey_core::model::{OrgRole, User};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index_get))
        .route(
            "/admin/orgs/{org}/users",
            get(users::list_get).post(users::add_post),
        )
        .route("/admin/orgs/{org}/users/{user}", get(users::user_get))
        .route(
            "/admin/orgs/{org}/users/{user}/{action}",
            post(users::action_post),
        )
        .route("/admin/orgs/{org}/products", get(products::products_get))
        .route(
            "/admin/orgs/{org}/instances",
            post(products::create_instance_post),
        )
        .route(
            "/admin/orgs/{org}/settings",
            get(products::settings_get).post(products::settings_post),
        )
        .route("/admin/orgs/{org}/audit", get(audit::audit_get))
        .route("/admin/orgs/{org}/audit.jsonl", get(audit::export_get))
        .route("/admin/instances/{id}", get(products::instance_get))
        .route(
            "/admin/instances/{id}/{action}",
            post(products::instance_post),
        )
        .route(
            "/admin/profiles/{id}/{action}",
            post(products::profile_post),
        )
        .route(
            "/invite/{token}",
            get(invite::invite_get).post(invite::invite_post),
        )
}

/// The flash of a post/redirect/get: a fixed code in the URL, a fixed sentence shown.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Flash {
    done: Option<String>,
}

impl Flash {
    fn msg(&self) -> Msg {
        let text = match self.done.as_deref() {
            Some("user-added") => "User added to the organization.",
            Some("role-changed") => "Role changed.",
            Some("disabled") => {
                "User disabled: they cannot sign in, and their apps lost their tokens."
            }
            Some("enabled") => "User enabled.",
            Some("user-removed") => {
                "User removed from the organization, with their product profiles here."
            }
            Some("profile-added") => "Added to the product profile.",
            Some("profile-removed") => "Removed from the product profile.",
            Some("admin-added") => "Technical account added as product profile admin.",
            Some("profile-created") => "Product profile created.",
            Some("profile-renamed") => "Product profile renamed.",
            Some("profile-deleted") => "Product profile deleted.",
            Some("instance-created") => "Product instance created.",
            Some("settings-saved") => "Settings saved.",
            _ => return Msg::None,
        };
        Msg::Notice(text.to_owned())
    }
}

/// How the Admin Console names an org role.
pub(crate) fn role_label(role: OrgRole) -> &'static str {
    match role {
        OrgRole::SystemAdmin => "System admin",
        OrgRole::Developer => "Developer",
        OrgRole::User => "User",
    }
}

/// The org tabs' links.
fn org_links(org: &str) -> minijinja::Value {
    let s = seg(org);
    minijinja::context! {
        users => format!("/admin/orgs/{s}/users"),
        products => format!("/admin/orgs/{s}/products"),
        settings => format!("/admin/orgs/{s}/settings"),
        audit => format!("/admin/orgs/{s}/audit"),
        console => format!("/console/orgs/{s}"),
    }
}

#[derive(Serialize)]
struct OrgRow {
    href: String,
    name: String,
    id: String,
}

/// `/admin`: the orgs the person is a system admin of; 403 for everyone else.
async fn index_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(flash): Query<Flash>,
) -> Response {
    let user = match person(&st, &headers, "/admin").await {
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
        .filter(|o| o.role == OrgRole::SystemAdmin)
        .map(|o| OrgRow {
            href: format!("/admin/orgs/{}/users", seg(o.org.id.as_str())),
            name: o.org.name,
            id: o.org.id.0,
        })
        .collect();
    if rows.is_empty() {
        return forbidden(&st, &headers, &user);
    }
    page(
        &st,
        &headers,
        StatusCode::OK,
        "admin_orgs.html",
        &user,
        &flash.msg(),
        minijinja::context! { orgs => rows },
    )
}

/// The Admin Console's answer to someone who is no org's system admin.
fn forbidden(st: &AppState, headers: &HeaderMap, user: &User) -> Response {
    page(
        st,
        headers,
        StatusCode::FORBIDDEN,
        "admin_forbidden.html",
        user,
        &Msg::None,
        minijinja::context! {},
    )
}
