//! Building audit-log entries (`model::AuditEvent`; stored by `store::AuditStore`). Each
//! change that matters makes its entry here and passes it to the one store write that
//! makes the change, through `store.audited(...)`, so both are committed together.
//! Events about a person (sign-in, disabling) go to every org the person belongs to, so
//! each org's admins see them once; events about a credential, a grant or a token go to
//! the client's org.

use crate::clock::Timestamp;
use crate::ids::{OrgId, UserId};
use crate::model::{AuditAction, AuditEvent};
use crate::rand::{Rng, uuid_v4};
use crate::store::{Store, StoreResult};

/// Who did it, as the log names them.
pub fn actor_name(actor: &crate::admin::Actor) -> String {
    match actor {
        crate::admin::Actor::Operator => "operator".into(),
        crate::admin::Actor::User(u) => u.0.clone(),
        crate::admin::Actor::Anonymous => "anonymous".into(),
    }
}

/// What an entry says, before it gets its id, time and address.
pub struct Entry<'a> {
    pub org: Option<&'a OrgId>,
    pub actor: &'a str,
    pub action: AuditAction,
    pub target: String,
    pub details: serde_json::Value,
}

pub fn event(
    rng: &dyn Rng,
    now: Timestamp,
    address: Option<std::net::IpAddr>,
    e: Entry<'_>,
) -> AuditEvent {
    AuditEvent {
        id: uuid_v4(rng),
        at: now,
        org_id: e.org.cloned(),
        actor: e.actor.to_owned(),
        action: e.action,
        target: e.target,
        address: address.map(|a| a.to_string()),
        details: if e.details.is_null() {
            serde_json::json!({})
        } else {
            e.details
        },
    }
}

/// One entry per org `user` belongs to (none when they belong to none: then one entry
/// without an org, which only the operator sees).
pub async fn per_user_org(
    store: &dyn Store,
    rng: &dyn Rng,
    now: Timestamp,
    address: Option<std::net::IpAddr>,
    user: &UserId,
    e: Entry<'_>,
) -> StoreResult<Vec<AuditEvent>> {
    let orgs: Vec<OrgId> = store
        .user_memberships(user)
        .await?
        .into_iter()
        .map(|(o, _)| o.id)
        .collect();
    if orgs.is_empty() {
        return Ok(vec![event(rng, now, address, e)]);
    }
    Ok(orgs
        .iter()
        .map(|o| {
            event(
                rng,
                now,
                address,
                Entry {
                    org: Some(o),
                    actor: e.actor,
                    action: e.action,
                    target: e.target.clone(),
                    details: e.details.clone(),
                },
            )
        })
        .collect())
}
