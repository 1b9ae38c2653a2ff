//! The black-box security review (docs/security-review.md): one test per finding, named after its number
//! (`review_NN_…`), each failing on the code before its fix.

use crate::helpers::{
    CLIENT_ASSERTION_TYPE, JWT_BEARER, RSA_CERT, client_assertion_claims, grant_claims, ims_claims,
    ims_exchange, jwt_bearer, now_secs, rs256, service_account,
};
use crate::support::http;
use latchkey_core::model::CredentialKind;
use latchkey_testkit::browser::{Browser, confirm_logout, hidden, location, query_param};
use latchkey_testkit::flow::{
    App, PASSWORD, REDIRECT, VERIFIER, app, authorize_url, code_for, exchange, login_form,
    post_login, sign_in, token_as, tokens_for, userinfo,
};
use latchkey_testkit::{S2s, TestServer, assert_error, assert_oauth_error, oauth_error};
use serde_json::{Value, json};

/// Finding 1: A code presented by another client, or with a wrong verifier or redirect_uri, is
/// `invalid_grant` and changes nothing: the owner still redeems it, and only the owner's
/// replay after that revokes the grant.
#[tokio::test]
async fn review_01_a_leaked_code_in_other_hands_burns_nothing_and_revokes_nothing() {
    let a = app(CredentialKind::OAuthWeb).await;
    let other = a.s.credential(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid offline_access").await;
    let presented = |verifier: &'static str, redirect: &'static str| {
        vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ]
    };
    // Another client, twice: neither burns the code nor counts as a replay.
    for _ in 0..2 {
        let r = token_as(&a, &other, &presented(VERIFIER, REDIRECT)).await;
        assert_eq!(oauth_error(r).await, (400, "invalid_grant".into()));
    }
    // Its own client with a wrong verifier, then with a wrong redirect_uri, twice each.
    let wrong = "wrong-verifier-wrong-verifier-wrong-verifier-wrong";
    for form in [
        presented(wrong, REDIRECT),
        presented(wrong, REDIRECT),
        presented(VERIFIER, "https://app.example/other"),
        presented(VERIFIER, "https://app.example/other"),
    ] {
        let r = token_as(&a, &a.client, &form).await;
        assert_eq!(
            oauth_error(r).await,
            (400, "invalid_grant".into()),
            "{form:?}"
        );
    }
    // The owner still redeems it, and what it gets works.
    let r = exchange(&a, &code, Some(VERIFIER)).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&a, access).await.status(), 200);
    // Another client presenting the used code still revokes nothing.
    let r = token_as(&a, &other, &presented(VERIFIER, REDIRECT)).await;
    assert_eq!(oauth_error(r).await, (400, "invalid_grant".into()));
    assert_eq!(userinfo(&a, access).await.status(), 200);
    // The owner's replay does (SEC-15).
    let r = exchange(&a, &code, Some(VERIFIER)).await;
    assert_eq!(oauth_error(r).await, (400, "invalid_grant".into()));
    assert_oauth_error(userinfo(&a, access).await, 401, "invalid_token").await;
}

/// Finding 2: A used `jti` is remembered as long as its assertion can be accepted (`exp` plus the
/// 30 s skew), on the IMS exchange, the RFC 7523 grant and `private_key_jwt`.
#[tokio::test]
async fn review_02_assertions_do_not_replay_in_the_skew_after_exp() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let exp = now_secs(&s) + 60;

    let mut ims = ims_claims(&s, &c);
    ims["jti"] = json!(777_001);
    ims["exp"] = json!(exp);
    let ims = rs256(&ims);
    let mut grant = grant_claims(&s, &c, "grant-skew");
    grant["exp"] = json!(exp);
    let grant = rs256(&grant);
    let mut client_assertion = client_assertion_claims(&s, &c, "ca-skew");
    client_assertion["exp"] = json!(exp);
    let client_assertion = rs256(&client_assertion);
    let with_client_assertion = |grant_jti: &str| {
        let form = vec![
            ("grant_type".to_owned(), JWT_BEARER.to_owned()),
            (
                "assertion".to_owned(),
                rs256(&grant_claims(&s, &c, grant_jti)),
            ),
            (
                "client_assertion_type".to_owned(),
                CLIENT_ASSERTION_TYPE.to_owned(),
            ),
            ("client_assertion".to_owned(), client_assertion.clone()),
        ];
        let url = format!("{}/oauth2/token", s.url);
        async move {
            let r = http().post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };

    let first = ims_exchange(&s, &c, &ims).await;
    assert_eq!(first.0, 200, "{}", first.1);
    let first = jwt_bearer(&s, &c, &grant, None).await;
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(with_client_assertion("g-1").await.0, 200);

    // Past `exp`, inside the skew: every one of them is still accepted by its time
    // check, so only the remembered jti stops it.
    s.clock.advance_secs(60 + 10);
    assert_error(&ims_exchange(&s, &c, &ims).await, 400, "invalid_token");
    assert_error(
        &jwt_bearer(&s, &c, &grant, None).await,
        400,
        "invalid_grant",
    );
    assert_error(&with_client_assertion("g-2").await, 401, "invalid_client");
}

async fn access_token_for(a: &App, scope: &str) -> String {
    let (_, t) = tokens_for(a, scope).await;
    t["access_token"].as_str().unwrap().to_owned()
}

async fn get_with_bearer(a: &App, path: &str, token: &str) -> reqwest::Response {
    a.s.get(path).bearer_auth(token).send().await.unwrap()
}

/// Finding 3: `/ims/profile/v1` returns only what the token's scopes allow, needs `openid` (or
/// `AdobeID`), and refuses a token in the query string.
#[tokio::test]
async fn review_03_ims_profile_follows_the_granted_scopes() {
    let a = app(CredentialKind::OAuthWeb).await;
    let only_openid = access_token_for(&a, "openid").await;
    let r = get_with_bearer(&a, "/ims/profile/v1", &only_openid).await;
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.unwrap();
    for hidden in [
        "email",
        "name",
        "first_name",
        "last_name",
        "displayName",
        "countryCode",
        "address",
        "roles",
        "account_type",
    ] {
        assert!(
            p.get(hidden).is_none(),
            "{hidden} leaked to an openid-only token: {p}"
        );
    }
    assert!(p["userId"].as_str().is_some_and(|u| !u.is_empty()), "{p}");

    let email_only = access_token_for(&a, "openid email").await;
    let p: Value = get_with_bearer(&a, "/ims/profile/v1", &email_only)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["email"], a.email.as_str());
    assert!(
        p.get("first_name").is_none() && p.get("roles").is_none(),
        "{p}"
    );

    // A client_credentials token with only an API scope is no user token for a profile.
    let s2s = a.s.s2s().await;
    let api_only = a.s.token(&s2s, "firefly_api").await;
    let r = get_with_bearer(&a, "/ims/profile/v1", &api_only).await;
    assert_eq!(oauth_error(r).await, (403, "insufficient_scope".into()));

    // The token in the URL is refused here too.
    let r =
        a.s.http()
            .get(format!(
                "{}/ims/profile/v1?access_token={only_openid}",
                a.s.url
            ))
            .send()
            .await
            .unwrap();
    assert_eq!(oauth_error(r).await, (400, "invalid_request".into()));
}

/// Finding 7: The query-string refusal on userinfo holds whatever the percent-encoding of the
/// parameter's name.
#[tokio::test]
async fn review_07_percent_encoded_access_token_in_the_url_is_refused() {
    let a = app(CredentialKind::OAuthWeb).await;
    let token = access_token_for(&a, "openid email").await;
    for name in [
        "access_token",
        "access%5Ftoken",
        "%61ccess_token",
        "access%5ftoken",
    ] {
        for path in [
            "/oauth2/userinfo",
            "/ims/userinfo/v2",
            "/ims/organizations/v6",
        ] {
            let r =
                a.s.http()
                    .get(format!("{}{path}?{name}={token}", a.s.url))
                    .send()
                    .await
                    .unwrap();
            assert_eq!(
                oauth_error(r).await,
                (400, "invalid_request".into()),
                "{path}?{name}="
            );
        }
    }
    // In the header it works.
    assert_eq!(userinfo(&a, &token).await.status(), 200);
}

/// One sign-in attempt from browser `b`, with a fresh login page (CSRF token and
/// authorization request); the status of the POST.
async fn try_password(a: &App, b: &mut Browser, password: &str) -> reqwest::Response {
    let form = login_form(b, &authorize_url(a, "openid", "&prompt=login")).await;
    post_login(b, &form, &a.email, password).await
}

/// Finding 4: Wrong passwords from one address slow that address down on that account, with a
/// growing delay, but hand it no switch to lock the owner out: the right password from
/// another address still signs in at once.
#[tokio::test]
async fn review_04_failed_passwords_cannot_lock_the_owner_out() {
    let a = app(CredentialKind::OAuthWeb).await;
    let ip = |last: u8| Some(std::net::IpAddr::from([127, 0, 0, last]));
    let mut attacker = Browser::from_address(&a.s.url, ip(1));
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            try_password(&a, &mut attacker, "wrong-guess")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..5], &[401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // The attacker's address cannot even try the right password now...
    let r = try_password(&a, &mut attacker, PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many failed sign-ins for this account")
    );
    // ...but the owner, from their own address, signs in at once.
    let mut owner = Browser::from_address(&a.s.url, ip(2));
    let r = try_password(&a, &mut owner, PASSWORD).await;
    assert_eq!(r.status(), 303, "the owner is locked out");
    assert!(owner.cookies.contains_key("lk_session"));
    // A second guessing address gets one guess, then waits the account's delay.
    let mut second = Browser::from_address(&a.s.url, ip(3));
    assert_eq!(try_password(&a, &mut second, "guess-2").await.status(), 401);
    assert_eq!(try_password(&a, &mut second, "guess-3").await.status(), 429);
    // The delay grows: seven failures on the account now cost 60 s before the attacker's
    // next guess; that one fails too, and the next wait is 120 s, so 60 s is not enough.
    a.s.clock.advance_secs(61);
    assert_eq!(
        try_password(&a, &mut attacker, "wrong-again")
            .await
            .status(),
        401
    );
    a.s.clock.advance_secs(61);
    assert_eq!(
        try_password(&a, &mut attacker, PASSWORD).await.status(),
        429
    );
    a.s.clock.advance_secs(60);
    assert_eq!(
        try_password(&a, &mut attacker, PASSWORD).await.status(),
        303
    );
}

async fn validate_token(s: &TestServer, token: &str) -> bool {
    s.validate(token).await["valid"] == true
}

async fn s2s_token_status(s: &TestServer, c: &S2s) -> (u16, String) {
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
                ("scope", "openid,AdobeID"),
            ],
        )
        .await;
    let status = r.status().as_u16();
    if status == 200 {
        return (200, String::new());
    }
    oauth_error(r).await
}

/// Finding 5: Disabling revokes for good: `credential disable` then `enable` brings none of the
/// credential's tokens back, and a disabled technical account gets no token while its
/// old ones stop validating, also after it is enabled again.
#[tokio::test]
async fn review_05_disable_revokes_durably_for_credentials_and_technical_accounts() {
    use latchkey_core::admin::{self, Actor};
    use latchkey_core::ids::ClientId;
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let id = ClientId(c.client_id.clone());

    // The credential: disable, enable; the old token stays dead, a new one works.
    let before = s.token(&c, "openid,AdobeID").await;
    assert!(validate_token(&s, &before).await);
    s.clock.advance_secs(1);
    admin::accounts::set_credential_disabled(&s.ctx(), &Actor::Operator, &id, true)
        .await
        .unwrap();
    assert!(!validate_token(&s, &before).await);
    s.clock.advance_secs(1);
    admin::accounts::set_credential_disabled(&s.ctx(), &Actor::Operator, &id, false)
        .await
        .unwrap();
    assert!(
        !validate_token(&s, &before).await,
        "enable revived a revoked token"
    );
    s.clock.advance_secs(1);
    let after = s.token(&c, "openid,AdobeID").await;
    assert!(validate_token(&s, &after).await);

    // Its technical account: disabled, it gets no token and its tokens stop validating.
    s.clock.advance_secs(1);
    admin::accounts::set_user_disabled(&s.ctx(), &Actor::Operator, &c.technical_account_id, true)
        .await
        .unwrap();
    assert_eq!(
        s2s_token_status(&s, &c).await,
        (400, "unauthorized_client".into())
    );
    assert!(!validate_token(&s, &after).await);
    s.clock.advance_secs(1);
    admin::accounts::set_user_disabled(&s.ctx(), &Actor::Operator, &c.technical_account_id, false)
        .await
        .unwrap();
    assert!(
        !validate_token(&s, &after).await,
        "enable revived a revoked token"
    );
    s.clock.advance_secs(1);
    assert_eq!(s2s_token_status(&s, &c).await.0, 200);
}

/// Finding 12: A certificate whose `notBefore` lies ahead is registered but verifies nothing
/// until then.
#[tokio::test]
async fn review_12_a_certificate_is_not_used_before_its_not_before() {
    let future = include_str!("../../../latchkey-core/testdata/sa_rsa_future.crt");
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(future)).await;
    let got = ims_exchange(&s, &c, &rs256(&ims_claims(&s, &c))).await;
    assert_error(&got, 400, "invalid_signature");
    // 2100-01-01, when the certificate starts: now it serves.
    let starts_ms = 4_102_444_800_000_i64;
    let now_ms = latchkey_core::clock::Clock::now(s.clock.as_ref()).0;
    s.clock.advance_secs((starts_ms - now_ms) / 1000 + 1);
    let got = ims_exchange(&s, &c, &rs256(&ims_claims(&s, &c))).await;
    assert_eq!(got.0, 200, "{}", got.1);
}

/// Finding 13: After conversion to server-to-server the service-account keys no longer
/// authenticate the client by `private_key_jwt`.
#[tokio::test]
async fn review_13_converted_credentials_keys_no_longer_authenticate() {
    use latchkey_core::admin::{Actor, service_accounts as sa};
    use latchkey_core::ids::ClientId;
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let token_by_key = |jti: &'static str| {
        let assertion = rs256(&client_assertion_claims(&s, &c, jti));
        let url = format!("{}/oauth2/token", s.url);
        async move {
            http()
                .post(url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("scope", "openid"),
                    ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                    ("client_assertion", assertion.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // A service account may not use client_credentials at all; what matters is that
    // its key authenticates it (anything but invalid_client).
    let before = token_by_key("before").await;
    assert_ne!(oauth_error(before).await.1, "invalid_client");
    sa::convert_to_server_to_server(&s.ctx(), &Actor::Operator, &ClientId(c.client_id.clone()))
        .await
        .unwrap();
    let after = token_by_key("after").await;
    assert_eq!(oauth_error(after).await, (401, "invalid_client".into()));
}

/// Finding 10: Names that read as "Latchkey" through Unicode confusables are refused for the
/// orgs, projects and credentials that the consent page shows, through the CLI.
#[test]
fn review_10_confusable_brand_names_are_refused_for_orgs_projects_and_credentials() {
    let env = crate::support::Env::new();
    let cyrillic = "L\u{0430}tchkey Accounts";
    let math = "\u{1D425}\u{1D41A}tchkey";
    for name in [cyrillic, math] {
        let err = env.cli_fails(&["org", "create", "--name", name]);
        assert!(err.contains("may not imitate"), "{err}");
    }
    let org = env.cli_json(&["org", "create", "--name", "Acme", "--json"]);
    let org_id = org["id"].as_str().unwrap();
    let err = env.cli_fails(&["project", "create", "--org", org_id, "--name", math]);
    assert!(err.contains("may not imitate"), "{err}");
    let project = env.cli_json(&[
        "project", "create", "--org", org_id, "--name", "Nightly", "--json",
    ]);
    let pid = project["id"].as_str().unwrap();
    let err = env.cli_fails(&[
        "credential",
        "create",
        "--project",
        pid,
        "--kind",
        "server_to_server",
        "--name",
        cyrillic,
    ]);
    assert!(err.contains("may not imitate"), "{err}");
}

/// Finding 6: The console API answers another org's credential exactly as an unknown one: 404,
/// the same error, and nothing that names the owning org.
#[tokio::test]
async fn review_06_another_orgs_credential_is_not_found_like_an_unknown_one() {
    use latchkey_core::admin::{self, NewUser};
    use latchkey_core::model::OrgRole;
    let s = TestServer::start().await;
    let app = s.credential(CredentialKind::OAuthWeb).await;
    let victim = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let elsewhere = admin::create_org(&s.ctx(), "Elsewhere").await.unwrap();
    let admin_elsewhere = admin::create_user(
        &s.ctx(),
        NewUser {
            org: &elsewhere.id,
            email: "admin@elsewhere.example",
            password: "password-123",
            role: OrgRole::SystemAdmin,
            given_name: None,
            family_name: None,
            country: None,
        },
    )
    .await
    .unwrap();
    let token = s.person_token(&app.client_id, &admin_elsewhere.id, "openid,adobeio_api");
    let convert = |cid: String| {
        let url = format!("{}/console/api/credentials/{cid}/convert", s.url);
        let token = token.clone();
        async move {
            let r = http().post(url).bearer_auth(token).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (theirs_status, theirs) = convert(victim.client_id.clone()).await;
    let unknown_id = "f".repeat(32);
    let (unknown_status, unknown) = convert(unknown_id.clone()).await;
    assert_eq!((theirs_status, unknown_status), (404, 404));
    assert_eq!(theirs["error"], unknown["error"]);
    assert_eq!(
        theirs["error_description"],
        unknown["error_description"]
            .as_str()
            .unwrap()
            .replace(&unknown_id, &victim.client_id)
    );
    assert!(!theirs.to_string().contains(&victim.org_id), "{theirs}");
}

/// Finding 8: A logout link without `id_token_hint` does not end the session: it asks, with a
/// CSRF-protected form; the hint of the signed-in user, or the confirmed form, does.
#[tokio::test]
async fn review_08_logout_without_a_hint_asks_for_confirmation() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let (_, code) = {
        let cb = sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
        (b.cookies.clone(), query_param(&cb, "code").unwrap())
    };
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let id_token = t["id_token"].as_str().unwrap().to_owned();
    let signed_in = |b: &Browser| b.cookies.contains_key("lk_session");
    let cid = &a.client.client_id;
    for path in [
        format!("/ims/logout/v1?client_id={cid}&redirect_uri={REDIRECT}"),
        "/ims/logout/v1/token?callback=cb_1".to_owned(),
        format!("/oauth2/logout?client_id={cid}&post_logout_redirect_uri={REDIRECT}&state=s"),
    ] {
        // A GET (a link or an image on any page) only shows the question.
        let r = b.get(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers().get("location").is_none());
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Sign out?") && html.contains("name=\"csrf\""),
            "{path}"
        );
        assert!(signed_in(&b), "{path} ended the session without asking");
        // A forged POST of the form, without the CSRF token, does nothing either.
        let action = path.split('?').next().unwrap();
        let r = b
            .post(action, &[("confirm", "yes"), ("client_id", cid)])
            .await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            signed_in(&b),
            "{path}: a POST without CSRF ended the session"
        );
    }
    // The confirmed form signs out and goes on to the registered target.
    let r = b
        .get(&format!(
            "/oauth2/logout?client_id={cid}&post_logout_redirect_uri={REDIRECT}&state=s"
        ))
        .await;
    let r = confirm_logout(&mut b, r).await;
    assert_eq!(r.status(), 303);
    assert_eq!(query_param(&location(&r), "state").as_deref(), Some("s"));
    assert!(!signed_in(&b));
    // With the signed-in user's own ID token as the hint there is no question.
    sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    assert!(signed_in(&b));
    let r = b
        .get(&format!(
            "/oauth2/logout?id_token_hint={id_token}&post_logout_redirect_uri={REDIRECT}"
        ))
        .await;
    assert_eq!(r.status(), 303);
    assert!(!signed_in(&b));
}

/// Finding 9: The CSRF token is bound to the session: a pre-session cookie and its token planted
/// in a signed-in victim's browser (cookie tossing) do not pass, nor does the old
/// double-submit shape (the cookie's value as the token).
#[tokio::test]
async fn review_09_csrf_tokens_are_bound_to_the_session() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut victim = Browser::new(&a.s.url);
    sign_in(&a, &mut victim, &authorize_url(&a, "openid", "")).await;
    assert!(victim.cookies.contains_key("lk_session"));
    // The attacker's own pre-session pair, from his own login page.
    let mut attacker = Browser::new(&a.s.url);
    let html = attacker.get("/login").await.text().await.unwrap();
    let attacker_cookie = attacker.cookies["lk_csrf"].clone();
    let attacker_token = hidden(&html, "csrf");
    assert_ne!(
        attacker_token, attacker_cookie,
        "the token is not the cookie's copy"
    );
    victim
        .cookies
        .insert("lk_csrf".into(), attacker_cookie.clone());
    for forged in [&attacker_cookie, &attacker_token] {
        let r = victim.post("/account/logout", &[("csrf", forged)]).await;
        assert_eq!(r.status(), 403, "{forged}");
        assert!(victim.cookies.contains_key("lk_session"));
    }
    // The victim's own page carries the token of the victim's session, which works.
    let html = victim
        .get("/account/connected-applications")
        .await
        .text()
        .await
        .unwrap();
    let r = victim
        .post("/account/logout", &[("csrf", &hidden(&html, "csrf"))])
        .await;
    assert_eq!(r.status(), 200);
    assert!(!victim.cookies.contains_key("lk_session"));
}

/// Finding 11: A client that sends its request head or body slowly (slowloris) is cut off: the
/// connection is closed when the head is not complete in time, and a body that does not
/// arrive in time gets `408`.
#[tokio::test]
async fn review_11_slow_headers_and_bodies_are_cut_off() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start_configured(None, |settings| {
        settings.timeouts = latchkey_http::Timeouts {
            header_read: Duration::from_secs(1),
            request: Duration::from_secs(2),
        };
    })
    .await;
    let addr = s.url.trim_start_matches("http://").to_owned();

    // Half a request head, then nothing: the server closes the connection.
    #[allow(clippy::disallowed_methods)] // real time: the server's timer is real too
    let started = Instant::now();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was still open after 10 s");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(
        buf.is_empty() || String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&buf)
    );

    // A whole head, then a body that never comes: 408.
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    conn.write_all(
        b"POST /ims/token/v3 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf))
        .await
        .expect("no answer after 10 s")
        .unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );

    // A prompt client is served as before.
    let r = s
        .http()
        .get(format!("{}/healthz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
