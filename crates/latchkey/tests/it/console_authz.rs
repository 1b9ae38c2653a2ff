//! SEC-40: the authorization matrix of the console API. Every endpoint of
//! `/console/api/openapi.json` is called as a system admin, a developer, a plain member
//! (`OrgRole::User`), a system admin of another org, an anonymous caller and a person
//! whose token lacks `adobeio_api`; each gets 2xx, 401, 403 or 404 as
//! docs/console-contract.md §5 and `latchkey_core::admin::authz` say, and the refused
//! calls neither return nor change anything of the org (its projects, credentials,
//! secrets, APIs and profile members are compared before and after).

use super::console_writes::{call, call_form, person};
use crate::helpers::RSA_CERT;
use latchkey_core::admin::console_ids::{ConsoleKind, number_of};
use latchkey_core::admin::invitations::{self, NewMember};
use latchkey_core::admin::{self, Actor, NewCredential, products, webhooks};
use latchkey_core::ids::{ApiId, OrgId};
use latchkey_core::model::{CredentialKind, OrgRole};
use latchkey_testkit::TestServer;
use serde_json::{Value, json};

/// Objects of the target org that one row acts on (fresh ones for rows that consume them).
struct Target {
    org: String,
    project: String,
    empty_project: String,
    workspace: String,
    credential: String,
    secret: String,
    /// A credential with one secret, so that one more may be added.
    jwt: String,
    jwt_client_id: String,
    /// Strings that must never reach a caller from another org.
    private: Vec<String>,
    /// The Admin Console rows' objects: a person of the org (a member of `profile`), a
    /// product instance and one of its profiles; `n` makes names unique.
    n: usize,
    person: String,
    /// A person invited to the org who has not set a password yet.
    invitee: String,
    instance: String,
    profile: String,
    /// I/O Events: the project's Latchkey id, a subscription of it (to the shared
    /// receiver) and one of its deliveries.
    project_id: String,
    subscription: String,
    delivery: String,
}

async fn target(s: &TestServer, org: &OrgId, n: usize) -> Target {
    let ctx = s.ctx();
    let project = admin::create_project(&ctx, org, &format!("Target {n}"))
        .await
        .unwrap();
    let empty = admin::create_project(&ctx, org, &format!("Empty {n}"))
        .await
        .unwrap();
    admin::add_api_to_project(&ctx, &project.id, &ApiId("workfront".into()))
        .await
        .unwrap();
    let hook = webhooks::prepare(
        &ctx,
        &Actor::Operator,
        &project.id,
        &crate::support::shared_receiver().url,
        &["credential.created".to_owned()],
    )
    .await
    .unwrap();
    webhooks::save(&ctx, &hook).await.unwrap();
    let new = |kind| NewCredential {
        project: &project.id,
        kind,
        name: Some("Target credential"),
        redirect_uris: &[],
        certificate_pem: None,
        profiles: &[],
    };
    let s2s = admin::create_credential(&ctx, &Actor::Operator, new(CredentialKind::ServerToServer))
        .await
        .unwrap();
    let client_id = s2s.credential.client_id.clone();
    admin::rotate_secret(&ctx, &Actor::Operator, &client_id)
        .await
        .unwrap();
    let secret = s.state.store.active_secrets(&client_id).await.unwrap()[0]
        .id
        .clone();
    let jwt = admin::create_credential(
        &ctx,
        &Actor::Operator,
        new(CredentialKind::ServiceAccountJwt),
    )
    .await
    .unwrap();
    let person_id = person(s, &org.0, &format!("person{n}@a.example"), OrgRole::User).await;
    let invitee = invitations::add(
        &ctx,
        &Actor::Operator,
        org,
        NewMember {
            email: &format!("invitee{n}@a.example"),
            given_name: None,
            family_name: None,
            role: OrgRole::User,
            password: None,
        },
    )
    .await
    .unwrap()
    .user
    .id
    .0;
    let instance = products::create_instance(
        &ctx,
        &Actor::Operator,
        org,
        "Workfront",
        Some(&format!("Workfront {n}")),
    )
    .await
    .unwrap();
    let profile = products::create_profile(&ctx, &Actor::Operator, &instance.id, "Profile")
        .await
        .unwrap();
    products::add_profile_member(&ctx, &Actor::Operator, &profile.id, &person_id.0, false)
        .await
        .unwrap();
    let num = |kind, id: String| {
        let ctx = s.ctx();
        async move { number_of(&ctx, kind, &id).await.unwrap() }
    };
    Target {
        org: num(ConsoleKind::Org, org.0.clone()).await,
        project: num(ConsoleKind::Project, project.id.0.clone()).await,
        empty_project: num(ConsoleKind::Project, empty.id.0.clone()).await,
        workspace: num(ConsoleKind::Workspace, project.id.0.clone()).await,
        credential: num(ConsoleKind::Credential, client_id.0.clone()).await,
        secret,
        jwt: num(ConsoleKind::Credential, jwt.credential.client_id.0.clone()).await,
        jwt_client_id: jwt.credential.client_id.0.clone(),
        private: vec![
            org.0.clone(),
            client_id.0,
            jwt.credential.client_id.0,
            project.name,
            project.id.0.clone(),
            person_id.0.clone(),
        ],
        n,
        person: person_id.0,
        invitee,
        instance: instance.id,
        profile: profile.id,
        delivery: webhooks::deliveries(&ctx, &Actor::Operator, &hook.id, 1)
            .await
            .unwrap()[0]
            .id
            .clone(),
        project_id: project.id.0.clone(),
        subscription: hook.id,
    }
}

/// A refused call: who, token, API key, path, expected status.
type Attempt<'a> = (&'a str, Option<&'a str>, Option<&'a str>, String, u16);

/// Everything of the org a refused call could change.
async fn snapshot(s: &TestServer, org: &OrgId) -> String {
    let st = &s.state.store;
    let mut out = String::new();
    for p in st.list_projects(org).await.unwrap() {
        let apis: Vec<String> = st
            .project_apis(&p.id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.id.0)
            .collect();
        out += &format!("{} {} {apis:?}\n", p.id, p.name);
        for c in st.list_credentials(&p.id).await.unwrap() {
            let secrets: Vec<String> = st
                .active_secrets(&c.client_id)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            out += &format!(
                "  {} {} {:?} {:?} {} {secrets:?}\n",
                c.client_id, c.name, c.kind, c.redirect_uris, c.disabled
            );
        }
    }
    for i in st.list_instances(org).await.unwrap() {
        for p in st.list_profiles(&i.id).await.unwrap() {
            let members: Vec<String> = st
                .profile_members(&p.id)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.user_id.0)
                .collect();
            out += &format!("profile {} {members:?}\n", p.id);
        }
    }
    out
}

/// What each role gets on one endpoint.
struct Row {
    method: &'static str,
    path: fn(&Target) -> String,
    body: Option<fn(&Target) -> Value>,
    /// System admin and developer (the org lets developers manage credentials).
    manager: u16,
    /// A plain member.
    member: u16,
    /// A system admin of another org.
    other: u16,
    /// Anonymous, and a token without `adobeio_api`.
    anonymous: u16,
    narrow: u16,
    /// The call consumes its objects: each success gets a fresh target.
    fresh: bool,
    /// The path names objects below the org: also tried with the other org's number.
    nested: bool,
    /// The body is the multipart form of `W/credentials/entp`.
    form: bool,
    /// Only a system admin may (the Admin Console's operations): a developer gets 403.
    admin_only: bool,
}

const fn read(path: fn(&Target) -> String, nested: bool) -> Row {
    Row {
        method: "GET",
        path,
        body: None,
        manager: 200,
        member: 200,
        other: 404,
        anonymous: 401,
        narrow: 403,
        fresh: false,
        nested,
        form: false,
        admin_only: false,
    }
}

const fn write(
    method: &'static str,
    path: fn(&Target) -> String,
    body: Option<fn(&Target) -> Value>,
    ok: u16,
    fresh: bool,
) -> Row {
    Row {
        method,
        path,
        body,
        manager: ok,
        member: 403,
        other: 404,
        anonymous: 401,
        narrow: 403,
        fresh,
        nested: true,
        form: false,
        admin_only: false,
    }
}

/// An Admin Console operation: system admins only; `nested` when an org number is in the
/// path and objects of the org below it.
const fn admin_op(
    method: &'static str,
    path: fn(&Target) -> String,
    body: Option<fn(&Target) -> Value>,
    ok: u16,
    fresh: bool,
    nested: bool,
) -> Row {
    Row {
        admin_only: true,
        nested,
        ..write(method, path, body, ok, fresh)
    }
}

fn a(t: &Target) -> String {
    format!("/console/api/organizations/{}", t.org)
}

fn o(t: &Target) -> String {
    format!("/console/organizations/{}", t.org)
}
fn p(t: &Target) -> String {
    format!("{}/projects/{}", o(t), t.project)
}
fn w(t: &Target) -> String {
    format!("{}/workspaces/{}", p(t), t.workspace)
}

fn rows() -> Vec<Row> {
    let subscribe =
        |_: &Target| json!([{"sdkCode": "WorkfrontSDK", "roles": null, "licenseConfigs": null}]);
    vec![
        Row {
            other: 200,
            ..read(|_| "/console/organizations".into(), false)
        },
        read(|t| format!("{}/projects", o(t)), false),
        Row {
            nested: false,
            ..write(
                "POST",
                |t| format!("{}/projects", o(t)),
                Some(|_| json!({"name": "New", "type": "default"})),
                201,
                false,
            )
        },
        read(p, true),
        write("PATCH", p, Some(|_| json!({"name": "Renamed"})), 200, false),
        write(
            "DELETE",
            |t| format!("{}/projects/{}", o(t), t.empty_project),
            None,
            200,
            true,
        ),
        read(|t| format!("{}/workspaces", p(t)), true),
        write(
            "POST",
            |t| format!("{}/workspaces", p(t)),
            Some(|_| json!({"name": "Stage"})),
            400,
            false,
        ),
        read(w, true),
        read(|t| format!("{}/download", w(t)), true),
        read(|t| format!("{}/credentials", w(t)), true),
        write(
            "POST",
            |t| format!("{}/credentials/oauth-server-to-server", w(t)),
            Some(|_| json!({"name": "n", "description": "d"})),
            200,
            false,
        ),
        write(
            "POST",
            |t| format!("{}/credentials/adobeId", w(t)),
            Some(|_| {
                json!({"name": "n", "description": "d",
            "platform": "WebApp", "defaultRedirectUri": "https://app.example/cb"})
            }),
            200,
            false,
        ),
        Row {
            form: true,
            ..write(
                "POST",
                |t| format!("{}/credentials/entp", w(t)),
                None,
                200,
                false,
            )
        },
        write(
            "DELETE",
            |t| format!("{}/credentials/{}", w(t), t.credential),
            None,
            200,
            true,
        ),
        write(
            "PUT",
            |t| {
                format!(
                    "{}/credentials/oauth_server_to_server/{}/services",
                    w(t),
                    t.credential
                )
            },
            Some(subscribe),
            200,
            false,
        ),
        write(
            "PUT",
            |t| {
                format!(
                    "{}/credentials/oauth-server-to-server/{}/services",
                    o(t),
                    t.credential
                )
            },
            Some(subscribe),
            200,
            false,
        ),
        Row {
            member: 403,
            ..read(
                |t| format!("{}/credentials/{}/secrets", o(t), t.credential),
                true,
            )
        },
        write(
            "POST",
            |t| format!("{}/credentials/{}/secrets", o(t), t.jwt),
            None,
            201,
            true,
        ),
        write(
            "DELETE",
            |t| format!("{}/credentials/{}/secrets/{}", o(t), t.credential, t.secret),
            None,
            204,
            true,
        ),
        read(|t| format!("{}/integrations/{}", o(t), t.credential), true),
        Row {
            member: 403,
            ..read(
                |t| format!("{}/integrations/{}/secrets", o(t), t.credential),
                true,
            )
        },
        read(
            |t| {
                format!(
                    "{}/integrations/entp/{}/service/WorkfrontSDK/properties",
                    o(t),
                    t.credential
                )
            },
            true,
        ),
        read(
            |t| format!("{}/projects_workspaces/credentials/{}", o(t), t.credential),
            true,
        ),
        read(
            |t| format!("{}/projects_workspaces/workspaces/{}", o(t), t.workspace),
            true,
        ),
        read(|t| format!("{}/services", o(t)), false),
        read(|t| format!("{}/services/v2", o(t)), false),
        read(
            |t| format!("/console/services/ims/organizations/{}/terms", t.org),
            false,
        ),
        Row {
            member: 200,
            nested: false,
            ..write(
                "POST",
                |t| format!("/console/services/ims/organizations/{}/terms", t.org),
                None,
                200,
                false,
            )
        },
        Row {
            other: 200,
            ..read(|_| "/console/services/ims/terms".into(), false)
        },
        Row {
            nested: false,
            ..write(
                "POST",
                |t| format!("/console/api/credentials/{}/convert", t.jwt_client_id),
                None,
                200,
                true,
            )
        },
        Row {
            other: 200,
            anonymous: 200,
            narrow: 200,
            ..read(|_| "/console/api/openapi.json".into(), false)
        },
        // The Admin Console's API. The other org's admin on the org-level paths with
        // their own number reaches their own org (not nested).
        admin_op(
            "GET",
            |t| format!("{}/users?search=person", a(t)),
            None,
            200,
            false,
            false,
        ),
        admin_op(
            "POST",
            |t| format!("{}/users", a(t)),
            Some(|t| json!({"email": format!("new{}@a.example", t.n), "role": "developer"})),
            201,
            true,
            false,
        ),
        admin_op(
            "GET",
            |t| format!("{}/users/{}", a(t), t.person),
            None,
            200,
            false,
            true,
        ),
        admin_op(
            "PATCH",
            |t| format!("{}/users/{}", a(t), t.person),
            Some(|_| json!({"role": "developer"})),
            200,
            true,
            true,
        ),
        admin_op(
            "POST",
            |t| format!("{}/users/{}/invitation", a(t), t.invitee),
            None,
            201,
            false,
            true,
        ),
        admin_op(
            "DELETE",
            |t| format!("{}/users/{}", a(t), t.person),
            None,
            204,
            true,
            true,
        ),
        admin_op(
            "GET",
            |t| format!("{}/audit?limit=5", a(t)),
            None,
            200,
            false,
            false,
        ),
        admin_op(
            "GET",
            |t| format!("{}/settings", a(t)),
            None,
            200,
            false,
            false,
        ),
        admin_op(
            "PATCH",
            |t| format!("{}/settings", a(t)),
            Some(|_| json!({"developers_may_manage_credentials": true})),
            200,
            false,
            false,
        ),
        admin_op(
            "GET",
            |t| format!("/console/api/product-instances/{}", t.instance),
            None,
            200,
            false,
            false,
        ),
        admin_op(
            "POST",
            |t| format!("/console/api/product-instances/{}/profiles", t.instance),
            Some(|t| json!({"name": format!("New {}", t.n)})),
            201,
            true,
            false,
        ),
        admin_op(
            "PATCH",
            |t| format!("/console/api/product-profiles/{}", t.profile),
            Some(|t| json!({"name": format!("Renamed {}", t.n)})),
            200,
            true,
            false,
        ),
        admin_op(
            "DELETE",
            |t| format!("/console/api/product-profiles/{}", t.profile),
            None,
            204,
            true,
            false,
        ),
        admin_op(
            "PUT",
            |t| {
                format!(
                    "/console/api/product-profiles/{}/members/{}",
                    t.profile, t.person
                )
            },
            Some(|_| json!({"admin": true})),
            200,
            true,
            false,
        ),
        admin_op(
            "DELETE",
            |t| {
                format!(
                    "/console/api/product-profiles/{}/members/{}",
                    t.profile, t.person
                )
            },
            None,
            204,
            true,
            false,
        ),
        // I/O Events: whoever may manage credentials subscribes; every member reads.
        read(
            |t| format!("/console/api/projects/{}/event-subscriptions", t.project_id),
            false,
        ),
        Row {
            nested: false,
            ..write(
                "POST",
                |t| format!("/console/api/projects/{}/event-subscriptions", t.project_id),
                Some(|_| {
                    json!({"url": crate::support::shared_receiver().url,
                           "event_types": ["user.created"]})
                }),
                201,
                false,
            )
        },
        read(
            |t| {
                format!(
                    "/console/api/event-subscriptions/{}/deliveries",
                    t.subscription
                )
            },
            false,
        ),
        Row {
            nested: false,
            ..write(
                "POST",
                |t| {
                    format!(
                        "/console/api/event-subscriptions/{}/deliveries/{}/redeliver",
                        t.subscription, t.delivery
                    )
                },
                None,
                200,
                false,
            )
        },
        Row {
            nested: false,
            ..write(
                "DELETE",
                |t| format!("/console/api/event-subscriptions/{}", t.subscription),
                None,
                204,
                true,
            )
        },
    ]
}

async fn send(
    s: &TestServer,
    row: &Row,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    if row.form {
        call_form(s, path, token, key, RSA_CERT).await
    } else {
        call(s, row.method, path, token, key, body).await
    }
}

/// The documented template a row's concrete path comes from.
fn template(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            let number = !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit());
            let hex = seg.len() >= 16 && seg.bytes().all(|b| b.is_ascii_hexdigit());
            // The two path parameters that are words: an sdkCode and a credential type.
            let word = seg.ends_with("SDK") || seg == "oauth_server_to_server";
            // A user id (`…@AdobeID`), with or without a query after it.
            let user = seg.contains('@');
            // A delivery id: `<event uuid>.<subscription id>`.
            let delivery = seg.len() > 40 && seg.contains('.');
            if number || hex || word || user || delivery {
                "{}"
            } else {
                seg.split('?').next().unwrap_or(seg)
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn sec_40_every_console_api_endpoint_answers_each_role_as_it_must() {
    let s = TestServer::start().await;
    let app = s.credential(CredentialKind::OAuthWeb).await;
    let org = OrgId(app.org_id.clone());
    let other_app = s.credential(CredentialKind::OAuthWeb).await;
    let scopes = "openid,adobeio_api,read_client_secret,manage_client_secrets";
    let admin_id = person(&s, &app.org_id, "admin@a.example", OrgRole::SystemAdmin).await;
    let dev_id = person(&s, &app.org_id, "dev@a.example", OrgRole::Developer).await;
    let member_id = person(&s, &app.org_id, "member@a.example", OrgRole::User).await;
    let outsider_id = person(
        &s,
        &other_app.org_id,
        "admin@b.example",
        OrgRole::SystemAdmin,
    )
    .await;
    let admin = s.person_token(&app.client_id, &admin_id, scopes);
    let dev = s.person_token(&app.client_id, &dev_id, scopes);
    let member = s.person_token(&app.client_id, &member_id, scopes);
    let outsider = s.person_token(&other_app.client_id, &outsider_id, scopes);
    let narrow = s.person_token(
        &app.client_id,
        &admin_id,
        "openid,read_client_secret,manage_client_secrets",
    );
    let key = Some(app.client_id.as_str());
    let their_key = Some(other_app.client_id.as_str());
    let their_org = number_of(&s.ctx(), ConsoleKind::Org, &other_app.org_id)
        .await
        .unwrap();
    let instance = products::create_instance(&s.ctx(), &Actor::Operator, &org, "Workfront", None)
        .await
        .unwrap();
    products::create_profile(&s.ctx(), &Actor::Operator, &instance.id, "WF")
        .await
        .unwrap();

    // The rows cover every documented operation, and no other.
    let (_, doc) = call(&s, "GET", "/console/api/openapi.json", None, None, None).await;
    let mut documented: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object().unwrap().keys().map(move |m| {
                format!(
                    "{} {}",
                    m.to_uppercase(),
                    template(
                        &path
                            .split('/')
                            .map(|s| if s.starts_with('{') { "1" } else { s })
                            .collect::<Vec<_>>()
                            .join("/")
                    )
                )
            })
        })
        .collect();
    let mut n = 0;
    let probe = target(&s, &org, n).await;
    let mut covered: Vec<String> = rows()
        .iter()
        .map(|r| format!("{} {}", r.method, template(&(r.path)(&probe))))
        .collect();
    documented.sort();
    covered.sort();
    assert_eq!(covered, documented, "one row per documented operation");

    // The paths that also take the IMS org code hide the org from outsiders by code too.
    for path in [
        format!("/console/organizations/{}/services/v2", app.org_id),
        format!("/console/services/ims/organizations/{}/terms", app.org_id),
    ] {
        let (status, got) = call(&s, "GET", &path, Some(&outsider), their_key, None).await;
        assert_eq!(status, 404, "{path}: {got}");
        assert_eq!(
            call(&s, "GET", &path, Some(&member), key, None).await.0,
            200,
            "{path}"
        );
    }

    for row in rows() {
        n += 1;
        let t = target(&s, &org, n).await;
        let path = (row.path)(&t);
        let body = row.body.map(|b| b(&t));
        let what = format!("{} {}", row.method, template(&path));
        let before = snapshot(&s, &org).await;
        let mut refused: Vec<Attempt<'_>> = vec![
            ("anonymous", None, key, path.clone(), row.anonymous),
            (
                "no adobeio_api",
                Some(narrow.as_str()),
                key,
                path.clone(),
                row.narrow,
            ),
            (
                "other org",
                Some(outsider.as_str()),
                their_key,
                path.clone(),
                row.other,
            ),
        ];
        if row.nested {
            // The other org's own number with this org's objects below it.
            let mixed = path.replacen(&format!("/{}", t.org), &format!("/{their_org}"), 1);
            refused.push((
                "other org, own number",
                Some(outsider.as_str()),
                their_key,
                mixed,
                404,
            ));
        }
        if row.member >= 400 {
            refused.push((
                "member",
                Some(member.as_str()),
                key,
                path.clone(),
                row.member,
            ));
        }
        for (who, token, k, path, want) in refused {
            let (status, got) = send(&s, &row, &path, token, k, body.clone()).await;
            assert_eq!(status, want, "{who}: {what}: {got}");
            if who.starts_with("other org") {
                let text = got.to_string();
                // What the caller sent in the path may come back in the message.
                for secret in t.private.iter().filter(|p| !path.contains(p.as_str())) {
                    assert!(
                        !text.contains(secret.as_str()),
                        "{who}: {what} leaked {secret}: {text}"
                    );
                }
            }
            if status >= 400 {
                assert!(
                    got.get("error_code").is_some() || got.get("error").is_some(),
                    "{who}: {what}: {got}"
                );
            }
        }
        assert_eq!(
            before,
            snapshot(&s, &org).await,
            "a refused {what} changed the org"
        );
        if row.member < 400 {
            let (status, got) = send(&s, &row, &path, Some(&member), key, body.clone()).await;
            assert_eq!(status, row.member, "member: {what}: {got}");
        }
        for (who, token) in [("developer", &dev), ("system admin", &admin)] {
            let (path, body) = if row.fresh {
                n += 1;
                let t = target(&s, &org, n).await;
                ((row.path)(&t), row.body.map(|b| b(&t)))
            } else {
                (path.clone(), body.clone())
            };
            let want = if row.admin_only && who == "developer" {
                403
            } else {
                row.manager
            };
            let (status, got) = send(&s, &row, &path, Some(token), key, body).await;
            assert_eq!(status, want, "{who}: {what}: {got}");
        }
    }
}
