//! Subscribing a credential to services through the console API
//! (docs/console-contract.md §3.5, §6 tier 2: `PUT W/credentials/{type}/{id}/services`
//! and `PUT O/credentials/oauth-server-to-server/{id}/services`). Each service's API is
//! added to the credential's project (`projects::add_api`, which makes technical accounts
//! contributors of its product); each `licenseConfigs` entry with `op: add` puts the
//! credential's technical account on that product profile (a profile of the org and of
//! the API's product, as `products::profiles_to_join` requires at creation), and
//! `op: remove` takes it off. It needs the role that manages credentials (SEC-40); the
//! whole body is checked before anything changes. The answer is the credential's whole
//! `sdkList`. Subscribing adds; it never takes an API off the project (other credentials
//! of the project use it too).

use super::authz::Actor;
use super::console_credentials::{WorkspacePath, console_types, credential_for};
use super::console_services::{credential_apis, sdk_code};
use super::{AdminError, AdminResult, Ctx, projects, service_accounts};
use crate::ids::ApiId;
use crate::model::Credential;
use serde::{Deserialize, Serialize};

/// Most services, and most `licenseConfigs` in all, one call may name: each costs
/// look-ups, and the catalog and an org's profiles are far fewer.
pub const MAX_SERVICES: usize = 100;

/// An entry of the subscribe body (§3.5 ServiceInfo).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceInfo {
    pub sdk_code: String,
    #[serde(default)]
    pub roles: Option<serde_json::Value>,
    #[serde(default)]
    pub license_configs: Option<Vec<LicenseOp>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseOp {
    #[serde(default)]
    pub op: Option<String>,
    pub id: String,
    #[serde(default)]
    pub product_id: Option<String>,
}

/// `{sdkList}`: the credential's services after the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkList {
    pub sdk_list: Vec<String>,
}

/// The credential types a subscribe path may name for a credential (§2).
fn type_matches(path_type: &str, c: &Credential) -> bool {
    let (flow, integration) = console_types(c.kind);
    match path_type {
        "entp" => flow == "entp",
        "adobeid" => flow == "adobeid",
        "oauth-server-to-server" | "oauth_server_to_server" => {
            integration == "oauth_server_to_server"
        }
        _ => false,
    }
}

/// A checked change: an API to add, and profiles to join or leave.
struct Change {
    api: ApiId,
    join: Vec<String>,
    leave: Vec<String>,
}

/// Subscribe credential `credential` (in `org`; when `within` is given, it must also be
/// in that project) to `services`; `path_type` is the credential type the path names.
pub async fn subscribe(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    credential: &str,
    path_type: &str,
    within: Option<WorkspacePath<'_>>,
    services: &[ServiceInfo],
) -> AdminResult<SdkList> {
    let (_, c) = credential_for(ctx, actor, org, credential).await?;
    if let Some(w) = within {
        let p = super::console::workspace_for(ctx, actor, w.org, w.project, w.workspace).await?;
        if c.project_id != p.id {
            return Err(super::console::not_found(&format!(
                "credential {credential}"
            )));
        }
    }
    let c = service_accounts::managed_credential(ctx, actor, &c.client_id).await?;
    if !type_matches(path_type, &c) {
        return Err(AdminError::Invalid(format!(
            "credential {credential} is not of type {path_type}"
        )));
    }
    let profiles: usize = services
        .iter()
        .map(|s| s.license_configs.as_ref().map_or(0, Vec::len))
        .sum();
    if services.len() > MAX_SERVICES || profiles > MAX_SERVICES {
        return Err(AdminError::Invalid(format!(
            "at most {MAX_SERVICES} services and {MAX_SERVICES} licenseConfigs per call"
        )));
    }
    let apis = ctx.store.list_apis().await?;
    let auth = c.kind.auth_kind();
    let mut changes = Vec::new();
    for s in services {
        let api = apis
            .iter()
            .find(|a| sdk_code(&a.id) == s.sdk_code)
            .ok_or_else(|| AdminError::Invalid(format!("unknown sdkCode {:?}", s.sdk_code)))?;
        if !api.auth.contains(&auth) {
            return Err(AdminError::Invalid(format!(
                "{} does not accept {} credentials",
                s.sdk_code,
                c.kind.as_str()
            )));
        }
        let mut change = Change {
            api: api.id.clone(),
            join: Vec::new(),
            leave: Vec::new(),
        };
        for lc in s.license_configs.iter().flatten() {
            if c.technical_account.is_none() {
                return Err(AdminError::Invalid(format!(
                    "{} credentials have no technical account to add to product profiles",
                    c.kind.as_str()
                )));
            }
            let missing = || AdminError::NotFound(format!("product profile {}", lc.id));
            let profile = ctx.store.get_profile(&lc.id).await?.ok_or_else(missing)?;
            let instance = ctx
                .store
                .get_instance(&profile.instance_id)
                .await?
                .ok_or_else(missing)?;
            if instance.org_id != c.org_id {
                return Err(missing());
            }
            if Some(&instance.product) != api.product.as_ref() {
                return Err(AdminError::Invalid(format!(
                    "product profile {} is not of {}'s product",
                    lc.id, s.sdk_code
                )));
            }
            match lc.op.as_deref().unwrap_or("add") {
                "add" => change.join.push(profile.id),
                "remove" => change.leave.push(profile.id),
                other => {
                    return Err(AdminError::Invalid(format!(
                        "licenseConfigs op must be add or remove, not {other:?}"
                    )));
                }
            }
        }
        changes.push(change);
    }
    for change in changes {
        projects::add_api(ctx, actor, &c.project_id, &change.api).await?;
        let Some(tech) = &c.technical_account else {
            continue;
        };
        for profile in change.join {
            let members = ctx.store.profile_members(&profile).await?;
            if !members.iter().any(|m| &m.user_id == tech) {
                ctx.store
                    .set_profile_member(&profile, tech, false, ctx.now)
                    .await?;
            }
        }
        for profile in change.leave {
            ctx.store.remove_profile_member(&profile, tech).await?;
        }
    }
    Ok(SdkList {
        sdk_list: credential_apis(ctx, &c)
            .await?
            .iter()
            .map(|a| sdk_code(&a.id))
            .collect(),
    })
}
