//! The audit log (issue 13; docs/security-checklist.md SEC-40): every listed event is
//! recorded once, with its actor, its org and (over HTTP) the caller's address; never a
//! password; an org's admins read their org's log in `/admin`, the console API and as JSON
//! lines, and another org's admin reads none of it; the operator reads everything.

use crate::helpers::RSA_CERT;
use latchkey_core::admin::audit_log::{self, Filter};
use latchkey_core::admin::invitations::NewMember;
use latchkey_core::admin::{
    self, Actor, AdminError, NewCredential, NewUser, accounts, products, service_accounts,
};
use latchkey_core::admin::{invitations, members};
use latchkey_core::ids::OrgId;
use latchkey_core::model::{AuditAction, AuditEvent, CredentialKind, OrgRole};
use latchkey_http::throttle::AddressLimits;
use latchkey_testkit::TestServer;
use latchkey_testkit::browser::{Browser, hidden, query_param};
use latchkey_testkit::flow::{
    PASSWORD, VERIFIER, app, app_on, authorize_url, exchange, refresh, sign_in,
};
use serde_json::Value;

async fn log(s: &TestServer, org: &str) -> Vec<AuditEvent> {
    audit_log::search_as_operator(
        &s.ctx(),
        Some(&OrgId(org.to_owned())),
        &Filter {
            limit: Some(1000),
            ..Filter::default()
        },
    )
    .await
    .unwrap()
}

fn of(events: &[AuditEvent], action: AuditAction) -> Vec<&AuditEvent> {
    events.iter().filter(|e| e.action == action).collect()
}

/// Sign in through the browser, consent, and redeem the code: (browser, code, tokens).
async fn signed_in_app(a: &latchkey_testkit::flow::App) -> (Browser, String, Value) {
    let mut b = Browser::new(&a.s.url);
    let cb = sign_in(a, &mut b, &authorize_url(a, "openid offline_access", "")).await;
    let code = query_param(&cb, "code").unwrap();
    let r = exchange(a, &code, Some(VERIFIER)).await;
    assert_eq!(r.status(), 200);
    (b, code, r.json().await.unwrap())
}

#[tokio::test]
async fn each_listed_event_is_recorded_once_with_its_actor_and_org() {
    let a = app(CredentialKind::OAuthWeb).await;
    let s = &a.s;
    let org = OrgId(a.client.org_id.clone());
    let user = s
        .state
        .store
        .find_user_by_email(&a.email)
        .await
        .unwrap()
        .unwrap();

    // ---- The person's side, over HTTP: sign-in, consent, replay, reuse, revocation.
    let mut wrong = Browser::new(&s.url);
    let html = wrong.get("/login").await.text().await.unwrap();
    let r = wrong
        .post(
            "/login",
            &[
                ("username", a.email.as_str()),
                ("password", "not-the-password"),
                ("csrf", &hidden(&html, "csrf")),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);
    let (_, code, _) = signed_in_app(&a).await;
    let r = exchange(&a, &code, Some(VERIFIER)).await;
    assert_eq!(r.status(), 400, "a replayed code");
    let (_, _, t) = signed_in_app(&a).await;
    let rt = t["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&a, rt).await.status(), 200);
    assert_eq!(
        refresh(&a, rt).await.status(),
        400,
        "a reused refresh token"
    );
    let (mut b, _, t) = signed_in_app(&a).await;
    for token in [&t["access_token"], &t["refresh_token"]] {
        let r = s
            .post("/oauth2/revoke")
            .basic_auth(&a.client.client_id, Some(&a.client.client_secret))
            .form(&[("token", token.as_str().unwrap())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let (_, _, _) = signed_in_app(&a).await;
    let html = b
        .get("/account/connected-applications")
        .await
        .text()
        .await
        .unwrap();
    let r = b
        .post(
            "/account/connected-applications/revoke",
            &[
                ("grant_id", &hidden(&html, "grant_id")),
                ("csrf", &hidden(&html, "csrf")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);

    // ---- The org admin's side, through the core as the pages and the API call it.
    let ctx = s.ctx();
    let admin_user = admin::create_user(
        &ctx,
        NewUser {
            org: &org,
            email: "boss@acme.example",
            password: PASSWORD,
            role: OrgRole::SystemAdmin,
            given_name: None,
            family_name: None,
            country: None,
        },
    )
    .await
    .unwrap();
    let boss = Actor::User(admin_user.id.clone());
    let project = s.state.store.list_projects(&org).await.unwrap().remove(0);
    let created = admin::create_credential(
        &ctx,
        &boss,
        NewCredential {
            project: &project.id,
            kind: CredentialKind::ServiceAccountJwt,
            name: Some("Nightly sync"),
            redirect_uris: &[],
            certificate_pem: None,
            profiles: &[],
        },
    )
    .await
    .unwrap();
    let cid = created.credential.client_id.clone();
    admin::update_credential(&ctx, &boss, &cid, Some("Nightly export"), None)
        .await
        .unwrap();
    admin::rotate_secret(&ctx, &boss, &cid).await.unwrap();
    let first = s.state.store.active_secrets(&cid).await.unwrap()[0]
        .id
        .clone();
    admin::delete_secret(&ctx, &boss, &cid, &first)
        .await
        .unwrap();
    let cert = service_accounts::add_certificate(&ctx, &boss, &cid, RSA_CERT)
        .await
        .unwrap();
    service_accounts::remove_certificate(&ctx, &boss, &cid, &cert.id)
        .await
        .unwrap();
    accounts::set_credential_disabled(&ctx, &boss, &cid, true)
        .await
        .unwrap();
    accounts::set_credential_disabled(&ctx, &boss, &cid, false)
        .await
        .unwrap();
    let tech = created.technical_account.clone().unwrap().id;
    let instance = products::create_instance(&ctx, &boss, &org, "Workfront", Some("Workfront 2"))
        .await
        .unwrap();
    let profile = products::create_profile(&ctx, &boss, &instance.id, "Admins")
        .await
        .unwrap();
    products::add_profile_member(&ctx, &boss, &profile.id, tech.as_str(), true)
        .await
        .unwrap();
    products::rename_profile(&ctx, &boss, &profile.id, "Workfront admins")
        .await
        .unwrap();
    // A refused change leaves no entry: the instance already has a profile of that name.
    let twin = products::create_profile(&ctx, &boss, &instance.id, "Twin")
        .await
        .unwrap();
    assert!(matches!(
        products::rename_profile(&ctx, &boss, &twin.id, "Workfront admins").await,
        Err(AdminError::Conflict(_))
    ));
    // Deleting a profile takes admin rights away from its members: on the record.
    products::delete_profile(&ctx, &boss, &twin.id)
        .await
        .unwrap();
    admin::delete_credential(&ctx, &boss, &cid).await.unwrap();
    let added = invitations::add(
        &ctx,
        &boss,
        &org,
        NewMember {
            email: "marie@acme.example",
            given_name: None,
            family_name: None,
            role: OrgRole::Developer,
            password: None,
        },
    )
    .await
    .unwrap();
    members::change_role(&ctx, &boss, &org, "marie@acme.example", OrgRole::User)
        .await
        .unwrap();
    members::set_disabled(&ctx, &boss, &org, &a.email, true)
        .await
        .unwrap();
    members::set_disabled(&ctx, &boss, &org, &a.email, false)
        .await
        .unwrap();
    accounts::set_password(&ctx, &boss, &a.email, "a-new-long-password")
        .await
        .unwrap();
    // A refused change leaves no entry: the last admin stays.
    assert!(matches!(
        members::change_role(&ctx, &boss, &org, "boss@acme.example", OrgRole::User).await,
        Err(AdminError::Conflict(_))
    ));
    admin::keys::rotate_keys(&ctx, s.state.master(), 60, 3600)
        .await
        .unwrap();

    let events = log(s, org.as_str()).await;
    let person = user.id.as_str();
    let client = a.client.client_id.as_str();
    let boss_id = admin_user.id.as_str();
    let expected: &[(AuditAction, usize, &str)] = &[
        (AuditAction::SignInFailed, 1, "anonymous"),
        (AuditAction::SignedIn, 4, person),
        (AuditAction::ConsentGiven, 4, person),
        (AuditAction::CodeReplayed, 1, client),
        (AuditAction::RefreshReused, 1, client),
        (AuditAction::TokenRevoked, 1, client),
        (AuditAction::GrantRevoked, 1, client),
        (AuditAction::ConsentRemoved, 1, person),
        (AuditAction::CredentialCreated, 1, boss_id),
        (AuditAction::CredentialChanged, 1, boss_id),
        (AuditAction::SecretRotated, 1, boss_id),
        (AuditAction::SecretDeleted, 1, boss_id),
        (AuditAction::CertificateAdded, 1, boss_id),
        (AuditAction::CertificateRemoved, 1, boss_id),
        (AuditAction::CredentialDisabled, 1, boss_id),
        (AuditAction::CredentialEnabled, 1, boss_id),
        (AuditAction::ProductInstanceCreated, 1, boss_id),
        (AuditAction::ProfileCreated, 2, boss_id),
        (AuditAction::ProfileRenamed, 1, boss_id),
        (AuditAction::ProfileDeleted, 1, boss_id),
        (AuditAction::ProfileMemberChanged, 1, boss_id),
        (AuditAction::CredentialDeleted, 1, boss_id),
        (AuditAction::UserInvited, 1, boss_id),
        (AuditAction::RoleChanged, 1, boss_id),
        (AuditAction::UserDisabled, 1, boss_id),
        (AuditAction::UserEnabled, 1, boss_id),
        (AuditAction::PasswordChanged, 1, boss_id),
        (AuditAction::LockedOut, 0, ""),
        (AuditAction::SigningKeyRotated, 0, ""),
    ];
    for (action, n, actor) in expected {
        // The app's own credential was created by the operator (`app`): not counted here.
        let got: Vec<&AuditEvent> = of(&events, *action)
            .into_iter()
            .filter(|e| e.actor != "operator")
            .collect();
        assert_eq!(got.len(), *n, "{action}: {got:?}");
        for e in got {
            assert_eq!(e.actor, *actor, "{action}");
            assert_eq!(e.org_id.as_ref(), Some(&org), "{action}");
        }
    }
    assert_eq!(of(&events, AuditAction::CredentialCreated).len(), 2);
    // Users created: Ada (by the operator, in `app`), the admin (operator), Marie's is an
    // invitation. Over HTTP the address is the caller's.
    let created_users = of(&events, AuditAction::UserCreated);
    assert_eq!(created_users.len(), 2, "{created_users:?}");
    assert!(created_users.iter().all(|e| e.actor == "operator"));
    for e in of(&events, AuditAction::SignedIn) {
        assert_eq!(e.address.as_deref(), Some("127.0.0.1"), "{e:?}");
        assert_eq!(e.target, format!("user {person}"));
    }
    let invited = of(&events, AuditAction::UserInvited)[0];
    assert_eq!(invited.target, format!("user {}", added.user.id));
    assert_eq!(invited.details["role"], "developer");
    let role = of(&events, AuditAction::RoleChanged)[0];
    assert_eq!(
        (role.details["was"].as_str(), role.details["role"].as_str()),
        (Some("developer"), Some("user"))
    );
    let renamed = of(&events, AuditAction::ProfileRenamed)[0];
    assert_eq!(renamed.target, format!("product profile {}", profile.id));
    assert_eq!(
        (
            renamed.details["from"].as_str(),
            renamed.details["to"].as_str()
        ),
        (Some("Admins"), Some("Workfront admins"))
    );
    // Never a password or a secret in the log.
    let text = serde_json::to_string(&events).unwrap();
    for secret in [
        PASSWORD,
        "not-the-password",
        "a-new-long-password",
        a.client.client_secret.as_str(),
    ] {
        assert!(!text.contains(secret), "the log holds {secret}");
    }
    // Ids are unique; newest first.
    let mut ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), events.len());
    assert!(events.windows(2).all(|w| w[0].at >= w[1].at));
    // Key rotation belongs to no org: the operator sees it.
    let all = audit_log::search_as_operator(
        &ctx,
        None,
        &Filter {
            action: Some("signing_key.rotated"),
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    assert!(
        !all.is_empty()
            && all
                .iter()
                .all(|e| e.org_id.is_none() && e.actor == "operator")
    );
    // Filters: by action and by text.
    let by_text = audit_log::search(
        &ctx,
        &boss,
        &org,
        &Filter {
            text: Some(cid.as_str()),
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(by_text.len(), 9, "every entry about the deleted credential");
}

#[tokio::test]
async fn another_orgs_admin_reads_nothing_and_an_admin_reads_and_exports_their_log() {
    let a = app(CredentialKind::OAuthWeb).await;
    let s = &a.s;
    let other = s.credential(CredentialKind::OAuthWeb).await;
    let ctx = s.ctx();
    let mut ids = Vec::new();
    for (org, email) in [
        (&a.client.org_id, "boss@acme.example"),
        (&other.org_id, "boss@globex.example"),
    ] {
        let u = admin::create_user(
            &ctx,
            NewUser {
                org: &OrgId(org.clone()),
                email,
                password: PASSWORD,
                role: OrgRole::SystemAdmin,
                given_name: None,
                family_name: None,
                country: None,
            },
        )
        .await
        .unwrap();
        ids.push(u.id);
    }
    let org = OrgId(a.client.org_id.clone());
    let outsider = Actor::User(ids[1].clone());
    assert!(matches!(
        audit_log::search(&ctx, &outsider, &org, &Filter::default()).await,
        Err(AdminError::NotFound(_))
    ));
    // A plain member may not read it either.
    let member = s
        .state
        .store
        .find_user_by_email(&a.email)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        audit_log::search(
            &ctx,
            &Actor::User(member.id.clone()),
            &org,
            &Filter::default()
        )
        .await,
        Err(AdminError::Forbidden(_))
    ));

    let page = |email: &'static str| {
        let url = s.url.clone();
        async move {
            let mut b = Browser::new(&url);
            let html = b.get("/login").await.text().await.unwrap();
            let r = b
                .post(
                    "/login",
                    &[
                        ("username", email),
                        ("password", PASSWORD),
                        ("csrf", &hidden(&html, "csrf")),
                    ],
                )
                .await;
            assert_eq!(r.status(), 303);
            b
        }
    };
    let audit = format!("/admin/orgs/{}/audit", org.as_str().replace('@', "%40"));
    let mut theirs = page("boss@globex.example").await;
    let r = theirs.get(&audit).await;
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("user.signed_in"));
    assert_eq!(theirs.get(&format!("{audit}.jsonl")).await.status(), 404);

    let mut mine = page("boss@acme.example").await;
    let r = mine.get(&format!("{audit}?action=user.signed_in")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("boss@acme.example"),
        "actors shown by email: {html}"
    );
    assert_eq!(html.matches("data-action=\"user.signed_in\"").count(), 1);
    assert!(!html.contains("data-action=\"user.created\""), "filtered");
    let r = mine.get(&format!("{audit}.jsonl")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let body = r.text().await.unwrap();
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), log(s, org.as_str()).await.len());
    assert!(lines.iter().all(|l| l["org_id"] == org.as_str()));
    assert!(lines.iter().any(|l| l["action"] == "user.signed_in"
        && l["actor"] == ids[0].as_str()
        && l["address"] == "127.0.0.1"));
}

#[tokio::test]
async fn a_lockout_is_recorded_once_when_it_starts() {
    let s = TestServer::start_limited(
        None,
        AddressLimits {
            login_failures: 3,
            client_auth_failures: 100,
        },
    )
    .await;
    let a = app_on(s, CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let html = b.get("/login").await.text().await.unwrap();
        let r = b
            .post(
                "/login",
                &[
                    ("username", a.email.as_str()),
                    ("password", "wrong-password"),
                    ("csrf", &hidden(&html, "csrf")),
                ],
            )
            .await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 401, 429, 429]);
    let events = log(&a.s, &a.client.org_id).await;
    assert_eq!(of(&events, AuditAction::SignInFailed).len(), 3);
    let locked = of(&events, AuditAction::LockedOut);
    assert_eq!(locked.len(), 1, "{locked:?}");
    assert_eq!(locked[0].address.as_deref(), Some("127.0.0.1"));
}
