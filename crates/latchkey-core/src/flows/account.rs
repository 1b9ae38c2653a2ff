//! The user's own side: Connected Applications, the apps a user let in, and revoking one
//! (SEC-39: another user's grant is simply not found).

use super::Context;
use crate::admin::catalog::describe_scope;
use crate::clock::Timestamp;
use crate::ids::GrantId;
use crate::model::User;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectedApp {
    pub grant_id: GrantId,
    pub client_name: String,
    pub org_name: String,
    /// What the app may do, described.
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// The apps `user` has let in, most recent first.
pub async fn connected_apps(
    cx: &Context<'_>,
    user: &User,
) -> Result<Vec<ConnectedApp>, StoreError> {
    let grants = cx.store.list_user_grants(&user.id).await?;
    let apis = cx.store.list_apis().await?;
    let mut apps = Vec::with_capacity(grants.len());
    for g in grants {
        let cred = cx.store.get_credential(&g.client_id).await?;
        let org = match &cred {
            Some(c) => cx.store.get_org(&c.org_id).await?,
            None => None,
        };
        apps.push(ConnectedApp {
            scopes: g
                .scopes
                .iter()
                .map(|s| describe_scope(&apis, s).0)
                .collect(),
            client_name: cred.map_or_else(|| g.client_id.0.clone(), |c| c.name),
            org_name: org.map(|o| o.name).unwrap_or_default(),
            grant_id: g.id,
            created_at: g.created_at,
            last_used_at: g.last_used_at,
        });
    }
    Ok(apps)
}

/// Revoke `user`'s grant `grant_id` with everything issued from it. `false` when the
/// user has no such grant.
pub async fn revoke_app(cx: &Context<'_>, user: &User, grant_id: &str) -> Result<bool, StoreError> {
    if grant_id.len() > 64 {
        return Ok(false);
    }
    match cx.store.get_grant(&GrantId(grant_id.to_owned())).await? {
        Some(g) if g.user_id == user.id => {
            let org = cx
                .store
                .get_credential(&g.client_id)
                .await?
                .map(|c| c.org_id);
            let event = cx.audit(
                org.as_ref(),
                user.id.as_str(),
                crate::model::AuditAction::ConsentRemoved,
                format!("grant {}", g.id),
                serde_json::json!({"client_id": g.client_id}),
            );
            cx.store
                .audited(vec![event])
                .revoke_grant(&g.id, cx.now)
                .await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
