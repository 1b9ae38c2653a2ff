//! Credentials of the console API (docs/console-contract.md §2, §3.4, §6 tier 1): a
//! workspace's credentials, creating OAuth Server-to-Server, `adobeId` (OAuth Web /
//! Single-Page / Native app and API key) and `entp` ones, and deleting them. The
//! `Integration` view and the look-ups are in `console_integrations`.
//!
//! Credential ids on these paths are the credential's console number (`id_integration`,
//! `console_ids`); its `apiKey` is its `client_id`. Every change goes through the
//! actor-checked operations the CLI uses (`create_credential`, `delete_credential`), so
//! the rules are `authz`'s (SEC-40); a credential outside the path's org, project or
//! workspace is not found. Service Account (JWT) credentials are created from an uploaded
//! certificate (`W/credentials/entp`), though JWT reached end of life (§1).

use super::authz::Actor;
use super::console::{not_found, org_for, workspace_for};
use super::console_ids::{ConsoleKind, id_of, number_of};
use super::{AdminError, AdminResult, Ctx, NewCredential};
use crate::ids::{ClientId, OrgId};
use crate::model::{Credential, CredentialKind, Project};
use serde::{Deserialize, Serialize};

/// `(flow_type, integration_type)` of a credential kind (§3.4).
pub fn console_types(kind: CredentialKind) -> (&'static str, &'static str) {
    match kind {
        CredentialKind::ServerToServer => ("entp", "oauth_server_to_server"),
        CredentialKind::ServiceAccountJwt => ("entp", "service"),
        CredentialKind::OAuthWeb => ("adobeid", "oauthwebapp"),
        CredentialKind::OAuthSpa => ("adobeid", "oauthsinglepageapp"),
        CredentialKind::OAuthNative => ("adobeid", "oauthnativeapp"),
        CredentialKind::ApiKey => ("adobeid", "apikey"),
    }
}

/// An entry of `GET W/credentials` (§2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialRef {
    pub id_workspace: String,
    pub id_integration: String,
    pub flow_type: &'static str,
    pub integration_type: &'static str,
}

/// The credential behind console number `credential` in org `org`, if `actor` may see
/// the org; another org's credential is not found.
pub(super) async fn credential_for(
    ctx: &Ctx<'_>,
    actor: &Actor,
    org: &str,
    credential: &str,
) -> AdminResult<(OrgId, Credential)> {
    let org_id = org_for(ctx, actor, org).await?;
    let missing = || not_found(&format!("credential {credential}"));
    let client_id = ClientId(
        id_of(ctx, ConsoleKind::Credential, credential)
            .await?
            .ok_or_else(missing)?,
    );
    match ctx.store.get_credential(&client_id).await? {
        Some(c) if c.org_id == org_id => Ok((org_id, c)),
        _ => Err(missing()),
    }
}

/// The credential behind `credential`, which must be in the path's workspace.
async fn credential_in(
    ctx: &Ctx<'_>,
    actor: &Actor,
    path: WorkspacePath<'_>,
    credential: &str,
) -> AdminResult<(Project, Credential)> {
    let p = workspace_for(ctx, actor, path.org, path.project, path.workspace).await?;
    let (_, c) = credential_for(ctx, actor, path.org, credential).await?;
    if c.project_id != p.id {
        return Err(not_found(&format!("credential {credential}")));
    }
    Ok((p, c))
}

/// The console numbers of `O/projects/{P}/workspaces/{W}`.
#[derive(Debug, Clone, Copy)]
pub struct WorkspacePath<'a> {
    pub org: &'a str,
    pub project: &'a str,
    pub workspace: &'a str,
}

/// `GET W/credentials`.
pub async fn list(
    ctx: &Ctx<'_>,
    actor: &Actor,
    path: WorkspacePath<'_>,
) -> AdminResult<Vec<CredentialRef>> {
    let p = workspace_for(ctx, actor, path.org, path.project, path.workspace).await?;
    let mut out = Vec::new();
    for c in ctx.store.list_credentials(&p.id).await? {
        let (flow_type, integration_type) = console_types(c.kind);
        out.push(CredentialRef {
            id_workspace: path.workspace.to_owned(),
            id_integration: number_of(ctx, ConsoleKind::Credential, c.client_id.as_str()).await?,
            flow_type,
            integration_type,
        });
    }
    Ok(out)
}

/// The body of `POST W/credentials/oauth-server-to-server` and, with `platform` and the
/// redirect URIs, of `POST W/credentials/adobeId` (§3.4). `description` is accepted and
/// not kept (Latchkey credentials have none).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewConsoleCredential {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub redirect_uri_list: Option<Vec<String>>,
    #[serde(default)]
    pub default_redirect_uri: Option<String>,
}

/// What credential creation answers (§3.4): `{id, apiKey, orgId}`, plus
/// `technicalAccountId` for a credential with a technical account. No secret: fetch one
/// with `POST O/credentials/{id}/secrets` (§3.7), which shows it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedConsoleCredential {
    pub id: String,
    pub api_key: String,
    pub org_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technical_account_id: Option<String>,
}

/// The credential kind of an `adobeId` platform (§3.4).
pub fn kind_of_platform(platform: &str) -> AdminResult<CredentialKind> {
    match platform {
        "WebApp" => Ok(CredentialKind::OAuthWeb),
        "SinglePageApp" => Ok(CredentialKind::OAuthSpa),
        "NativeApp" => Ok(CredentialKind::OAuthNative),
        "apiKey" => Ok(CredentialKind::ApiKey),
        other => Err(AdminError::Invalid(format!(
            "platform must be WebApp, SinglePageApp, NativeApp or apiKey, not {other:?}"
        ))),
    }
}

async fn create(
    ctx: &Ctx<'_>,
    actor: &Actor,
    path: WorkspacePath<'_>,
    kind: CredentialKind,
    name: Option<&str>,
    redirect_uris: &[String],
) -> AdminResult<CreatedConsoleCredential> {
    create_with(ctx, actor, path, kind, name, redirect_uris, None).await
}

async fn create_with(
    ctx: &Ctx<'_>,
    actor: &Actor,
    path: WorkspacePath<'_>,
    kind: CredentialKind,
    name: Option<&str>,
    redirect_uris: &[String],
    certificate_pem: Option<&str>,
) -> AdminResult<CreatedConsoleCredential> {
    let p = workspace_for(ctx, actor, path.org, path.project, path.workspace).await?;
    let created = super::create_credential(
        ctx,
        actor,
        NewCredential {
            project: &p.id,
            kind,
            name,
            redirect_uris,
            certificate_pem,
            profiles: &[],
        },
    )
    .await?;
    let c = created.credential;
    Ok(CreatedConsoleCredential {
        id: number_of(ctx, ConsoleKind::Credential, c.client_id.as_str()).await?,
        api_key: c.client_id.0,
        org_id: path.org.to_owned(),
        technical_account_id: c.technical_account.map(|t| t.0),
    })
}

/// `POST W/credentials/oauth-server-to-server`.
pub async fn create_server_to_server(
    ctx: &Ctx<'_>,
    actor: &Actor,
    path: WorkspacePath<'_>,
    body: &NewConsoleCredential,
) -> AdminResult<CreatedConsoleCredential> {
    let name = body.name.as_deref().filter(|n| !n.trim().is_empty());
    create(ctx, actor, path, CredentialKind::ServerToServer, name, &[]).await
}

/// `POST W/credentials/entp`: a Service Account (JWT) credential whose public key is the
/// uploaded certificate (a PEM certificate or public key, checked as at any upload; an
/// expired one is refused).
pub async fn create_service_account(
    ctx: &Ctx<'_>,
    actor: &Actor,
    path: WorkspacePath<'_>,
    name: Option<&str>,
    certificate_pem: &str,
) -> AdminResult<CreatedConsoleCredential> {
    if certificate_pem.trim().is_empty() {
        return Err(AdminError::Invalid("certificate is required".into()));
    }
    let name = name.filter(|n| !n.trim().is_empty());
    create_with(
        ctx,
        actor,
        path,
        CredentialKind::ServiceAccountJwt,
        name,
        &[],
        Some(certificate_pem),
    )
    .await
}

/// `POST W/credentials/adobeId`: `platform` picks the kind; `defaultRedirectUri` comes
/// first, then `redirectUriList`, each validated as at any creation (SEC-03). An API key
/// takes no redirect URIs, so Adobe's mandatory `defaultRedirectUri` is not kept for it.
pub async fn create_adobe_id(
    ctx: &Ctx<'_>,
    actor: &Actor,
    path: WorkspacePath<'_>,
    body: &NewConsoleCredential,
) -> AdminResult<CreatedConsoleCredential> {
    let platform = body
        .platform
        .as_deref()
        .ok_or_else(|| AdminError::Invalid("platform is required".into()))?;
    let kind = kind_of_platform(platform)?;
    let mut uris: Vec<String> = Vec::new();
    if kind.uses_redirect_uris() {
        let listed = body.redirect_uri_list.iter().flatten();
        for u in body.default_redirect_uri.iter().chain(listed) {
            let u = u.trim();
            if !u.is_empty() && !uris.iter().any(|x| x == u) {
                uris.push(u.to_owned());
            }
        }
    }
    let name = body.name.as_deref().filter(|n| !n.trim().is_empty());
    create(ctx, actor, path, kind, name, &uris).await
}

/// `DELETE W/credentials/{id}` (`delete_credential`: everything it issued is revoked).
pub async fn delete(
    ctx: &Ctx<'_>,
    actor: &Actor,
    path: WorkspacePath<'_>,
    credential: &str,
) -> AdminResult<()> {
    let (_, c) = credential_in(ctx, actor, path, credential).await?;
    super::delete_credential(ctx, actor, &c.client_id).await
}
