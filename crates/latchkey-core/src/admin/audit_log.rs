//! Reading the audit log (`model::AuditEvent`): an org's system admins read their org's
//! entries (`Action::ManageOrg`; another org's admin learns nothing of it, SEC-40); the
//! operator (the CLI) reads every entry, those of no org included.

use super::authz::{Action, Actor, authorize_org};
use super::{AdminError, AdminResult, Ctx};
use crate::clock::Timestamp;
use crate::ids::OrgId;
use crate::model::{AuditAction, AuditEvent, AuditQuery};

/// The most entries one search returns.
pub const MAX_LIMIT: i64 = 1000;

/// What a search asks for, as the pages, the console API and the CLI take it.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    pub action: Option<&'a str>,
    pub text: Option<&'a str>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub limit: Option<i64>,
}

fn query(org: Option<OrgId>, f: &Filter<'_>) -> AdminResult<AuditQuery> {
    let action = match f.action.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(a.parse::<AuditAction>().map_err(AdminError::Invalid)?),
        None => None,
    };
    if f.text.is_some_and(|t| t.chars().count() > 200) {
        return Err(AdminError::Invalid(
            "search text must be at most 200 characters".into(),
        ));
    }
    Ok(AuditQuery {
        org_id: org,
        action,
        text: f.text.map(str::to_owned),
        since: f.since,
        until: f.until,
        limit: f.limit.unwrap_or(200).clamp(1, MAX_LIMIT),
    })
}

/// An org's entries, newest first, for one of its system admins.
pub async fn search(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &OrgId,
    f: &Filter<'_>,
) -> AdminResult<Vec<AuditEvent>> {
    authorize_org(ctx, actor, org, Action::ManageOrg).await?;
    let q = query(Some(org.clone()), f)?;
    Ok(ctx.store.search_audit(&q).await?)
}

/// Any org's entries (or every entry when `org` is `None`), for the operator.
pub async fn search_as_operator(
    ctx: &Ctx<'_>,
    org: Option<&OrgId>,
    f: &Filter<'_>,
) -> AdminResult<Vec<AuditEvent>> {
    let q = query(org.cloned(), f)?;
    Ok(ctx.store.search_audit(&q).await?)
}

/// Forget entries older than `retention_days`, and finished I/O Events deliveries of that
/// age with them (the housekeeping loop). Returns how many rows went.
pub async fn purge(ctx: &Ctx<'_>, retention_days: i64) -> AdminResult<u64> {
    let before = Timestamp(ctx.now.0 - retention_days.max(1) * 86_400_000);
    let entries = ctx.store.purge_audit(before).await?;
    let deliveries = ctx.store.purge_deliveries(before).await?;
    Ok(entries + deliveries)
}

/// The emails of the people among the entries' actors (for display), by user id.
pub async fn actor_emails(
    ctx: &Ctx<'_>,
    events: &[AuditEvent],
) -> AdminResult<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    for e in events {
        if out.contains_key(&e.actor) || !e.actor.contains('@') {
            continue;
        }
        if let Some(u) = ctx
            .store
            .get_user(&crate::ids::UserId(e.actor.clone()))
            .await?
        {
            out.insert(e.actor.clone(), u.email);
        }
    }
    Ok(out)
}

/// Every action's name, for the search form.
pub fn actions() -> Vec<&'static str> {
    AuditAction::ALL.iter().map(|a| a.as_str()).collect()
}
