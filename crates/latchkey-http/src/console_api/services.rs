//! Services, product profiles and terms on the console API (docs/console-contract.md
//! §2, §3.5, §6 tier 2): `O/services`, subscribing a credential
//! (`PUT W/credentials/{type}/{id}/services`,
//! `PUT O/credentials/oauth-server-to-server/{id}/services`), a credential's properties
//! for one service, and the devterms paths. Decided in
//! `latchkey_core::admin::console_services`.

use super::caller::{ConsoleError, ConsolePath, ConsoleQuery, admin_fail, caller, json_body, ok};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use latchkey_core::admin::console_credentials::WorkspacePath;
use latchkey_core::admin::console_services as services;
use latchkey_core::admin::console_subscriptions::{self as subscriptions, ServiceInfo};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicesQuery {
    #[serde(default)]
    sdk_codes: Option<String>,
}

impl ServicesQuery {
    /// `sdkCodes=a,b` as a list; `None` when absent.
    fn codes(&self) -> Option<Vec<String>> {
        self.sdk_codes.as_ref().map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }
}

/// `GET O/services[?sdkCodes=a,b]`
pub async fn services_get(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    ConsoleQuery(q): ConsoleQuery<ServicesQuery>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let codes = q.codes();
    let v = services::services(&st.admin_ctx(), &c.actor, &org, codes.as_deref())
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `GET /console/organizations/{orgCode}/services/v2[?sdkCodes=a,b]`:
/// `{orgCode, sdkCodes, services}`.
pub async fn services_v2_get(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    ConsoleQuery(q): ConsoleQuery<ServicesQuery>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let codes = q.codes();
    let v = services::services_v2(&st.admin_ctx(), &c.actor, &org, codes.as_deref())
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `PUT W/credentials/{type}/{id}/services`: `{sdkList}`.
pub async fn workspace_subscribe_put(
    State(st): State<AppState>,
    ConsolePath((org, project, workspace, kind, id)): ConsolePath<(
        String,
        String,
        String,
        String,
        String,
    )>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let info: Vec<ServiceInfo> = json_body(&st, &body)?;
    let within = WorkspacePath {
        org: &org,
        project: &project,
        workspace: &workspace,
    };
    let v = subscriptions::subscribe(
        &st.admin_ctx(),
        &c.actor,
        &org,
        &id,
        &kind,
        Some(within),
        &info,
    )
    .await
    .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `PUT O/credentials/oauth-server-to-server/{id}/services`: `{sdkList, errorList}`.
pub async fn org_subscribe_put(
    State(st): State<AppState>,
    ConsolePath((org, id)): ConsolePath<(String, String)>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let info: Vec<ServiceInfo> = json_body(&st, &body)?;
    let v = subscriptions::subscribe(
        &st.admin_ctx(),
        &c.actor,
        &org,
        &id,
        "oauth-server-to-server",
        None,
        &info,
    )
    .await
    .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(json!({"sdkList": v.sdk_list, "errorList": []})))
}

/// `GET O/integrations/entp/{id}/service/{sdk}/properties`
pub async fn sdk_properties_get(
    State(st): State<AppState>,
    ConsolePath((org, id, sdk)): ConsolePath<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    let v = services::sdk_properties(&st.admin_ctx(), &c.actor, &org, &id, &sdk)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(v))
}

/// `GET /console/services/ims/organizations/{o}/terms`: `{accepted, current}`.
pub async fn org_terms_get(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    services::terms_accepted(&st.admin_ctx(), &c.actor, &org)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(json!({"accepted": true, "current": true})))
}

/// `POST /console/services/ims/organizations/{o}/terms`: `{accepted}`.
pub async fn org_terms_post(
    State(st): State<AppState>,
    ConsolePath(org): ConsolePath<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    let c = caller(&st, &method, &headers).await?;
    services::terms_accepted(&st.admin_ctx(), &c.actor, &org)
        .await
        .map_err(|e| admin_fail(&st, e))?;
    Ok(ok(json!({"accepted": true})))
}

/// The developer terms Latchkey asks to accept: none beyond its own licence.
const TERMS: &str =
    "Latchkey has no developer terms of its own; use of this server is governed by its operator.";

/// `GET /console/services/ims/terms`: `{tc:[{text, locale}]}`.
pub async fn terms_get(
    State(st): State<AppState>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ConsoleError> {
    caller(&st, &method, &headers).await?;
    Ok(ok(json!({"tc": [{"text": TERMS, "locale": "en_US"}]})))
}
