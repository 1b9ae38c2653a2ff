//! Service-account administration: certificates, conversion to
//! server-to-server, product roles and profiles, the CLI for them, and the SEC-40 role
//! matrix. Helpers come from the parent `service_accounts` module.

use super::*;

#[tokio::test]
async fn certificates_are_listed_expired_and_removed() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let ctx = s.ctx();
    let cid = ClientId(c.client_id.clone());
    let ec = sa::add_certificate(&ctx, &Actor::Operator, &cid, EC_CERT)
        .await
        .unwrap();
    let list = sa::list_certificates(&ctx, &Actor::Operator, &cid)
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter().all(|k| k.expires_at.is_some()),
        "notAfter recorded"
    );
    let ec_jwt = |s: &TestServer| {
        sign_with(
            Algorithm::ES256,
            EC_KEY,
            Header::default(),
            &ims_claims(s, &c),
        )
    };
    assert_eq!(exchange(&s, &c, &ec_jwt(&s)).await.0, 200);
    let rsa_id = list.iter().find(|k| k.id != ec.id).unwrap().id.clone();
    sa::expire_certificate(&ctx, &Actor::Operator, &cid, &rsa_id, None)
        .await
        .unwrap();
    assert_err(
        &exchange(&s, &c, &rs256(&ims_claims(&s, &c))).await,
        400,
        "invalid_signature",
    );
    sa::remove_certificate(&ctx, &Actor::Operator, &cid, &ec.id)
        .await
        .unwrap();
    assert_err(
        &exchange(&s, &c, &ec_jwt(&s)).await,
        400,
        "invalid_signature",
    );
    assert!(matches!(
        sa::remove_certificate(&ctx, &Actor::Operator, &cid, &ec.id).await,
        Err(AdminError::NotFound(_))
    ));
    for bad in [
        "not a pem",
        "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----",
    ] {
        assert!(matches!(
            sa::add_certificate(&ctx, &Actor::Operator, &cid, bad).await,
            Err(AdminError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn conversion_keeps_client_id_technical_account_scopes_and_profiles() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let ctx = s.ctx();
    let op = &Actor::Operator;
    let org = latchkey_core::ids::OrgId(c.org_id.clone());
    let instance = products::list_instances(&ctx, op, &org)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.product == "Workfront")
        .unwrap();
    let profile = products::create_profile(&ctx, op, &instance.id, "Workfront Admins")
        .await
        .unwrap();
    products::add_profile_member(&ctx, op, &profile.id, &c.tech, true)
        .await
        .unwrap();
    let cid = ClientId(c.client_id.clone());
    let before = admin::allowed_scopes(
        ctx.store,
        &ctx.store.get_credential(&cid).await.unwrap().unwrap(),
    )
    .await
    .unwrap();
    let (cred, scopes) = sa::convert_to_server_to_server(&ctx, op, &cid)
        .await
        .unwrap();
    assert_eq!(cred.kind, CredentialKind::ServerToServer);
    assert_eq!(cred.client_id, cid);
    assert_eq!(cred.technical_account.as_ref().unwrap().0, c.tech);
    // Nothing is lost; APIs of the project that take only server-to-server add theirs.
    assert!(
        before.iter().all(|b| scopes.contains(b)),
        "{before:?} ⊄ {scopes:?}"
    );
    // Same secret, now through client_credentials; the token carries the admin role.
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
                ("scope", "openid,workfront.read"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let token: Value = r.json().await.unwrap();
    let v = validate(&s, token["access_token"].as_str().unwrap()).await;
    assert_eq!(v["token"]["user_id"], c.tech.as_str());
    let wf = v["product_roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["product"] == "Workfront")
        .unwrap()
        .clone();
    assert_eq!(wf["role"], "admin");
    // The JWT exchange is over for it; converting twice is refused.
    assert_err(
        &exchange(&s, &c, &rs256(&ims_claims(&s, &c))).await,
        401,
        "invalid_client",
    );
    assert!(matches!(
        sa::convert_to_server_to_server(&ctx, op, &cid).await,
        Err(AdminError::Invalid(_))
    ));
}

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

/// The CLI for all of it: org settings, certificates, product profiles, roles, conversion.
#[test]
fn cli_manages_certificates_profiles_roles_and_conversion() {
    let env = Env::new();
    let org = env.cli_json(&["org", "create", "--name", "CLI Org", "--json"]);
    let org_id = org["id"].as_str().unwrap();
    let settings = env.cli_json(&[
        "org",
        "settings",
        "--org",
        org_id,
        "--developers-may-manage-credentials",
        "false",
        "--json",
    ]);
    assert_eq!(settings["developers_may_manage_credentials"], false);
    let p = env.cli_json(&[
        "project", "create", "--org", org_id, "--name", "P", "--json",
    ]);
    let pid = p["id"].as_str().unwrap();
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        pid,
        "--api",
        "workfront",
        "--json",
    ]);
    let cert = env.dir.path().join("sa.crt");
    std::fs::write(&cert, RSA_CERT).unwrap();
    let ec = env.dir.path().join("ec.crt");
    std::fs::write(&ec, EC_CERT).unwrap();
    let c = env.cli_json(&[
        "credential",
        "create",
        "--project",
        pid,
        "--kind",
        "service_account_jwt",
        "--certificate",
        cert.to_str().unwrap(),
        "--json",
    ]);
    let cid = c["client_id"].as_str().unwrap();
    let tech = c["technical_account_id"].as_str().unwrap();
    let added = env.cli_json(&[
        "credential",
        "add-certificate",
        "--client-id",
        cid,
        "--certificate",
        ec.to_str().unwrap(),
        "--json",
    ]);
    let ec_id = added["id"].as_str().unwrap();
    let list = env.cli_json(&["credential", "certificates", "--client-id", cid, "--json"]);
    assert_eq!(list["certificates"].as_array().unwrap().len(), 2);
    let expired = env.cli_json(&[
        "credential",
        "expire-certificate",
        "--client-id",
        cid,
        "--certificate-id",
        ec_id,
        "--json",
    ]);
    assert!(expired["expires_at"].as_i64().is_some());
    env.cli_json(&[
        "credential",
        "remove-certificate",
        "--client-id",
        cid,
        "--certificate-id",
        ec_id,
        "--json",
    ]);
    let roles = env.cli_json(&["product", "roles", "--user", tech, "--json"]);
    assert_eq!(roles["product_roles"][0]["product"], "Workfront");
    assert_eq!(roles["product_roles"][0]["role"], "contributor");
    let instances = env.cli_json(&["product", "instances", "--org", org_id, "--json"]);
    let instance = instances["instances"][0]["id"].as_str().unwrap();
    let profile = env.cli_json(&[
        "product",
        "create-profile",
        "--instance",
        instance,
        "--name",
        "Admins",
        "--json",
    ]);
    let profile_id = profile["id"].as_str().unwrap();
    env.cli_json(&[
        "product",
        "add-member",
        "--profile",
        profile_id,
        "--user",
        tech,
        "--admin",
        "--json",
    ]);
    let roles = env.cli_json(&["product", "roles", "--user", tech, "--json"]);
    assert_eq!(roles["product_roles"][0]["role"], "admin");
    let profiles = env.cli_json(&["product", "profiles", "--instance", instance, "--json"]);
    assert_eq!(profiles["profiles"][0]["members"][0]["is_admin"], true);
    let second = env.cli_json(&[
        "product",
        "create-instance",
        "--org",
        org_id,
        "--product",
        "Workfront",
        "--name",
        "Workfront EU",
        "--json",
    ]);
    assert_eq!(second["product"], "Workfront");
    let converted = env.cli_json(&["credential", "convert", "--client-id", cid, "--json"]);
    assert_eq!(converted["kind"], "server_to_server");
    assert_eq!(converted["client_id"], cid);
    assert_eq!(converted["technical_account_id"], tech);
    let roles = env.cli_json(&["product", "roles", "--user", tech, "--json"]);
    assert_eq!(roles["product_roles"][0]["role"], "admin", "profiles kept");
    let err = env.cli_fails(&["credential", "convert", "--client-id", cid]);
    assert!(err.contains("only service_account_jwt"), "{err}");
    let err = env.cli_fails(&[
        "credential",
        "add-certificate",
        "--client-id",
        cid,
        "--certificate",
        ec.to_str().unwrap(),
    ]);
    assert!(err.contains("only service_account_jwt"), "{err}");
    env.cli_json(&[
        "product",
        "remove-member",
        "--profile",
        profile_id,
        "--user",
        tech,
        "--json",
    ]);
}

/// A person's access token as the console would hold one (minted directly here; the
/// sign-in flow that issues them has its own tests).
pub(crate) fn person_token(
    s: &TestServer,
    client_id: &str,
    user: &latchkey_core::ids::UserId,
    scope: &str,
) -> String {
    use latchkey_core::scope::ScopeSet;
    use latchkey_core::token::{AccessTokenRequest, CTP_USER, Dialect, issue_access_token};
    let scopes = ScopeSet::parse(scope).unwrap();
    issue_access_token(
        s.state.tokens(),
        &s.state.keyring(),
        s.state.rng.as_ref(),
        s.clock.now(),
        &AccessTokenRequest {
            client_id,
            subject: user.as_str(),
            org: None,
            scopes: &scopes,
            dialect: Dialect::Ims,
            ctp: CTP_USER,
            grant_id: None,
        },
    )
    .unwrap()
    .token
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
    let tok = |i: usize, scope: &str| Some(person_token(&s, &app.client_id, &users[i], scope));
    let scope = "openid,adobeio_api";
    assert_eq!(convert(None, c.client_id.clone()).await.0, 401, "anonymous");
    assert_eq!(
        convert(tok(0, "openid"), c.client_id.clone()).await.0,
        403,
        "no adobeio_api"
    );
    assert_eq!(
        convert(tok(2, scope), c.client_id.clone()).await.0,
        403,
        "plain member"
    );
    assert_eq!(
        convert(tok(3, scope), c.client_id.clone()).await.0,
        404,
        "other org: as unknown (docs/security-review.md finding 6)"
    );
    assert_eq!(
        convert(tok(0, scope), "f".repeat(32)).await.0,
        404,
        "unknown"
    );
    let (st, v) = convert(tok(1, scope), c.client_id.clone()).await;
    assert_eq!(st, 200, "developer: {v}");
    assert_eq!(v["kind"], "server_to_server");
    assert_eq!(v["client_id"], c.client_id.as_str());
    assert_eq!(v["technical_account_id"], c.tech.as_str());
    let (st, v) = convert(tok(0, scope), c.client_id.clone()).await;
    assert_eq!(st, 400, "already converted: {v}");
    // A technical account's own token is not a person's.
    let tech_token = s.token(&s.s2s().await, "openid,adobeio_api").await;
    assert_eq!(convert(Some(tech_token), c.client_id.clone()).await.0, 401);
}
