//! What the Developer Console's pages (`/console`) need to read beyond the actor-checked
//! operations of `projects`, `credentials` and `service_accounts`: a person's orgs with
//! what their role lets them do, a credential as any member of its org may see it (never a
//! secret, only when each was made), the product profiles a new credential may join, a
//! project's activity, and a credential as the Adobe CLI reads it
//! (docs/console-contract.md §3 (3.6, workspace download)). Every function decides through `authz` (SEC-40): an
//! outsider gets `NotFound`, the answer an unknown id gets.

use super::authz::{self, Action, Actor};
use super::{AdminError, AdminResult, Ctx, allowed_scopes, projects};
use crate::clock::Timestamp;
use crate::ids::{ClientId, OrgId, ProjectId, UserId};
use crate::model::{Api, Credential, CredentialKind, Org, OrgRole, Project, User};
use crate::products::{CertificateRecord, ProductInstance, ProductProfile};

/// Whether `actor` may perform `action` in `org`: `Ok(false)` for a member whose role does
/// not allow it, `NotFound` for an outsider.
pub async fn may(ctx: &Ctx<'_>, actor: &Actor, org: &OrgId, action: Action) -> AdminResult<bool> {
    match authz::authorize_org(ctx, actor, org, action).await {
        Ok(()) => Ok(true),
        Err(AdminError::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// One of a person's orgs, with their role and whether it lets them change projects and
/// credentials there.
pub struct OrgEntry {
    pub org: Org,
    pub role: OrgRole,
    pub may_manage: bool,
}

/// The orgs `user` belongs to, by name.
pub async fn my_orgs(ctx: &Ctx<'_>, user: &UserId) -> AdminResult<Vec<OrgEntry>> {
    let actor = Actor::User(user.clone());
    let mut out = Vec::new();
    for (org, role) in ctx.store.user_memberships(user).await? {
        // A disabled person or a technical account sees nothing (authz hides the org).
        let may_manage = match may(ctx, &actor, &org.id, Action::ManageCredentials).await {
            Ok(m) => m,
            Err(AdminError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        out.push(OrgEntry {
            org,
            role,
            may_manage,
        });
    }
    out.sort_by(|a, b| a.org.name.cmp(&b.org.name));
    Ok(out)
}

/// An org a member looks at: the org, their role's power, and its projects.
pub struct OrgView {
    pub org: Org,
    pub may_manage: bool,
    pub projects: Vec<Project>,
}

pub async fn org_view(ctx: &Ctx<'_>, actor: &Actor, org: &OrgId) -> AdminResult<OrgView> {
    let projects = projects::list(ctx, actor, org).await?;
    let may_manage = may(ctx, actor, org, Action::ManageCredentials).await?;
    let org = ctx
        .store
        .get_org(org)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("org {org}")))?;
    Ok(OrgView {
        org,
        may_manage,
        projects,
    })
}

/// The API catalog, for a member of `org` choosing what to add to a project.
pub async fn catalog(ctx: &Ctx<'_>, actor: &Actor, org: &OrgId) -> AdminResult<Vec<Api>> {
    authz::authorize_org(ctx, actor, org, Action::View).await?;
    let mut apis = ctx.store.list_apis().await?;
    apis.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(apis)
}

/// A secret as the console lists it: never the secret, only its id, age and when it last
/// authenticated its client (to within five minutes; docs/console-contract.md §3 (3.7,
/// client secrets) `secret_usages`).
pub struct SecretInfo {
    pub id: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A credential as any member of its org may see it.
pub struct CredentialView {
    pub credential: Credential,
    pub project: Project,
    pub org: Org,
    pub may_manage: bool,
    pub secrets: Vec<SecretInfo>,
    pub certificates: Vec<CertificateRecord>,
    pub scopes: Vec<String>,
    /// The metascopes a service account's JWT claims (`ent_*_sdk`, docs/ims-contract.md §4).
    pub metascopes: Vec<String>,
    pub technical_account: Option<User>,
}

pub async fn credential_view(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
) -> AdminResult<CredentialView> {
    let missing = || AdminError::NotFound(format!("credential {client_id}"));
    let credential = ctx
        .store
        .get_credential(client_id)
        .await?
        .ok_or_else(missing)?;
    authz::authorize(
        ctx,
        actor,
        &credential.org_id,
        Action::View,
        &format!("credential {client_id}"),
    )
    .await?;
    let may_manage = may(ctx, actor, &credential.org_id, Action::ManageCredentials).await?;
    let project = ctx
        .store
        .get_project(&credential.project_id)
        .await?
        .ok_or_else(missing)?;
    let org = ctx
        .store
        .get_org(&credential.org_id)
        .await?
        .ok_or_else(missing)?;
    let secrets = ctx
        .store
        .active_secrets(client_id)
        .await?
        .into_iter()
        .map(|s| SecretInfo {
            id: s.id,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
        })
        .collect();
    let certificates = ctx.store.list_certificates(client_id).await?;
    let scopes = allowed_scopes(ctx.store, &credential).await?;
    let auth = credential.kind.auth_kind();
    let mut metascopes = Vec::new();
    if credential.kind == CredentialKind::ServiceAccountJwt {
        for api in ctx.store.project_apis(&credential.project_id).await? {
            if api.auth.contains(&auth) {
                metascopes.extend(api.metascopes);
            }
        }
    }
    let technical_account = match &credential.technical_account {
        Some(id) => ctx.store.get_user(id).await?,
        None => None,
    };
    Ok(CredentialView {
        credential,
        project,
        org,
        may_manage,
        secrets,
        certificates,
        scopes,
        metascopes,
        technical_account,
    })
}

/// The product instances (with their profiles) a new credential of `kind` in `project`
/// may join: the org's instances of the products the project's APIs bring for that kind.
/// The "select product profiles" step of the console's server-to-server wizard, for
/// whoever may create the credential (what `create_credential` accepts from them).
pub async fn profile_choices(
    ctx: &Ctx<'_>,
    actor: &Actor,
    project: &ProjectId,
    kind: CredentialKind,
) -> AdminResult<Vec<(ProductInstance, Vec<ProductProfile>)>> {
    let p = projects::project_for(ctx, actor, project, Action::ManageCredentials).await?;
    if !kind.has_technical_account() {
        return Ok(Vec::new());
    }
    let products = super::products::products_for_kind(ctx, project, kind).await?;
    let mut out = Vec::new();
    for i in ctx.store.list_instances(&p.org_id).await? {
        if products.contains(&i.product) {
            let profiles = ctx.store.list_profiles(&i.id).await?;
            out.push((i, profiles));
        }
    }
    Ok(out)
}

/// One line of a project's activity.
pub struct Activity {
    pub at: Timestamp,
    pub what: String,
}

/// What happened in a project, newest first, as far as the store knows: the project's
/// creation, each credential's, each live secret's and each certificate's. There is no
/// audit log yet; when one is added, it will feed this list (and record deletions and who
/// acted, which the store does not keep).
pub async fn activity(
    ctx: &Ctx<'_>,
    actor: &Actor,
    project: &ProjectId,
) -> AdminResult<Vec<Activity>> {
    let p = projects::project_for(ctx, actor, project, Action::View).await?;
    let mut out = vec![Activity {
        at: p.created_at,
        what: format!("Project \u{201c}{}\u{201d} created", p.name),
    }];
    for c in ctx.store.list_credentials(project).await? {
        out.push(Activity {
            at: c.created_at,
            what: format!(
                "{} credential \u{201c}{}\u{201d} created",
                c.kind.label(),
                c.name
            ),
        });
        for s in ctx.store.active_secrets(&c.client_id).await? {
            if s.created_at != c.created_at {
                out.push(Activity {
                    at: s.created_at,
                    what: format!("New client secret for \u{201c}{}\u{201d}", c.name),
                });
            }
        }
        for cert in ctx.store.list_certificates(&c.client_id).await? {
            out.push(Activity {
                at: cert.created_at,
                what: format!("Public key {} added to \u{201c}{}\u{201d}", cert.id, c.name),
            });
        }
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.at));
    Ok(out)
}
