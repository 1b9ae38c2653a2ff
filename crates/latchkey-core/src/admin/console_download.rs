//! `GET W/download`: a workspace's configuration file (docs/console-contract.md §3.6), the
//! file `aio console workspace download` saves and `aio app use` checks against the App
//! Builder schema (`config.schema.json`, cited there): `org` and `workspace` are siblings
//! under `project`; ids are numeric strings; `ims_org_id` is the org's IMS id;
//! `action_url` and `app_url` are URIs; each credential carries exactly one of `oauth2`,
//! `api_key`, `jwt` or `oauth_server_to_server`.
//!
//! **No secrets.** Adobe's file includes each credential's client secrets; Latchkey keeps
//! only their hashes (SEC-01 style: shown once, never stored), so it cannot. The file
//! stays valid for the schema: `oauth_server_to_server.client_secrets` is `[]`, and
//! `oauth2.client_secret` / `jwt.client_secret`, which the schema requires, are `""`.
//! Get a secret with `POST O/credentials/{id}/secrets` (§3.7, shown once) and put it where
//! the file would have had it. There is no App Builder runtime: `runtime.namespaces` is
//! empty and `action_url` / `app_url` point at this server. Every member of the org may
//! download (the file holds nothing a member cannot already see).

use super::authz::Actor;
use super::console::{WORKSPACE_NAME, console_org, org_for, workspace_for};
use super::console_credentials::{WorkspacePath, console_types};
use super::console_ids::{ConsoleKind, number_of};
use super::console_services::sdk_code;
use super::{AdminError, AdminResult, Ctx, allowed_scopes};
use crate::ids::{ClientId, OrgId};
use crate::model::{AuthKind, Credential, CredentialKind, OrgRole, Project};
use serde_json::{Value, json};

/// At most `max` characters of `s`, without surrounding white space (the schema's
/// `^(?=\S).{0,n}(?<=\S)$` patterns).
fn clip(s: &str, max: usize) -> String {
    let t: String = s.trim().chars().take(max).collect();
    t.trim_end().to_owned()
}

/// The schema's project `name`: `^[a-zA-Z0-9]{0,20}$`.
fn schema_name(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(20)
        .collect()
}

/// One credential's entry; `secret`, when given (right after it was made), goes where
/// Adobe's file has it.
async fn credential_entry(
    ctx: &Ctx<'_>,
    c: &Credential,
    metascopes: &[String],
    secret: Option<&str>,
) -> AdminResult<Value> {
    let one = secret.unwrap_or_default();
    let (_, integration_type) = console_types(c.kind);
    let client_id = c.client_id.as_str();
    let tech = c
        .technical_account
        .as_ref()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let (key, shape) = match c.kind {
        CredentialKind::ServerToServer => (
            "oauth_server_to_server",
            json!({
                "client_id": client_id,
                "client_secrets": secret.into_iter().collect::<Vec<_>>(),
                "technical_account_email": tech.to_ascii_lowercase(),
                "technical_account_id": tech,
                "scopes": allowed_scopes(ctx.store, c).await?,
            }),
        ),
        CredentialKind::ServiceAccountJwt => (
            "jwt",
            json!({
                "client_id": client_id,
                "client_secret": one,
                "technical_account_email": tech.to_ascii_lowercase(),
                "technical_account_id": tech,
                "meta_scopes": metascopes,
            }),
        ),
        CredentialKind::OAuthWeb | CredentialKind::OAuthNative | CredentialKind::OAuthSpa => {
            let mut o = json!({
                "client_id": client_id,
                "redirect_uri": c.redirect_uris,
                "defaultRedirectUri": c.redirect_uris.first(),
            });
            if c.kind != CredentialKind::OAuthSpa {
                o["client_secret"] = json!(one);
            }
            ("oauth2", o)
        }
        CredentialKind::ApiKey => ("api_key", json!({ "client_id": client_id })),
    };
    let mut entry = json!({
        "id": number_of(ctx, ConsoleKind::Credential, client_id).await?,
        "name": clip(&c.name, 255),
        "integration_type": integration_type,
    });
    entry[key] = shape;
    Ok(entry)
}

/// The workspace file; `base_url` is this server's public URL.
pub async fn download(
    ctx: &Ctx<'_>,
    actor: &Actor,
    path: WorkspacePath<'_>,
    base_url: &str,
) -> AdminResult<Value> {
    let org_id = org_for(ctx, actor, path.org).await?;
    let p = workspace_for(ctx, actor, path.org, path.project, path.workspace).await?;
    let creds = ctx.store.list_credentials(&p.id).await?;
    file(ctx, &org_id, &p, &creds, None, base_url).await
}

/// The file for one credential, as the Developer Console's "Download JSON" offers it:
/// its project's workspace holding only that credential, with `secret` when the page
/// that shows a new one asks (any member of the org may download; SEC-40).
pub async fn credential_file(
    ctx: &Ctx<'_>,
    actor: &Actor,
    client_id: &ClientId,
    secret: Option<&str>,
    base_url: &str,
) -> AdminResult<Value> {
    let v = super::console_pages::credential_view(ctx, actor, client_id).await?;
    file(
        ctx,
        &v.org.id,
        &v.project,
        std::slice::from_ref(&v.credential),
        secret,
        base_url,
    )
    .await
}

async fn file(
    ctx: &Ctx<'_>,
    org_id: &OrgId,
    p: &Project,
    creds: &[Credential],
    secret: Option<&str>,
    base_url: &str,
) -> AdminResult<Value> {
    let org = ctx
        .store
        .get_org(org_id)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("organization {org_id}")))?;
    let console = console_org(ctx, &org, OrgRole::User).await?;
    let apis = ctx.store.project_apis(&p.id).await?;
    let metascopes: Vec<String> = apis
        .iter()
        .filter(|a| a.auth.contains(&AuthKind::ServiceAccountJwt))
        .flat_map(|a| a.metascopes.iter().cloned())
        .collect();
    let mut credentials = Vec::new();
    for c in creds {
        credentials.push(credential_entry(ctx, c, &metascopes, secret).await?);
    }
    let services: Vec<Value> = apis
        .iter()
        .map(|a| json!({"code": sdk_code(&a.id), "name": a.name}))
        .collect();
    let base = base_url.trim_end_matches('/');
    Ok(json!({
        "project": {
            "id": number_of(ctx, ConsoleKind::Project, p.id.as_str()).await?,
            "name": schema_name(&p.name),
            "title": clip(&p.name, 45),
            "org": {
                "id": console.id,
                "name": clip(&org.name, 255),
                "ims_org_id": org.id.0,
            },
            "workspace": {
                "id": number_of(ctx, ConsoleKind::Workspace, p.id.as_str()).await?,
                "name": WORKSPACE_NAME,
                "title": WORKSPACE_NAME,
                "action_url": base,
                "app_url": base,
                "details": {
                    "credentials": credentials,
                    "services": services,
                    "runtime": {"namespaces": []},
                },
            },
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_the_app_schema() {
        assert_eq!(
            schema_name("Test Project: the 2nd one!"),
            "TestProjectthe2ndone"
        );
        assert_eq!(clip("  a title  ", 45), "a title");
        assert_eq!(clip(&"x ".repeat(40), 45), "x ".repeat(22) + "x");
    }
}
