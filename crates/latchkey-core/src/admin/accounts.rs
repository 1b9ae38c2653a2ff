//! Account and client lifecycle (SEC-25): disabling a user or changing their password
//! ends their browser sessions and revokes every grant they gave (and so every refresh and
//! access token issued from it); disabling a credential revokes its grants and makes its
//! access tokens fail validation. Each is one transaction in the store.

use super::authz::{Action, Actor, authorize};
use super::{AdminError, AdminResult, Ctx, MIN_PASSWORD_LEN};
use crate::ids::{ClientId, UserId};
use crate::model::AuditAction;
use crate::model::{User, UserKind};
use crate::password::hash_password;

/// A user by id or by email.
pub async fn find_user(ctx: &Ctx<'_>, id_or_email: &str) -> AdminResult<User> {
    if let Some(u) = ctx.store.get_user(&UserId(id_or_email.to_owned())).await? {
        return Ok(u);
    }
    ctx.store
        .find_user_by_email(id_or_email)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("user {id_or_email}")))
}

/// The operator, or a `system_admin` of one of the user's orgs, may manage the account.
async fn may_manage_user(ctx: &Ctx<'_>, actor: &Actor, user: &User) -> AdminResult<()> {
    let orgs = ctx.store.user_memberships(&user.id).await?;
    let object = format!("user {}", user.id);
    let mut last = AdminError::NotFound(object.clone());
    for (org, _) in &orgs {
        match authorize(ctx, actor, &org.id, Action::ManageOrg, &object).await {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
    }
    if matches!(actor, Actor::Operator) {
        Ok(())
    } else {
        Err(last)
    }
}

pub async fn set_user_disabled(
    ctx: &Ctx<'_>,
    actor: &Actor,
    user: &str,
    disabled: bool,
) -> AdminResult<User> {
    let u = find_user(ctx, user).await?;
    may_manage_user(ctx, actor, &u).await?;
    let action = if disabled {
        AuditAction::UserDisabled
    } else {
        AuditAction::UserEnabled
    };
    let events = user_events(
        ctx,
        actor,
        &u,
        action,
        serde_json::json!({"email": u.email}),
    )
    .await?;
    ctx.store
        .audited(events)
        .update_user_security(&u.id, Some(disabled), None, ctx.now)
        .await?;
    Ok(u)
}

pub async fn set_password(
    ctx: &Ctx<'_>,
    actor: &Actor,
    user: &str,
    password: &str,
) -> AdminResult<User> {
    let u = find_user(ctx, user).await?;
    may_manage_user(ctx, actor, &u).await?;
    if u.kind != UserKind::Person {
        return Err(AdminError::Invalid(
            "technical accounts have no password".into(),
        ));
    }
    if password.chars().count() < MIN_PASSWORD_LEN || password.len() > 1024 {
        return Err(AdminError::Invalid(format!(
            "password must be {MIN_PASSWORD_LEN} to 1024 characters"
        )));
    }
    let hash = hash_password(ctx.rng, password).map_err(AdminError::Invalid)?;
    let events = user_events(
        ctx,
        actor,
        &u,
        AuditAction::PasswordChanged,
        serde_json::json!({"email": u.email}),
    )
    .await?;
    ctx.store
        .audited(events)
        .update_user_security(&u.id, None, Some(&hash), ctx.now)
        .await?;
    Ok(u)
}

pub async fn set_credential_disabled(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
    disabled: bool,
) -> AdminResult<()> {
    let cred = ctx
        .store
        .get_credential(client_id)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("credential {client_id}")))?;
    let object = format!("credential {client_id}");
    authorize(ctx, actor, &cred.org_id, Action::ManageCredentials, &object).await?;
    let event = ctx.audit(
        actor,
        Some(&cred.org_id),
        if disabled {
            AuditAction::CredentialDisabled
        } else {
            AuditAction::CredentialEnabled
        },
        object,
        serde_json::json!({"name": cred.name}),
    );
    ctx.store
        .audited(vec![event])
        .set_credential_disabled(client_id, disabled, ctx.now)
        .await?;
    Ok(())
}

/// One entry per org of `user` (see `audit::per_user_org`), by `actor`.
pub(crate) async fn user_events(
    ctx: &Ctx<'_>,
    actor: &Actor,
    user: &User,
    action: AuditAction,
    details: serde_json::Value,
) -> AdminResult<Vec<crate::model::AuditEvent>> {
    let who = crate::audit::actor_name(actor);
    Ok(crate::audit::per_user_org(
        ctx.store,
        ctx.rng,
        ctx.now,
        ctx.address,
        &user.id,
        crate::audit::Entry {
            org: None,
            actor: &who,
            action,
            target: format!("user {}", user.id),
            details,
        },
    )
    .await?)
}
