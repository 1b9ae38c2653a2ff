//! Administration: product roles of technical accounts and product profiles, and the
//! SEC-40 role matrix — every credential and product-profile operation as owner, developer,
//! plain member, another org's admin, a technical account and anonymous — in the core's
//! admin operations and over the console REST API (`/console/api/credentials/{id}/convert`).
//! docs/security-review.md finding 6: another org's credential is answered as unknown.

use crate::helpers::{EC_CERT, RSA_CERT, Sa, service_account};
use crate::support::http;
use latchkey_core::admin::service_accounts as sa;
use latchkey_core::admin::{self, Actor, AdminError, NewCredential, NewUser, products};
use latchkey_core::ids::ProjectId;
use latchkey_core::model::{CredentialKind, OrgRole};
use latchkey_testkit::{TestServer, assert_error};
use serde_json::Value;

#[tokio::test]
async fn technical_accounts_are_contributors_until_made_profile_admins() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServerToServer, None).await;
    let ctx = s.ctx();
    let op = &Actor::Operator;
    let tech = latchkey_core::ids::UserId(c.tech.clone());
    let roles = products::product_roles(ctx.store, &tech).await.unwrap();
    let names: Vec<&str> = roles.iter().map(|r| r.product.as_str()).collect();
    // Products of the APIs that accept server-to-server (catalog examples).
    for p in [
        "Workfront",
        "Adobe Developer Console",
        "Adobe Analytics",
        "Firefly",
    ] {
        assert!(names.contains(&p), "{names:?}");
    }
    assert!(!names.contains(&"Creative Cloud"), "oauth_user-only API");
    assert!(roles.iter().all(|r| r.role.as_str() == "contributor"));
    // A second credential in the same project reuses the org's instances.
    let again = admin::create_credential(
        &ctx,
        op,
        NewCredential {
            project: &ProjectId(c.project_id.clone()),
            kind: CredentialKind::ServerToServer,
            name: None,
            redirect_uris: &[],
            certificate_pem: None,
            profiles: &[],
        },
    )
    .await
    .unwrap();
    let org = latchkey_core::ids::OrgId(c.org_id.clone());
    let instances = products::list_instances(&ctx, op, &org).await.unwrap();
    assert_eq!(instances.len(), roles.len());
    let wf = instances.iter().find(|i| i.product == "Workfront").unwrap();
    let profile = products::create_profile(&ctx, op, &wf.id, "Admins")
        .await
        .unwrap();
    // By email: a technical account's email is its id, lower-cased.
    let email = again.technical_account.as_ref().unwrap().email.clone();
    products::add_profile_member(&ctx, op, &profile.id, &email, true)
        .await
        .unwrap();
    let roles = products::product_roles(
        ctx.store,
        &again.credential.technical_account.clone().unwrap(),
    )
    .await
    .unwrap();
    let wf_role = roles.iter().find(|r| r.product == "Workfront").unwrap();
    assert_eq!(wf_role.role.as_str(), "admin");
    products::remove_profile_member(&ctx, op, &profile.id, &email)
        .await
        .unwrap();
    let roles = products::product_roles(ctx.store, &again.credential.technical_account.unwrap())
        .await
        .unwrap();
    assert!(roles.iter().all(|r| r.role.as_str() == "contributor"));
    // Adding an API later provisions existing technical accounts into its product.
    let project = admin::create_project(&ctx, &org, "Later").await.unwrap();
    let later = admin::create_credential(
        &ctx,
        op,
        NewCredential {
            project: &project.id,
            kind: CredentialKind::ServerToServer,
            name: None,
            redirect_uris: &[],
            certificate_pem: None,
            profiles: &[],
        },
    )
    .await
    .unwrap();
    let later_tech = later.technical_account.unwrap().id;
    assert!(
        products::product_roles(ctx.store, &later_tech)
            .await
            .unwrap()
            .is_empty()
    );
    s.add_api(&project.id.0, "workfront").await;
    let roles = products::product_roles(ctx.store, &later_tech)
        .await
        .unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].instance_id, wf.id, "the org's existing instance");
}

/// SEC-40: every credential and product-profile operation, as owner (system_admin),
/// developer, plain member, member of another org and anonymous.
#[tokio::test]
async fn sec_40_role_matrix() {
    let s = TestServer::start().await;
    let ctx = s.ctx();
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let org = latchkey_core::ids::OrgId(c.org_id.clone());
    let other_org = admin::create_org(&ctx, "Other Org").await.unwrap();
    let person = |org: latchkey_core::ids::OrgId, email: &'static str, role: OrgRole| {
        let ctx = s.ctx();
        async move {
            let u = admin::create_user(
                &ctx,
                NewUser {
                    org: &org,
                    email,
                    password: "password-123",
                    role,
                    given_name: None,
                    family_name: None,
                    country: None,
                },
            )
            .await
            .unwrap();
            Actor::User(u.id)
        }
    };
    let owner = person(org.clone(), "owner@example.com", OrgRole::SystemAdmin).await;
    let developer = person(org.clone(), "dev@example.com", OrgRole::Developer).await;
    let member = person(org.clone(), "member@example.com", OrgRole::User).await;
    let outsider = person(
        other_org.id.clone(),
        "boss@other.example",
        OrgRole::SystemAdmin,
    )
    .await;
    let tech = Actor::User(latchkey_core::ids::UserId(c.tech.clone()));
    let wf = products::list_instances(&ctx, &Actor::Operator, &org)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.product == "Workfront")
        .unwrap();
    let profile = products::create_profile(&ctx, &Actor::Operator, &wf.id, "P")
        .await
        .unwrap();
    let project = ProjectId(c.project_id.clone());

    /// Run every operation as `actor`; return which succeeded, by name.
    async fn ops(
        s: &TestServer,
        actor: &Actor,
        project: &ProjectId,
        org: &latchkey_core::ids::OrgId,
        instance: &str,
        profile: &str,
        tech: &str,
    ) -> Vec<(&'static str, bool)> {
        let ctx = s.ctx();
        let mut out = Vec::new();
        let created = admin::create_credential(
            &ctx,
            actor,
            NewCredential {
                project,
                kind: CredentialKind::ServiceAccountJwt,
                name: None,
                redirect_uris: &[],
                certificate_pem: Some(RSA_CERT),
                profiles: &[],
            },
        )
        .await;
        out.push(("create_credential", created.is_ok()));
        // Operate on a credential the operator makes, so each actor starts alike.
        let target = admin::create_credential(
            &ctx,
            &Actor::Operator,
            NewCredential {
                project,
                kind: CredentialKind::ServiceAccountJwt,
                name: None,
                redirect_uris: &[],
                certificate_pem: Some(RSA_CERT),
                profiles: &[],
            },
        )
        .await
        .unwrap();
        let cid = target.credential.client_id.clone();
        // Denied is `Forbidden` for a member, `NotFound` for anyone else (docs/security-review.md finding 6).
        let forbidden_or_ok = |r: Result<(), AdminError>| match r {
            Ok(()) => true,
            Err(AdminError::Forbidden(_) | AdminError::NotFound(_)) => false,
            Err(e) => panic!("unexpected {e}"),
        };
        let add = sa::add_certificate(&ctx, actor, &cid, EC_CERT).await;
        let ec_id = add.as_ref().map(|c| c.id.clone()).ok();
        out.push(("add_certificate", forbidden_or_ok(add.map(|_| ()))));
        out.push((
            "list_certificates",
            forbidden_or_ok(sa::list_certificates(&ctx, actor, &cid).await.map(|_| ())),
        ));
        let first = sa::list_certificates(&ctx, &Actor::Operator, &cid)
            .await
            .unwrap()[0]
            .id
            .clone();
        out.push((
            "expire_certificate",
            forbidden_or_ok(
                sa::expire_certificate(&ctx, actor, &cid, &first, None)
                    .await
                    .map(|_| ()),
            ),
        ));
        let victim = ec_id.unwrap_or(first);
        out.push((
            "remove_certificate",
            forbidden_or_ok(sa::remove_certificate(&ctx, actor, &cid, &victim).await),
        ));
        out.push((
            "rotate_secret",
            forbidden_or_ok(
                latchkey_core::admin::rotate_secret(&ctx, actor, &cid)
                    .await
                    .map(|_| ()),
            ),
        ));
        out.push((
            "convert",
            forbidden_or_ok(
                sa::convert_to_server_to_server(&ctx, actor, &cid)
                    .await
                    .map(|_| ()),
            ),
        ));
        out.push((
            "create_instance",
            forbidden_or_ok(
                products::create_instance(
                    &ctx,
                    actor,
                    org,
                    "Workfront",
                    Some(&format!("wf-{cid}")),
                )
                .await
                .map(|_| ()),
            ),
        ));
        out.push((
            "list_instances",
            forbidden_or_ok(products::list_instances(&ctx, actor, org).await.map(|_| ())),
        ));
        out.push((
            "create_profile",
            forbidden_or_ok(
                products::create_profile(&ctx, actor, instance, &format!("p-{cid}"))
                    .await
                    .map(|_| ()),
            ),
        ));
        out.push((
            "list_profiles",
            forbidden_or_ok(
                products::list_profiles(&ctx, actor, instance)
                    .await
                    .map(|_| ()),
            ),
        ));
        out.push((
            "add_profile_admin",
            forbidden_or_ok(
                products::add_profile_member(&ctx, actor, profile, tech, true)
                    .await
                    .map(|_| ()),
            ),
        ));
        products::add_profile_member(&ctx, &Actor::Operator, profile, tech, false)
            .await
            .unwrap();
        out.push((
            "remove_profile_member",
            forbidden_or_ok(
                products::remove_profile_member(&ctx, actor, profile, tech)
                    .await
                    .map(|_| ()),
            ),
        ));
        out.push((
            "org_settings",
            forbidden_or_ok(
                latchkey_core::admin::authz::set_developers_may_manage_credentials(
                    &ctx, actor, org, true,
                )
                .await,
            ),
        ));
        out
    }

    const CREDENTIAL_OPS: &[&str] = &[
        "create_credential",
        "add_certificate",
        "list_certificates",
        "expire_certificate",
        "remove_certificate",
        "rotate_secret",
        "convert",
    ];
    let all = |_: &str| true;
    let none = |_: &str| false;
    let dev = |op: &str| CREDENTIAL_OPS.contains(&op);
    type Allowed<'a> = &'a dyn Fn(&str) -> bool;
    let matrix: Vec<(&str, &Actor, Allowed)> = vec![
        ("owner", &owner, &all),
        ("developer", &developer, &dev),
        ("member", &member, &none),
        ("other org's admin", &outsider, &none),
        ("technical account", &tech, &none),
        ("anonymous", &Actor::Anonymous, &none),
    ];
    for (who, actor, allowed) in matrix {
        for (op, ok) in ops(&s, actor, &project, &org, &wf.id, &profile.id, &c.tech).await {
            assert_eq!(ok, allowed(op), "{who} / {op}");
        }
    }
    // The org turns developers off: now they may do nothing.
    latchkey_core::admin::authz::set_developers_may_manage_credentials(&ctx, &owner, &org, false)
        .await
        .unwrap();
    for (op, ok) in ops(&s, &developer, &project, &org, &wf.id, &profile.id, &c.tech).await {
        assert!(!ok, "developer (not allowed by org) / {op}");
    }
}

/// SEC-40 over REST: `POST /console/api/credentials/{id}/convert` as owner, developer,
/// plain member, another org's admin, a token without `adobeio_api`, and anonymous.
#[tokio::test]
async fn sec_40_rest_conversion_role_matrix() {
    let s = TestServer::start().await;
    let ctx = s.ctx();
    let app = s.credential(CredentialKind::OAuthWeb).await;
    let org_of = |c: &Sa| latchkey_core::ids::OrgId(c.org_id.clone());
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let org = org_of(&c);
    let other = admin::create_org(&ctx, "Elsewhere").await.unwrap();
    let mut users = Vec::new();
    for (org, email, role) in [
        (&org, "owner@example.com", OrgRole::SystemAdmin),
        (&org, "dev@example.com", OrgRole::Developer),
        (&org, "member@example.com", OrgRole::User),
        (&other.id, "admin@elsewhere.example", OrgRole::SystemAdmin),
    ] {
        let u = admin::create_user(
            &ctx,
            NewUser {
                org,
                email,
                password: "password-123",
                role,
                given_name: None,
                family_name: None,
                country: None,
            },
        )
        .await
        .unwrap();
        users.push(u.id);
    }
    let convert = |token: Option<String>, cid: String| {
        let url = format!("{}/console/api/credentials/{cid}/convert", s.url);
        async move {
            let mut rq = http().post(url);
            if let Some(t) = token {
                rq = rq.bearer_auth(t);
            }
            let r = rq.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let tok = |i: usize, scope: &str| Some(s.person_token(&app.client_id, &users[i], scope));
    // The status and the OAuth `error` code of an answer.
    let code = |got: (u16, Value)| (got.0, got.1["error"].as_str().unwrap_or("").to_owned());
    let scope = "openid,adobeio_api";
    assert_eq!(
        code(convert(None, c.client_id.clone()).await),
        (401, "invalid_token".into()),
        "anonymous"
    );
    assert_eq!(
        code(convert(tok(0, "openid"), c.client_id.clone()).await),
        (403, "insufficient_scope".into()),
        "no adobeio_api"
    );
    assert_eq!(
        code(convert(tok(2, scope), c.client_id.clone()).await),
        (403, "access_denied".into()),
        "plain member"
    );
    assert_eq!(
        code(convert(tok(3, scope), c.client_id.clone()).await),
        (404, "not_found".into()),
        "other org: as unknown (docs/security-review.md finding 6)"
    );
    assert_eq!(
        code(convert(tok(0, scope), "f".repeat(32)).await),
        (404, "not_found".into()),
        "unknown"
    );
    let (st, v) = convert(tok(1, scope), c.client_id.clone()).await;
    assert_eq!(st, 200, "developer: {v}");
    assert_eq!(v["kind"], "server_to_server");
    assert_eq!(v["client_id"], c.client_id.as_str());
    assert_eq!(v["technical_account_id"], c.tech.as_str());
    // Already converted.
    let got = convert(tok(0, scope), c.client_id.clone()).await;
    assert_error(&got, 400, "invalid_request");
    // A technical account's own token is not a person's.
    let tech_token = s.token(&s.s2s().await, "openid,adobeio_api").await;
    assert_eq!(
        code(convert(Some(tech_token), c.client_id.clone()).await),
        (401, "invalid_token".into())
    );
}

/// Console numbers (docs/console-contract.md §3): assigned once, stable, numeric in the
/// console's shapes, and resolvable back; text that is no number names nothing.
#[tokio::test]
async fn objects_get_stable_numeric_console_ids() {
    use latchkey_core::admin::console_ids::{ConsoleKind, id_of, number_of};
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let ctx = s.ctx();
    let project = number_of(&ctx, ConsoleKind::Project, &c.project_id)
        .await
        .unwrap();
    assert_eq!(project.len(), 19);
    assert!(project.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        number_of(&ctx, ConsoleKind::Project, &c.project_id)
            .await
            .unwrap(),
        project
    );
    let workspace = number_of(&ctx, ConsoleKind::Workspace, &c.project_id)
        .await
        .unwrap();
    assert_ne!(
        workspace, project,
        "the implicit workspace has its own number"
    );
    let org = number_of(&ctx, ConsoleKind::Org, &c.org_id).await.unwrap();
    assert_eq!(org.len(), 8);
    assert_eq!(
        id_of(&ctx, ConsoleKind::Project, &project)
            .await
            .unwrap()
            .as_deref(),
        Some(c.project_id.as_str())
    );
    assert_eq!(
        id_of(&ctx, ConsoleKind::Org, &project).await.unwrap(),
        None,
        "per kind"
    );
    for junk in ["", "12a", "-1", "1".repeat(30).as_str()] {
        assert_eq!(
            id_of(&ctx, ConsoleKind::Org, junk).await.unwrap(),
            None,
            "{junk}"
        );
    }
}

/// SEC-40 for projects: every member may list and view the org's projects; creating one
/// and adding or removing an API take the credential-managing role; anyone outside the
/// org (another org's admin, anonymous) is answered as if the project did not exist.
/// Taking an API off a project stops its scopes being granted from the next token on.
#[tokio::test]
async fn sec_40_project_operations_by_role() {
    use latchkey_core::admin::projects;
    use latchkey_core::ids::{ApiId, OrgId};
    let s = TestServer::start().await;
    let ctx = s.ctx();
    let c = s.s2s().await;
    let org = OrgId(c.org_id.clone());
    let project = ProjectId(c.project_id.clone());
    let other = admin::create_org(&ctx, "Elsewhere").await.unwrap();
    let person = |org: OrgId, email: &'static str, role: OrgRole| {
        let ctx = s.ctx();
        async move {
            let u = admin::create_user(
                &ctx,
                NewUser {
                    org: &org,
                    email,
                    password: "password-123",
                    role,
                    given_name: None,
                    family_name: None,
                    country: None,
                },
            )
            .await
            .unwrap();
            Actor::User(u.id)
        }
    };
    let owner = person(org.clone(), "owner@p.example", OrgRole::SystemAdmin).await;
    let dev = person(org.clone(), "dev@p.example", OrgRole::Developer).await;
    let member = person(org.clone(), "member@p.example", OrgRole::User).await;
    let outsider = person(other.id.clone(), "boss@q.example", OrgRole::SystemAdmin).await;
    let firefly = ApiId("firefly".into());

    for (name, actor, may_view, may_manage) in [
        ("system admin", &owner, true, true),
        ("developer", &dev, true, true),
        ("member", &member, true, false),
        ("other org's admin", &outsider, false, false),
        ("anonymous", &Actor::Anonymous, false, false),
    ] {
        let listed = projects::list(&ctx, actor, &org).await;
        let viewed = projects::view(&ctx, actor, &project).await;
        assert_eq!(listed.is_ok(), may_view, "{name}: list");
        assert_eq!(viewed.is_ok(), may_view, "{name}: view");
        if let Ok(v) = viewed {
            assert_eq!(v.credentials.len(), 1, "{name}");
            assert!(v.apis.iter().any(|a| a.id == firefly), "{name}");
        }
        let created = projects::create(&ctx, actor, &org, &format!("By {name}")).await;
        assert_eq!(created.is_ok(), may_manage, "{name}: create");
        let removed = projects::remove_api(&ctx, actor, &project, &firefly).await;
        assert_eq!(removed.is_ok(), may_manage, "{name}: remove_api");
        let added = projects::add_api(&ctx, actor, &project, &firefly).await;
        assert_eq!(added.is_ok(), may_manage, "{name}: add_api");
        for refused in [listed.err(), created.err(), removed.err()]
            .into_iter()
            .flatten()
        {
            match (may_view, refused) {
                (true, AdminError::Forbidden(_)) | (false, AdminError::NotFound(_)) => {}
                (_, e) => panic!("{name}: {e:?}"),
            }
        }
    }
    // The outsider's own org is untouched by what the insiders did, and vice versa.
    assert!(
        projects::list(&ctx, &outsider, &other.id)
            .await
            .unwrap()
            .is_empty()
    );
    let names: Vec<String> = projects::list(&ctx, &member, &org)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");

    // Removing an API: the next token request for its scope is refused.
    s.token(&c, "openid,firefly_api").await;
    projects::remove_api(&ctx, &owner, &project, &firefly)
        .await
        .unwrap();
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
                ("scope", "openid,firefly_api"),
            ],
        )
        .await;
    assert_error(
        &latchkey_testkit::status_and_json(r).await,
        400,
        "invalid_scope",
    );
    assert!(matches!(
        projects::remove_api(&ctx, &owner, &project, &firefly).await,
        Err(AdminError::NotFound(_))
    ));
}
