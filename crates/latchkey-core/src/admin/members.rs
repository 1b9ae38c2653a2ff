//! The Admin Console's people (docs/design.md lists the Admin Console): an org's system admins
//! list and search its members (technical accounts too: "techacct" finds them by their
//! email), change org roles, disable or enable accounts and remove people (adding them,
//! directly or by invitation, is `invitations.rs`). Only a system admin may do any of it (`Action::ManageOrg`), so only a system
//! admin grants or removes system admin; the store refuses to leave an org without an
//! enabled system admin (the last-admin rule), inside the writing transaction.

use super::authz::{Action, Actor, authorize_org};
use super::{AdminError, AdminResult, Ctx};
use crate::ids::{OrgId, UserId};
use crate::model::AuditAction;
use crate::model::{Credential, Org, OrgRole, User, UserKind};
use crate::products::{ProductInstance, ProductProfile, ProductRole};

/// At most this many members per search answer.
pub const SEARCH_LIMIT: i64 = 200;

/// A member as the Admin Console lists them.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: User,
    pub role: OrgRole,
}

/// One member with what the Admin Console shows on their page.
#[derive(Debug, Clone)]
pub struct MemberDetail {
    pub user: User,
    pub role: OrgRole,
    /// Their roles in this org's product instances.
    pub product_roles: Vec<ProductRole>,
    /// The profiles of this org they are in, with whether they administer each.
    pub profiles: Vec<(ProductInstance, ProductProfile, bool)>,
    /// A technical account's credential.
    pub credential: Option<Credential>,
}

pub(super) async fn require_org(ctx: &Ctx<'_>, org: &OrgId) -> AdminResult<Org> {
    ctx.store
        .get_org(org)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("org {org}")))
}

/// The org, for one of its system admins (the Admin Console's pages).
pub async fn admin_org(ctx: &Ctx<'_>, actor: &Actor, org: &OrgId) -> AdminResult<Org> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    require_org(ctx, org).await
}

/// The org's members whose email, name or id contains `query` (all when empty).
pub async fn search(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    query: &str,
) -> AdminResult<Vec<Member>> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    if query.chars().count() > 200 {
        return Err(AdminError::Invalid(
            "search text must be at most 200 characters".into(),
        ));
    }
    Ok(ctx
        .store
        .search_members(org, query, SEARCH_LIMIT)
        .await?
        .into_iter()
        .map(|(user, role)| Member { user, role })
        .collect())
}

/// A member of `org` by id or email; another org's user is not found.
pub(super) async fn require_member(
    ctx: &Ctx<'_>,
    org: &OrgId,
    who: &str,
) -> AdminResult<(User, OrgRole)> {
    let not_found = || AdminError::NotFound(format!("user {who}"));
    let user = match ctx.store.get_user(&UserId(who.to_owned())).await? {
        Some(u) => u,
        None => ctx
            .store
            .find_user_by_email(who)
            .await?
            .ok_or_else(not_found)?,
    };
    let m = ctx
        .store
        .membership(org, &user.id)
        .await?
        .ok_or_else(not_found)?;
    Ok((user, m.role))
}

/// One member's page: role, product roles and profiles in this org, and a technical
/// account's credential.
pub async fn detail(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    who: &str,
) -> AdminResult<MemberDetail> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    let (user, role) = require_member(ctx, org, who).await?;
    let product_roles: Vec<ProductRole> = ctx
        .store
        .product_roles(&user.id)
        .await?
        .into_iter()
        .filter(|r| &r.org_id == org)
        .collect();
    let mut profiles = Vec::new();
    for i in ctx.store.list_instances(org).await? {
        for p in ctx.store.list_profiles(&i.id).await? {
            let members = ctx.store.profile_members(&p.id).await?;
            if let Some(m) = members.iter().find(|m| m.user_id == user.id) {
                profiles.push((i.clone(), p.clone(), m.is_admin));
            }
        }
    }
    let credential = match user.kind {
        UserKind::Technical => credential_of(ctx, org, &user.id).await?,
        UserKind::Person => None,
    };
    Ok(MemberDetail {
        user,
        role,
        product_roles,
        profiles,
        credential,
    })
}

/// The credential whose technical account `user` is.
async fn credential_of(
    ctx: &Ctx<'_>,
    org: &OrgId,
    user: &UserId,
) -> AdminResult<Option<Credential>> {
    for p in ctx.store.list_projects(org).await? {
        for c in ctx.store.list_credentials(&p.id).await? {
            if c.technical_account.as_ref() == Some(user) {
                return Ok(Some(c));
            }
        }
    }
    Ok(None)
}

/// Every profile of the org with its instance (what a member can be added to).
pub async fn org_profiles(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
) -> AdminResult<Vec<(ProductInstance, ProductProfile)>> {
    authorize_org(ctx, actor, org, Action::ManageProducts).await?;
    let mut out = Vec::new();
    for i in ctx.store.list_instances(org).await? {
        for p in ctx.store.list_profiles(&i.id).await? {
            out.push((i.clone(), p));
        }
    }
    Ok(out)
}

/// Change a member's org role. Technical accounts keep theirs (they act through their
/// credential, never through the consoles).
pub async fn change_role(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    who: &str,
    role: OrgRole,
) -> AdminResult<Member> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    let (user, was) = require_member(ctx, org, who).await?;
    may_change_role(&user)?;
    write_role(ctx, actor, org, who, &user, was, role).await?;
    Ok(Member { user, role })
}

/// The role change of `user` (`who`, found, authorized and checked), with its audit
/// entry.
async fn write_role(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    who: &str,
    user: &User,
    was: OrgRole,
    role: OrgRole,
) -> AdminResult<()> {
    let event = ctx.audit(
        actor,
        Some(org),
        AuditAction::RoleChanged,
        format!("user {}", user.id),
        serde_json::json!({"email": user.email, "role": role, "was": was}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .change_role(org, &user.id, role)
        .await?
    {
        return Err(AdminError::NotFound(format!("user {who}")));
    }
    Ok(())
}

fn may_change_role(user: &User) -> AdminResult<()> {
    if user.kind == UserKind::Technical {
        return Err(AdminError::Invalid(
            "a technical account's org role cannot be changed; make it an admin of a product \
             profile instead"
                .into(),
        ));
    }
    Ok(())
}

fn may_set_disabled(actor: &Actor, user: &User, disabled: bool) -> AdminResult<()> {
    if matches!(actor, Actor::User(me) if *me == user.id) && disabled {
        return Err(AdminError::Invalid(
            "you cannot disable your own account".into(),
        ));
    }
    Ok(())
}

/// Change a member's role and/or disable or enable them, refusing before writing
/// anything when either change would be refused, so a request is applied whole or not
/// at all (the console's `PATCH …/users/{userId}`). The last-admin rule is the store's,
/// checked by the first write: a role change it refuses leaves the account as it was.
pub async fn update(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    who: &str,
    role: Option<OrgRole>,
    disabled: Option<bool>,
) -> AdminResult<()> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    let (user, was) = require_member(ctx, org, who).await?;
    if role.is_some() {
        may_change_role(&user)?;
    }
    if let Some(disabled) = disabled {
        may_set_disabled(actor, &user, disabled)?;
    }
    if let Some(role) = role {
        write_role(ctx, actor, org, who, &user, was, role).await?;
    }
    if let Some(disabled) = disabled {
        write_disabled(ctx, actor, org, &user, disabled).await?;
    }
    Ok(())
}

/// Take a person out of the org (the Admin Console's "Remove from organization"): their
/// role, product profiles and product access in the org's instances, and unused
/// invitations go; their account and other orgs stay. A technical account leaves with its
/// credential instead, and the org keeps an enabled system admin (409).
pub async fn remove(ctx: &Ctx<'_>, actor: &Actor, org: &OrgId, who: &str) -> AdminResult<User> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    let (user, role) = require_member(ctx, org, who).await?;
    if user.kind == UserKind::Technical {
        return Err(AdminError::Invalid(
            "a technical account leaves the org with its credential; delete the credential \
             instead"
                .into(),
        ));
    }
    let event = ctx.audit(
        actor,
        Some(org),
        AuditAction::UserRemoved,
        format!("user {}", user.id),
        serde_json::json!({"email": user.email, "role": role}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .remove_member(org, &user.id)
        .await?
    {
        return Err(AdminError::NotFound(format!("user {who}")));
    }
    Ok(user)
}

/// Disable or enable a member's account (disabling ends their sessions and revokes what
/// their apps hold, SEC-25; the last enabled system admin cannot be disabled).
pub async fn set_disabled(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    who: &str,
    disabled: bool,
) -> AdminResult<User> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    let (user, _) = require_member(ctx, org, who).await?;
    may_set_disabled(actor, &user, disabled)?;
    write_disabled(ctx, actor, org, &user, disabled).await?;
    Ok(User { disabled, ..user })
}

/// Disabling or enabling `user` (found, authorized and checked), with its audit entry.
async fn write_disabled(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    user: &User,
    disabled: bool,
) -> AdminResult<()> {
    let event = ctx.audit(
        actor,
        Some(org),
        if disabled {
            AuditAction::UserDisabled
        } else {
            AuditAction::UserEnabled
        },
        format!("user {}", user.id),
        serde_json::json!({"email": user.email}),
    );
    ctx.store
        .audited(vec![event])
        .update_user_security(&user.id, Some(disabled), None, ctx.now)
        .await?;
    Ok(())
}

/// The org's settings page: may its developers manage credentials?
pub async fn developers_may_manage_credentials(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
) -> AdminResult<bool> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    Ok(ctx.store.developers_may_manage_credentials(org).await?)
}

/// The org a console path names: a Latchkey org id (`…@LatchkeyOrg`) or the org's
/// console number. Who may see it is each operation's own check.
pub async fn org_ref(ctx: &Ctx<'_>, org: &str) -> AdminResult<OrgId> {
    if org.contains('@') {
        return Ok(OrgId(org.to_owned()));
    }
    super::console_ids::id_of(ctx, super::console_ids::ConsoleKind::Org, org)
        .await?
        .map(OrgId)
        .ok_or_else(|| AdminError::NotFound(format!("organization {org}")))
}

/// A user as the console API and the CLI print them (never a password hash).
pub fn user_json(u: &User) -> serde_json::Value {
    serde_json::json!({
        "id": u.id, "email": u.email, "name": u.display_name(), "kind": u.kind,
        "disabled": u.disabled,
        "invited": u.kind == UserKind::Person && u.password_hash.is_none(),
    })
}

/// A member: `user_json` with the org role.
pub fn member_json(m: &Member) -> serde_json::Value {
    let mut v = user_json(&m.user);
    v["role"] = serde_json::json!(m.role);
    v
}
