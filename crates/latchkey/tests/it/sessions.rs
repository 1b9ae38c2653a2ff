//! The browser session: the login page and its headers (SEC-33), CSRF on every form
//! (SEC-34), the per-account and per-address slow-down of wrong passwords (SEC-43),
//! logout and its redirect targets (SEC-05), and the connected-applications page that lists
//! and revokes a person's grants (SEC-39). The review's session findings (CSRF bound to the
//! session, logout confirmation, no lock-out of the owner) are in `security_review`.

use latchkey_core::model::CredentialKind;
use latchkey_testkit::browser::{Browser, confirm_logout, hidden, location, query_param};
use latchkey_testkit::flow::{
    PASSWORD, REDIRECT, VERIFIER, app, app_on, authorize_url, code_for, exchange, login_form,
    post_login, refresh, sign_in, userinfo,
};
use latchkey_testkit::{TestServer, assert_oauth_error};
use serde_json::Value;

#[tokio::test]
async fn sec_33_login_and_consent_pages_cannot_be_framed_or_cached() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let r = b.get(&authorize_url(&a, "openid", "")).await;
    let login = b.get(&location(&r)).await;
    for h in [
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(login.headers()[h.0], h.1);
    }
    let cookies: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .collect();
    assert!(cookies.iter().any(|c| c.starts_with("lk_csrf=")
        && c.contains("HttpOnly")
        && c.contains("SameSite=Strict")));
    let html = login.text().await.unwrap();
    assert!(
        html.contains("name=\"username\"") && html.contains("name=\"password\""),
        "login form contract"
    );
    let r = b
        .post(
            "/login",
            &[
                ("username", "nobody@example.com"),
                ("password", "wrong-password"),
                ("csrf", &hidden(&html, "csrf")),
                ("ar", &hidden(&html, "ar")),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The email or password is not right.")
    );
}

#[tokio::test]
async fn sec_34_forms_without_the_csrf_token_are_refused() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let form = login_form(&mut b, &authorize_url(&a, "openid", "")).await;
    let r = b
        .post(
            "/login",
            &[
                ("username", &a.email),
                ("password", PASSWORD),
                ("csrf", "forged-forged-forged-forged-forged"),
                ("ar", &form.ar),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(!b.cookies.contains_key("lk_session"));
    // A cross-site POST with the right token is still refused.
    let r = b
        .http
        .post(format!("{}/login", a.s.url))
        .header("cookie", format!("lk_csrf={}", b.cookies["lk_csrf"]))
        .header("origin", "https://evil.test")
        .form(&[
            ("username", a.email.as_str()),
            ("password", PASSWORD),
            ("csrf", &form.csrf),
            ("ar", &form.ar),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn sec_43_repeated_wrong_passwords_lock_the_account_for_a_while() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let form = login_form(&mut b, &authorize_url(&a, "openid", "")).await;
    for _ in 0..5 {
        let r = post_login(&mut b, &form, &a.email, "wrong-password").await;
        assert_eq!(r.status(), 401);
    }
    // Even the right password is refused now, without telling whether it was right.
    let r = post_login(&mut b, &form, &a.email, PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Too many failed sign-ins"));
    assert!(!b.cookies.contains_key("lk_session"));
    // After the window the right password works again (in a fresh sign-in: the old
    // request expired after 10 minutes).
    a.s.clock.advance_secs(15 * 60);
    let r = post_login(&mut b, &form, &a.email, PASSWORD).await;
    assert_eq!(r.status(), 400, "the expired request is refused");
    assert!(
        sign_in(&a, &mut b, &authorize_url(&a, "openid", ""))
            .await
            .starts_with(REDIRECT)
    );
}

#[tokio::test]
async fn sec_43_password_spraying_from_one_address_is_slowed_down() {
    let limits = latchkey_http::throttle::AddressLimits {
        login_failures: 3,
        client_auth_failures: 100,
    };
    let a = app_on(
        TestServer::start_limited(None, limits).await,
        CredentialKind::OAuthWeb,
    )
    .await;
    let mut b = Browser::new(&a.s.url);
    let form = login_form(&mut b, &authorize_url(&a, "openid", "")).await;
    // One guess each at three accounts: no account lock is reached...
    for victim in ["a@example.com", "b@example.com", "c@example.com"] {
        let r = post_login(&mut b, &form, victim, "Summer2026!").await;
        assert_eq!(r.status(), 401);
    }
    // ...but the address is: a fourth account is not even tried.
    let r = post_login(&mut b, &form, &a.email, PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many failed sign-ins from your network address")
    );
    a.s.clock.advance_secs(15 * 60);
    // The sign-in request itself has expired by now (10 minutes): start again.
    let cb = sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    assert!(
        query_param(&cb, "code").is_some(),
        "the window has passed: {cb}"
    );
}

#[tokio::test]
async fn sec_05_logout_redirects_only_to_registered_uris() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    assert!(b.cookies.contains_key("lk_session"));
    let r = b
        .get(&format!(
            "/ims/logout/v1?client_id={}&redirect_uri=https://evil.test/",
            a.client.client_id
        ))
        .await;
    // Without a hint the user confirms first (docs/security-review.md finding 8).
    let r = confirm_logout(&mut b, r).await;
    assert_eq!(
        r.status(),
        200,
        "an unregistered target gets a page, not a redirect"
    );
    assert!(r.headers().get("location").is_none());
    assert!(!b.cookies.contains_key("lk_session"), "signed out");
    // Signed out: the next authorization asks to log in.
    let r = b.get(&authorize_url(&a, "openid", "")).await;
    assert!(location(&r).starts_with("/login"));
    sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    let r = b
        .get(&format!(
            "/ims/logout/v1?client_id={}&redirect_uri={REDIRECT}",
            a.client.client_id
        ))
        .await;
    let r = confirm_logout(&mut b, r).await;
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), REDIRECT);
    let r = b
        .get(&format!(
            "/oauth2/logout?client_id={}&post_logout_redirect_uri={REDIRECT}&state=bye",
            a.client.client_id
        ))
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(query_param(&location(&r), "state").as_deref(), Some("bye"));
    // Without client_id, the client is the audience of an ID token hint; an access token
    // (not an ID token) names no client, so there is no redirect.
    let t: Value = exchange(&a, &code_for(&a, "openid").await.1, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    for (hint, redirected) in [(&t["id_token"], true), (&t["access_token"], false)] {
        let r = b
            .get(&format!(
                "/oauth2/logout?id_token_hint={}&post_logout_redirect_uri={REDIRECT}",
                hint.as_str().unwrap()
            ))
            .await;
        assert_eq!(r.headers().get("location").is_some(), redirected, "{hint}");
    }
    // Back channel: the client authenticates and gets 200.
    let r =
        a.s.post("/ims/logout/v1")
            .form(&[
                ("client_id", a.client.client_id.as_str()),
                ("client_secret", a.client.client_secret.as_str()),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let r =
        a.s.get("/ims/logout/v1/token?callback=cb_1")
            .send()
            .await
            .unwrap();
    assert_eq!(r.text().await.unwrap(), "/**/cb_1({});");
}

#[tokio::test]
async fn sec_39_connected_applications_lists_and_revokes_only_your_grants() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let cb = sign_in(&a, &mut b, &authorize_url(&a, "openid offline_access", "")).await;
    let t: Value = exchange(&a, &query_param(&cb, "code").unwrap(), Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let page = b.get("/account/connected-applications").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Test Credential"));
    let grant_id = hidden(&html, "grant_id");
    // Someone else's browser cannot revoke it: 404, nothing revoked.
    let mut other = Browser::new(&a.s.url);
    let r = other.get("/account/connected-applications").await;
    assert!(location(&r).starts_with("/login"));
    // Revoke without CSRF: refused.
    let r = b
        .post(
            "/account/connected-applications/revoke",
            &[("grant_id", &grant_id)],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        userinfo(&a, t["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    let r = b
        .post(
            "/account/connected-applications/revoke",
            &[("grant_id", &grant_id), ("csrf", &hidden(&html, "csrf"))],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = userinfo(&a, t["access_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 401, "invalid_token").await;
    let r = refresh(&a, t["refresh_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    // The next authorization asks for consent again.
    let r = b.get(&authorize_url(&a, "openid offline_access", "")).await;
    assert!(location(&r).starts_with("/consent"));
    let html = b
        .get("/account/connected-applications")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("no-grants"));
}
