//! Services and product profiles of the console API (docs/console-contract.md §3.5, §6
//! tier 2). A `Service` is an API of Latchkey's catalog: its `code` (Adobe's `sdkCode`)
//! is a stable name made from the API id (`sdk_code`), and its
//! `properties.licenseConfigs` are the org's product profiles of the API's product;
//! `roles` are empty (Latchkey has no per-service roles).
//!
//! A credential's services are its project's APIs that accept its kind
//! (`credential_apis`); subscribing is in `console_subscriptions`. The devterms paths
//! (§2) answer that the terms are accepted: Latchkey has none.

use super::authz::{Action, Actor};
use super::console::{org_for, org_for_number_or_code};
use super::console_credentials::credential_for;
use super::{AdminError, AdminResult, Ctx};
use crate::ids::{ApiId, OrgId};
use crate::model::{Api, Credential};
use crate::products::ProductProfile;
use serde::Serialize;

/// Adobe's own code for the APIs it shares with the example catalog; any other API's code
/// is its id in CamelCase followed by `SDK` (`workfront` → `WorkfrontSDK`).
const ADOBE_CODES: &[(&str, &str)] = &[("io-management", "AdobeIOManagementAPISDK")];

/// The `sdkCode` of an API: stable, as it is made from the API's id.
pub fn sdk_code(api: &ApiId) -> String {
    if let Some((_, code)) = ADOBE_CODES.iter().find(|(id, _)| *id == api.as_str()) {
        return (*code).to_owned();
    }
    let mut out = String::new();
    for part in api.as_str().split(['-', '.', '_']) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out.push_str("SDK");
    out
}

/// A product profile as a `licenseConfig` (§3.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseConfig {
    pub id: String,
    pub name: String,
    pub product_id: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRoles {
    pub roles: Vec<serde_json::Value>,
    pub license_configs: Vec<LicenseConfig>,
}

/// `Service` (§3.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub name: String,
    pub code: String,
    pub enabled: bool,
    #[serde(rename = "type")]
    pub service_type: &'static str,
    pub platform_list: Option<Vec<String>>,
    pub docs_url: Option<String>,
    pub description: String,
    pub deprecated: bool,
    pub requires_approval: bool,
    pub entitled_for_org: bool,
    pub disabled_reasons: Vec<String>,
    pub properties: ServiceRoles,
}

/// The org's product profiles of `api`'s product.
pub(super) async fn profiles_of(
    ctx: &Ctx<'_>,
    org: &OrgId,
    api: &Api,
) -> AdminResult<Vec<LicenseConfig>> {
    let Some(product) = &api.product else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for i in ctx.store.list_instances(org).await? {
        if &i.product != product {
            continue;
        }
        for p in ctx.store.list_profiles(&i.id).await? {
            out.push(license_config(&p));
        }
    }
    Ok(out)
}

fn license_config(p: &ProductProfile) -> LicenseConfig {
    LicenseConfig {
        id: p.id.clone(),
        name: p.name.clone(),
        product_id: p.instance_id.clone(),
        description: None,
    }
}

/// `GET O/services[?sdkCodes=a,b]`: for any member of the org.
pub async fn services(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    sdk_codes: Option<&[String]>,
) -> AdminResult<Vec<Service>> {
    let org_id = org_for(ctx, actor, org).await?;
    catalog(ctx, &org_id, sdk_codes).await
}

/// `GET /console/organizations/{orgCode}/services/v2` (§2 `getServicesForOrgV2`): the
/// org named by its IMS org code (or its number), answering `{orgCode, sdkCodes, services}`.
pub async fn services_v2(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    sdk_codes: Option<&[String]>,
) -> AdminResult<ServicesV2> {
    let org_id = org_for_number_or_code(ctx, actor, org).await?;
    Ok(ServicesV2 {
        services: catalog(ctx, &org_id, sdk_codes).await?,
        sdk_codes: sdk_codes.map(|c| c.join(",")),
        org_code: org_id.0,
    })
}

/// What `services/v2` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicesV2 {
    pub org_code: String,
    pub sdk_codes: Option<String>,
    pub services: Vec<Service>,
}

async fn catalog(
    ctx: &Ctx<'_>,
    org_id: &OrgId,
    sdk_codes: Option<&[String]>,
) -> AdminResult<Vec<Service>> {
    let mut out = Vec::new();
    for api in ctx.store.list_apis().await? {
        let code = sdk_code(&api.id);
        if sdk_codes.is_some_and(|wanted| !wanted.contains(&code)) {
            continue;
        }
        out.push(Service {
            properties: ServiceRoles {
                roles: Vec::new(),
                license_configs: profiles_of(ctx, org_id, &api).await?,
            },
            name: api.name,
            code,
            enabled: true,
            service_type: "entp",
            platform_list: None,
            docs_url: None,
            description: api.description,
            deprecated: false,
            requires_approval: false,
            entitled_for_org: true,
            disabled_reasons: Vec::new(),
        });
    }
    Ok(out)
}

/// The APIs of the credential's project that accept its kind: its services.
pub(super) async fn credential_apis(ctx: &Ctx<'_>, c: &Credential) -> AdminResult<Vec<Api>> {
    let auth = c.kind.auth_kind();
    Ok(ctx
        .store
        .project_apis(&c.project_id)
        .await?
        .into_iter()
        .filter(|a| a.auth.contains(&auth))
        .collect())
}

/// One service of an `Integration` (§3.5 `serviceProperties`): the profiles its
/// technical account is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProperty {
    pub sdk_code: String,
    pub name: String,
    pub roles: Vec<serde_json::Value>,
    pub license_configs: Vec<LicenseConfig>,
}

pub(super) async fn service_properties(
    ctx: &Ctx<'_>,
    c: &Credential,
) -> AdminResult<Vec<ServiceProperty>> {
    let mut out = Vec::new();
    for api in credential_apis(ctx, c).await? {
        let mut joined = Vec::new();
        if let Some(tech) = &c.technical_account {
            for lc in profiles_of(ctx, &c.org_id, &api).await? {
                let members = ctx.store.profile_members(&lc.id).await?;
                if members.iter().any(|m| &m.user_id == tech) {
                    joined.push(lc);
                }
            }
        }
        out.push(ServiceProperty {
            sdk_code: sdk_code(&api.id),
            name: api.name,
            roles: Vec::new(),
            license_configs: joined,
        });
    }
    Ok(out)
}

/// `GET O/integrations/entp/{id}/service/{sdk}/properties` (§2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkProperties {
    pub sdk_code: String,
    pub name: String,
    pub sdk_list: Vec<String>,
    pub license_configs: Vec<LicenseConfig>,
}

pub async fn sdk_properties(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    credential: &str,
    sdk: &str,
) -> AdminResult<SdkProperties> {
    let (_, c) = credential_for(ctx, actor, org, credential).await?;
    let properties = service_properties(ctx, &c).await?;
    let sdk_list = properties.iter().map(|p| p.sdk_code.clone()).collect();
    let p = properties
        .into_iter()
        .find(|p| p.sdk_code == sdk)
        .ok_or_else(|| AdminError::NotFound(format!("service {sdk} of credential {credential}")))?;
    Ok(SdkProperties {
        sdk_code: p.sdk_code,
        name: p.name,
        sdk_list,
        license_configs: p.license_configs,
    })
}

/// The devterms paths (`/console/services/ims/organizations/{o}/terms`): any member of
/// the org (named by console number or IMS org code) sees them accepted.
pub async fn terms_accepted(ctx: &Ctx<'_>, actor: &Actor, org: &str) -> AdminResult<()> {
    let id = org_for_number_or_code(ctx, actor, org).await?;
    super::authz::authorize_org(ctx, actor, &id, Action::View).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_codes_are_stable_and_adobes_where_shared() {
        assert_eq!(
            sdk_code(&ApiId("io-management".into())),
            "AdobeIOManagementAPISDK"
        );
        assert_eq!(sdk_code(&ApiId("workfront".into())), "WorkfrontSDK");
        assert_eq!(sdk_code(&ApiId("firefly-api.v2".into())), "FireflyApiV2SDK");
    }
}
