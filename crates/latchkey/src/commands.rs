//! The administrative commands. Each goes through `latchkey_core::admin`, the same code
//! the console will use, and prints one JSON object with `--json`.

use crate::cli::{
    ApiCmd, Cli, Command, ConfigCmd, CredentialCmd, KeysCmd, OrgCmd, ProductCmd, ProjectCmd,
    UserCmd,
};
use crate::config::Config;
use latchkey_core::admin::{self, Actor, CreatedCredential, Ctx, NewCredential, NewUser, catalog};
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::ids::{ApiId, ClientId, OrgId, ProjectId};
use latchkey_core::model::{Api, ApiScope, AuthKind, CredentialKind, OrgRole};
use latchkey_core::rand::SystemRng;
use latchkey_core::store::Store;
use serde_json::{Value, json};
use std::sync::Arc;

pub type CmdResult = Result<(), String>;

/// Open the configured database, run migrations, seed the API catalog if empty and
/// create the built-in Adobe CLI clients if missing.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, String> {
    let store = latchkey_store::open(&config.database)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", redact_url(&config.database)))?;
    catalog::seed_if_empty(store.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    let ctx = Ctx {
        store: store.as_ref(),
        rng: &SystemRng,
        now: SystemClock.now(),
        address: None,
    };
    admin::builtin::ensure_adobe_cli_clients(&ctx)
        .await
        .map_err(|e| e.to_string())?;
    Ok(store)
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn print(json_mode: bool, v: Value, human: String) {
    if json_mode {
        println!("{v}");
    } else {
        println!("{human}");
    }
}

pub async fn dispatch(cli: Cli) -> CmdResult {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(db) = cli.database {
        config.database = db;
    }
    if let Command::Serve(args) = cli.command {
        return crate::serve::serve(config, args).await;
    }
    config.validate()?;
    let store = open_store(&config).await?;
    let rng = SystemRng;
    let ctx = Ctx {
        store: store.as_ref(),
        rng: &rng,
        now: SystemClock.now(),
        address: None,
    };
    let err = |e: admin::AdminError| e.to_string();
    match cli.command {
        Command::Serve(_) => Ok(()),
        Command::Org(OrgCmd::Create { name, json }) => {
            let org = admin::create_org(&ctx, &name).await.map_err(err)?;
            print(
                json,
                json!({"id": org.id, "name": org.name}),
                format!("created org {} ({})", org.name, org.id),
            );
            Ok(())
        }
        Command::User(UserCmd::Create {
            org,
            email,
            password,
            role,
            given_name,
            family_name,
            country,
            json,
        }) => {
            let role: OrgRole = role.parse()?;
            let user = admin::create_user(
                &ctx,
                NewUser {
                    org: &OrgId(org),
                    email: &email,
                    password: &password,
                    role,
                    given_name: given_name.as_deref(),
                    family_name: family_name.as_deref(),
                    country: country.as_deref(),
                },
            )
            .await
            .map_err(err)?;
            print(
                json,
                json!({"id": user.id, "email": user.email, "role": role}),
                format!("created user {} ({})", user.email, user.id),
            );
            Ok(())
        }
        Command::Project(ProjectCmd::Create { org, name, json }) => {
            let p = admin::create_project(&ctx, &OrgId(org), &name)
                .await
                .map_err(err)?;
            print(
                json,
                json!({"id": p.id, "org_id": p.org_id, "name": p.name}),
                format!("created project {} ({})", p.name, p.id),
            );
            Ok(())
        }
        Command::Project(ProjectCmd::AddApi { project, api, json }) => {
            admin::add_api_to_project(&ctx, &ProjectId(project.clone()), &ApiId(api.clone()))
                .await
                .map_err(err)?;
            print(
                json,
                json!({"project": project, "api": api}),
                format!("added API {api} to project {project}"),
            );
            Ok(())
        }
        Command::Project(ProjectCmd::RemoveApi { project, api, json }) => {
            admin::projects::remove_api(
                &ctx,
                &Actor::Operator,
                &ProjectId(project.clone()),
                &ApiId(api.clone()),
            )
            .await
            .map_err(err)?;
            print(
                json,
                json!({"project": project, "api": api, "removed": true}),
                format!("removed API {api} from project {project}"),
            );
            Ok(())
        }
        Command::Api(ApiCmd::List { json }) => {
            let apis = store.list_apis().await.map_err(|e| e.to_string())?;
            if json {
                let list: Vec<Value> = apis.iter().map(api_json).collect();
                println!("{}", Value::Array(list));
            } else {
                for a in apis {
                    let scopes: Vec<&str> = a.scopes.iter().map(|s| s.name.as_str()).collect();
                    let auth: Vec<&str> = a.auth.iter().map(|k| k.as_str()).collect();
                    let metascopes = if a.metascopes.is_empty() {
                        String::new()
                    } else {
                        format!("  metascopes: {}", a.metascopes.join(","))
                    };
                    println!(
                        "{:<16} {:<28} auth: {:<50} scopes: {}{metascopes}",
                        a.id,
                        a.name,
                        auth.join(","),
                        scopes.join(",")
                    );
                }
            }
            Ok(())
        }
        Command::Api(ApiCmd::Create {
            id,
            name,
            scopes,
            auth,
            product,
            description,
            metascopes,
            json,
        }) => {
            let auth = auth
                .iter()
                .map(|a| a.parse::<AuthKind>())
                .collect::<Result<Vec<_>, _>>()?;
            let scopes = scopes
                .iter()
                .map(|s| match s.split_once('=') {
                    Some((n, d)) => ApiScope {
                        name: n.into(),
                        description: d.into(),
                    },
                    None => ApiScope {
                        name: s.clone(),
                        description: s.clone(),
                    },
                })
                .collect();
            let api = admin::create_api(
                &ctx,
                Api {
                    id: ApiId(id),
                    name,
                    product,
                    description: description.unwrap_or_default(),
                    auth,
                    scopes,
                    metascopes,
                },
            )
            .await
            .map_err(err)?;
            print(json, api_json(&api), format!("created API {}", api.id));
            Ok(())
        }
        Command::Credential(CredentialCmd::Create {
            project,
            kind,
            name,
            redirect_uris,
            certificate,
            profiles,
            json,
        }) => {
            let kind: CredentialKind = kind.parse()?;
            let pem = match certificate {
                Some(p) => Some(
                    std::fs::read_to_string(&p)
                        .map_err(|e| format!("cannot read {}: {e}", p.display()))?,
                ),
                None => None,
            };
            let created = admin::create_credential(
                &ctx,
                &Actor::Operator,
                NewCredential {
                    project: &ProjectId(project),
                    kind,
                    name: name.as_deref(),
                    redirect_uris: &redirect_uris,
                    certificate_pem: pem.as_deref(),
                    profiles: &profiles,
                },
            )
            .await
            .map_err(err)?;
            let mut v = credential_json(&created);
            v["profiles"] = json!(profiles);
            let human = credential_human(&created);
            print(json, v, human);
            Ok(())
        }
        Command::Credential(CredentialCmd::RotateSecret { client_id, json }) => {
            let (secret, revoked) =
                admin::rotate_secret(&ctx, &Actor::Operator, &ClientId(client_id.clone()))
                    .await
                    .map_err(err)?;
            print(
                json,
                json!({"client_id": client_id, "client_secret": secret.expose(), "revoked_secret_ids": revoked}),
                format!(
                    "new client_secret for {client_id} (shown once): {}",
                    secret.expose()
                ),
            );
            Ok(())
        }
        Command::Audit(args) => crate::members::audit(&ctx, args).await,
        Command::Events(cmd) => {
            crate::members::events(&ctx, config.events_allow_private_targets, cmd).await
        }
        Command::User(
            UserCmd::List { .. }
            | UserCmd::SetRole { .. }
            | UserCmd::Remove { .. }
            | UserCmd::Reinvite { .. }
            | UserCmd::Invite { .. },
        )
        | Command::Product(
            ProductCmd::RenameProfile { .. }
            | ProductCmd::DeleteProfile { .. }
            | ProductCmd::Show { .. },
        ) => {
            let base = config
                .issuer
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.listen));
            crate::members::run(&ctx, &base, cli.command).await
        }
        Command::User(
            UserCmd::Disable { .. } | UserCmd::Enable { .. } | UserCmd::SetPassword { .. },
        )
        | Command::Credential(CredentialCmd::Disable { .. } | CredentialCmd::Enable { .. }) => {
            crate::accounts::run(&ctx, cli.command).await
        }
        Command::Project(
            ProjectCmd::List { .. }
            | ProjectCmd::Show { .. }
            | ProjectCmd::Rename { .. }
            | ProjectCmd::Delete { .. },
        )
        | Command::Credential(
            CredentialCmd::List { .. }
            | CredentialCmd::Show { .. }
            | CredentialCmd::Update { .. }
            | CredentialCmd::Delete { .. }
            | CredentialCmd::DeleteSecret { .. },
        ) => crate::projects::run(&ctx, store.as_ref(), cli.command).await,
        Command::Org(OrgCmd::Settings { .. })
        | Command::Credential(
            CredentialCmd::AddCertificate { .. }
            | CredentialCmd::Certificates { .. }
            | CredentialCmd::ExpireCertificate { .. }
            | CredentialCmd::RemoveCertificate { .. }
            | CredentialCmd::GenerateKey { .. }
            | CredentialCmd::Convert { .. },
        )
        | Command::Product(_) => service_accounts(&ctx, cli.command).await,
        Command::Keys(KeysCmd::Rotate {
            publish_ahead,
            json,
        }) => {
            let master = crate::masterkey::load(&config.database, store.as_ref()).await?;
            let keep = config.key_retention_secs();
            let created = admin::keys::rotate_keys(&ctx, &master, publish_ahead, keep)
                .await
                .map_err(err)?;
            let kids: Vec<&str> = created.iter().map(|k| k.kid.as_str()).collect();
            print(
                json,
                json!({"kids": kids, "activate_at": created.first().map(|k| k.activate_at.millis())}),
                format!(
                    "new signing keys {} published; they sign in {publish_ahead} s",
                    kids.join(", ")
                ),
            );
            Ok(())
        }
        Command::Config(ConfigCmd::Check { json }) => {
            let master = crate::masterkey::load(&config.database, store.as_ref()).await?;
            let ring = admin::keys::ensure_keys(&ctx, &master).await.map_err(err)?;
            store.ping().await.map_err(|e| e.to_string())?;
            let kids: Vec<&str> = ring.kids().collect();
            print(
                json,
                json!({"ok": true, "database": redact_url(&config.database), "backend": store.backend(), "keys": kids}),
                format!(
                    "configuration OK: {} database, keys {}",
                    store.backend(),
                    kids.join(", ")
                ),
            );
            Ok(())
        }
    }
}

fn api_json(a: &Api) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "product": a.product,
        "description": a.description,
        "scopes": a.scopes.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        "scope_descriptions": a.scopes,
        "auth": a.auth,
        "metascopes": a.metascopes,
    })
}

pub fn credential_json(c: &CreatedCredential) -> Value {
    let cred = &c.credential;
    let mut v = json!({
        "client_id": cred.client_id,
        "kind": cred.kind,
        "name": cred.name,
        "scopes": c.scopes,
        "redirect_uris": cred.redirect_uris,
        "org_id": cred.org_id,
        "project_id": cred.project_id,
    });
    if let Some(s) = &c.secret {
        v["client_secret"] = Value::from(s.expose());
    }
    if let Some(t) = &c.technical_account {
        v["technical_account_id"] = Value::from(t.id.as_str());
        v["technical_account_email"] = Value::from(t.email.as_str());
    }
    v
}

pub fn credential_human(c: &CreatedCredential) -> String {
    let cred = &c.credential;
    let mut s = format!(
        "{} \"{}\"\n  client_id:     {}",
        cred.kind.label(),
        cred.name,
        cred.client_id
    );
    if let Some(secret) = &c.secret {
        s.push_str(&format!(
            "\n  client_secret: {}   (shown once)",
            secret.expose()
        ));
    }
    if let Some(t) = &c.technical_account {
        s.push_str(&format!("\n  technical account: {}", t.id));
    }
    if !cred.redirect_uris.is_empty() {
        s.push_str(&format!(
            "\n  redirect URIs: {}",
            cred.redirect_uris.join(" ")
        ));
    }
    if !c.scopes.is_empty() {
        s.push_str(&format!("\n  scopes:        {}", c.scopes.join(",")));
    }
    s
}

/// Service-account, product and org-settings commands, as the operator.
async fn service_accounts(ctx: &Ctx<'_>, command: Command) -> CmdResult {
    use latchkey_core::admin::{authz, service_accounts as sa};
    let op = &Actor::Operator;
    let err = |e: admin::AdminError| e.to_string();
    let cert_json = |c: &latchkey_core::products::CertificateRecord| {
        json!({"id": c.id, "client_id": c.client_id, "created_at": c.created_at.millis(),
               "expires_at": c.expires_at.map(|t| t.millis())})
    };
    let (json_mode, v, human) = match command {
        Command::Org(OrgCmd::Settings {
            org,
            developers_may_manage_credentials: allowed,
            json,
        }) => {
            authz::set_developers_may_manage_credentials(ctx, op, &OrgId(org.clone()), allowed)
                .await
                .map_err(err)?;
            let v = json!({"org_id": org, "developers_may_manage_credentials": allowed});
            (
                json,
                v,
                format!("org {org}: developers may manage credentials: {allowed}"),
            )
        }
        Command::Credential(CredentialCmd::AddCertificate {
            client_id,
            certificate,
            json,
        }) => {
            let pem = std::fs::read_to_string(&certificate)
                .map_err(|e| format!("cannot read {}: {e}", certificate.display()))?;
            let c = sa::add_certificate(ctx, op, &ClientId(client_id), &pem)
                .await
                .map_err(err)?;
            let human = format!("added certificate {} to {}", c.id, c.client_id);
            (json, cert_json(&c), human)
        }
        Command::Credential(CredentialCmd::GenerateKey {
            client_id,
            alg,
            json,
        }) => {
            let alg: latchkey_core::keys::KeyAlg = alg.parse()?;
            let k = sa::generate_key(ctx, op, &ClientId(client_id), alg)
                .await
                .map_err(err)?;
            let mut v = cert_json(&k.certificate);
            v["private_key"] = json!(k.private_key_pem);
            let human = format!(
                "registered key {} for {}; its private key, shown once and never stored:\n{}",
                k.certificate.id, k.certificate.client_id, k.private_key_pem
            );
            (json, v, human)
        }
        Command::Credential(CredentialCmd::Certificates { client_id, json }) => {
            let list = sa::list_certificates(ctx, op, &ClientId(client_id))
                .await
                .map_err(err)?;
            let human = list
                .iter()
                .map(|c| format!("{}  expires {:?}", c.id, c.expires_at.map(|t| t.millis())))
                .collect::<Vec<_>>()
                .join("\n");
            let v = json!({"certificates": list.iter().map(cert_json).collect::<Vec<_>>()});
            (json, v, human)
        }
        Command::Credential(CredentialCmd::ExpireCertificate {
            client_id,
            certificate_id,
            at,
            json,
        }) => {
            let at = at.map(latchkey_core::clock::Timestamp);
            let when = sa::expire_certificate(ctx, op, &ClientId(client_id), &certificate_id, at)
                .await
                .map_err(err)?;
            let v = json!({"id": certificate_id, "expires_at": when.millis()});
            (
                json,
                v,
                format!("certificate {certificate_id} expires at {}", when.millis()),
            )
        }
        Command::Credential(CredentialCmd::RemoveCertificate {
            client_id,
            certificate_id,
            json,
        }) => {
            sa::remove_certificate(ctx, op, &ClientId(client_id), &certificate_id)
                .await
                .map_err(err)?;
            let v = json!({"id": certificate_id, "removed": true});
            (json, v, format!("removed certificate {certificate_id}"))
        }
        Command::Credential(CredentialCmd::Convert {
            client_id,
            to,
            json,
        }) => {
            if to.parse::<CredentialKind>()? != CredentialKind::ServerToServer {
                return Err("credentials convert only to server_to_server".into());
            }
            let (cred, scopes) = sa::convert_to_server_to_server(ctx, op, &ClientId(client_id))
                .await
                .map_err(err)?;
            let v = json!({"client_id": cred.client_id, "kind": cred.kind, "org_id": cred.org_id,
                           "technical_account_id": cred.technical_account, "scopes": scopes});
            (
                json,
                v,
                format!("{} is now {}", cred.client_id, cred.kind.label()),
            )
        }
        Command::Product(cmd) => product(ctx, cmd).await?,
        _ => return Err("not a service-account command".into()),
    };
    print(json_mode, v, human);
    Ok(())
}

async fn product(ctx: &Ctx<'_>, cmd: ProductCmd) -> Result<(bool, Value, String), String> {
    use latchkey_core::admin::products;
    use latchkey_core::ids::UserId;
    let op = &Actor::Operator;
    let err = |e: admin::AdminError| e.to_string();
    Ok(match cmd {
        ProductCmd::CreateInstance {
            org,
            product,
            name,
            json,
        } => {
            let i = products::create_instance(ctx, op, &OrgId(org), &product, name.as_deref())
                .await
                .map_err(err)?;
            let human = format!("created {} instance {} ({})", i.product, i.name, i.id);
            (json, json!(i), human)
        }
        ProductCmd::Instances { org, json } => {
            let list = products::list_instances(ctx, op, &OrgId(org))
                .await
                .map_err(err)?;
            let human = list
                .iter()
                .map(|i| format!("{}  {}  {}", i.id, i.product, i.name))
                .collect::<Vec<_>>()
                .join("\n");
            (json, json!({"instances": list}), human)
        }
        ProductCmd::CreateProfile {
            instance,
            name,
            json,
        } => {
            let p = products::create_profile(ctx, op, &instance, &name)
                .await
                .map_err(err)?;
            let human = format!("created profile {} ({})", p.name, p.id);
            (json, json!(p), human)
        }
        ProductCmd::Profiles { instance, json } => {
            let list = products::list_profiles(ctx, op, &instance)
                .await
                .map_err(err)?;
            let human = list
                .iter()
                .map(|(p, m)| format!("{}  {}  {} members", p.id, p.name, m.len()))
                .collect::<Vec<_>>()
                .join("\n");
            let v: Vec<Value> = list
                .iter()
                .map(|(p, m)| json!({"id": p.id, "name": p.name, "instance_id": p.instance_id, "members": m}))
                .collect();
            (json, json!({"profiles": v}), human)
        }
        ProductCmd::AddMember {
            profile,
            user,
            admin,
            json,
        } => {
            let id = products::add_profile_member(ctx, op, &profile, &user, admin)
                .await
                .map_err(err)?;
            let v = json!({"profile_id": profile, "user_id": id, "admin": admin});
            (
                json,
                v,
                format!("{id} is in profile {profile} (admin: {admin})"),
            )
        }
        ProductCmd::RemoveMember {
            profile,
            user,
            json,
        } => {
            let id = products::remove_profile_member(ctx, op, &profile, &user)
                .await
                .map_err(err)?;
            let v = json!({"profile_id": profile, "user_id": id, "removed": true});
            (json, v, format!("{id} left profile {profile}"))
        }
        ProductCmd::Roles { user, json } => {
            let roles = products::product_roles(ctx.store, &UserId(user))
                .await
                .map_err(|e| e.to_string())?;
            let human = roles
                .iter()
                .map(|r| format!("{}  {}  {}", r.product, r.instance_name, r.role.as_str()))
                .collect::<Vec<_>>()
                .join("\n");
            (json, json!({"product_roles": roles}), human)
        }
        _ => return Err("not a product command".into()),
    })
}
