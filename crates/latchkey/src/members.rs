//! `user list|set-role|invite` and `product rename-profile|delete-profile|show`: the Admin
//! Console's operations for the operator (docs/design.md "CLI (contract)": `--json` prints
//! one JSON object). The rules are the core's (`admin::members`, `admin::products`): the
//! last-admin rule holds here too.

use crate::cli::{Command, ProductCmd, UserCmd};
use crate::commands::CmdResult;
use latchkey_core::admin::invitations::{self, NewMember};
use latchkey_core::admin::members::{self, member_json};
use latchkey_core::admin::{Actor, AdminError, Ctx, products};
use latchkey_core::ids::OrgId;
use latchkey_core::model::OrgRole;
use serde_json::{Value, json};

fn err(e: AdminError) -> String {
    e.to_string()
}

fn role(text: &str) -> Result<OrgRole, String> {
    text.parse()
}

/// `base`: the server's public URL, for invitation links.
pub async fn run(ctx: &Ctx<'_>, base: &str, cmd: Command) -> CmdResult {
    let op = Actor::Operator;
    let (json_mode, v, human) = match cmd {
        Command::User(UserCmd::List { org, search, json }) => {
            let found = members::search(ctx, &op, &OrgId(org), &search)
                .await
                .map_err(err)?;
            let human = found
                .iter()
                .map(|m| format!("{}  {}  {}", m.user.email, m.user.kind, m.role))
                .collect::<Vec<_>>()
                .join("\n");
            let users: Vec<Value> = found.iter().map(member_json).collect();
            (json, json!({ "users": users }), human)
        }
        Command::User(UserCmd::SetRole {
            org,
            user,
            role: r,
            json,
        }) => {
            let m = members::change_role(ctx, &op, &OrgId(org.clone()), &user, role(&r)?)
                .await
                .map_err(err)?;
            let human = format!("{} is now {} of {org}", m.user.email, m.role);
            (
                json,
                json!({"id": m.user.id, "org_id": org, "role": m.role}),
                human,
            )
        }
        Command::User(UserCmd::Remove { org, user, json }) => {
            let removed = members::remove(ctx, &op, &OrgId(org.clone()), &user)
                .await
                .map_err(err)?;
            let human = format!("{} is no longer a member of {org}", removed.email);
            (
                json,
                json!({"id": removed.id, "org_id": org, "removed": true}),
                human,
            )
        }
        Command::User(UserCmd::Reinvite { org, user, json }) => {
            let (invited, secret) = invitations::reinvite(ctx, &op, &OrgId(org), &user)
                .await
                .map_err(err)?;
            let url = invitations::invitation_url(base, &secret);
            let human = format!(
                "new link for {} (the old one no longer works; this one works once, for 7 \
                 days): {url}",
                invited.email
            );
            (
                json,
                json!({"id": invited.id, "email": invited.email, "invitation_url": url,
                       "expires_in": invitations::INVITATION_TTL_SECS}),
                human,
            )
        }
        Command::User(UserCmd::Invite {
            org,
            email,
            role: r,
            given_name,
            family_name,
            json,
        }) => {
            let added = invitations::add(
                ctx,
                &op,
                &OrgId(org),
                NewMember {
                    email: &email,
                    given_name: given_name.as_deref(),
                    family_name: family_name.as_deref(),
                    role: role(&r)?,
                    password: None,
                },
            )
            .await
            .map_err(err)?;
            let Some(secret) = added.invitation else {
                let human = format!(
                    "{} already had an account and joined the org",
                    added.user.email
                );
                return say(
                    json,
                    json!({"id": added.user.id, "email": added.user.email, "invitation_url": null}),
                    human,
                );
            };
            let url = invitations::invitation_url(base, &secret);
            let human = format!(
                "invited {}; send them this link (works once, for 7 days): {url}",
                added.user.email
            );
            (
                json,
                json!({"id": added.user.id, "email": added.user.email, "invitation_url": url,
                       "expires_in": invitations::INVITATION_TTL_SECS}),
                human,
            )
        }
        Command::Product(ProductCmd::RenameProfile {
            profile,
            name,
            json,
        }) => {
            let p = products::rename_profile(ctx, &op, &profile, &name)
                .await
                .map_err(err)?;
            let human = format!("profile {} is now named {}", p.id, p.name);
            (json, json!(p), human)
        }
        Command::Product(ProductCmd::DeleteProfile { profile, json }) => {
            products::delete_profile(ctx, &op, &profile)
                .await
                .map_err(err)?;
            (
                json,
                json!({"id": profile, "deleted": true}),
                format!("deleted profile {profile}"),
            )
        }
        Command::Product(ProductCmd::Show { instance, json }) => {
            let v = products::instance_view(ctx, &op, &instance)
                .await
                .map_err(err)?;
            let mut human = format!(
                "{} ({}) of org {}\n",
                v.instance.name, v.instance.product, v.instance.org_id
            );
            for u in &v.users {
                human.push_str(&format!(
                    "  {}  {}{}\n",
                    u.user.email,
                    u.role.as_str(),
                    u.credential
                        .as_ref()
                        .map(|(c, n, _)| format!("  credential {n} ({c})"))
                        .unwrap_or_default()
                ));
            }
            (
                json,
                products::instance_json(&v),
                human.trim_end().to_owned(),
            )
        }
        _ => return Err("not an Admin Console command".into()),
    };
    say(json_mode, v, human)
}

fn say(json_mode: bool, v: Value, human: String) -> CmdResult {
    if json_mode {
        println!("{v}");
    } else {
        println!("{human}");
    }
    Ok(())
}

/// `latchkey audit`: the operator reads any org's entries, or all of them.
pub async fn audit(ctx: &Ctx<'_>, args: crate::cli::AuditArgs) -> CmdResult {
    use latchkey_core::admin::audit_log::{self, Filter};
    let since = args
        .days
        .map(|d| latchkey_core::clock::Timestamp(ctx.now.0 - d.max(0) * 86_400_000));
    let org = args.org.map(OrgId);
    let events = audit_log::search_as_operator(
        ctx,
        org.as_ref(),
        &Filter {
            action: args.action.as_deref(),
            text: args.search.as_deref(),
            since,
            until: None,
            limit: Some(args.limit),
        },
    )
    .await
    .map_err(err)?;
    if args.jsonl {
        for e in &events {
            println!("{}", serde_json::to_string(e).map_err(|e| e.to_string())?);
        }
        return Ok(());
    }
    let human = events
        .iter()
        .map(|e| {
            format!(
                "{}  {}  {}  {}  {}",
                e.at.0,
                e.action.as_str(),
                e.actor,
                e.target,
                e.org_id.as_ref().map(|o| o.as_str()).unwrap_or("-")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    say(args.json, json!({ "events": events }), human)
}

/// `latchkey events ...` (I/O Events), as the operator.
pub async fn events(ctx: &Ctx<'_>, allow_private: bool, cmd: crate::cli::EventsCmd) -> CmdResult {
    use crate::cli::EventsCmd;
    use latchkey_core::admin::webhooks;
    use latchkey_core::ids::ProjectId;
    let op = Actor::Operator;
    let (json_mode, v, human) = match cmd {
        EventsCmd::Subscribe {
            project,
            url,
            events,
            json,
        } => {
            let sub = webhooks::prepare(ctx, &op, &ProjectId(project), &url, &events)
                .await
                .map_err(err)?;
            let challenge = latchkey_core::rand::token(ctx.rng, 16);
            latchkey_http::events::verify_challenge(&sub.url, &challenge, allow_private).await?;
            webhooks::save(ctx, &sub).await.map_err(err)?;
            let human = format!(
                "subscribed {} ({}) to {} event type(s)",
                sub.url,
                sub.id,
                sub.event_types.len()
            );
            (json, json!(sub), human)
        }
        EventsCmd::Types { json } => {
            let types = webhooks::event_types();
            (json, json!({ "types": types }), types.join("\n"))
        }
        EventsCmd::List { project, json } => {
            let subs = webhooks::list(ctx, &op, &ProjectId(project))
                .await
                .map_err(err)?;
            let human = subs
                .iter()
                .map(|s| format!("{}  {}  {} type(s)", s.id, s.url, s.event_types.len()))
                .collect::<Vec<_>>()
                .join("\n");
            (json, json!({ "subscriptions": subs }), human)
        }
        EventsCmd::Deliveries {
            subscription,
            limit,
            json,
        } => {
            let log = webhooks::deliveries(ctx, &op, &subscription, limit)
                .await
                .map_err(err)?;
            let human = log
                .iter()
                .map(|d| {
                    format!(
                        "{}  {}  {}  attempts {}  {}",
                        d.id,
                        d.event_type,
                        d.status.as_str(),
                        d.attempts,
                        d.last_error.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            (json, json!({ "deliveries": log }), human)
        }
        EventsCmd::Redeliver { delivery, json } => {
            webhooks::redeliver(ctx, &op, &delivery)
                .await
                .map_err(err)?;
            (
                json,
                json!({"id": delivery, "status": "pending"}),
                format!("{delivery} queued again"),
            )
        }
        EventsCmd::Unsubscribe { subscription, json } => {
            webhooks::delete(ctx, &op, &subscription)
                .await
                .map_err(err)?;
            (
                json,
                json!({"id": subscription, "deleted": true}),
                format!("deleted {subscription}"),
            )
        }
    };
    say(json_mode, v, human)
}
