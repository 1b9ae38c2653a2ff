//! The OAuth 2.0 Playground and token debugger, driven in-process with the test browser:
//! the authorization code flow with PKCE through the Playground's own callback, the
//! Tokens tab's buttons as real requests, "Generate access token" for server-to-server,
//! every mistake explained (unregistered redirect URI, wrong secret, scope not allowed),
//! the secret never in a page or a URL, CSRF on every form; and the debugger on a token
//! of ours (valid, then revoked), a foreign JWT and garbage. The same journeys run in
//! real Chromium in tests/interop/node/playground.test.mjs.

use latchkey_core::admin::{self, Actor};
use latchkey_core::ids::ClientId;
use latchkey_core::model::CredentialKind;
use latchkey_testkit::browser::{Browser, hidden, location};
use latchkey_testkit::flow::{self, App};

/// A page's text with minijinja's HTML escapes of `/`, `"` and `&` undone, for matching.
fn unescape(html: String) -> String {
    html.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

async fn web_app_with_playground() -> (App, String) {
    let a = flow::app(CredentialKind::OAuthWeb).await;
    let callback = format!("{}/playground/callback", a.s.url);
    admin::update_credential(
        &a.s.ctx(),
        &Actor::Operator,
        &ClientId(a.client.client_id.clone()),
        None,
        Some(&[flow::REDIRECT.to_owned(), callback.clone()]),
    )
    .await
    .unwrap();
    (a, callback)
}

/// Open the Playground and post the Authorization form.
async fn start(b: &mut Browser, client_id: &str, secret: &str, scope: &str) -> reqwest::Response {
    let html = b
        .get("/playground")
        .await
        .text()
        .await
        .map(unescape)
        .unwrap();
    b.post(
        "/playground/start",
        &[
            ("csrf", &hidden(&html, "csrf")),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", scope),
            ("pkce", "on"),
        ],
    )
    .await
}

async fn press(b: &mut Browser, action: &str, which: &str) -> String {
    let html = b
        .get("/playground?tab=tokens")
        .await
        .text()
        .await
        .map(unescape)
        .unwrap();
    let r = b
        .post(
            "/playground/action",
            &[
                ("csrf", &hidden(&html, "csrf")),
                ("action", action),
                ("which", which),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    b.get(&location(&r))
        .await
        .text()
        .await
        .map(unescape)
        .unwrap()
}

#[tokio::test]
async fn the_playground_runs_the_code_flow_and_every_token_button() {
    let (a, callback) = web_app_with_playground().await;
    let mut b = Browser::new(&a.s.url);
    let r = start(
        &mut b,
        &a.client.client_id,
        &a.client.client_secret,
        "openid AdobeID, offline_access,workfront.read",
    )
    .await;
    assert_eq!(r.status(), 303);
    let authorize = location(&r);
    assert!(authorize.starts_with("/ims/authorize/v2?"), "{authorize}");
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    assert!(
        !authorize.contains(&a.client.client_secret),
        "the secret never goes in a URL"
    );
    let back = flow::sign_in(&a, &mut b, &authorize).await;
    assert!(back.starts_with(&format!("{callback}?")), "{back}");
    // A callback whose state is not the Playground's is refused, and the flow stays open.
    let forged = back.replace("state=", "state=x");
    assert_eq!(b.get(&forged).await.status(), 400);
    let r = b.get(&back).await;
    let next = location(&r);
    if next != "/playground?tab=tokens" {
        let html = b.get(&next).await.text().await.map(unescape).unwrap();
        panic!("the code exchange failed: {html}");
    }
    let html = b
        .get("/playground?tab=tokens")
        .await
        .text()
        .await
        .map(unescape)
        .unwrap();
    for shown in [
        "Access token",
        "Refresh token",
        "ID token",
        "Signature verified",
    ] {
        assert!(html.contains(shown), "{shown} missing");
    }
    assert!(html.contains("data-expires-at="), "the expiry countdown");
    assert!(html.contains("Exchange the code for tokens"));
    assert!(html.contains("<span class=\"validity good\">valid</span>"));
    assert!(
        !html.contains(&a.client.client_secret),
        "the secret is not on the page"
    );

    let html = press(&mut b, "refresh", "access").await;
    assert!(
        html.contains("Refresh <span class=\"good\">200</span>"),
        "refresh"
    );
    let html = press(&mut b, "userinfo", "access").await;
    assert!(html.contains("Userinfo <span class=\"good\">200</span>"));
    assert!(html.contains(&a.email), "userinfo shows the user");
    let html = press(&mut b, "introspect", "access").await;
    assert!(html.contains("\"active\": true"), "introspection: {html}");
    let html = press(&mut b, "revoke", "access").await;
    assert!(html.contains("Revoke <span class=\"good\">200</span>"));
    assert!(
        html.contains("<span class=\"validity bad\">revoked</span>"),
        "the revoked token shows as revoked"
    );
    let html = press(&mut b, "validate", "access").await;
    assert!(html.contains("\"valid\": false"), "validate_token");
}

#[tokio::test]
async fn playground_mistakes_are_explained_before_the_flow_starts() {
    let (a, _) = web_app_with_playground().await;
    // Not registered: another web credential without the Playground's callback.
    let other = flow::another_credential(&a, CredentialKind::OAuthWeb, &[flow::REDIRECT]).await;
    let mut b = Browser::new(&a.s.url);
    let r = start(&mut b, &other, "whatever", "openid").await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.map(unescape).unwrap();
    assert!(html.contains("redirect_uri_not_registered"), "{html}");
    assert!(html.contains(&format!("href=\"/console/credentials/{other}\"")));

    // A wrong secret: invalid_client, explained, before anyone signs in.
    let r = start(&mut b, &a.client.client_id, "not-the-secret", "openid").await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.map(unescape).unwrap();
    assert!(html.contains("<strong>invalid_client</strong>"), "{html}");
    assert!(html.contains("rotate it"), "how to fix it");
    assert!(
        !html.contains("kept from before"),
        "a wrong secret is not kept"
    );
    assert!(
        !html.contains("not-the-secret"),
        "the typed secret is not echoed"
    );

    // A scope the project does not bring: invalid_scope at the callback, explained.
    let r = start(
        &mut b,
        &a.client.client_id,
        &a.client.client_secret,
        "openid,nope_api",
    )
    .await;
    assert_eq!(r.status(), 303);
    let back = flow::sign_in(&a, &mut b, &location(&r)).await;
    assert!(back.contains("error=invalid_scope"), "{back}");
    let r = b.get(&back).await;
    let html = b
        .get(&location(&r))
        .await
        .text()
        .await
        .map(unescape)
        .unwrap();
    assert!(html.contains("<strong>invalid_scope</strong>"), "{html}");
    assert!(html.contains("Add the API that brings the scope"), "{html}");

    // CSRF: a form without the token does nothing.
    let r = b
        .post(
            "/playground/start",
            &[
                ("client_id", a.client.client_id.as_str()),
                ("scope", "openid"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn generate_access_token_for_a_server_to_server_credential() {
    let s = latchkey_testkit::TestServer::start().await;
    let c = s.s2s().await;
    let mut b = Browser::new(&s.url);
    let html = b
        .get("/playground")
        .await
        .text()
        .await
        .map(unescape)
        .unwrap();
    let csrf = hidden(&html, "csrf");
    let post = |secret: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("client_id", c.client_id.clone()),
            (
                "client_secret",
                if secret.is_empty() {
                    c.client_secret.clone()
                } else {
                    secret.to_owned()
                },
            ),
            ("scope", "openid,AdobeID,firefly_api".to_owned()),
        ]
    };
    let form = post("wrong");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/playground/client-credentials", &pairs).await;
    let html = b
        .get(&location(&r))
        .await
        .text()
        .await
        .map(unescape)
        .unwrap();
    assert!(html.contains("<strong>invalid_client</strong>"), "{html}");
    let form = post("");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/playground/client-credentials", &pairs).await;
    assert_eq!(location(&r), "/playground?tab=tokens");
    let html = b
        .get("/playground?tab=tokens")
        .await
        .text()
        .await
        .map(unescape)
        .unwrap();
    assert!(html.contains("Signature verified"), "{html}");
    assert!(
        html.contains("\"ctp\": 3") || html.contains("ctp"),
        "a technical account's token"
    );
    assert!(
        html.contains("client_secret=••••••••"),
        "the secret is masked in the exchange"
    );
    assert!(!html.contains(&c.client_secret));
}

async fn debug(b: &mut Browser, csrf: &str, token: &str) -> (u16, String) {
    let r = b
        .post("/playground/debugger", &[("csrf", csrf), ("token", token)])
        .await;
    (r.status().as_u16(), r.text().await.map(unescape).unwrap())
}

#[tokio::test]
async fn the_debugger_checks_ours_and_refuses_to_vouch_for_others() {
    let s = latchkey_testkit::TestServer::start().await;
    let c = s.s2s().await;
    let token = s.token(&c, "openid,AdobeID").await;
    let mut b = Browser::new(&s.url);
    let html = b
        .get("/playground/debugger")
        .await
        .text()
        .await
        .map(unescape)
        .unwrap();
    let csrf = hidden(&html, "csrf");
    let (status, html) = debug(&mut b, &csrf, &token).await;
    assert_eq!(status, 200);
    assert!(html.contains("Signature verified"), "{html}");
    assert!(
        html.contains("Status: <span class=\"good\">valid</span>"),
        "{html}"
    );
    assert!(html.contains("IMS client type"), "claims explained");

    let r = s
        .post_form(
            "/ims/revoke",
            &[
                ("token", &token),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, html) = debug(&mut b, &csrf, &token).await;
    assert!(
        html.contains("Status: <span class=\"bad\">revoked</span>"),
        "{html}"
    );

    // A JWT from elsewhere: decoded, but unverifiable here.
    let foreign = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyLCJpc3MiOiJodHRwczovL2Vsc2V3aGVyZS5leGFtcGxlIn0.2xh3bA1q6jCkT2V9fw6N0o8lb1kJmQk8p2bXy2r7b5Q";
    let (status, html) = debug(&mut b, &csrf, foreign).await;
    assert_eq!(status, 200);
    assert!(html.contains("Unverifiable here"), "{html}");
    assert!(html.contains("https://elsewhere.example"));

    let (status, html) = debug(&mut b, &csrf, "not a token at all").await;
    assert_eq!(status, 400);
    assert!(html.contains("this is not a JWT"), "{html}");
}

/// The service-account exchange: the Playground signs the IMS assertion with a private
/// key pasted for that one request; a key that is not the credential's is explained.
#[tokio::test]
async fn a_service_account_exchanges_a_jwt_signed_with_a_pasted_key() {
    use crate::helpers::{EC_KEY, RSA_CERT, RSA_KEY, service_account};
    let s = latchkey_testkit::TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let mut b = Browser::new(&s.url);
    let html = b.get("/playground").await.text().await.unwrap();
    let csrf = hidden(&html, "csrf");
    let mut exchange = async |key: &str| {
        let r = b
            .post(
                "/playground/jwt",
                &[
                    ("csrf", csrf.as_str()),
                    ("client_id", c.client_id.as_str()),
                    ("client_secret", c.client_secret.as_str()),
                    ("private_key", key),
                ],
            )
            .await;
        let next = location(&r);
        (
            next.clone(),
            b.get(&next).await.text().await.map(unescape).unwrap(),
        )
    };
    let (next, html) = exchange(EC_KEY).await;
    assert_eq!(next, "/playground?tab=authorization");
    assert!(
        html.contains("/ims/exchange/jwt"),
        "the exchange is shown: {html}"
    );
    assert!(html.contains("id=\"explanation\""), "and explained: {html}");
    let (next, html) = exchange("garbage").await;
    assert_eq!(next, "/playground?tab=authorization");
    assert!(html.contains("paste a PEM private key"), "{html}");
    let (next, html) = exchange(RSA_KEY).await;
    assert_eq!(next, "/playground?tab=tokens", "{html}");
    assert!(html.contains("Signature verified"), "{html}");
    assert!(html.contains(&c.tech), "the technical account's token");
    let body_line = |pem: &str| pem.lines().nth(1).unwrap().to_owned();
    let (_, html) = exchange(EC_KEY).await;
    assert!(!html.contains(&body_line(EC_KEY)), "the key is not echoed");
    assert!(!html.contains(&body_line(RSA_KEY)));
}

/// Sign `email` in at `/login` in `b`.
async fn console_sign_in(b: &mut Browser, email: &str) {
    let html = b
        .get("/login?return_to=/playground")
        .await
        .text()
        .await
        .unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("csrf", hidden(&html, "csrf").as_str()),
                ("return_to", "/playground"),
                ("username", email),
                ("password", "password-123"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "sign-in of {email}");
}

/// "Generate access token" from the console: someone who manages the server-to-server
/// credential gets a token without its secret; a plain member of the org is refused, an
/// outsider learns nothing, and nobody signed in is sent to sign in.
#[tokio::test]
async fn sec_40_generate_access_token_needs_the_right_to_manage_the_credential() {
    use latchkey_core::admin::NewUser;
    use latchkey_core::ids::OrgId;
    use latchkey_core::model::OrgRole;
    let s = latchkey_testkit::TestServer::start().await;
    let c = s.s2s().await;
    let other = admin::create_org(&s.ctx(), "Elsewhere").await.unwrap();
    for (org, email, role) in [
        (c.org_id.clone(), "dev@gen.example", OrgRole::Developer),
        (c.org_id.clone(), "member@gen.example", OrgRole::User),
        (
            other.id.0.clone(),
            "boss@else.example",
            OrgRole::SystemAdmin,
        ),
    ] {
        admin::create_user(
            &s.ctx(),
            NewUser {
                org: &OrgId(org),
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
    }
    let generate = async |b: &mut Browser| {
        let html = b.get("/playground").await.text().await.unwrap();
        let r = b
            .post(
                "/playground/generate",
                &[
                    ("csrf", hidden(&html, "csrf").as_str()),
                    ("client_id", c.client_id.as_str()),
                    ("scope", "openid,AdobeID,firefly_api"),
                ],
            )
            .await;
        let next = location(&r);
        if next.starts_with("/login") {
            return (next, String::new());
        }
        (
            next.clone(),
            b.get(&next).await.text().await.map(unescape).unwrap(),
        )
    };
    let mut anon = Browser::new(&s.url);
    assert!(generate(&mut anon).await.0.starts_with("/login"));

    let mut dev = Browser::new(&s.url);
    console_sign_in(&mut dev, "dev@gen.example").await;
    let (next, html) = generate(&mut dev).await;
    assert_eq!(next, "/playground?tab=tokens", "{html}");
    assert!(html.contains("Signature verified"), "{html}");
    assert!(
        html.contains("\"scope\": \"openid,AdobeID,firefly_api\""),
        "{html}"
    );
    assert!(
        html.contains(&c.technical_account_id),
        "the technical account's token"
    );

    let mut member = Browser::new(&s.url);
    console_sign_in(&mut member, "member@gen.example").await;
    let (next, html) = generate(&mut member).await;
    assert_eq!(next, "/playground?tab=authorization");
    assert!(html.contains("<strong>access_denied</strong>"), "{html}");

    let mut outsider = Browser::new(&s.url);
    console_sign_in(&mut outsider, "boss@else.example").await;
    let (_, html) = generate(&mut outsider).await;
    assert!(html.contains("unknown client id"), "{html}");
    assert!(!html.contains("Signature verified"));
}
