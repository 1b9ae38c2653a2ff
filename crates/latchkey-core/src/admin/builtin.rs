//! Adobe's own CLI client ids as built-in public clients (docs/console-contract.md §4):
//! `aio console` sends `x-api-key: aio-cli-console-auth` (`-stage` for the stage
//! environment), and tools built like it sign people in with that client id. Latchkey
//! ships both as OAuth Native credentials (public: PKCE, no secret) in a built-in org
//! and project that carry the I/O Management API, so their tokens may hold
//! `adobeio_api`, `read_client_secret` and `manage_client_secrets`. Their redirect URIs
//! are the loopback addresses, on any port (RFC 8252 §7.3).
//!
//! Created at start-up when missing (`ensure_adobe_cli_clients`), by every node: fixed
//! ids make it idempotent, and a node that loses a race to create one ignores the
//! conflict. Nobody is a member of the built-in org; the CLI operator may disable the
//! clients like any other (`latchkey credential disable`), and they stay disabled.

use super::{AdminError, AdminResult, Ctx, add_api_to_project};
use crate::ids::{ApiId, ClientId, OrgId, ProjectId};
use crate::model::{Credential, CredentialKind, Org, Project};

/// The client ids `aio console` sends as its `x-api-key`.
pub const ADOBE_CLI_CLIENT_IDS: &[(&str, &str)] = &[
    ("aio-cli-console-auth", "Adobe I/O CLI"),
    ("aio-cli-console-auth-stage", "Adobe I/O CLI (stage)"),
];
/// The built-in org and project that hold them.
pub const BUILTIN_ORG: &str = "000000000000000000000000@LatchkeyOrg";
pub const BUILTIN_PROJECT: &str = "000000000000000000000000";
/// Loopback redirect URIs; any port matches (RFC 8252 §7.3).
const LOOPBACK: [&str; 2] = ["http://127.0.0.1/", "http://[::1]/"];

fn ignore_conflict(r: Result<(), crate::store::StoreError>) -> AdminResult<()> {
    match r.map_err(AdminError::from) {
        Ok(()) | Err(AdminError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Create the built-in org, project and Adobe CLI clients that are missing.
pub async fn ensure_adobe_cli_clients(ctx: &Ctx<'_>) -> AdminResult<()> {
    let org = OrgId(BUILTIN_ORG.to_owned());
    let project = ProjectId(BUILTIN_PROJECT.to_owned());
    if ctx.store.get_org(&org).await?.is_none() {
        ignore_conflict(
            ctx.store
                .insert_org(&Org {
                    id: org.clone(),
                    name: "Adobe I/O CLI (built-in)".into(),
                    created_at: ctx.now,
                })
                .await,
        )?;
    }
    if ctx.store.get_project(&project).await?.is_none() {
        ignore_conflict(
            ctx.store
                .insert_project(&Project {
                    id: project.clone(),
                    org_id: org.clone(),
                    name: "Adobe I/O CLI".into(),
                    created_at: ctx.now,
                })
                .await,
        )?;
    }
    let io = ApiId("io-management".into());
    if ctx.store.get_api(&io).await?.is_some()
        && !ctx
            .store
            .project_apis(&project)
            .await?
            .iter()
            .any(|a| a.id == io)
    {
        add_api_to_project(ctx, &project, &io).await?;
    }
    for (id, name) in ADOBE_CLI_CLIENT_IDS {
        let client_id = ClientId((*id).to_owned());
        if ctx.store.get_credential(&client_id).await?.is_some() {
            continue;
        }
        let cred = Credential {
            client_id,
            org_id: org.clone(),
            project_id: project.clone(),
            kind: CredentialKind::OAuthNative,
            name: (*name).to_owned(),
            redirect_uris: LOOPBACK.iter().map(|u| (*u).to_owned()).collect(),
            technical_account: None,
            disabled: false,
            created_at: ctx.now,
        };
        ignore_conflict(ctx.store.insert_credential(&cred, None, None).await)?;
    }
    Ok(())
}
