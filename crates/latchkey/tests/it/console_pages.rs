//! The Developer Console pages at `/console`, in process with the cookie `Browser`: each
//! org role's view and refusals (SEC-40: a system admin changes anything, a developer
//! where the org allows, a plain user only looks, an outsider gets 404s), CSRF on every
//! change (SEC-34), headers and CSP (SEC-33), a secret shown once and never again
//! (SEC-41), redirect-URI edits validated as at creation (SEC-03), keys generated on
//! request and handed over once, conversion, and the workspace download
//! (docs/console-contract.md §3 (3.6, workspace download)). The Chromium journey is in `interop`.

use latchkey_core::admin::{self, NewUser};
use latchkey_core::ids::OrgId;
use latchkey_core::model::OrgRole;
use latchkey_testkit::TestServer;
use latchkey_testkit::browser::{Browser, hidden, location};
use latchkey_testkit::flow::PASSWORD;

struct World {
    s: TestServer,
    org: String,
    other_org: String,
}

async fn world() -> World {
    let s = TestServer::start().await;
    let ctx = s.ctx();
    let org = admin::create_org(&ctx, "Acme").await.unwrap();
    let other = admin::create_org(&ctx, "Globex").await.unwrap();
    for (o, email, role) in [
        (&org.id, "admin@acme.example", OrgRole::SystemAdmin),
        (&org.id, "dev@acme.example", OrgRole::Developer),
        (&org.id, "viewer@acme.example", OrgRole::User),
        (&other.id, "admin@globex.example", OrgRole::SystemAdmin),
    ] {
        admin::create_user(
            &ctx,
            NewUser {
                org: o,
                email,
                password: PASSWORD,
                role,
                given_name: None,
                family_name: None,
                country: None,
            },
        )
        .await
        .unwrap();
    }
    World {
        org: org.id.0.clone(),
        other_org: other.id.0.clone(),
        s,
    }
}

/// A browser signed in as `email` through `/login?return_to=/console`.
async fn signed_in(s: &TestServer, email: &str) -> Browser {
    let mut b = Browser::new(&s.url);
    let r = b.get("/console").await;
    assert_eq!(r.status(), 303);
    let login = location(&r);
    assert_eq!(login, "/login?return_to=/console");
    let html = b.get(&login).await.text().await.unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("username", email),
                ("password", PASSWORD),
                ("csrf", &hidden(&html, "csrf")),
                ("return_to", "/console"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "sign-in as {email}");
    assert_eq!(location(&r), "/console");
    b
}

fn seg(id: &str) -> String {
    id.replace('@', "%40")
}

/// GET a page: (status, html).
async fn page(b: &mut Browser, url: &str) -> (u16, String) {
    let r = b.get(url).await;
    (r.status().as_u16(), unescape(&r.text().await.unwrap()))
}

/// A page's text as the browser shows it (minijinja escapes `/`, `&`, quotes).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// A page of every signed-in person that carries their session's CSRF token (read-only
/// console pages have no form).
const ANY_FORM: &str = "/account/connected-applications";

/// POST a console form with the page's CSRF token (read from `from`).
async fn submit(
    b: &mut Browser,
    from: &str,
    action: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let html = b.get(from).await.text().await.unwrap();
    let csrf = hidden(&html, "csrf");
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(form);
    b.post(action, &all).await
}

/// Create a project as `b` in `org`; its page path.
async fn create_project(b: &mut Browser, org: &str, name: &str) -> String {
    let org_page = format!("/console/orgs/{}", seg(org));
    let r = submit(
        b,
        &org_page,
        &format!("{org_page}/projects"),
        &[("name", name)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(
        to.starts_with("/console/projects/") && to.ends_with("?done=project-created"),
        "{to}"
    );
    to.split('?').next().unwrap().to_owned()
}

/// The client id on a credential-created page, and its one-time secret if any.
fn created(html: &str) -> (String, Option<String>) {
    let id = between(html, "<code id=\"client-id\">", "</code>").to_owned();
    let secret = html
        .find("id=\"secret-value\"")
        .map(|_| between(html, "readonly value=\"", "\"").to_owned());
    (id, secret)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let a = s
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in page"))
        + start.len();
    let b = s[a..].find(end).unwrap() + a;
    &s[a..b]
}

#[tokio::test]
async fn sec_40_console_system_admin_runs_a_project_and_its_credentials() {
    let w = world().await;
    let mut b = signed_in(&w.s, "admin@acme.example").await;
    let (st, html) = page(&mut b, "/console").await;
    assert_eq!(st, 200);
    assert!(html.contains("Acme") && !html.contains("Globex"), "{html}");
    assert!(html.contains("System administrator"));

    let project = create_project(&mut b, &w.org, "Storefront").await;
    let (st, html) = page(&mut b, &format!("{project}?done=project-created")).await;
    assert_eq!(st, 200);
    assert!(html.contains("Project created.") && html.contains("Storefront"));
    assert!(
        html.contains("Project \u{201c}Storefront\u{201d} created"),
        "activity lists it"
    );

    // Add Workfront from the catalog: its scopes, metascopes and kinds show on the project.
    let r = submit(
        &mut b,
        &project,
        &format!("{project}/apis"),
        &[("api", "workfront")],
    )
    .await;
    assert_eq!(location(&r), format!("{project}?done=api-added"));
    let (_, html) = page(&mut b, &project).await;
    assert!(html.contains("data-api=\"workfront\""));
    assert!(html.contains("workfront.read") && html.contains("ent_workfront_sdk"));

    // A product profile to pick in the server-to-server wizard.
    let ctx = w.s.ctx();
    let inst = admin::products::create_instance(
        &ctx,
        &admin::Actor::Operator,
        &OrgId(w.org.clone()),
        "Workfront",
        Some("Workfront Prod"),
    )
    .await
    .unwrap();
    let profile =
        admin::products::create_profile(&ctx, &admin::Actor::Operator, &inst.id, "Planners")
            .await
            .unwrap();
    let (st, html) = page(
        &mut b,
        &format!("{project}/credentials/new?kind=server_to_server"),
    )
    .await;
    assert_eq!(st, 200);
    assert!(html.contains("Workfront Prod") && html.contains("Planners"));
    assert!(
        !html.contains("redirect_uris"),
        "server-to-server asks no redirect URI"
    );
    let r = submit(
        &mut b,
        &format!("{project}/credentials/new?kind=server_to_server"),
        &format!("{project}/credentials"),
        &[
            ("kind", "server_to_server"),
            ("name", "Nightly sync"),
            ("profile", &profile.id),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let (client_id, secret) = created(&html);
    let secret = secret.expect("the new secret is on the page");
    assert!(secret.starts_with("lks_") && secret.len() > 40, "{secret}");
    // On this page only, the workspace file may carry the secret (a data: link).
    let href = unescape(between(&html, "id=\"download-with-secret\" href=\"", "\""));
    let json = percent_decode(
        href.strip_prefix("data:application/json;charset=utf-8,")
            .unwrap(),
    );
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    let c = &j["project"]["workspace"]["details"]["credentials"][0];
    assert_eq!(
        c["oauth_server_to_server"]["client_secrets"][0],
        secret.as_str()
    );

    // The secret works, and is never shown again.
    let tok =
        w.s.post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &secret),
                ("scope", "openid,workfront.read"),
            ],
        )
        .await;
    assert_eq!(tok.status(), 200);
    let cred = format!("/console/credentials/{client_id}");
    let (st, html) = page(&mut b, &cred).await;
    assert_eq!(st, 200);
    assert!(!html.contains(&secret), "the secret is shown once only");
    assert!(
        html.contains("/ims/token/v3") && html.contains(&client_id),
        "curl snippet"
    );
    let tech = admin::show_credential(
        &ctx,
        &admin::Actor::Operator,
        &latchkey_core::ids::ClientId(client_id.clone()),
    )
    .await
    .unwrap()
    .technical_account
    .unwrap();
    assert!(html.contains(&tech.0), "technical account id shown");
    let members = ctx.store.profile_members(&profile.id).await.unwrap();
    assert!(
        members.iter().any(|m| m.user_id == tech),
        "joined the chosen profile"
    );

    // Rotate: a second secret, shown once; a third retires the oldest (at most two live).
    let mut rotated = Vec::new();
    for round in 0..2 {
        let r = submit(&mut b, &cred, &format!("{cred}/rotate"), &[]).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let html = r.text().await.unwrap();
        let (_, s2) = created(&html);
        let s2 = s2.unwrap();
        assert_ne!(s2, secret);
        rotated.push(s2);
        assert_eq!(
            html.contains("id=\"retired\""),
            round == 1,
            "the third retires the first"
        );
    }
    let (_, html) = page(&mut b, &cred).await;
    assert_eq!(html.matches("data-secret=").count(), 2);
    let old =
        w.s.post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(old.status(), 401, "the oldest secret was retired");
    // Delete one of the two.
    let sid = between(&html, "data-secret=\"", "\"").to_owned();
    let r = submit(
        &mut b,
        &cred,
        &format!("{cred}/secret-delete"),
        &[("secret_id", &sid)],
    )
    .await;
    assert_eq!(location(&r), format!("{cred}?done=secret-deleted"));
    let (_, html) = page(&mut b, &cred).await;
    assert_eq!(html.matches("data-secret=").count(), 1);
    // The last one stays.
    let sid = between(&html, "data-secret=\"", "\"").to_owned();
    let r = submit(
        &mut b,
        &cred,
        &format!("{cred}/secret-delete"),
        &[("secret_id", &sid)],
    )
    .await;
    assert!(r.status().is_client_error(), "{}", r.status());

    // The workspace download is the contract's 3.6 shape, without any secret.
    let r = b.get(&format!("{cred}/workspace.json")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let j: serde_json::Value = r.json().await.unwrap();
    let c = &j["project"]["workspace"]["details"]["credentials"][0];
    assert_eq!(c["integration_type"], "oauth_server_to_server");
    assert_eq!(c["oauth_server_to_server"]["client_id"], client_id.as_str());
    assert_eq!(
        c["oauth_server_to_server"]["technical_account_id"],
        tech.0.as_str()
    );
    assert!(
        j["project"]["id"]
            .as_str()
            .unwrap()
            .chars()
            .all(|ch| ch.is_ascii_digit())
    );
    assert_eq!(j["project"]["org"]["ims_org_id"], w.org.as_str());
    assert!(!j.to_string().contains("lks_"), "no secret in the file");

    // Disable, enable, then delete; the project can go once empty. Before: the live secret
    // (one of the rotated two) gets a token.
    let mut ok = 0;
    for s in &rotated {
        let r =
            w.s.post_form(
                "/ims/token/v3",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client_id),
                    ("client_secret", s),
                    ("scope", "openid"),
                ],
            )
            .await;
        ok += usize::from(r.status() == 200);
    }
    assert_eq!(ok, 1, "one rotated secret is still live");
    // The live secret got a token: the page shows when it was last used.
    let (_, html) = page(&mut b, &cred).await;
    assert_eq!(html.matches("<td class=\"last-used\">20").count(), 1);
    assert!(!html.contains(">never</td>"));
    let r = submit(&mut b, &cred, &format!("{cred}/disable"), &[]).await;
    assert_eq!(location(&r), format!("{cred}?done=disabled"));
    let (_, html) = page(&mut b, &cred).await;
    assert!(html.contains("id=\"disabled-badge\""));
    for s in &rotated {
        let r =
            w.s.post_form(
                "/ims/token/v3",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client_id),
                    ("client_secret", s),
                    ("scope", "openid"),
                ],
            )
            .await;
        assert!(
            r.status().is_client_error(),
            "a disabled credential gets no token"
        );
    }
    let r = submit(&mut b, &cred, &format!("{cred}/enable"), &[]).await;
    assert_eq!(location(&r), format!("{cred}?done=enabled"));
    let r = submit(&mut b, &project, &format!("{project}/delete"), &[]).await;
    assert_eq!(r.status(), 409, "a project with credentials stays");
    assert!(r.text().await.unwrap().contains("role=\"alert\""));
    let r = submit(&mut b, &cred, &format!("{cred}/delete"), &[]).await;
    assert_eq!(location(&r), format!("{project}?done=credential-deleted"));
    assert_eq!(page(&mut b, &cred).await.0, 404);
    let r = submit(
        &mut b,
        &project,
        &format!("{project}/rename"),
        &[("name", "Shop")],
    )
    .await;
    assert_eq!(location(&r), format!("{project}?done=project-renamed"));
    let r = submit(&mut b, &project, &format!("{project}/delete"), &[]).await;
    assert_eq!(
        location(&r),
        format!("/console/orgs/{}?done=project-deleted", seg(&w.org))
    );
}

#[tokio::test]
async fn sec_03_console_web_credential_redirect_uris_and_service_account_keys() {
    let w = world().await;
    let mut b = signed_in(&w.s, "admin@acme.example").await;
    let project = create_project(&mut b, &w.org, "Portal").await;
    submit(
        &mut b,
        &project,
        &format!("{project}/apis"),
        &[("api", "workfront")],
    )
    .await;
    let new = format!("{project}/credentials/new?kind=oauth_web");
    let (_, html) = page(&mut b, &new).await;
    assert!(html.contains("name=\"redirect_uris\"") && !html.contains("name=\"profile\""));
    // A bad redirect URI is refused on the page, the form kept.
    let r = submit(
        &mut b,
        &new,
        &format!("{project}/credentials"),
        &[
            ("kind", "oauth_web"),
            ("name", "Portal web"),
            ("redirect_uris", "http://evil.example/cb"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("role=\"alert\"") && html.contains("Portal web"));
    let r = submit(
        &mut b,
        &new,
        &format!("{project}/credentials"),
        &[
            ("kind", "oauth_web"),
            ("name", "Portal web"),
            ("redirect_uris", "https://portal.example/cb"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let (client_id, secret) = created(&html);
    let secret = secret.expect("a web app has a secret");
    let href = unescape(between(&html, "id=\"download-with-secret\" href=\"", "\""));
    let file: serde_json::Value = serde_json::from_str(&percent_decode(
        href.strip_prefix("data:application/json;charset=utf-8,")
            .unwrap(),
    ))
    .unwrap();
    let oauth2 = &file["project"]["workspace"]["details"]["credentials"][0]["oauth2"];
    assert_eq!(oauth2["client_secret"], secret.as_str());
    assert_eq!(oauth2["defaultRedirectUri"], "https://portal.example/cb");
    let cred = format!("/console/credentials/{client_id}");
    let (_, html) = page(&mut b, &cred).await;
    assert!(
        html.contains("/ims/authorize/v2?client_id=")
            && html.contains("https%3A%2F%2Fportal.example%2Fcb")
    );
    let r = submit(
        &mut b,
        &cred,
        &format!("{cred}/redirect-uris"),
        &[("redirect_uris", "javascript:alert(1)")],
    )
    .await;
    assert_eq!(r.status(), 400, "validated as at creation");
    let r = submit(
        &mut b,
        &cred,
        &format!("{cred}/redirect-uris"),
        &[(
            "redirect_uris",
            "https://portal.example/cb\nhttps://portal.example/cb2",
        )],
    )
    .await;
    assert_eq!(location(&r), format!("{cred}?done=uris-saved"));
    let (_, html) = page(&mut b, &cred).await;
    assert!(html.contains("https://portal.example/cb2"));

    // A service account: generate a key (downloaded once), then convert it.
    let new = format!("{project}/credentials/new?kind=service_account_jwt");
    let r = submit(
        &mut b,
        &new,
        &format!("{project}/credentials"),
        &[("kind", "service_account_jwt"), ("name", "Legacy job")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let (sa, _) = created(&r.text().await.unwrap());
    let cred = format!("/console/credentials/{sa}");
    let (_, html) = page(&mut b, &cred).await;
    assert!(
        html.contains("id=\"no-certificates\"")
            && html.contains("/ims/exchange/jwt")
            && html.contains("/s/ent_workfront_sdk")
    );
    let r = submit(
        &mut b,
        &cred,
        &format!("{cred}/generate-key"),
        &[("alg", "RS256")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    let pem = r.text().await.unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let (_, html) = page(&mut b, &cred).await;
    assert_eq!(html.matches("data-certificate=").count(), 1);
    assert!(!html.contains("PRIVATE KEY"), "the private key is not kept");
    let certs =
        w.s.state
            .store
            .list_certificates(&latchkey_core::ids::ClientId(sa.clone()))
            .await
            .unwrap();
    assert!(certs.iter().all(|c| !c.pem.contains("PRIVATE")));
    // Remove it again: the list is empty.
    let r = submit(
        &mut b,
        &cred,
        &format!("{cred}/certificate-remove"),
        &[("certificate_id", &certs[0].id)],
    )
    .await;
    assert_eq!(location(&r), format!("{cred}?done=cert-removed"));
    let (_, html) = page(&mut b, &cred).await;
    assert!(html.contains("id=\"no-certificates\""));
    let r = submit(
        &mut b,
        &cred,
        &format!("{cred}/certificate"),
        &[("certificate", "not a pem")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = submit(&mut b, &cred, &format!("{cred}/convert"), &[]).await;
    assert_eq!(location(&r), format!("{cred}?done=converted"));
    let (_, html) = page(&mut b, &cred).await;
    assert!(html.contains("OAuth Server-to-Server") && html.contains("/ims/token/v3"));
}

#[tokio::test]
async fn sec_40_console_developer_user_and_outsider_see_what_their_role_allows() {
    let w = world().await;
    let mut admin_b = signed_in(&w.s, "admin@acme.example").await;
    let project = create_project(&mut admin_b, &w.org, "Shared").await;
    submit(
        &mut admin_b,
        &project,
        &format!("{project}/apis"),
        &[("api", "firefly")],
    )
    .await;
    let new = format!("{project}/credentials/new?kind=server_to_server");
    let r = submit(
        &mut admin_b,
        &new,
        &format!("{project}/credentials"),
        &[("kind", "server_to_server")],
    )
    .await;
    let (client_id, _) = created(&r.text().await.unwrap());
    let cred = format!("/console/credentials/{client_id}");

    // A developer (the org allows developers by default) creates and rotates.
    let mut dev = signed_in(&w.s, "dev@acme.example").await;
    let (_, html) = page(&mut dev, &project).await;
    assert!(html.contains("id=\"new-credential\"") && !html.contains("id=\"read-only\""));
    let r = submit(&mut dev, &cred, &format!("{cred}/rotate"), &[]).await;
    assert_eq!(r.status(), 200);
    // Not where the org forbids it.
    admin::authz::set_developers_may_manage_credentials(
        &w.s.ctx(),
        &admin::Actor::Operator,
        &OrgId(w.org.clone()),
        false,
    )
    .await
    .unwrap();
    let (_, html) = page(&mut dev, &project).await;
    assert!(html.contains("id=\"read-only\"") && !html.contains("id=\"new-credential\""));
    let r = submit(&mut dev, ANY_FORM, &format!("{cred}/rotate"), &[]).await;
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Your role does not allow this")
    );

    // A plain user looks only: no forms, every change refused.
    let mut viewer = signed_in(&w.s, "viewer@acme.example").await;
    let (st, html) = page(&mut viewer, &project).await;
    assert_eq!(st, 200);
    assert!(html.contains("Firefly Services") && html.contains(&client_id));
    assert!(html.contains("id=\"read-only\"") && !html.contains("/apis/remove"));
    let (st, html) = page(&mut viewer, &cred).await;
    assert_eq!(st, 200);
    assert!(html.contains("id=\"read-only\"") && !html.contains("/rotate\""));
    for (path, form) in [
        (format!("{cred}/rotate"), vec![]),
        (format!("{cred}/delete"), vec![]),
        (format!("{project}/rename"), vec![("name", "Mine")]),
        (format!("{project}/apis"), vec![("api", "workfront")]),
    ] {
        let r = submit(&mut viewer, ANY_FORM, &path, &form).await;
        assert_eq!(r.status(), 403, "{path}");
    }
    let (st, _) = page(&mut viewer, &format!("{project}/credentials/new")).await;
    assert_eq!(st, 403);
    let org_page = format!("/console/orgs/{}", seg(&w.org));
    let r = submit(
        &mut viewer,
        ANY_FORM,
        &format!("{org_page}/projects"),
        &[("name", "X")],
    )
    .await;
    assert_eq!(r.status(), 403);

    // A member of another org sees nothing of it: 404 like an unknown id, and a change is
    // refused the same way.
    let mut outsider = signed_in(&w.s, "admin@globex.example").await;
    let (_, html) = page(&mut outsider, "/console").await;
    assert!(html.contains("Globex") && !html.contains("Acme"));
    for url in [
        org_page.clone(),
        project.clone(),
        cred.clone(),
        format!("{cred}/workspace.json"),
        "/console/credentials/0123456789abcdef0123456789abcdef".into(),
    ] {
        let (st, html) = page(&mut outsider, &url).await;
        assert_eq!(st, 404, "{url}");
        assert!(!html.contains("Shared") && !html.contains(&client_id));
    }
    let own = format!("/console/orgs/{}", seg(&w.other_org));
    let r = submit(&mut outsider, &own, &format!("{cred}/delete"), &[]).await;
    assert_eq!(r.status(), 404);
    let r = submit(
        &mut outsider,
        &own,
        &format!("{project}/apis"),
        &[("api", "workfront")],
    )
    .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn sec_34_console_changes_need_the_csrf_token_and_pages_are_locked_down() {
    let w = world().await;
    let mut b = signed_in(&w.s, "admin@acme.example").await;
    let org_page = format!("/console/orgs/{}", seg(&w.org));
    let r = b.get(&org_page).await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline'; script")
            && !csp.contains("script-src 'unsafe")
    );
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(html.contains("<label for=\"project-name\">"));
    // No token, a wrong token: refused, nothing made.
    for form in [
        vec![("name", "Sneaky")],
        vec![("name", "Sneaky"), ("csrf", "forged")],
    ] {
        let r = b.post(&format!("{org_page}/projects"), &form).await;
        assert_eq!(r.status(), 403);
    }
    let (_, html) = page(&mut b, &org_page).await;
    assert!(!html.contains("Sneaky"));
    // The script is ours, served under its own strict policy.
    let r = b.get("/console/static/console.js").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    // Signed out: every console page sends to sign-in, with the way back.
    let mut anon = Browser::new(&w.s.url);
    let r = anon.get(&org_page).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        format!("/login?return_to={}", org_page.replace('%', "%25"))
    );
    // An unknown action on a credential is a 404, not a 500.
    let project = create_project(&mut b, &w.org, "P").await;
    // Anonymous (SEC-40's fourth caller): every page sends to sign-in, every change is
    // refused, and nothing of the project shows.
    let cred = "/console/credentials/0123456789abcdef0123456789abcdef";
    for url in [
        "/console".to_owned(),
        project.clone(),
        format!("{project}/credentials/new?kind=oauth_web"),
        cred.to_owned(),
        format!("{cred}/workspace.json"),
    ] {
        let r = anon.get(&url).await;
        assert_eq!(r.status(), 303, "{url}");
        assert!(
            location(&r).starts_with("/login?return_to=/console"),
            "{url}"
        );
    }
    for url in [
        format!("{project}/rename"),
        format!("{project}/delete"),
        format!("{project}/apis"),
        format!("{project}/credentials"),
        format!("{cred}/rotate"),
        format!("{cred}/delete"),
    ] {
        let r = anon.post(&url, &[("name", "x"), ("csrf", "x")]).await;
        assert_eq!(r.status(), 403, "{url}");
    }
    let r = submit(&mut b, &project, "/console/credentials/abc/frobnicate", &[]).await;
    assert_eq!(r.status(), 404);
}
