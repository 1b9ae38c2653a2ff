//! The store side of signing in and out: the account a login form names, the display
//! name of a client (login and logout pages), and a logout's registered return target.
//! Password verification itself (`password::verify_password`) is CPU work the HTTP layer
//! runs off its event loop.

use super::Context;
use crate::admin::redirect::matches_registered;
use crate::ids::ClientId;
use crate::model::User;
use crate::store::StoreError;

/// The account a login form names (by email), if any. Absurd input finds nothing.
pub async fn find_account(cx: &Context<'_>, username: &str) -> Result<Option<User>, StoreError> {
    if username.is_empty() || username.len() > 254 {
        return Ok(None);
    }
    cx.store.find_user_by_email(username).await
}

/// The display name of client `client_id`, if it exists.
pub async fn client_name(cx: &Context<'_>, client_id: &str) -> Result<Option<String>, StoreError> {
    if client_id.len() > 128 {
        return Ok(None);
    }
    Ok(cx
        .store
        .get_credential(&ClientId(client_id.to_owned()))
        .await?
        .map(|c| c.name))
}

/// `uri` if it is a registered redirect URI of `client_id` (SEC-05: never an open
/// redirect).
pub async fn registered_target(
    cx: &Context<'_>,
    client_id: &str,
    uri: &str,
) -> Result<Option<String>, StoreError> {
    if client_id.len() > 128 {
        return Ok(None);
    }
    let cred = cx
        .store
        .get_credential(&ClientId(client_id.to_owned()))
        .await?;
    Ok(cred
        .filter(|c| matches_registered(uri, &c.redirect_uris, c.kind))
        .map(|_| uri.to_owned()))
}

/// Audit entries of `action` about `user`, one per org of theirs (`audit::per_user_org`).
pub async fn user_events(
    cx: &Context<'_>,
    actor: &str,
    user: &crate::ids::UserId,
    action: crate::model::AuditAction,
    details: serde_json::Value,
) -> Result<Vec<crate::model::AuditEvent>, StoreError> {
    crate::audit::per_user_org(
        cx.store,
        cx.rng,
        cx.now,
        cx.address,
        user,
        crate::audit::Entry {
            org: None,
            actor,
            action,
            target: format!("user {user}"),
            details,
        },
    )
    .await
}

/// Record a failed sign-in (never the password): in the orgs of the account it named,
/// or, for an unknown email, once without an org (the operator's log).
pub async fn record_failure(
    cx: &Context<'_>,
    username: &str,
    account: Option<&User>,
    action: crate::model::AuditAction,
) -> Result<(), StoreError> {
    let named: String = username.chars().take(254).collect();
    let events = match account {
        Some(u) => {
            user_events(
                cx,
                "anonymous",
                &u.id,
                action,
                serde_json::json!({"email": u.email}),
            )
            .await?
        }
        None => vec![crate::audit::event(
            cx.rng,
            cx.now,
            cx.address,
            crate::audit::Entry {
                org: None,
                actor: "anonymous",
                action,
                target: format!("email {named}"),
                details: serde_json::json!({"email": named, "known": false}),
            },
        )],
    };
    cx.store.record_audit(&events).await
}
