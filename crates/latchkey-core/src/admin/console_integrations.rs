//! A credential as the console API's `Integration` (docs/console-contract.md §3.5), and
//! which project and workspace hold a credential or a workspace
//! (`O/projects_workspaces/…`, §2). Every member of the org may look (SEC-40); a
//! credential or workspace of another org is not found.

use super::authz::Actor;
use super::console::{not_found, org_for};
use super::console_credentials::{console_types, credential_for};
use super::console_ids::{ConsoleKind, id_of, number_of};
use super::console_services::{ServiceProperty, service_properties};
use super::{AdminResult, Ctx};
use crate::model::{CredentialKind, Project};
use serde::Serialize;

/// `GET O/integrations/{id}` (§3.5 `Integration`). The spec spells the key `apikey`,
/// the mocks `apiKey`: both are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    pub id: String,
    pub org_id: String,
    pub api_key: String,
    pub apikey: String,
    pub name: String,
    pub status: &'static str,
    #[serde(rename = "type")]
    pub integration_type: &'static str,
    pub created_date: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technical_account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technical_account_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri_list: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_redirect_uri: Option<String>,
    pub sdk_list: Vec<String>,
    pub service_properties: Vec<ServiceProperty>,
}

fn platform_of(kind: CredentialKind) -> Option<&'static str> {
    match kind {
        CredentialKind::OAuthWeb => Some("WebApp"),
        CredentialKind::OAuthSpa => Some("SinglePageApp"),
        CredentialKind::OAuthNative => Some("NativeApp"),
        CredentialKind::ApiKey => Some("apiKey"),
        CredentialKind::ServerToServer | CredentialKind::ServiceAccountJwt => None,
    }
}

pub async fn integration(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    credential: &str,
) -> AdminResult<Integration> {
    let (_, c) = credential_for(ctx, actor, org, credential).await?;
    let (flow_type, _) = console_types(c.kind);
    let uris = c.kind.uses_redirect_uris().then(|| c.redirect_uris.clone());
    let properties = service_properties(ctx, &c).await?;
    Ok(Integration {
        id: credential.to_owned(),
        org_id: org.to_owned(),
        api_key: c.client_id.0.clone(),
        apikey: c.client_id.0.clone(),
        name: c.name.clone(),
        status: if c.disabled { "DISABLED" } else { "ENABLED" },
        integration_type: flow_type,
        created_date: c.created_at.millis(),
        technical_account_email: c
            .technical_account
            .as_ref()
            .map(|t| t.0.to_ascii_lowercase()),
        technical_account_id: c.technical_account.as_ref().map(|t| t.0.clone()),
        platform: platform_of(c.kind),
        default_redirect_uri: uris.as_ref().and_then(|u| u.first().cloned()),
        redirect_uri_list: uris,
        sdk_list: properties.iter().map(|p| p.sdk_code.clone()).collect(),
        service_properties: properties,
    })
}

/// `GET O/projects_workspaces/…` (§2: real `{projectId, workspaceId}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub project_id: String,
    pub workspace_id: String,
}

async fn location(ctx: &Ctx<'_>, p: &Project) -> AdminResult<Location> {
    Ok(Location {
        project_id: number_of(ctx, ConsoleKind::Project, p.id.as_str()).await?,
        workspace_id: number_of(ctx, ConsoleKind::Workspace, p.id.as_str()).await?,
    })
}

/// `GET O/projects_workspaces/credentials/{id}`.
pub async fn where_is_credential(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    credential: &str,
) -> AdminResult<Location> {
    let (_, c) = credential_for(ctx, actor, org, credential).await?;
    let p = ctx
        .store
        .get_project(&c.project_id)
        .await?
        .ok_or_else(|| not_found(&format!("credential {credential}")))?;
    location(ctx, &p).await
}

/// `GET O/projects_workspaces/workspaces/{w}`.
pub async fn where_is_workspace(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    workspace: &str,
) -> AdminResult<Location> {
    let org_id = org_for(ctx, actor, org).await?;
    let missing = || not_found(&format!("workspace {workspace}"));
    let id = crate::ids::ProjectId(
        id_of(ctx, ConsoleKind::Workspace, workspace)
            .await?
            .ok_or_else(missing)?,
    );
    match ctx.store.get_project(&id).await? {
        Some(p) if p.org_id == org_id => location(ctx, &p).await,
        _ => Err(missing()),
    }
}
