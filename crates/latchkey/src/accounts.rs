//! `user disable|enable|set-password` and `credential disable|enable` (SEC-25): the
//! lifecycle commands whose effects reach every token issued before them.

use crate::cli::{Command, CredentialCmd, UserCmd};
use crate::commands::CmdResult;
use latchkey_core::admin::Actor;
use latchkey_core::admin::{AdminError, Ctx, accounts};
use latchkey_core::ids::ClientId;
use serde_json::json;

fn say(json_mode: bool, v: serde_json::Value, human: String) {
    if json_mode {
        println!("{v}");
    } else {
        println!("{human}");
    }
}

fn err(e: AdminError) -> String {
    e.to_string()
}

pub async fn run(ctx: &Ctx<'_>, cmd: Command) -> CmdResult {
    let op = Actor::Operator;
    match cmd {
        Command::User(UserCmd::Disable { user, json }) => {
            let u = accounts::set_user_disabled(ctx, &op, &user, true)
                .await
                .map_err(err)?;
            say(
                json,
                json!({"id": u.id, "disabled": true}),
                format!(
                    "disabled {}; their sessions and apps' tokens are revoked",
                    u.email
                ),
            );
        }
        Command::User(UserCmd::Enable { user, json }) => {
            let u = accounts::set_user_disabled(ctx, &op, &user, false)
                .await
                .map_err(err)?;
            say(
                json,
                json!({"id": u.id, "disabled": false}),
                format!("enabled {}", u.email),
            );
        }
        Command::User(UserCmd::SetPassword {
            user,
            password,
            json,
        }) => {
            let u = accounts::set_password(ctx, &op, &user, &password)
                .await
                .map_err(err)?;
            say(
                json,
                json!({"id": u.id}),
                format!(
                    "password changed for {}; their sessions and apps' tokens are revoked",
                    u.email
                ),
            );
        }
        Command::Credential(CredentialCmd::Disable { client_id, json }) => {
            accounts::set_credential_disabled(ctx, &op, &ClientId(client_id.clone()), true)
                .await
                .map_err(err)?;
            say(
                json,
                json!({"client_id": client_id, "disabled": true}),
                format!("disabled {client_id}; its tokens and grants are revoked"),
            );
        }
        Command::Credential(CredentialCmd::Enable { client_id, json }) => {
            accounts::set_credential_disabled(ctx, &op, &ClientId(client_id.clone()), false)
                .await
                .map_err(err)?;
            say(
                json,
                json!({"client_id": client_id, "disabled": false}),
                format!("enabled {client_id}"),
            );
        }
        _ => return Err("not an account command".into()),
    }
    Ok(())
}
