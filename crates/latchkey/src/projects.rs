//! `project list|show|rename|delete` and `credential list|show|update|delete`: reading
//! what the console shows, and changing or removing projects and credentials (validated
//! as at creation). Every command takes `--json` and prints one JSON object.

use crate::cli::{Command, CredentialCmd, ProjectCmd};
use crate::commands::CmdResult;
use latchkey_core::admin::{self, Actor, AdminError, Ctx};
use latchkey_core::ids::{ClientId, OrgId, ProjectId};
use latchkey_core::model::{Credential, Project};
use latchkey_core::store::Store;
use serde_json::{Value, json};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn say(json_mode: bool, v: Value, human: String) {
    if json_mode {
        println!("{v}");
    } else {
        println!("{human}");
    }
}

fn project_json(p: &Project) -> Value {
    json!({"id": p.id, "org_id": p.org_id, "name": p.name, "created_at": p.created_at.millis()})
}

/// A credential as the console shows it: never a secret, only when secrets were made.
async fn credential_json(store: &dyn Store, c: &Credential) -> Result<Value, String> {
    let secrets = store.active_secrets(&c.client_id).await.map_err(err)?;
    Ok(json!({
        "client_id": c.client_id,
        "name": c.name,
        "kind": c.kind,
        "org_id": c.org_id,
        "project_id": c.project_id,
        "redirect_uris": c.redirect_uris,
        "technical_account_id": c.technical_account,
        "disabled": c.disabled,
        "created_at": c.created_at.millis(),
        "secrets": secrets.iter().map(|s| json!({"id": s.id, "created_at": s.created_at.millis()})).collect::<Vec<_>>(),
    }))
}

fn credential_line(c: &Credential) -> String {
    let state = if c.disabled { " (disabled)" } else { "" };
    format!("{}  {}  {}{state}", c.client_id, c.kind.as_str(), c.name)
}

pub async fn run(ctx: &Ctx<'_>, store: &dyn Store, cmd: Command) -> CmdResult {
    let op = Actor::Operator;
    match cmd {
        Command::Project(ProjectCmd::List { org, json }) => {
            let org = OrgId(org);
            if store.get_org(&org).await.map_err(err)?.is_none() {
                return Err(AdminError::NotFound(format!("org {org}")).to_string());
            }
            let projects = store.list_projects(&org).await.map_err(err)?;
            let human = projects
                .iter()
                .map(|p| format!("{}  {}", p.id, p.name))
                .collect::<Vec<_>>()
                .join("\n");
            let v = json!({"projects": projects.iter().map(project_json).collect::<Vec<_>>()});
            say(json, v, human);
        }
        Command::Project(ProjectCmd::Show { project, json }) => {
            let id = ProjectId(project);
            let p = store
                .get_project(&id)
                .await
                .map_err(err)?
                .ok_or_else(|| AdminError::NotFound(format!("project {id}")).to_string())?;
            let apis = store.project_apis(&id).await.map_err(err)?;
            let creds = store.list_credentials(&id).await.map_err(err)?;
            let mut v = project_json(&p);
            v["apis"] = json!(apis.iter().map(|a| a.id.as_str()).collect::<Vec<_>>());
            let mut list = Vec::new();
            for c in &creds {
                list.push(credential_json(store, c).await?);
            }
            v["credentials"] = Value::Array(list);
            let human = format!(
                "{} ({})\nAPIs: {}\n{}",
                p.name,
                p.id,
                apis.iter()
                    .map(|a| a.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                creds
                    .iter()
                    .map(credential_line)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            say(json, v, human);
        }
        Command::Credential(CredentialCmd::List { project, json }) => {
            let id = ProjectId(project);
            if store.get_project(&id).await.map_err(err)?.is_none() {
                return Err(AdminError::NotFound(format!("project {id}")).to_string());
            }
            let creds = store.list_credentials(&id).await.map_err(err)?;
            let mut list = Vec::new();
            for c in &creds {
                list.push(credential_json(store, c).await?);
            }
            let human = creds
                .iter()
                .map(credential_line)
                .collect::<Vec<_>>()
                .join("\n");
            say(json, json!({"credentials": list}), human);
        }
        Command::Credential(CredentialCmd::Show { client_id, json }) => {
            let c = admin::show_credential(ctx, &op, &ClientId(client_id))
                .await
                .map_err(err)?;
            let v = credential_json(store, &c).await?;
            let human = format!(
                "{}\nredirect URIs: {}",
                credential_line(&c),
                c.redirect_uris.join(" ")
            );
            say(json, v, human);
        }
        Command::Credential(CredentialCmd::Update {
            client_id,
            name,
            redirect_uris,
            json,
        }) => {
            let uris = (!redirect_uris.is_empty()).then_some(redirect_uris.as_slice());
            if name.is_none() && uris.is_none() {
                return Err("nothing to change: give --name and/or --redirect-uri".into());
            }
            let c = admin::update_credential(ctx, &op, &ClientId(client_id), name.as_deref(), uris)
                .await
                .map_err(err)?;
            let v = credential_json(store, &c).await?;
            say(json, v, format!("updated {}", credential_line(&c)));
        }
        Command::Project(ProjectCmd::Rename {
            project,
            name,
            json,
        }) => {
            let p = admin::rename_project(ctx, &op, &ProjectId(project), &name)
                .await
                .map_err(err)?;
            say(
                json,
                project_json(&p),
                format!("renamed project {} to {}", p.id, p.name),
            );
        }
        Command::Project(ProjectCmd::Delete { project, json }) => {
            admin::delete_project(ctx, &op, &ProjectId(project.clone()))
                .await
                .map_err(err)?;
            say(
                json,
                json!({"id": project, "deleted": true}),
                format!("deleted project {project}"),
            );
        }
        Command::Credential(CredentialCmd::Delete { client_id, json }) => {
            admin::delete_credential(ctx, &op, &ClientId(client_id.clone()))
                .await
                .map_err(err)?;
            say(
                json,
                json!({"client_id": client_id, "deleted": true}),
                format!("deleted credential {client_id}; every token it issued is revoked"),
            );
        }
        Command::Credential(CredentialCmd::DeleteSecret {
            client_id,
            secret_id,
            json,
        }) => {
            admin::delete_secret(ctx, &op, &ClientId(client_id.clone()), &secret_id)
                .await
                .map_err(err)?;
            say(
                json,
                json!({"client_id": client_id, "secret_id": secret_id, "deleted": true}),
                format!("deleted secret {secret_id} of {client_id}"),
            );
        }
        _ => return Err("not a project or credential command".into()),
    }
    Ok(())
}
