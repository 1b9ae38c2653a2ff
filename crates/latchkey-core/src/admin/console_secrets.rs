//! A credential's client secrets through the console API (docs/console-contract.md §3.7):
//! list them (never their plaintext, which is not stored), add one (its plaintext shown
//! once), delete one. At most two are active (`MAX_ACTIVE_SECRETS`): adding a third is
//! refused, as Adobe does, rather than revoking the oldest as the CLI's rotation does;
//! the last one cannot be deleted. Seeing the list already takes the role that manages
//! credentials (`authz::Action::ManageCredentials`), since it tells when secrets
//! changed; every change goes through `rotate_secret` / `delete_secret` (SEC-40).
//! `secret_usages` carries when the secret last authenticated its client, to within five
//! minutes (`null` before its first use); secrets never expire (`PERMANENT`).

use super::authz::Actor;
use super::console_credentials::credential_for;
use super::{AdminError, AdminResult, Ctx, delete_secret, rotate_secret, service_accounts};
use crate::clock::Timestamp;
use crate::model::{MAX_ACTIVE_SECRETS, SecretRecord};
use serde::Serialize;

/// One secret, without its value (§3.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretInfo {
    pub uuid: String,
    pub created_at: String,
    pub created_at_str: String,
    pub expires_at: &'static str,
    pub expires_at_str: &'static str,
    pub secret_usages: Option<Vec<serde_json::Value>>,
}

/// `GET O/credentials/{id}/secrets` and `GET O/integrations/{id}/secrets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Secrets {
    pub client_id: String,
    pub client_secrets: Vec<SecretInfo>,
}

/// `POST O/credentials/{id}/secrets`: the new secret, its value shown this once.
#[derive(Clone, Serialize)]
pub struct NewSecret {
    pub client_secret: String,
    #[serde(flatten)]
    pub info: SecretInfo,
}

impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Tue, Apr 25 2023 18:48:05.000 UTC`, as Adobe writes `created_at_str`.
pub fn adobe_time(t: Timestamp) -> String {
    let (y, m, d, h, mi, s) = t.civil();
    let weekday = DAYS[t.secs().div_euclid(86_400).rem_euclid(7) as usize];
    let month = MONTHS[(m - 1).clamp(0, 11) as usize];
    let ms = t.millis().rem_euclid(1000);
    format!("{weekday}, {month} {d:02} {y} {h:02}:{mi:02}:{s:02}.{ms:03} UTC")
}

fn info(r: &SecretRecord) -> SecretInfo {
    SecretInfo {
        uuid: r.id.clone(),
        created_at: r.created_at.millis().to_string(),
        created_at_str: adobe_time(r.created_at),
        expires_at: "PERMANENT",
        expires_at_str: "PERMANENT",
        secret_usages: r.last_used_at.map(|t| {
            vec![serde_json::json!({
                "last_used_at": t.millis().to_string(),
                "last_used_at_str": adobe_time(t),
            })]
        }),
    }
}

/// The credential behind `credential` in `org`, if `actor` may manage it.
async fn managed(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    credential: &str,
) -> AdminResult<crate::model::Credential> {
    let (_, c) = credential_for(ctx, actor, org, credential).await?;
    let c = service_accounts::managed_credential(ctx, actor, &c.client_id).await?;
    if !c.kind.has_secret() {
        return Err(AdminError::Invalid(format!(
            "{} credentials have no secret",
            c.kind.as_str()
        )));
    }
    Ok(c)
}

pub async fn list(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    credential: &str,
) -> AdminResult<Secrets> {
    let c = managed(ctx, actor, org, credential).await?;
    let active = ctx.store.active_secrets(&c.client_id).await?;
    Ok(Secrets {
        client_id: c.client_id.0,
        client_secrets: active.iter().map(info).collect(),
    })
}

pub async fn add(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    credential: &str,
) -> AdminResult<NewSecret> {
    let c = managed(ctx, actor, org, credential).await?;
    if ctx.store.active_secrets(&c.client_id).await?.len() >= MAX_ACTIVE_SECRETS {
        return Err(AdminError::Conflict(format!(
            "a credential has at most {MAX_ACTIVE_SECRETS} client secrets; delete one first"
        )));
    }
    let (secret, _) = rotate_secret(ctx, actor, &c.client_id).await?;
    let created = ctx
        .store
        .active_secrets(&c.client_id)
        .await?
        .into_iter()
        .find(|r| r.hash == secret.hash())
        .ok_or_else(|| AdminError::NotFound(format!("new secret of credential {credential}")))?;
    Ok(NewSecret {
        client_secret: secret.expose().to_owned(),
        info: info(&created),
    })
}

pub async fn delete(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    credential: &str,
    uuid: &str,
) -> AdminResult<()> {
    let c = managed(ctx, actor, org, credential).await?;
    delete_secret(ctx, actor, &c.client_id, uuid).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_at_str_reads_as_adobes() {
        // The example of docs/console-contract.md §3.7.
        assert_eq!(
            adobe_time(Timestamp(1_682_448_485_000)),
            "Tue, Apr 25 2023 18:48:05.000 UTC"
        );
        assert_eq!(
            adobe_time(Timestamp(0)),
            "Thu, Jan 01 1970 00:00:00.000 UTC"
        );
    }
}
