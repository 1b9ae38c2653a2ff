//! I/O Events subscriptions of a project (`crate::events`): who may subscribe, list,
//! unsubscribe, read the delivery log and redeliver. Whoever may manage the project's
//! credentials (SEC-40: system admins, and developers while the org allows it); others
//! of the org may look; outsiders learn nothing.

use super::authz::{Action, Actor, authorize};
use super::{AdminError, AdminResult, Ctx, require_project};
use crate::events::{Delivery, Subscription, check_url};
use crate::ids::ProjectId;
use crate::model::AuditAction;
use crate::rand::lower_hex;

/// The event types a project may subscribe to: the audit log's actions that belong to
/// an org (a signing-key rotation belongs to none, so no org's webhook would get it).
pub fn event_types() -> Vec<&'static str> {
    AuditAction::ALL
        .iter()
        .filter(|a| **a != AuditAction::SigningKeyRotated)
        .map(|a| a.as_str())
        .collect()
}

/// The most deliveries one log page shows.
pub const MAX_LOG: i64 = 500;

/// A subscription of `project` to `types` at `url`, checked but not stored: the caller
/// verifies the endpoint's challenge first, then `save`s it.
pub async fn prepare(
    ctx: &Ctx<'_>,
    actor: &Actor,
    project: &ProjectId,
    url: &str,
    types: &[String],
) -> AdminResult<Subscription> {
    let p = require_project(ctx, project).await?;
    let object = format!("project {project}");
    authorize(ctx, actor, &p.org_id, Action::ManageCredentials, &object).await?;
    let url = check_url(url).map_err(AdminError::Invalid)?;
    if types.is_empty() {
        return Err(AdminError::Invalid("choose at least one event type".into()));
    }
    let mut event_types: Vec<AuditAction> = Vec::new();
    for t in types {
        let a = t
            .trim()
            .parse::<AuditAction>()
            .map_err(AdminError::Invalid)?;
        if a == AuditAction::SigningKeyRotated {
            return Err(AdminError::Invalid(
                "signing_key.rotated belongs to no org and cannot be subscribed to".into(),
            ));
        }
        if !event_types.contains(&a) {
            event_types.push(a);
        }
    }
    Ok(Subscription {
        id: lower_hex(ctx.rng, 12),
        org_id: p.org_id,
        project_id: p.id,
        url: url.to_string(),
        event_types,
        created_at: ctx.now,
    })
}

/// Store a subscription `prepare` made (after its challenge was answered).
pub async fn save(ctx: &Ctx<'_>, sub: &Subscription) -> AdminResult<()> {
    Ok(ctx.store.insert_subscription(sub).await?)
}

async fn subscription_for(
    ctx: &Ctx<'_>,
    actor: &Actor,
    id: &str,
    action: Action,
) -> AdminResult<Subscription> {
    let object = format!("event subscription {id}");
    let s = ctx
        .store
        .get_subscription(id)
        .await?
        .ok_or_else(|| AdminError::NotFound(object.clone()))?;
    authorize(ctx, actor, &s.org_id, action, &object).await?;
    Ok(s)
}

pub async fn list(
    ctx: &Ctx<'_>,
    actor: &Actor,
    project: &ProjectId,
) -> AdminResult<Vec<Subscription>> {
    let p = require_project(ctx, project).await?;
    authorize(
        ctx,
        actor,
        &p.org_id,
        Action::View,
        &format!("project {project}"),
    )
    .await?;
    Ok(ctx.store.list_subscriptions(project).await?)
}

pub async fn delete(ctx: &Ctx<'_>, actor: &Actor, id: &str) -> AdminResult<()> {
    subscription_for(ctx, actor, id, Action::ManageCredentials).await?;
    if !ctx.store.delete_subscription(id).await? {
        return Err(AdminError::NotFound(format!("event subscription {id}")));
    }
    Ok(())
}

/// The delivery log of a subscription, newest first.
pub async fn deliveries(
    ctx: &Ctx<'_>,
    actor: &Actor,
    id: &str,
    limit: i64,
) -> AdminResult<Vec<Delivery>> {
    subscription_for(ctx, actor, id, Action::View).await?;
    Ok(ctx
        .store
        .list_deliveries(id, limit.clamp(1, MAX_LOG))
        .await?)
}

/// Send a delivery again, now, with the same id.
pub async fn redeliver(ctx: &Ctx<'_>, actor: &Actor, delivery: &str) -> AdminResult<()> {
    let not_found = || AdminError::NotFound(format!("delivery {delivery}"));
    let (_, sub) = delivery.rsplit_once('.').ok_or_else(not_found)?;
    subscription_for(ctx, actor, sub, Action::ManageCredentials)
        .await
        .map_err(|e| match e {
            AdminError::NotFound(_) => not_found(),
            other => other,
        })?;
    if !ctx.store.redeliver(delivery, ctx.now).await? {
        return Err(not_found());
    }
    Ok(())
}

/// `redeliver`, for a delivery named under its subscription (a console path or form):
/// a delivery of another subscription is not found.
pub async fn redeliver_of(
    ctx: &Ctx<'_>,
    actor: &Actor,
    subscription: &str,
    delivery: &str,
) -> AdminResult<()> {
    if delivery.rsplit_once('.').map(|(_, s)| s) != Some(subscription) {
        return Err(AdminError::NotFound(format!("delivery {delivery}")));
    }
    redeliver(ctx, actor, delivery).await
}

/// One subscription, for anyone of its org.
pub async fn get(ctx: &Ctx<'_>, actor: &Actor, id: &str) -> AdminResult<Subscription> {
    subscription_for(ctx, actor, id, Action::View).await
}
