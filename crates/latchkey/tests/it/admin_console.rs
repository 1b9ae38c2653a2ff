//! The Admin Console at `/admin`, in process with the cookie `Browser` (the Chromium
//! journey is `interop::interop_chromium_admin_console`): only an org's system admins get
//! in (SEC-40: a developer or plain user gets 403, another org's admin 404 for this org's
//! pages, nobody signed in is sent to sign in), every change needs the CSRF token
//! (SEC-34), the last system admin can be neither demoted nor disabled, and the CLI's
//! `user list|set-role|invite` and `product show` answer as the pages do.

use crate::support::Env;
use latchkey_core::admin::audit_log;
use latchkey_core::admin::{self, Actor, AdminError, NewUser};
use latchkey_core::admin::{invitations, members, products};
use latchkey_core::model::OrgRole;
use latchkey_testkit::TestServer;
use latchkey_testkit::browser::{Browser, hidden, location};
use latchkey_testkit::flow::PASSWORD;

async fn signed_in(s: &TestServer, email: &str) -> Browser {
    let mut b = Browser::new(&s.url);
    let html = b.get("/login?return_to=/admin").await.text().await.unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("username", email),
                ("password", PASSWORD),
                ("csrf", &hidden(&html, "csrf")),
                ("return_to", "/admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "sign-in as {email}");
    b
}

/// A person of `org` with `role` who signs in with `PASSWORD`.
async fn member(
    ctx: &latchkey_core::admin::Ctx<'_>,
    org: &latchkey_core::ids::OrgId,
    email: &str,
    role: OrgRole,
) -> latchkey_core::ids::UserId {
    let new = NewUser {
        org,
        email,
        password: PASSWORD,
        role,
        given_name: None,
        family_name: None,
        country: None,
    };
    admin::create_user(ctx, new).await.unwrap().id
}

fn seg(id: &str) -> String {
    id.replace('@', "%40")
}

#[tokio::test]
async fn sec_40_only_system_admins_open_the_admin_console_and_changes_need_csrf() {
    let s = TestServer::start().await;
    let ctx = s.ctx();
    let org = admin::create_org(&ctx, "Acme").await.unwrap();
    let other = admin::create_org(&ctx, "Globex").await.unwrap();
    let mut ids = Vec::new();
    for (o, email, role) in [
        (&org.id, "admin@acme.example", OrgRole::SystemAdmin),
        (&org.id, "dev@acme.example", OrgRole::Developer),
        (&org.id, "viewer@acme.example", OrgRole::User),
        (&other.id, "admin@globex.example", OrgRole::SystemAdmin),
    ] {
        ids.push(member(&ctx, o, email, role).await);
    }
    let users = format!("/admin/orgs/{}/users", seg(org.id.as_str()));
    let admin_page = format!("{users}/{}", seg(ids[0].as_str()));

    // Nobody signed in: sent to sign in first.
    let mut anon = Browser::new(&s.url);
    let r = anon.get(&users).await;
    assert_eq!(r.status(), 303);
    assert!(
        location(&r).starts_with("/login?return_to="),
        "{}",
        location(&r)
    );

    for email in ["dev@acme.example", "viewer@acme.example"] {
        let mut b = signed_in(&s, email).await;
        for path in ["/admin", users.as_str(), admin_page.as_str()] {
            let r = b.get(path).await;
            assert_eq!(r.status(), 403, "{email}: {path}");
            let html = r.text().await.unwrap();
            assert!(
                !html.contains("admin@acme.example") || path == "/admin",
                "{email}: {path}"
            );
        }
    }
    let mut outsider = signed_in(&s, "admin@globex.example").await;
    assert_eq!(outsider.get("/admin").await.status(), 200, "their own org");
    for path in [&users, &admin_page] {
        let r = outsider.get(path).await;
        assert_eq!(r.status(), 404, "another org's admin: {path}");
        assert!(!r.text().await.unwrap().contains("admin@acme.example"));
    }

    let mut b = signed_in(&s, "admin@acme.example").await;
    let r = b.get(&format!("{users}?q=VIEWER")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("viewer@acme.example") && !html.contains("dev@acme.example"));

    // SEC-34: a change without the page's CSRF token changes nothing.
    let viewer_page = format!("{users}/{}", seg(ids[2].as_str()));
    let r = b
        .post(&format!("{viewer_page}/role"), &[("role", "system_admin")])
        .await;
    assert_eq!(r.status(), 403);
    let m = s
        .state
        .store
        .membership(&org.id, &ids[2])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.role, OrgRole::User);

    // The last system admin: neither demoted nor disabled (by the store's rule, so also
    // not through another admin's page).
    let html = b.get(&admin_page).await.text().await.unwrap();
    let csrf = hidden(&html, "csrf");
    let r = b
        .post(
            &format!("{admin_page}/role"),
            &[("csrf", &csrf), ("role", "developer")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("at least one enabled system admin")
    );
    // Promote the viewer, who then cannot disable... the admin, who is no longer the last.
    let r = b
        .post(
            &format!("{viewer_page}/role"),
            &[("csrf", &csrf), ("role", "system_admin")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{viewer_page}?done=role-changed"));
    let r = b
        .post(&format!("{viewer_page}/disable"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        s.state
            .store
            .get_user(&ids[2])
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    // Disabled admins do not count: the remaining enabled one stays.
    let r = b
        .post(
            &format!("{admin_page}/role"),
            &[("csrf", &csrf), ("role", "user")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let r = b
        .post(&format!("{admin_page}/disable"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status(), 400, "not their own account");
    assert!(
        !s.state
            .store
            .get_user(&ids[0])
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
}

#[test]
fn cli_lists_searches_changes_roles_and_invites() {
    let env = Env::new();
    let org = env.cli_json(&["org", "create", "--name", "Acme", "--json"]);
    let org = org["id"].as_str().unwrap().to_owned();
    env.cli_json(&[
        "user",
        "create",
        "--org",
        &org,
        "--email",
        "grace@acme.example",
        "--password",
        PASSWORD,
        "--role",
        "system_admin",
        "--json",
    ]);
    let pid = env.cli_json(&["project", "create", "--org", &org, "--name", "P", "--json"]);
    let pid = pid["id"].as_str().unwrap().to_owned();
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        &pid,
        "--api",
        "workfront",
        "--json",
    ]);
    let cred = env.cli_json(&[
        "credential",
        "create",
        "--project",
        &pid,
        "--kind",
        "server_to_server",
        "--json",
    ]);
    let tech = cred["technical_account_email"].as_str().unwrap();

    let found = env.cli_json(&[
        "user", "list", "--org", &org, "--search", "techacct", "--json",
    ]);
    let users = found["users"].as_array().unwrap();
    assert_eq!(users.len(), 1, "{found}");
    assert_eq!(users[0]["email"], tech);
    assert_eq!(users[0]["kind"], "technical");

    let err = env.cli_fails(&[
        "user",
        "set-role",
        "--org",
        &org,
        "--user",
        "grace@acme.example",
        "--role",
        "developer",
    ]);
    assert!(err.contains("at least one enabled system admin"), "{err}");

    let inv = env.cli_json(&[
        "user",
        "invite",
        "--org",
        &org,
        "--email",
        "marie@acme.example",
        "--role",
        "developer",
        "--json",
    ]);
    let url = inv["invitation_url"].as_str().unwrap();
    assert!(url.contains("/invite/") && url.len() > 60, "{inv}");
    let all = env.cli_json(&["user", "list", "--org", &org, "--json"]);
    let marie = all["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "marie@acme.example")
        .unwrap()
        .clone();
    assert_eq!(
        (marie["role"].as_str(), marie["invited"].as_bool()),
        (Some("developer"), Some(true))
    );
    let r = env.cli_json(&[
        "user",
        "set-role",
        "--org",
        &org,
        "--user",
        "marie@acme.example",
        "--role",
        "system_admin",
        "--json",
    ]);
    assert_eq!(r["role"], "system_admin");

    // The audit log, as one object and as JSON lines.
    let log = env.cli_json(&[
        "audit",
        "--org",
        &org,
        "--action",
        "user.role_changed",
        "--json",
    ]);
    let events = log["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{log}");
    assert_eq!(events[0]["actor"], "operator");
    assert_eq!(events[0]["details"]["role"], "system_admin");
    let out = env
        .command()
        .args(["audit", "--org", &org, "--jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    for want in [
        "user.created",
        "credential.created",
        "user.invited",
        "user.role_changed",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    let instances = env.cli_json(&["product", "instances", "--org", &org, "--json"]);
    let instance = instances["instances"][0]["id"].as_str().unwrap().to_owned();
    let shown = env.cli_json(&["product", "show", "--instance", &instance, "--json"]);
    let u = &shown["users"][0];
    assert_eq!(u["email"], tech);
    assert_eq!(u["role"], "contributor");
    assert_eq!(u["credential"]["client_id"], cred["client_id"]);

    // Marie never used her link: a new one replaces it.
    let again = env.cli_json(&[
        "user",
        "reinvite",
        "--org",
        &org,
        "--user",
        "marie@acme.example",
        "--json",
    ]);
    let new_url = again["invitation_url"].as_str().unwrap();
    assert!(new_url.contains("/invite/") && new_url != url, "{again}");

    // Removing members: a technical account leaves with its credential instead; a person
    // goes, and is no longer listed.
    let err = env.cli_fails(&["user", "remove", "--org", &org, "--user", tech]);
    assert!(err.contains("delete the credential"), "{err}");
    let r = env.cli_json(&[
        "user",
        "remove",
        "--org",
        &org,
        "--user",
        "marie@acme.example",
        "--json",
    ]);
    assert_eq!(r["removed"], true, "{r}");
    let all = env.cli_json(&["user", "list", "--org", &org, "--json"]);
    let emails: Vec<&str> = all["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert!(!emails.contains(&"marie@acme.example"), "{emails:?}");
    let err = env.cli_fails(&[
        "user",
        "remove",
        "--org",
        &org,
        "--user",
        "grace@acme.example",
    ]);
    assert!(err.contains("at least one enabled system admin"), "{err}");
}

/// An org's admin removes a member on the member's page ("Remove from organization",
/// with the page's CSRF token): back on the list with a notice, the member gone from it
/// and from the org's product profile, their page answering 404, the member's open
/// console session no longer reaching the org (SEC-40), and the removal in the audit
/// log. Their own page offers no such button.
#[tokio::test]
async fn an_admin_removes_a_member_from_the_org() {
    let s = TestServer::start().await;
    let ctx = s.ctx();
    let org = admin::create_org(&ctx, "Acme").await.unwrap();
    let mut ids = Vec::new();
    for (email, role) in [
        ("admin@acme.example", OrgRole::SystemAdmin),
        ("viewer@acme.example", OrgRole::User),
    ] {
        ids.push(member(&ctx, &org.id, email, role).await);
    }
    let op = Actor::Operator;
    let instance = products::create_instance(&ctx, &op, &org.id, "Workfront", None)
        .await
        .unwrap();
    let profile = products::create_profile(&ctx, &op, &instance.id, "Reviewers")
        .await
        .unwrap();
    products::add_profile_member(&ctx, &op, &profile.id, "viewer@acme.example", false)
        .await
        .unwrap();
    let users = format!("/admin/orgs/{}/users", seg(org.id.as_str()));
    let viewer_page = format!("{users}/{}", seg(ids[1].as_str()));
    // SEC-40: the member's Developer Console session, open before the removal.
    let console_org = format!("/console/orgs/{}", seg(org.id.as_str()));
    let mut viewer = signed_in(&s, "viewer@acme.example").await;
    assert_eq!(viewer.get(&console_org).await.status(), 200);
    let mut b = signed_in(&s, "admin@acme.example").await;
    let own = b
        .get(&format!("{users}/{}", seg(ids[0].as_str())))
        .await
        .text()
        .await
        .unwrap();
    assert!(!own.contains("Remove from organization"));
    let html = b.get(&viewer_page).await.text().await.unwrap();
    assert!(html.contains("Remove from organization"));
    // Without the page's token: refused, nothing removed.
    let r = b.post(&format!("{viewer_page}/remove"), &[]).await;
    assert_eq!(r.status(), 403);
    assert!(
        s.state
            .store
            .membership(&org.id, &ids[1])
            .await
            .unwrap()
            .is_some()
    );
    let r = b
        .post(
            &format!("{viewer_page}/remove"),
            &[("csrf", &hidden(&html, "csrf"))],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{users}?done=user-removed"));
    let list = b.get(&location(&r)).await.text().await.unwrap();
    assert!(
        list.contains("User removed from the organization"),
        "{list}"
    );
    assert!(!list.contains("viewer@acme.example"));
    assert_eq!(b.get(&viewer_page).await.status(), 404);
    assert!(
        s.state
            .store
            .profile_members(&profile.id)
            .await
            .unwrap()
            .is_empty()
    );
    // Their session no longer opens the org (they stay signed in: their account, other
    // orgs and the apps they use are theirs).
    let r = viewer.get(&console_org).await;
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("Acme"));
    let log = audit_log::search_as_operator(
        &ctx,
        Some(&org.id),
        &audit_log::Filter {
            action: Some("user.removed"),
            ..audit_log::Filter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].actor, ids[0].as_str());
    assert_eq!(log[0].details["role"], "user");
}

/// The console's `PATCH …/users/{userId}` (`members::update`) changes a member's role and
/// account state together or not at all: a request whose second half would be refused
/// changes nothing, not just the first half.
#[tokio::test]
async fn a_member_update_is_applied_whole_or_not_at_all() {
    let s = TestServer::start().await;
    let ctx = s.ctx();
    let org = admin::create_org(&ctx, "Acme").await.unwrap();
    let mut ids = Vec::new();
    for email in ["boss@acme.example", "second@acme.example"] {
        ids.push(member(&ctx, &org.id, email, OrgRole::SystemAdmin).await);
    }
    let boss = Actor::User(ids[0].clone());
    let role_of = |i: usize| {
        let (store, org, id) = (s.state.store.clone(), org.id.clone(), ids[i].clone());
        async move { store.membership(&org, &id).await.unwrap().unwrap().role }
    };
    // Stepping down and disabling oneself: the role change alone would be allowed (another
    // admin stays), disabling oneself is not, so neither happens.
    let err = members::update(
        &ctx,
        &boss,
        &org.id,
        "boss@acme.example",
        Some(OrgRole::Developer),
        Some(true),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, AdminError::Invalid(m) if m.contains("your own account")),
        "{err:?}"
    );
    assert_eq!(role_of(0).await, OrgRole::SystemAdmin);
    // Both halves allowed: both happen.
    members::update(
        &ctx,
        &boss,
        &org.id,
        "second@acme.example",
        Some(OrgRole::User),
        Some(true),
    )
    .await
    .unwrap();
    assert_eq!(role_of(1).await, OrgRole::User);
    let second = s.state.store.get_user(&ids[1]).await.unwrap().unwrap();
    assert!(second.disabled);
}

/// The link of an invitation shown on the users page (`#invite-link`).
fn invite_link(html: &str) -> String {
    let start = html
        .find(r#"id="invite-link""#)
        .expect("an invitation link");
    let value = &html[start..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    // minijinja escapes the slashes of an attribute value.
    value[..value.find('"').unwrap()].replace("&#x2f;", "/")
}

/// An invited person who lost their link, or whose link expired, gets a new one from
/// their page: the old link stops working, the new one sets their password. Removed and
/// added again before setting one, they are invited again (joining alone would leave them
/// no way to sign in). No new link for someone who set a password, or who also belongs to
/// another org (the link would open that org too).
#[tokio::test]
async fn an_admin_sends_a_new_invitation_link() {
    let s = TestServer::start().await;
    let ctx = s.ctx();
    let org = admin::create_org(&ctx, "Acme").await.unwrap();
    let globex = admin::create_org(&ctx, "Globex").await.unwrap();
    member(&ctx, &org.id, "admin@acme.example", OrgRole::SystemAdmin).await;
    let op = Actor::Operator;
    let invite = |email: &'static str, org: latchkey_core::ids::OrgId| {
        let ctx = s.ctx();
        async move {
            let new = invitations::NewMember {
                email,
                given_name: None,
                family_name: None,
                role: OrgRole::Developer,
                password: None,
            };
            invitations::add(&ctx, &Actor::Operator, &org, new)
                .await
                .unwrap()
        }
    };
    let first = invite("marie@acme.example", org.id.clone()).await;
    let old = first.invitation.unwrap();
    let users = format!("/admin/orgs/{}/users", seg(org.id.as_str()));
    let page = format!("{users}/{}", seg(first.user.id.as_str()));
    let mut b = signed_in(&s, "admin@acme.example").await;
    let html = b.get(&page).await.text().await.unwrap();
    assert!(html.contains("New invitation link"));
    let r = b
        .post(
            &format!("{page}/reinvite"),
            &[("csrf", &hidden(&html, "csrf"))],
        )
        .await;
    assert_eq!(r.status(), 200);
    let list = r.text().await.unwrap();
    assert!(list.contains("the old one no longer works"), "{list}");
    let link = invite_link(&list);
    let secret = link.rsplit('/').next().unwrap().to_owned();
    assert_ne!(secret, old);
    assert_eq!(b.get(&format!("/invite/{old}")).await.status(), 404);
    assert_eq!(b.get(&format!("/invite/{secret}")).await.status(), 200);
    invitations::accept(&ctx, &secret, "marie-s3cret-pass")
        .await
        .unwrap();
    // She has a password now: no new link.
    let err = invitations::reinvite(&ctx, &op, &org.id, "marie@acme.example")
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::Conflict(_)), "{err:?}");

    // Removed before setting a password, then added again: invited again.
    let oops = invite("oops@acme.example", org.id.clone()).await;
    members::remove(&ctx, &op, &org.id, "oops@acme.example")
        .await
        .unwrap();
    let again = invite("oops@acme.example", org.id.clone()).await;
    assert_eq!(again.user.id, oops.user.id, "the same person");
    let secret = again.invitation.expect("a new link");
    invitations::accept(&ctx, &secret, "oops-s3cret-pass")
        .await
        .unwrap();

    // Pending in Acme and also a member of Globex: Acme cannot mint a password link.
    let both = invite("both@acme.example", org.id.clone()).await;
    let joined = invite("both@acme.example", globex.id.clone()).await;
    assert!(joined.invitation.is_none(), "joins Globex without a link");
    let err = invitations::reinvite(&ctx, &op, &org.id, both.user.id.as_str())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AdminError::Conflict(m) if m.contains("another org")),
        "{err:?}"
    );
}
