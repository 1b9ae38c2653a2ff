//! Adding people to an org (the Admin Console's "Add a user", the console API's
//! `POST …/users`, `latchkey user invite`): directly with a password, or by a one-time
//! invitation link where they set their own; a new link when theirs expired or was lost;
//! and the `/invite/{secret}` page's side (the link's invitation, accepting it). A link
//! sets the password of an account that has none, once, and only an org a pending person
//! alone belongs to can mint them a new one.

use super::authz::{Action, Actor, authorize_org};
use super::members::{require_member, require_org};
use super::{AdminError, AdminResult, Ctx, MIN_PASSWORD_LEN, NewUser, check_email, check_name};
use crate::clock::Timestamp;
use crate::ids::{OrgId, TokenHash, UserId};
use crate::model::AuditAction;
use crate::model::{Invitation, Membership, Org, OrgRole, User, UserKind};
use crate::password::hash_password;
use crate::rand::token;
use crate::secret::sha256_hex;

/// How long an invitation link works.
pub const INVITATION_TTL_SECS: i64 = 7 * 24 * 3600;

/// The link where an invited person sets their password: `/invite/{secret}` on `base`
/// (the issuer).
pub fn invitation_url(base: &str, secret: &str) -> String {
    format!("{}/invite/{secret}", base.trim_end_matches('/'))
}

/// What adding a person to an org gives back: the person, and when they were invited the
/// one-time link's token (shown once; only its hash is stored).
#[derive(Debug)]
pub struct Added {
    pub user: User,
    pub invitation: Option<String>,
}

/// A person to add to an org: with a password they can sign in at once; without one they
/// get an invitation link that expires. An existing person of another org joins with
/// `role` (their password stays theirs); one who never set a password and belongs to no
/// org any more is invited again.
pub struct NewMember<'a> {
    pub email: &'a str,
    pub given_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
    pub role: OrgRole,
    pub password: Option<&'a str>,
}

pub async fn add(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    new: NewMember<'_>,
) -> AdminResult<Added> {
    require_org(ctx, org).await?;
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    let email = check_email(new.email)?;
    if let Some(existing) = ctx.store.find_user_by_email(&email).await? {
        if existing.kind != UserKind::Person {
            return Err(AdminError::Conflict(format!(
                "{email} is a technical account"
            )));
        }
        if ctx.store.membership(org, &existing.id).await?.is_some() {
            return Err(AdminError::Conflict(format!(
                "{email} is already a member of this org"
            )));
        }
        // Someone who never set a password and belongs to no org any more (removed from
        // the one that invited them) is invited again: joining alone would leave them no
        // way to sign in.
        if existing.password_hash.is_none()
            && ctx.store.user_memberships(&existing.id).await?.is_empty()
        {
            let (user, secret) = invite_existing(ctx, actor, org, existing, new.role).await?;
            return Ok(Added {
                user,
                invitation: Some(secret),
            });
        }
        let event = ctx.audit(
            actor,
            Some(org),
            AuditAction::UserCreated,
            format!("user {}", existing.id),
            serde_json::json!({"email": existing.email, "role": new.role, "existing": true}),
        );
        ctx.store
            .audited(vec![event])
            .set_membership(&Membership {
                org_id: org.clone(),
                user_id: existing.id.clone(),
                role: new.role,
            })
            .await?;
        return Ok(Added {
            user: existing,
            invitation: None,
        });
    }
    if let Some(password) = new.password {
        let user = super::create_user_by(
            ctx,
            actor,
            NewUser {
                org,
                email: &email,
                password,
                role: new.role,
                given_name: new.given_name,
                family_name: new.family_name,
                country: None,
            },
        )
        .await?;
        return Ok(Added {
            user,
            invitation: None,
        });
    }
    let user = User {
        id: UserId::generate(ctx.rng),
        email,
        kind: UserKind::Person,
        given_name: new
            .given_name
            .map(|g| check_name("given name", g))
            .transpose()?,
        family_name: new
            .family_name
            .map(|f| check_name("family name", f))
            .transpose()?,
        country: None,
        password_hash: None,
        disabled: false,
        created_at: ctx.now,
    };
    let (secret, inv) = new_invitation(ctx, &user.id, org);
    let event = invited_event(ctx, actor, &user, new.role, &inv, false);
    ctx.store
        .audited(vec![event])
        .insert_invited_user(&user, new.role, &inv)
        .await?;
    Ok(Added {
        user,
        invitation: Some(secret),
    })
}

/// A fresh one-time link for `user` to join `org`: its secret (shown once) and the
/// invitation that stores only its hash.
fn new_invitation(ctx: &Ctx<'_>, user: &UserId, org: &OrgId) -> (String, Invitation) {
    let secret = token(ctx.rng, 32);
    let inv = Invitation {
        hash: invitation_hash(&secret),
        user_id: user.clone(),
        org_id: org.clone(),
        created_at: ctx.now,
        expires_at: Timestamp(ctx.now.0 + INVITATION_TTL_SECS * 1000),
    };
    (secret, inv)
}

/// The audit entry of an invitation to `inv`'s org (`existing`: the person was already
/// known, and is invited again).
fn invited_event(
    ctx: &Ctx<'_>,
    actor: &Actor,
    user: &User,
    role: OrgRole,
    inv: &Invitation,
    existing: bool,
) -> crate::model::AuditEvent {
    ctx.audit(
        actor,
        Some(&inv.org_id),
        AuditAction::UserInvited,
        format!("user {}", user.id),
        serde_json::json!({"email": user.email, "role": role,
                           "expires_at": inv.expires_at.0, "existing": existing}),
    )
}

/// Invite `user` (who has set no password) to `org` with `role` through a new link,
/// replacing their unused links to it: the membership, the invitation and the audit
/// entry in one transaction.
async fn invite_existing(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    user: User,
    role: OrgRole,
) -> AdminResult<(User, String)> {
    let (secret, inv) = new_invitation(ctx, &user.id, org);
    let event = invited_event(ctx, actor, &user, role, &inv, true);
    let m = Membership {
        org_id: org.clone(),
        user_id: user.id.clone(),
        role,
    };
    ctx.store
        .audited(vec![event])
        .invite_member(&m, &inv)
        .await?;
    Ok((user, secret))
}

/// A new invitation link for a member who has not set a password yet, when theirs
/// expired or was lost (the old link stops working). Only for a person whose one org is
/// this one: the link sets the password of an account, so it must open no other org's
/// door. The person, and the new link's secret (shown once).
pub async fn reinvite(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    who: &str,
) -> AdminResult<(User, String)> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    let (user, role) = require_member(ctx, org, who).await?;
    if user.kind != UserKind::Person {
        return Err(AdminError::Invalid(
            "a technical account has no password to set".into(),
        ));
    }
    if user.password_hash.is_some() {
        return Err(AdminError::Conflict(format!(
            "{} has already set a password",
            user.email
        )));
    }
    if ctx.store.user_memberships(&user.id).await?.len() != 1 {
        return Err(AdminError::Conflict(format!(
            "{} also belongs to another org; only an org they alone belong to can invite them \
             again",
            user.email
        )));
    }
    invite_existing(ctx, actor, org, user, role).await
}

fn invitation_hash(secret: &str) -> TokenHash {
    TokenHash(sha256_hex(secret))
}

fn unusable() -> AdminError {
    AdminError::NotFound("invitation (it may have been used or have expired)".into())
}

/// The invitation behind a link, if it can still be used: its user and org.
pub async fn invitation(ctx: &Ctx<'_>, secret: &str) -> AdminResult<(Invitation, User, Org)> {
    if secret.is_empty() || secret.len() > 128 {
        return Err(unusable());
    }
    let inv = ctx
        .store
        .get_invitation(&invitation_hash(secret), ctx.now)
        .await?
        .ok_or_else(unusable)?;
    let user = ctx
        .store
        .get_user(&inv.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(unusable)?;
    let org = require_org(ctx, &inv.org_id).await?;
    Ok((inv, user, org))
}

/// Use an invitation: set the invited person's password. The link works once.
pub async fn accept(ctx: &Ctx<'_>, secret: &str, password: &str) -> AdminResult<User> {
    let (inv, user, _) = invitation(ctx, secret).await?;
    if password.chars().count() < MIN_PASSWORD_LEN || password.len() > 1024 {
        return Err(AdminError::Invalid(format!(
            "password must be {MIN_PASSWORD_LEN} to 1024 characters"
        )));
    }
    let hash = hash_password(ctx.rng, password).map_err(AdminError::Invalid)?;
    let event = ctx.audit(
        &Actor::User(user.id.clone()),
        Some(&inv.org_id),
        AuditAction::PasswordChanged,
        format!("user {}", user.id),
        serde_json::json!({"email": user.email, "invitation": true}),
    );
    ctx.store
        .audited(vec![event])
        .accept_invitation(&invitation_hash(secret), &hash, ctx.now)
        .await?
        .ok_or_else(unusable)?;
    Ok(user)
}
