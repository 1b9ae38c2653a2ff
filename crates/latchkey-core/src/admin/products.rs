//! Product instances, product profiles and technical-account provisioning (docs/design.md
//! "Product", quoting Adobe's Workfront guide: "When you create an API client … that client
//! is automatically added as a User within the Workfront product … as a Contributor"; "add
//! the technical Account Email as an admin of the product profile" to make it an admin).
//!
//! A credential with a technical account is provisioned into the org's instance of every
//! product behind its project's APIs (those accepting the credential's auth kind): the
//! oldest instance of that product, created as `<product>` when the org has none.

use super::authz::{Action, Actor, authorize, authorize_org};
use super::{AdminError, AdminResult, Ctx, check_name};
use crate::ids::{OrgId, ProjectId, UserId};
use crate::model::AuditAction;
use crate::model::{Credential, CredentialKind, Project};
use crate::products::{ProductInstance, ProductProfile, ProductRole, ProfileMember};
use crate::rand::lower_hex;
use crate::store::{Store, StoreError};

/// A user's role in every product instance they use (`contributor`, or `admin` when they
/// administer one of its profiles). What `/ims/profile/v1` and validation report.
pub async fn product_roles(
    store: &dyn Store,
    user: &UserId,
) -> Result<Vec<ProductRole>, StoreError> {
    store.product_roles(user).await
}

async fn require_instance(ctx: &Ctx<'_>, id: &str) -> AdminResult<ProductInstance> {
    ctx.store
        .get_instance(id)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("product instance {id}")))
}

async fn require_profile(
    ctx: &Ctx<'_>,
    id: &str,
) -> AdminResult<(ProductProfile, ProductInstance)> {
    let p = ctx
        .store
        .get_profile(id)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("product profile {id}")))?;
    let i = require_instance(ctx, &p.instance_id).await?;
    Ok((p, i))
}

/// A profile with its instance, for one who may manage the org's products.
async fn managed_profile(
    ctx: &Ctx<'_>,
    actor: &Actor,
    profile: &str,
) -> AdminResult<(ProductProfile, ProductInstance)> {
    let (p, i) = require_profile(ctx, profile).await?;
    authorize(
        ctx,
        actor,
        &i.org_id,
        Action::ManageProducts,
        &format!("product profile {profile}"),
    )
    .await?;
    Ok((p, i))
}

/// A new instance of `product` in `org`. Made by someone (`by`), it is in the audit log;
/// made on the way (a credential's technical account provisioned), its credential's entry
/// covers it.
async fn new_instance(
    ctx: &Ctx<'_>,
    org: &OrgId,
    product: &str,
    name: &str,
    by: Option<&Actor>,
) -> AdminResult<ProductInstance> {
    ctx.store.ensure_product(product, ctx.now).await?;
    let i = ProductInstance {
        id: lower_hex(ctx.rng, 12),
        org_id: org.clone(),
        product: product.to_owned(),
        name: name.to_owned(),
        created_at: ctx.now,
    };
    let events = match by {
        Some(actor) => vec![ctx.audit(
            actor,
            Some(org),
            AuditAction::ProductInstanceCreated,
            format!("product instance {}", i.id),
            serde_json::json!({"product": i.product, "name": i.name}),
        )],
        None => Vec::new(),
    };
    ctx.store.audited(events).insert_instance(&i).await?;
    Ok(i)
}

/// Create an instance of `product` in `org` (an org may have several).
pub async fn create_instance(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    product: &str,
    name: Option<&str>,
) -> AdminResult<ProductInstance> {
    ctx.store
        .get_org(org)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("org {org}")))?;
    authorize_org(ctx, actor, org, Action::ManageProducts).await?;
    let product = check_name("product name", product)?;
    let name = check_name("instance name", name.unwrap_or(&product))?;
    new_instance(ctx, org, &product, &name, Some(actor)).await
}

pub async fn list_instances(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
) -> AdminResult<Vec<ProductInstance>> {
    authorize_org(ctx, actor, org, Action::ManageProducts).await?;
    Ok(ctx.store.list_instances(org).await?)
}

pub async fn create_profile(
    ctx: &Ctx<'_>,
    actor: &Actor,
    instance: &str,
    name: &str,
) -> AdminResult<ProductProfile> {
    let i = require_instance(ctx, instance).await?;
    authorize(
        ctx,
        actor,
        &i.org_id,
        Action::ManageProducts,
        &format!("product instance {instance}"),
    )
    .await?;
    let p = ProductProfile {
        id: lower_hex(ctx.rng, 12),
        instance_id: i.id,
        name: check_name("profile name", name)?,
        created_at: ctx.now,
    };
    let event = ctx.audit(
        actor,
        Some(&i.org_id),
        AuditAction::ProfileCreated,
        format!("product profile {}", p.id),
        serde_json::json!({"profile": p.name, "product": i.product, "instance_id": p.instance_id}),
    );
    ctx.store.audited(vec![event]).insert_profile(&p).await?;
    Ok(p)
}

pub async fn list_profiles(
    ctx: &Ctx<'_>,
    actor: &Actor,
    instance: &str,
) -> AdminResult<Vec<(ProductProfile, Vec<ProfileMember>)>> {
    let i = require_instance(ctx, instance).await?;
    authorize(
        ctx,
        actor,
        &i.org_id,
        Action::ManageProducts,
        &format!("product instance {instance}"),
    )
    .await?;
    let mut out = Vec::new();
    for p in ctx.store.list_profiles(&i.id).await? {
        let members = ctx.store.profile_members(&p.id).await?;
        out.push((p, members));
    }
    Ok(out)
}

/// A user of the org by id or email (technical accounts' emails are their ids).
async fn org_user(ctx: &Ctx<'_>, org: &OrgId, who: &str) -> AdminResult<UserId> {
    let user = match ctx.store.get_user(&UserId(who.to_owned())).await? {
        Some(u) => Some(u),
        None => ctx.store.find_user_by_email(who).await?,
    };
    let not_member = || AdminError::NotFound(format!("user {who} in org {org}"));
    let user = user.ok_or_else(not_member)?;
    ctx.store
        .membership(org, &user.id)
        .await?
        .ok_or_else(not_member)?;
    Ok(user.id)
}

/// Add `who` (a user id or email of the profile's org) to a profile, as an admin of it
/// when `admin` (which makes them `admin` of the product instance), or change that.
pub async fn add_profile_member(
    ctx: &Ctx<'_>,
    actor: &Actor,
    profile: &str,
    who: &str,
    admin: bool,
) -> AdminResult<UserId> {
    let (p, i) = managed_profile(ctx, actor, profile).await?;
    let user = org_user(ctx, &i.org_id, who).await?;
    let event = ctx.audit(
        actor,
        Some(&i.org_id),
        AuditAction::ProfileMemberChanged,
        format!("user {user}"),
        serde_json::json!({"profile_id": p.id, "profile": p.name, "product": i.product,
                           "admin": admin}),
    );
    ctx.store
        .audited(vec![event])
        .set_profile_member(&p.id, &user, admin, ctx.now)
        .await?;
    Ok(user)
}

/// Take `who` off a profile (they stay a `contributor` of the instance).
pub async fn remove_profile_member(
    ctx: &Ctx<'_>,
    actor: &Actor,
    profile: &str,
    who: &str,
) -> AdminResult<UserId> {
    let (p, i) = managed_profile(ctx, actor, profile).await?;
    let user = org_user(ctx, &i.org_id, who).await?;
    let event = ctx.audit(
        actor,
        Some(&i.org_id),
        AuditAction::ProfileMemberChanged,
        format!("user {user}"),
        serde_json::json!({"profile_id": p.id, "profile": p.name, "product": i.product,
                           "removed": true}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .remove_profile_member(&p.id, &user)
        .await?
    {
        return Err(AdminError::NotFound(format!("{who} in profile {}", p.id)));
    }
    Ok(user)
}

/// The products the project's APIs bring for credentials of `kind` (an API may serve
/// several kinds; only those listing `kind`'s way of authenticating count), each once, in
/// the order the project's APIs were added.
pub(crate) async fn products_for_kind(
    ctx: &Ctx<'_>,
    project: &ProjectId,
    kind: CredentialKind,
) -> AdminResult<Vec<String>> {
    let auth = kind.auth_kind();
    let mut products: Vec<String> = Vec::new();
    for api in ctx.store.project_apis(project).await? {
        if let Some(p) = api.product.filter(|_| api.auth.contains(&auth))
            && !products.contains(&p)
        {
            products.push(p);
        }
    }
    Ok(products)
}

/// Check the product profiles a new credential's technical account should join: only a
/// credential with a technical account joins any; each profile must exist in the
/// project's org (another org's is not found) and belong to a product that one of the
/// project's APIs brings for this kind of credential.
pub async fn profiles_to_join(
    ctx: &Ctx<'_>,
    project: &Project,
    kind: CredentialKind,
    ids: &[String],
) -> AdminResult<Vec<ProductProfile>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if !kind.has_technical_account() {
        return Err(AdminError::Invalid(format!(
            "{} credentials have no technical account to add to product profiles",
            kind.as_str()
        )));
    }
    let products = products_for_kind(ctx, &project.id, kind).await?;
    let mut out = Vec::new();
    for id in ids {
        let (profile, instance) = require_profile(ctx, id).await?;
        if instance.org_id != project.org_id {
            return Err(AdminError::NotFound(format!("product profile {id}")));
        }
        if !products.contains(&instance.product) {
            return Err(AdminError::Invalid(format!(
                "product profile {id} is of {}, which no API of the project brings; add the API first",
                instance.product
            )));
        }
        out.push(profile);
    }
    Ok(out)
}

/// Make a credential's technical account a `contributor` of the org's instance of every
/// product behind its project's APIs. Idempotent; returns the instances. A no-op for
/// credentials without a technical account.
pub async fn provision_technical_account(
    ctx: &Ctx<'_>,
    cred: &Credential,
) -> AdminResult<Vec<ProductInstance>> {
    let Some(tech) = &cred.technical_account else {
        return Ok(Vec::new());
    };
    let products = products_for_kind(ctx, &cred.project_id, cred.kind).await?;
    let mut out = Vec::new();
    for product in products {
        let existing = ctx
            .store
            .list_instances(&cred.org_id)
            .await?
            .into_iter()
            .find(|i| i.product == product);
        let instance = match existing {
            Some(i) => i,
            None => match new_instance(ctx, &cred.org_id, &product, &product, None).await {
                Ok(i) => i,
                // Another request created it meanwhile: use that one.
                Err(AdminError::Conflict(_)) => ctx
                    .store
                    .list_instances(&cred.org_id)
                    .await?
                    .into_iter()
                    .find(|i| i.product == product)
                    .ok_or_else(|| AdminError::NotFound(format!("{product} instance")))?,
                Err(e) => return Err(e),
            },
        };
        ctx.store
            .add_product_user(&instance.id, tech, ctx.now)
            .await?;
        out.push(instance);
    }
    Ok(out)
}

/// Rename a product profile (system admins).
pub async fn rename_profile(
    ctx: &Ctx<'_>,
    actor: &Actor,
    profile: &str,
    name: &str,
) -> AdminResult<ProductProfile> {
    let (p, i) = managed_profile(ctx, actor, profile).await?;
    let name = check_name("profile name", name)?;
    let event = ctx.audit(
        actor,
        Some(&i.org_id),
        AuditAction::ProfileRenamed,
        format!("product profile {}", p.id),
        serde_json::json!({"from": p.name, "to": name, "product": i.product}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .rename_profile(&p.id, &name)
        .await?
    {
        return Err(AdminError::NotFound(format!("product profile {profile}")));
    }
    Ok(ProductProfile { name, ..p })
}

/// Delete a product profile with its memberships: its admins stop being admins of the
/// instance through it, and stay its users (`contributor` unless another profile makes
/// them admin).
pub async fn delete_profile(ctx: &Ctx<'_>, actor: &Actor, profile: &str) -> AdminResult<()> {
    let (p, i) = managed_profile(ctx, actor, profile).await?;
    let event = ctx.audit(
        actor,
        Some(&i.org_id),
        AuditAction::ProfileDeleted,
        format!("product profile {}", p.id),
        serde_json::json!({"profile": p.name, "product": i.product}),
    );
    if !ctx.store.audited(vec![event]).delete_profile(&p.id).await? {
        return Err(AdminError::NotFound(format!("product profile {profile}")));
    }
    Ok(())
}

/// A profile with its members.
#[derive(Debug, Clone)]
pub struct ProfileView {
    pub profile: ProductProfile,
    pub members: Vec<(crate::model::User, bool)>,
}

/// An instance as the Admin Console shows it: its profiles with their members, and its
/// users, technical accounts with their credentials ("API credentials").
#[derive(Debug, Clone)]
pub struct InstanceView {
    pub instance: ProductInstance,
    pub profiles: Vec<ProfileView>,
    pub users: Vec<crate::products::InstanceUser>,
}

pub async fn instance_view(
    ctx: &Ctx<'_>,
    actor: &Actor,
    instance: &str,
) -> AdminResult<InstanceView> {
    let i = require_instance(ctx, instance).await?;
    authorize(
        ctx,
        actor,
        &i.org_id,
        Action::ManageProducts,
        &format!("product instance {instance}"),
    )
    .await?;
    let users = ctx.store.instance_users(&i.id).await?;
    let mut profiles = Vec::new();
    for p in ctx.store.list_profiles(&i.id).await? {
        let mut members = Vec::new();
        for m in ctx.store.profile_members(&p.id).await? {
            if let Some(u) = users.iter().find(|u| u.user.id == m.user_id) {
                members.push((u.user.clone(), m.is_admin));
            } else if let Some(u) = ctx.store.get_user(&m.user_id).await? {
                members.push((u, m.is_admin));
            }
        }
        profiles.push(ProfileView {
            profile: p,
            members,
        });
    }
    Ok(InstanceView {
        instance: i,
        profiles,
        users,
    })
}

/// The instance a profile belongs to, for one who may manage the org's products.
pub async fn instance_of_profile(
    ctx: &Ctx<'_>,
    actor: &Actor,
    profile: &str,
) -> AdminResult<String> {
    let (p, _) = managed_profile(ctx, actor, profile).await?;
    Ok(p.instance_id)
}

/// An instance view as the console API and the CLI print it.
pub fn instance_json(v: &InstanceView) -> serde_json::Value {
    let profiles: Vec<serde_json::Value> = v
        .profiles
        .iter()
        .map(|p| {
            serde_json::json!({"id": p.profile.id, "name": p.profile.name,
                "members": p.members.iter().map(|(u, admin)| serde_json::json!({
                    "id": u.id, "email": u.email, "admin": admin})).collect::<Vec<_>>()})
        })
        .collect();
    let users: Vec<serde_json::Value> = v
        .users
        .iter()
        .map(|u| {
            let mut j = super::members::user_json(&u.user);
            j["role"] = serde_json::json!(u.role);
            j["credential"] = match &u.credential {
                Some((client_id, name, project)) => {
                    serde_json::json!({"client_id": client_id, "name": name, "project_id": project})
                }
                None => serde_json::Value::Null,
            };
            j
        })
        .collect();
    serde_json::json!({"instance": v.instance, "profiles": profiles, "users": users})
}
