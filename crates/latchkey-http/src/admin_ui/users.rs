//! `/admin/orgs/{org}/users`: search the org's members ("techacct" finds technical
//! accounts), add a person or invite them; `/admin/orgs/{org}/users/{user}`: one member's
//! role, status, product roles and profiles, and the changes to them.

use super::{Flash, org_links, role_label};
use crate::console_ui::{Msg, Refusal, actor, done, page, person, read_failed, refusal, seg, utc};
use crate::session::{csrf_ok, csrf_refused};
use crate::state::AppState;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::admin::invitations::{self, NewMember};
use latchkey_core::admin::members;
use latchkey_core::admin::products;
use latchkey_core::ids::OrgId;
use latchkey_core::model::{OrgRole, User, UserKind};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct UserRow {
    href: String,
    email: String,
    name: String,
    kind: &'static str,
    technical: bool,
    role: &'static str,
    disabled: bool,
    invited: bool,
}

fn kind_label(kind: UserKind) -> &'static str {
    match kind {
        UserKind::Person => "Person",
        UserKind::Technical => "Technical account",
    }
}

fn user_href(org: &OrgId, user: &User) -> String {
    format!(
        "/admin/orgs/{}/users/{}",
        seg(org.as_str()),
        seg(user.id.as_str())
    )
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct ListQuery {
    q: Option<String>,
    done: Option<String>,
}

/// What the users page shows once, after adding someone by invitation.
struct Invited {
    email: String,
    link: String,
}

async fn list_page(
    st: &AppState,
    headers: &HeaderMap,
    user: &User,
    org: &OrgId,
    q: &str,
    (status, msg): (StatusCode, &Msg),
    invited: Option<Invited>,
) -> Response {
    let ctx = st.admin_ctx();
    let who = actor(user);
    let (o, found) = match async {
        Ok::<_, latchkey_core::admin::AdminError>((
            members::admin_org(&ctx, &who, org).await?,
            members::search(&ctx, &who, org, q).await?,
        ))
    }
    .await
    {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let rows: Vec<UserRow> = found
        .into_iter()
        .map(|m| UserRow {
            href: user_href(org, &m.user),
            name: m.user.display_name(),
            invited: m.user.kind == UserKind::Person && m.user.password_hash.is_none(),
            email: m.user.email,
            kind: kind_label(m.user.kind),
            technical: m.user.kind == UserKind::Technical,
            role: role_label(m.role),
            disabled: m.user.disabled,
        })
        .collect();
    let (invited_email, invite_link) = match invited {
        Some(i) => (Some(i.email), Some(i.link)),
        None => (None, None),
    };
    page(
        st,
        headers,
        status,
        "admin_users.html",
        user,
        msg,
        minijinja::context! {
            org_name => o.name,
            org_id => o.id.0.clone(),
            links => org_links(o.id.as_str()),
            tab => "users",
            q,
            users => rows,
            add_action => format!("/admin/orgs/{}/users", seg(o.id.as_str())),
            invited_email,
            invite_link,
        },
    )
}

pub(super) async fn list_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let here = format!("/admin/orgs/{}/users", seg(&org));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let msg = Flash { done: q.done }.msg();
    let query = q.q.unwrap_or_default();
    list_page(
        &st,
        &headers,
        &user,
        &OrgId(org),
        &query,
        (StatusCode::OK, &msg),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct AddForm {
    csrf: Option<String>,
    email: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    role: Option<String>,
    password: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse_role(role: Option<&str>) -> Result<OrgRole, String> {
    role.unwrap_or("user").parse::<OrgRole>()
}

pub(super) async fn add_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Form(f): Form<AddForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let here = format!("/admin/orgs/{}/users", seg(&org));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let org = OrgId(org);
    let show = |status, m: String| {
        let (st, headers, user, org) = (&st, &headers, &user, &org);
        async move { list_page(st, headers, user, org, "", (status, &Msg::Error(m)), None).await }
    };
    let role = match parse_role(f.role.as_deref()) {
        Ok(r) => r,
        Err(m) => return show(StatusCode::BAD_REQUEST, m).await,
    };
    let ctx = st.admin_ctx();
    let new = NewMember {
        email: f.email.as_deref().unwrap_or_default(),
        given_name: non_empty(&f.given_name),
        family_name: non_empty(&f.family_name),
        role,
        // A password field left empty means: invite them.
        password: f.password.as_deref().filter(|p| !p.is_empty()),
    };
    match invitations::add(&ctx, &actor(&user), &org, new).await {
        Ok(added) => match added.invitation {
            // Shown once, in this no-store answer, never in a URL of ours.
            Some(secret) => {
                let link = invitations::invitation_url(&st.tokens().issuer, &secret);
                list_page(
                    &st,
                    &headers,
                    &user,
                    &org,
                    "",
                    (
                        StatusCode::OK,
                        &Msg::Notice(format!(
                            "{} was invited. Send them this link; it works once, for 7 days.",
                            added.user.email
                        )),
                    ),
                    Some(Invited {
                        email: added.user.email,
                        link,
                    }),
                )
                .await
            }
            None => done(&user_href(&org, &added.user), "user-added"),
        },
        Err(e) => match refusal(e) {
            Refusal::Show(status, m) => show(status, m).await,
            Refusal::Page(r) => r,
        },
    }
}

#[derive(Serialize)]
struct RoleRow {
    product: String,
    instance: String,
    instance_href: String,
    role: &'static str,
}

#[derive(Serialize)]
struct ProfileRow {
    label: String,
    instance_href: String,
    admin: bool,
    remove_value: String,
}

#[derive(Serialize)]
struct ProfileOption {
    id: String,
    label: String,
}

async fn user_page(
    st: &AppState,
    headers: &HeaderMap,
    me: &User,
    org: &OrgId,
    who: &str,
    status: StatusCode,
    msg: &Msg,
) -> Response {
    let ctx = st.admin_ctx();
    let a = actor(me);
    let (o, d, options) = match async {
        Ok::<_, latchkey_core::admin::AdminError>((
            members::admin_org(&ctx, &a, org).await?,
            members::detail(&ctx, &a, org, who).await?,
            members::org_profiles(&ctx, &a, org).await?,
        ))
    }
    .await
    {
        Ok(v) => v,
        Err(e) => return read_failed(e),
    };
    let roles: Vec<RoleRow> = d
        .product_roles
        .iter()
        .map(|r| RoleRow {
            product: r.product.clone(),
            instance: r.instance_name.clone(),
            instance_href: format!("/admin/instances/{}", seg(&r.instance_id)),
            role: match r.role {
                latchkey_core::products::ProductRoleKind::Admin => "Admin",
                latchkey_core::products::ProductRoleKind::Contributor => "Contributor",
            },
        })
        .collect();
    let profiles: Vec<ProfileRow> = d
        .profiles
        .iter()
        .map(|(i, p, admin)| ProfileRow {
            label: format!("{} › {}", i.name, p.name),
            instance_href: format!("/admin/instances/{}", seg(&i.id)),
            admin: *admin,
            remove_value: p.id.clone(),
        })
        .collect();
    let options: Vec<ProfileOption> = options
        .into_iter()
        .map(|(i, p)| ProfileOption {
            label: format!("{} › {}", i.name, p.name),
            id: p.id,
        })
        .collect();
    let base = user_href(org, &d.user);
    let credential = d.credential.as_ref().map(|c| {
        minijinja::context! {
            name => c.name.clone(),
            client_id => c.client_id.0.clone(),
            kind => c.kind.label(),
            href => format!("/console/credentials/{}", seg(c.client_id.as_str())),
        }
    });
    page(
        st,
        headers,
        status,
        "admin_user.html",
        me,
        msg,
        minijinja::context! {
            org_name => o.name,
            links => org_links(o.id.as_str()),
            tab => "users",
            base,
            id => d.user.id.0.clone(),
            email => d.user.email.clone(),
            name => d.user.display_name(),
            kind => kind_label(d.user.kind),
            technical => d.user.kind == UserKind::Technical,
            invited => d.user.kind == UserKind::Person && d.user.password_hash.is_none(),
            role => d.role.as_str(),
            role_label => role_label(d.role),
            roles_all => OrgRole::ALL.iter().map(|r| minijinja::context! {
                value => r.as_str(), label => role_label(*r)
            }).collect::<Vec<_>>(),
            disabled => d.user.disabled,
            is_me => d.user.id == me.id,
            created => utc(d.user.created_at),
            product_roles => roles,
            profiles,
            profile_options => options,
            credential,
        },
    )
}

pub(super) async fn user_get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((org, who)): Path<(String, String)>,
    Query(flash): Query<Flash>,
) -> Response {
    let here = format!("/admin/orgs/{}/users/{}", seg(&org), seg(&who));
    let user = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    user_page(
        &st,
        &headers,
        &user,
        &OrgId(org),
        &who,
        StatusCode::OK,
        &flash.msg(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct ActionForm {
    csrf: Option<String>,
    role: Option<String>,
    profile: Option<String>,
    admin: Option<String>,
}

/// `role`, `disable`, `enable`, `reinvite`, `remove`, `add-profile`, `remove-profile`.
pub(super) async fn action_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((org, who, action)): Path<(String, String, String)>,
    Form(f): Form<ActionForm>,
) -> Response {
    if !csrf_ok(&st, &headers, f.csrf.as_deref()) {
        return csrf_refused();
    }
    let here = format!("/admin/orgs/{}/users/{}", seg(&org), seg(&who));
    let me = match person(&st, &headers, &here).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let org = OrgId(org);
    let ctx = st.admin_ctx();
    let a = actor(&me);
    let profile = f.profile.as_deref().unwrap_or_default();
    let result = match action.as_str() {
        "role" => match parse_role(f.role.as_deref()) {
            Ok(role) => match members::change_role(&ctx, &a, &org, &who, role).await {
                // Who steps down as system admin leaves the Admin Console.
                Ok(m) if m.user.id == me.id && role != OrgRole::SystemAdmin => {
                    return crate::authorize::see_other("/console");
                }
                r => r.map(|_| "role-changed"),
            },
            Err(m) => Err(latchkey_core::admin::AdminError::Invalid(m)),
        },
        "disable" => members::set_disabled(&ctx, &a, &org, &who, true)
            .await
            .map(|_| "disabled"),
        "enable" => members::set_disabled(&ctx, &a, &org, &who, false)
            .await
            .map(|_| "enabled"),
        // The new link is shown once, on the list, as after adding someone.
        "reinvite" => match invitations::reinvite(&ctx, &a, &org, &who).await {
            Ok((invited, secret)) => {
                let link = invitations::invitation_url(&st.tokens().issuer, &secret);
                let notice = format!(
                    "A new invitation link for {}: the old one no longer works. Send them \
                     this one; it works once, for 7 days.",
                    invited.email
                );
                return list_page(
                    &st,
                    &headers,
                    &me,
                    &org,
                    "",
                    (StatusCode::OK, &Msg::Notice(notice)),
                    Some(Invited {
                        email: invited.email,
                        link,
                    }),
                )
                .await;
            }
            Err(e) => Err(e),
        },
        // Their page is gone with their membership: back to the list.
        "remove" => match members::remove(&ctx, &a, &org, &who).await {
            Ok(_) => {
                return done(
                    &format!("/admin/orgs/{}/users", seg(org.as_str())),
                    "user-removed",
                );
            }
            Err(e) => Err(e),
        },
        "add-profile" => {
            let admin = f.admin.as_deref() == Some("1");
            match members::detail(&ctx, &a, &org, &who).await {
                Ok(d) => products::add_profile_member(&ctx, &a, profile, d.user.id.as_str(), admin)
                    .await
                    .map(|_| "profile-added"),
                Err(e) => Err(e),
            }
        }
        "remove-profile" => match members::detail(&ctx, &a, &org, &who).await {
            Ok(d) => products::remove_profile_member(&ctx, &a, profile, d.user.id.as_str())
                .await
                .map(|_| "profile-removed"),
            Err(e) => Err(e),
        },
        _ => return crate::console_ui::not_found(),
    };
    match result {
        Ok(code) => done(&here, code),
        Err(e) => match refusal(e) {
            Refusal::Show(status, m) => {
                user_page(&st, &headers, &me, &org, &who, status, &Msg::Error(m)).await
            }
            Refusal::Page(r) => r,
        },
    }
}
