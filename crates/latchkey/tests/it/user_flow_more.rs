//! More of docs/security-checklist.md: request variants the conformance suite sends (CONF-*),
//! logout, token confusion and header hygiene.

use crate::browser::{Browser, hidden, location, query_param};
use crate::user_flow::{
    REDIRECT, VERIFIER, app, authorize_url, code_for, exchange, sign_in, token_as, userinfo,
};
use latchkey_core::model::CredentialKind;
use latchkey_core::pkce::s256;
use serde_json::Value;

#[tokio::test]
async fn conf_22_authorize_accepts_post_and_conf_09_15_17_18_26_ignore_unknown_parameters() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    let challenge = s256(VERIFIER);
    let r = b
        .post(
            "/oauth2/authorize",
            &[
                ("response_type", "code"),
                ("client_id", &a.client.client_id),
                ("redirect_uri", REDIRECT),
                ("scope", "openid"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("extra", "foobar"),
                ("ui_locales", "fr-CA fr en"),
                ("claims_locales", "fr"),
                ("login_hint", "someone@example.com"),
                ("display", "popup"),
                ("acr_values", "1 2"),
                ("claims", r#"{"userinfo":{"name":{"essential":true}}}"#),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        query_param(&location(&r), "code").is_some(),
        "{}",
        location(&r)
    );
}

#[tokio::test]
async fn conf_24_25_27_request_objects_are_refused_not_ignored() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let r = b
        .get(&authorize_url(
            &a,
            "openid",
            "&request=eyJhbGciOiJub25lIn0.e30.",
        ))
        .await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("request_not_supported")
    );
    // CONF-27: a request object's redirect_uri is never followed; the error goes to the
    // registered URI of the query.
    let object = format!(
        "eyJhbGciOiJub25lIn0.{}.",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"redirect_uri":"https://evil.test/cb","client_id":"x"}"#
        )
    );
    let r = b
        .get(&authorize_url(&a, "openid", &format!("&request={object}")))
        .await;
    assert!(location(&r).starts_with(&format!("{REDIRECT}?error=request_not_supported")));
    let r = b
        .get(&authorize_url(
            &a,
            "openid",
            "&request_uri=https%3A%2F%2Fevil.test%2Fr",
        ))
        .await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("request_uri_not_supported")
    );
    let disco: Value = b
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(disco["request_uri_parameter_supported"], false, "SEC-51");
    assert_eq!(
        disco["authorization_response_iss_parameter_supported"],
        true
    );
}

#[tokio::test]
async fn conf_13_14_max_age_forces_a_new_login_only_when_exceeded() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    let r = b.get(&authorize_url(&a, "openid", "&max_age=10000")).await;
    assert!(query_param(&location(&r), "code").is_some());
    a.s.clock.advance_secs(2);
    let r = b.get(&authorize_url(&a, "openid", "&max_age=1")).await;
    assert!(location(&r).starts_with("/login"));
    let r = b.get(&authorize_url(&a, "openid", "&max_age=-1")).await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn sec_01_native_apps_may_use_any_loopback_port() {
    let a = app(CredentialKind::OAuthNative).await;
    // The test kit registers https://app.example/cb for every browser kind; register a
    // loopback one by creating another native credential through the core.
    let native = crate::user_flow::another_credential(
        &a,
        CredentialKind::OAuthNative,
        &["http://127.0.0.1/callback"],
    )
    .await;
    let mut b = Browser::new(&a.s.url);
    let url = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri=http://127.0.0.1:53124/callback&scope=openid&code_challenge={}&code_challenge_method=S256",
        native,
        s256(VERIFIER)
    );
    let cb = sign_in(&a, &mut b, &url).await;
    assert!(
        cb.starts_with("http://127.0.0.1:53124/callback?code="),
        "{cb}"
    );
    let bad = url.replace("127.0.0.1:53124/callback", "127.0.0.1:53124/callbackx");
    assert_eq!(b.get(&bad).await.status(), 400);
    // A public client exchanges with client_id and the verifier only.
    let r =
        a.s.http()
            .post(format!("{}/oauth2/token", a.s.url))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", native.as_str()),
                ("code", &query_param(&cb, "code").unwrap()),
                ("redirect_uri", "http://127.0.0.1:53124/callback"),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn sec_21_conf_28_a_refresh_token_is_bound_to_its_client() {
    let a = app(CredentialKind::OAuthWeb).await;
    let other = a.s.credential(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid offline_access").await;
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let rt = t["refresh_token"].as_str().unwrap();
    assert!(
        rt.bytes().all(|c| (0x20..=0x7e).contains(&c)),
        "RFC 6749 A.17 characters"
    );
    let r = token_as(
        &a,
        &other,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

#[tokio::test]
async fn fuzz_19_id_and_refresh_tokens_are_not_access_tokens() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid offline_access").await;
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    for not_access in [
        t["id_token"].as_str().unwrap(),
        t["refresh_token"].as_str().unwrap(),
    ] {
        assert_eq!(userinfo(&a, not_access).await.status(), 401);
        let v: Value =
            a.s.http()
                .post(format!("{}/ims/validate_token/v1", a.s.url))
                .bearer_auth(not_access)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        assert_eq!(v["valid"], false);
    }
    // A query-string token is refused (RFC 6750 §2.3).
    let r =
        a.s.http()
            .get(format!(
                "{}/oauth2/userinfo?access_token={}",
                a.s.url,
                t["access_token"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    // CONF-05: POST with the token in the body works.
    let r =
        a.s.http()
            .post(format!("{}/oauth2/userinfo", a.s.url))
            .form(&[("access_token", t["access_token"].as_str().unwrap())])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn fuzz_14_sec_35_crlf_in_state_stays_one_encoded_line() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let url = format!(
        "/oauth2/authorize?response_type=token&client_id={}&redirect_uri={REDIRECT}&scope=openid&state=abc%0d%0aSet-Cookie:%20x=1",
        a.client.client_id
    );
    let r = b.get(&url).await;
    let l = location(&r);
    assert!(!l.contains('\r') && !l.contains('\n'));
    assert!(
        r.headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("x="))
    );
    assert_eq!(
        query_param(&l, "state").as_deref(),
        Some("abc\r\nSet-Cookie: x=1")
    );
}

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
    let r = crate::browser::confirm_logout(&mut b, r).await;
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
    let r = crate::browser::confirm_logout(&mut b, r).await;
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
        a.s.http()
            .post(format!("{}/ims/logout/v1", a.s.url))
            .form(&[
                ("client_id", a.client.client_id.as_str()),
                ("client_secret", a.client.client_secret.as_str()),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let r =
        a.s.http()
            .get(format!("{}/ims/logout/v1/token?callback=cb_1", a.s.url))
            .send()
            .await
            .unwrap();
    assert_eq!(r.text().await.unwrap(), "/**/cb_1({});");
}

#[tokio::test]
async fn profile_and_organizations_report_the_users_orgs() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid profile read_organizations").await;
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let at = t["access_token"].as_str().unwrap();
    let p: Value =
        a.s.http()
            .get(format!("{}/ims/profile/v1", a.s.url))
            .bearer_auth(at)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(p["roles"][0]["organization"], a.client.org_id.as_str());
    assert_eq!(p["first_name"], "Ada");
    let o: Value =
        a.s.http()
            .get(format!("{}/ims/organizations/v6", a.s.url))
            .bearer_auth(at)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(o[0]["orgName"], "Test Org");
    assert_eq!(
        format!(
            "{}@{}",
            o[0]["orgRef"]["ident"].as_str().unwrap(),
            o[0]["orgRef"]["authSrc"].as_str().unwrap()
        ),
        a.client.org_id
    );
}

#[tokio::test]
async fn conf_02_response_type_is_required_on_standard_and_defaults_to_code_on_ims() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    let q = format!(
        "client_id={}&redirect_uri={REDIRECT}&scope=openid&state=s",
        a.client.client_id
    );
    let r = b.get(&format!("/oauth2/authorize?{q}")).await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("invalid_request")
    );
    let r = b.get(&format!("/ims/authorize/v2?{q}")).await;
    assert!(
        query_param(&location(&r), "code").is_some(),
        "{}",
        location(&r)
    );
}

#[tokio::test]
async fn sec_43_repeated_wrong_passwords_lock_the_account_for_a_while() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let r = b.get(&authorize_url(&a, "openid", "")).await;
    let html = b.get(&location(&r)).await.text().await.unwrap();
    let (csrf, ar) = (hidden(&html, "csrf"), hidden(&html, "ar"));
    for _ in 0..5 {
        let r = b
            .post(
                "/login",
                &[
                    ("username", &a.email),
                    ("password", "wrong-password"),
                    ("csrf", &csrf),
                    ("ar", &ar),
                ],
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    // Even the right password is refused now, without telling whether it was right.
    let right = [
        ("username", a.email.as_str()),
        ("password", crate::user_flow::PASSWORD),
        ("csrf", &csrf),
        ("ar", &ar),
    ];
    let r = b.post("/login", &right).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Too many failed sign-ins"));
    assert!(!b.cookies.contains_key("lk_session"));
    // After the window the right password works again (in a fresh sign-in: the old
    // request expired after 10 minutes).
    a.s.clock.advance_secs(15 * 60);
    let r = b.post("/login", &right).await;
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
    let a = crate::user_flow::app_on(
        latchkey_testkit::TestServer::start_limited(None, limits).await,
        CredentialKind::OAuthWeb,
    )
    .await;
    let mut b = Browser::new(&a.s.url);
    let r = b.get(&authorize_url(&a, "openid", "")).await;
    let html = b.get(&location(&r)).await.text().await.unwrap();
    let (csrf, ar) = (hidden(&html, "csrf"), hidden(&html, "ar"));
    let email = a.email.as_str();
    // One guess each at three accounts: no account lock is reached...
    for victim in ["a@example.com", "b@example.com", "c@example.com"] {
        let r = b
            .post(
                "/login",
                &[
                    ("username", victim),
                    ("password", "Summer2026!"),
                    ("csrf", &csrf),
                    ("ar", &ar),
                ],
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    // ...but the address is: a fourth account is not even tried.
    let right = [
        ("username", email),
        ("password", crate::user_flow::PASSWORD),
        ("csrf", &csrf),
        ("ar", &ar),
    ];
    let r = b.post("/login", &right).await;
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
