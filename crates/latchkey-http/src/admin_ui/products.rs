//! `/admin/orgs/{org}/products`: the org's product instances; `/admin/instances/{id}`: an
//! instance's product profiles with their members (create, rename, delete), its people,
//! and its technical accounts under "API credentials", each with the credential it
//! belongs to and a two-click "make admin of a profile"; `/admin/orgs/{org}/settings`.

use super::{Flash, org_links};
use crate::console_ui::{Msg, Refusal, actor, done, page, person, read_failed, refusal, seg, utc};
use crate::session::{csrf_ok, csrf_refused};
use crate::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::admin::{AdminError, authz, members, products};
use latchkey_core::ids::OrgId;
use latchkey_core::model::{User, UserKind};
use latchkey_core::products::ProductRoleKind;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct InstanceRow {
    href: String,
    product: String,
    name: String,
    created: String,
}

async fn products_page(
    st: &AppState,
    headers: &HeaderMap,
    me: &User,
    org: &OrgId,
    status: StatusCode,
    msg: &Msg,
) -> Response {
    let ctx = st.admin_ctx();
    let a = actor(me);
    let (o, instances) = match async {
        Ok::<_, AdminError>((
            members::admin_org(&ctx, &a, org).await?,
            products::list_instances(&ctx, &a, org).await?,
        ))
    }
    .await
    {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let rows: Vec<InstanceRow> = instances
        .into_iter()
        .map(|i| InstanceRow {
            href: format!("/admin/instances/{}", seg(&i.id)),
            product: i.product,
            name: i.name,
            created: utc(i.created_at),
        })
        .collect();
    page(
        st,
        headers,
        status,
        "admin_products.html",
        me,
        msg,
        minijinja::context! {
            org_name => o.name,
            links => org_links(o.id.as_str()),
            tab => "products",
            instances => rows,
            create_action => format!("/admin/orgs/{}/instances", seg(o.id.as_str())),
        },
    )
}

pub(super) async fn products_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let here = format!("/admin/orgs/{}/products", seg(&org));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    products_page(
        &st,
        &headers,
        &me,
        &OrgId(org),
        StatusCode::OK,
        &flash.msg(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct InstanceForm {
    csrf: Option<String>,
    product: Option<String>,
    name: Option<String>,
}

pub(super) async fn create_instance_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Form(f): Form<InstanceForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let here = format!("/admin/orgs/{}/products", seg(&org));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let org = OrgId(org);
    let ctx = st.admin_ctx();
    let name = f.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let product = f.product.as_deref().unwrap_or_default();
    match products::create_instance(&ctx, &actor(&me), &org, product, name).await {
        Ok(i) => done(
            &format!("/admin/instances/{}", seg(&i.id)),
            "instance-created",
        ),
        Err(e) => match refusal(e) {
            Refusal::Show(status, m) => {
                products_page(&st, &headers, &me, &org, status, &Msg::Error(m)).await
            }
            Refusal::Page(r) => r,
        },
    }
}

#[derive(Serialize)]
struct MemberRow {
    email: String,
    user_id: String,
    admin: bool,
    technical: bool,
}

#[derive(Serialize)]
struct ProfileRow {
    id: String,
    name: String,
    action_base: String,
    members: Vec<MemberRow>,
}

#[derive(Serialize)]
struct CredentialRow {
    user_id: String,
    email: String,
    user_href: String,
    credential: String,
    credential_href: String,
    client_id: String,
    role: &'static str,
}

#[derive(Serialize)]
struct PersonRow {
    email: String,
    name: String,
    user_href: String,
    role: &'static str,
}

fn role_name(r: ProductRoleKind) -> &'static str {
    match r {
        ProductRoleKind::Admin => "Admin",
        ProductRoleKind::Contributor => "Contributor",
    }
}

async fn instance_page(
    st: &AppState,
    headers: &HeaderMap,
    me: &User,
    id: &str,
    status: StatusCode,
    msg: &Msg,
) -> Response {
    let ctx = st.admin_ctx();
    let a = actor(me);
    let v = match products::instance_view(&ctx, &a, id).await {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let org = v.instance.org_id.clone();
    let o = match members::admin_org(&ctx, &a, &org).await {
        Ok(o) => o,
        Err(e) => return read_failed(e),
    };
    let user_href = |u: &User| {
        format!(
            "/admin/orgs/{}/users/{}",
            seg(org.as_str()),
            seg(u.id.as_str())
        )
    };
    let profiles: Vec<ProfileRow> = v
        .profiles
        .iter()
        .map(|p| ProfileRow {
            id: p.profile.id.clone(),
            name: p.profile.name.clone(),
            action_base: format!("/admin/profiles/{}", seg(&p.profile.id)),
            members: p
                .members
                .iter()
                .map(|(u, admin)| MemberRow {
                    email: u.email.clone(),
                    user_id: u.id.0.clone(),
                    admin: *admin,
                    technical: u.kind == UserKind::Technical,
                })
                .collect(),
        })
        .collect();
    let mut credentials = Vec::new();
    let mut people = Vec::new();
    for u in &v.users {
        match (&u.credential, u.user.kind) {
            (Some((client_id, name, _)), UserKind::Technical) => credentials.push(CredentialRow {
                user_id: u.user.id.0.clone(),
                email: u.user.email.clone(),
                user_href: user_href(&u.user),
                credential: name.clone(),
                credential_href: format!("/console/credentials/{}", seg(client_id.as_str())),
                client_id: client_id.0.clone(),
                role: role_name(u.role),
            }),
            _ => people.push(PersonRow {
                email: u.user.email.clone(),
                name: u.user.display_name(),
                user_href: user_href(&u.user),
                role: role_name(u.role),
            }),
        }
    }
    let base = format!("/admin/instances/{}", seg(&v.instance.id));
    page(
        st,
        headers,
        status,
        "admin_instance.html",
        me,
        msg,
        minijinja::context! {
            org_name => o.name,
            links => org_links(org.as_str()),
            tab => "products",
            product => v.instance.product,
            instance_name => v.instance.name,
            instance_id => v.instance.id,
            base,
            profiles,
            credentials,
            people,
        },
    )
}

pub(super) async fn instance_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let here = format!("/admin/instances/{}", seg(&id));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    instance_page(&st, &headers, &me, &id, StatusCode::OK, &flash.msg()).await
}

#[derive(Debug, Deserialize)]
pub(super) struct InstanceActionForm {
    csrf: Option<String>,
    name: Option<String>,
    profile: Option<String>,
    user: Option<String>,
}

/// `profiles` (create one) and `admins` (add a user, e.g. a technical account, as admin
/// of the chosen profile: the "API credentials" two clicks).
pub(super) async fn instance_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<InstanceActionForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let here = format!("/admin/instances/{}", seg(&id));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let ctx = st.admin_ctx();
    let a = actor(&me);
    let result = match action.as_str() {
        "profiles" => {
            products::create_profile(&ctx, &a, &id, f.name.as_deref().unwrap_or_default())
                .await
                .map(|_| "profile-created")
        }
        "admins" => {
            let profile = f.profile.as_deref().unwrap_or_default();
            let user = f.user.as_deref().unwrap_or_default();
            match profile_of_instance(&ctx, &a, &id, profile).await {
                Ok(()) => products::add_profile_member(&ctx, &a, profile, user, true)
                    .await
                    .map(|_| "admin-added"),
                Err(e) => Err(e),
            }
        }
        _ => return crate::console_ui::not_found(),
    };
    match result {
        Ok(code) => done(&here, code),
        Err(e) => match refusal(e) {
            Refusal::Show(status, m) => {
                instance_page(&st, &headers, &me, &id, status, &Msg::Error(m)).await
            }
            Refusal::Page(r) => r,
        },
    }
}

/// `Invalid` unless `profile` is one of the instance's (a form can only name those).
async fn profile_of_instance(
    ctx: &latchkey_core::admin::Ctx<'_>,
    a: &latchkey_core::admin::Actor,
    instance: &str,
    profile: &str,
) -> Result<(), AdminError> {
    let profiles = products::list_profiles(ctx, a, instance).await?;
    if profiles.iter().any(|(p, _)| p.id == profile) {
        Ok(())
    } else {
        Err(AdminError::Invalid(
            "choose one of this product's profiles".into(),
        ))
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ProfileForm {
    csrf: Option<String>,
    name: Option<String>,
    user: Option<String>,
    instance: Option<String>,
}

/// `rename`, `delete`, `remove-member`; the answer goes back to the instance's page.
pub(super) async fn profile_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ProfileForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let instance = f.instance.clone().unwrap_or_default();
    let here = format!("/admin/instances/{}", seg(&instance));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let ctx = st.admin_ctx();
    let a = actor(&me);
    let result = match action.as_str() {
        "rename" => products::rename_profile(&ctx, &a, &id, f.name.as_deref().unwrap_or_default())
            .await
            .map(|p| (p.instance_id, "profile-renamed")),
        "delete" => match products::instance_of_profile(&ctx, &a, &id).await {
            Ok(i) => products::delete_profile(&ctx, &a, &id)
                .await
                .map(|_| (i, "profile-deleted")),
            Err(e) => Err(e),
        },
        "remove-member" => match products::instance_of_profile(&ctx, &a, &id).await {
            Ok(i) => {
                products::remove_profile_member(&ctx, &a, &id, f.user.as_deref().unwrap_or(""))
                    .await
                    .map(|_| (i, "profile-removed"))
            }
            Err(e) => Err(e),
        },
        _ => return crate::console_ui::not_found(),
    };
    match result {
        Ok((i, code)) => done(&format!("/admin/instances/{}", seg(&i)), code),
        Err(e) => match refusal(e) {
            Refusal::Show(status, m) if !instance.is_empty() => {
                instance_page(&st, &headers, &me, &instance, status, &Msg::Error(m)).await
            }
            Refusal::Show(status, m) => crate::pages::error_page(status, "Not done", &m),
            Refusal::Page(r) => r,
        },
    }
}

async fn settings_page(
    st: &AppState,
    headers: &HeaderMap,
    me: &User,
    org: &OrgId,
    status: StatusCode,
    msg: &Msg,
) -> Response {
    let ctx = st.admin_ctx();
    let a = actor(me);
    let (o, allowed) = match async {
        Ok::<_, AdminError>((
            members::admin_org(&ctx, &a, org).await?,
            members::developers_may_manage_credentials(&ctx, &a, org).await?,
        ))
    }
    .await
    {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    page(
        st,
        headers,
        status,
        "admin_settings.html",
        me,
        msg,
        minijinja::context! {
            org_name => o.name,
            org_id => o.id.0.clone(),
            links => org_links(o.id.as_str()),
            tab => "settings",
            developers_may_manage => allowed,
            action => format!("/admin/orgs/{}/settings", seg(o.id.as_str())),
        },
    )
}

pub(super) async fn settings_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let here = format!("/admin/orgs/{}/settings", seg(&org));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    settings_page(
        &st,
        &headers,
        &me,
        &OrgId(org),
        StatusCode::OK,
        &flash.msg(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct SettingsForm {
    csrf: Option<String>,
    developers_may_manage_credentials: Option<String>,
}

pub(super) async fn settings_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let here = format!("/admin/orgs/{}/settings", seg(&org));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let org = OrgId(org);
    let ctx = st.admin_ctx();
    // An unchecked checkbox sends nothing.
    let allowed = f.developers_may_manage_credentials.as_deref() == Some("1");
    match authz::set_developers_may_manage_credentials(&ctx, &actor(&me), &org, allowed).await {
        Ok(()) => done(&here, "settings-saved"),
        Err(e) => match refusal(e) {
            Refusal::Show(status, m) => {
                settings_page(&st, &headers, &me, &org, status, &Msg::Error(m)).await
            }
            Refusal::Page(r) => r,
        },
    }
}
