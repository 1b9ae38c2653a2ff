//! A credential after its creation (`create_credential`): shown, renamed or given new
//! redirect URIs, its secrets rotated or deleted, and the credential deleted. Each acts
//! for `actor` (SEC-40: another org's credential is not found).

use super::authz::Actor;
use super::{
    AdminError, AdminResult, Ctx, check_client_facing_name, check_redirect_uris, invalid,
    new_secret_record, service_accounts,
};
use crate::ids::ClientId;
use crate::model::AuditAction;
use crate::model::{Credential, MAX_ACTIVE_SECRETS};
use crate::secret::ClientSecret;

/// A credential the actor may see (SEC-40: another org's is not found).
pub async fn show_credential(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
) -> AdminResult<Credential> {
    service_accounts::managed_credential(ctx, actor, client_id).await
}

/// Rename a credential and/or replace its redirect URIs (validated as at creation), on
/// behalf of `actor` (SEC-40; another org's credential is not found).
pub async fn update_credential(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
    name: Option<&str>,
    redirect_uris: Option<&[String]>,
) -> AdminResult<Credential> {
    let cred = service_accounts::managed_credential(ctx, actor, client_id).await?;
    let name = name
        .map(|n| check_client_facing_name("credential name", n))
        .transpose()?;
    if let Some(uris) = redirect_uris {
        check_redirect_uris(cred.kind, uris)?;
    }
    let event = ctx.audit(
        actor,
        Some(&cred.org_id),
        AuditAction::CredentialChanged,
        format!("credential {client_id}"),
        serde_json::json!({"name": name, "redirect_uris": redirect_uris}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .update_credential(client_id, name.as_deref(), redirect_uris)
        .await?
    {
        return Err(AdminError::NotFound(format!("credential {client_id}")));
    }
    ctx.store
        .get_credential(client_id)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("credential {client_id}")))
}

/// Delete a credential: everything it issued is revoked, its grants, secrets and keys go,
/// and its technical account is retired (`CredentialStore::delete_credential`).
pub async fn delete_credential(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
) -> AdminResult<()> {
    let cred = service_accounts::managed_credential(ctx, actor, client_id).await?;
    let event = ctx.audit(
        actor,
        Some(&cred.org_id),
        AuditAction::CredentialDeleted,
        format!("credential {client_id}"),
        serde_json::json!({"name": cred.name, "kind": cred.kind}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .delete_credential(client_id, ctx.now)
        .await?
    {
        return Err(AdminError::NotFound(format!("credential {client_id}")));
    }
    Ok(())
}

/// Add a new secret on behalf of `actor`; the oldest is revoked if two were already
/// active (docs/ims-contract.md §2.2).
pub async fn rotate_secret(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
) -> AdminResult<(ClientSecret, Vec<String>)> {
    let cred = service_accounts::managed_credential(ctx, actor, client_id).await?;
    if !cred.kind.has_secret() {
        return Err(invalid(format!(
            "{} credentials have no secret",
            cred.kind.as_str()
        )));
    }
    let (secret, rec) = new_secret_record(ctx, client_id);
    let event = ctx.audit(
        actor,
        Some(&cred.org_id),
        AuditAction::SecretRotated,
        format!("credential {client_id}"),
        serde_json::json!({"secret_id": rec.id}),
    );
    let revoked = ctx
        .store
        .audited(vec![event])
        .add_secret(&rec, MAX_ACTIVE_SECRETS, ctx.now)
        .await?;
    Ok((secret, revoked))
}

/// Delete one of a credential's secrets (the console's "delete" beside each secret). The
/// last active secret stays: rotate first.
pub async fn delete_secret(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
    secret_id: &str,
) -> AdminResult<()> {
    let cred = service_accounts::managed_credential(ctx, actor, client_id).await?;
    let event = ctx.audit(
        actor,
        Some(&cred.org_id),
        AuditAction::SecretDeleted,
        format!("credential {client_id}"),
        serde_json::json!({"secret_id": secret_id}),
    );
    if !ctx
        .store
        .audited(vec![event])
        .revoke_secret(client_id, secret_id, ctx.now)
        .await?
    {
        return Err(AdminError::NotFound(format!(
            "active secret {secret_id} of credential {client_id}"
        )));
    }
    Ok(())
}
