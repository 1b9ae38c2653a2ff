//! Negative cases at the authorization, token and userinfo endpoints, and the
//! browser-surface protections, named after the ids of docs/security-checklist.md.

use crate::browser::{Browser, hidden, location, query_param};
use crate::user_flow::{
    App, PASSWORD, REDIRECT, VERIFIER, app, authorize_url, code_for, exchange, sign_in, token_as,
    userinfo,
};
use latchkey_core::model::CredentialKind;
use serde_json::Value;

#[tokio::test]
async fn sec_02_conf_21_unknown_client_or_unregistered_redirect_gets_a_page_not_a_redirect() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    for url in [
        "/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=https://evil.test/cb&scope=openid".to_owned(),
        format!("/oauth2/authorize?response_type=code&client_id={}&redirect_uri=https://evil.test/cb&scope=openid", a.client.client_id),
        format!("/oauth2/authorize?response_type=code&client_id={}&redirect_uri=https://app.example/cb/&scope=openid", a.client.client_id),
        format!("/oauth2/authorize?response_type=token&client_id={}&redirect_uri=https://APP.example/cb&scope=openid", a.client.client_id),
    ] {
        let r = b.get(&url).await;
        assert_eq!(r.status(), 400, "{url}");
        assert!(r.headers().get("location").is_none());
        assert_eq!(r.headers()["x-frame-options"], "DENY", "SEC-33");
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert_eq!(r.headers()["referrer-policy"], "no-referrer", "SEC-07");
        assert!(r.headers().get("access-control-allow-origin").is_none(), "SEC-07: no CORS on authorize");
    }
}

#[tokio::test]
async fn sec_27_neg_10_implicit_and_unknown_response_types_redirect_unsupported_response_type() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    for rt in ["token", "id_token%20token", "code%20id_token", "foo"] {
        let url = format!(
            "/oauth2/authorize?response_type={rt}&client_id={}&redirect_uri={REDIRECT}&scope=openid&state=s1",
            a.client.client_id
        );
        let r = b.get(&url).await;
        assert_eq!(r.status(), 303);
        let l = location(&r);
        assert!(l.starts_with(REDIRECT), "{l}");
        assert_eq!(
            query_param(&l, "error").as_deref(),
            Some("unsupported_response_type")
        );
        assert_eq!(query_param(&l, "state").as_deref(), Some("s1"));
        assert_eq!(query_param(&l, "iss").as_deref(), Some(a.s.url.as_str()));
    }
    let disco: Value = b
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        disco["response_types_supported"],
        serde_json::json!(["code"])
    );
}

#[tokio::test]
async fn neg_09_deny_redirects_access_denied_with_state() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let r = b.get(&authorize_url(&a, "openid email", "")).await;
    let html = b.get(&location(&r)).await.text().await.unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("username", &a.email),
                ("password", PASSWORD),
                ("csrf", &hidden(&html, "csrf")),
                ("ar", &hidden(&html, "ar")),
            ],
        )
        .await;
    let consent_url = location(&r);
    assert!(consent_url.starts_with("/consent"));
    let html = b.get(&consent_url).await.text().await.unwrap();
    assert!(
        html.contains("Test Credential")
            && html.contains("Test Project")
            && html.contains("Test Org"),
        "SEC-38: client, project, org"
    );
    assert!(html.contains("Read your email address"));
    let r = b
        .post(
            "/consent",
            &[
                ("decision", "deny"),
                ("csrf", &hidden(&html, "csrf")),
                ("ar", &hidden(&html, "ar")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "SEC-06: 303 after POST");
    let l = location(&r);
    assert_eq!(query_param(&l, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&l, "state").as_deref(), Some("st ate"));
}

#[tokio::test]
async fn sec_38_consent_is_remembered_and_asked_again_for_new_scopes() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    sign_in(&a, &mut b, &authorize_url(&a, "openid email", "")).await;
    // Same scopes again: straight back with a code.
    let r = b.get(&authorize_url(&a, "openid email", "")).await;
    assert!(location(&r).starts_with(REDIRECT));
    // A wider request asks again, and offline_access is worded for people.
    let r = b
        .get(&authorize_url(&a, "openid email offline_access", ""))
        .await;
    let l = location(&r);
    assert!(l.starts_with("/consent"), "{l}");
    let html = b.get(&l).await.text().await.unwrap();
    assert!(html.contains("while you are not using the app"));
    // prompt=consent asks even when covered.
    let r = b
        .get(&authorize_url(&a, "openid email", "&prompt=consent"))
        .await;
    assert!(location(&r).starts_with("/consent"));
}

#[tokio::test]
async fn sec_37_conf_11_prompt_none_without_a_session_is_login_required() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let r = b.get(&authorize_url(&a, "openid", "&prompt=none")).await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("login_required")
    );
    sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    // CONF-12: with a session and consent, prompt=none succeeds silently.
    let r = b.get(&authorize_url(&a, "openid", "&prompt=none")).await;
    assert!(query_param(&location(&r), "code").is_some());
    // New scopes under prompt=none: consent_required, never granted silently.
    let r = b
        .get(&authorize_url(&a, "openid offline_access", "&prompt=none"))
        .await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("consent_required")
    );
    // CONF-10: prompt=login shows the login page again despite the session.
    a.s.clock.advance_secs(1);
    let r = b.get(&authorize_url(&a, "openid", "&prompt=login")).await;
    assert!(location(&r).starts_with("/login"));
}

#[tokio::test]
async fn sec_11_12_public_clients_need_s256_pkce() {
    let a = app(CredentialKind::OAuthSpa).await;
    let mut b = Browser::new(&a.s.url);
    let base = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={REDIRECT}&scope=openid&state=x",
        a.client.client_id
    );
    for extra in [
        "",
        "&code_challenge=abc&code_challenge_method=S256",
        &format!(
            "&code_challenge={}&code_challenge_method=plain",
            "a".repeat(43)
        ),
    ] {
        let r = b.get(&format!("{base}{extra}")).await;
        assert_eq!(
            query_param(&location(&r), "error").as_deref(),
            Some("invalid_request"),
            "{extra}"
        );
    }
}

#[tokio::test]
async fn neg_05_sec_13_14_wrong_or_missing_verifier_is_invalid_grant() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid").await;
    let r = exchange(&a, &code, Some(&VERIFIER.replace('d', "e"))).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let (_, code) = code_for(&a, "openid").await;
    assert_eq!(exchange(&a, &code, None).await.status(), 400);
}

#[tokio::test]
async fn neg_04_sec_16_another_clients_code_is_invalid_grant() {
    let a = app(CredentialKind::OAuthWeb).await;
    let other = a.s.credential(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid").await;
    let r = token_as(
        &a,
        &other,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

#[tokio::test]
async fn sec_04_token_request_must_repeat_the_redirect_uri() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid").await;
    let r = token_as(
        &a,
        &a.client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn sec_17_expired_code_is_invalid_grant() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid").await;
    a.s.clock.advance_secs(61);
    assert_eq!(exchange(&a, &code, Some(VERIFIER)).await.status(), 400);
}

#[tokio::test]
async fn sec_20_no_refresh_token_without_offline_access_and_sec_24_no_widening() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid email").await;
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    assert!(t.get("refresh_token").is_none());
    let (_, code) = code_for(&a, "openid offline_access").await;
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let r = token_as(
        &a,
        &a.client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
            ("scope", "openid offline_access email"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_scope");
}

#[tokio::test]
async fn neg_11_12_userinfo_needs_a_live_token_with_openid() {
    let a = app(CredentialKind::OAuthWeb).await;
    for r in [
        a.s.http()
            .get(format!("{}/oauth2/userinfo", a.s.url))
            .send()
            .await
            .unwrap(),
        a.s.http()
            .get(format!("{}/oauth2/userinfo", a.s.url))
            .bearer_auth("garbage")
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(r.status(), 401);
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_token");
    }
    let (_, code) = code_for(&a, "email").await;
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let r = userinfo(&a, t["access_token"].as_str().unwrap()).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "insufficient_scope"
    );
}

#[tokio::test]
async fn sec_34_forms_without_the_csrf_token_are_refused() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let r = b.get(&authorize_url(&a, "openid", "")).await;
    let html = b.get(&location(&r)).await.text().await.unwrap();
    let ar = hidden(&html, "ar");
    let r = b
        .post(
            "/login",
            &[
                ("username", &a.email),
                ("password", PASSWORD),
                ("csrf", "forged-forged-forged-forged-forged"),
                ("ar", &ar),
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
            ("csrf", &hidden(&html, "csrf")),
            ("ar", &ar),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn sec_39_connected_applications_lists_and_revokes_only_your_grants() {
    let a: App = app(CredentialKind::OAuthWeb).await;
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
    assert_eq!(
        userinfo(&a, t["access_token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    let r = token_as(
        &a,
        &a.client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
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

#[tokio::test]
async fn ims_dialect_code_flow_on_authorize_v2_and_token_v1_with_legacy_ms() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let url = format!(
        "/ims/authorize/v2?client_id={}&redirect_uri={REDIRECT}&scope=openid,AdobeID,offline_access&response_type=code&state=abc",
        a.client.client_id
    );
    let cb = sign_in(&a, &mut b, &url).await;
    let code = query_param(&cb, "code").unwrap();
    let r =
        a.s.http()
            .post(format!("{}/ims/token/v1", a.s.url))
            .multipart(
                reqwest::multipart::Form::new()
                    .text("client_id", a.client.client_id.clone())
                    .text("client_secret", a.client.client_secret.clone())
                    .text("scope", "openid,AdobeID,offline_access")
                    .text("grant_type", "authorization_code")
                    .text("code", code),
            )
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "bearer");
    assert!(t["sub"].as_str().unwrap().ends_with("@LatchkeyID"));
    let rt = t["refresh_token"].as_str().unwrap();
    let payload: Value = jsonwebtoken::dangerous::insecure_decode(rt).unwrap().claims;
    assert_eq!(payload["type"], "refresh_token");
    // Legacy /ims/token answers expires_in in ms and carries the profile.
    let r: Value =
        a.s.http()
            .post(format!("{}/ims/token", a.s.url))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                ("client_id", &a.client.client_id),
                ("client_secret", &a.client.client_secret),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(r["expires_in"], 86_400_000);
    let at = r["access_token"].as_str().unwrap();
    let claims: Value = jsonwebtoken::dangerous::insecure_decode(at).unwrap().claims;
    assert_eq!(claims["scope"], "openid,AdobeID,offline_access");
    let info =
        a.s.http()
            .get(format!(
                "{}/ims/userinfo/v2?client_id={}",
                a.s.url, a.client.client_id
            ))
            .bearer_auth(at)
            .send()
            .await
            .unwrap();
    assert_eq!(info.status(), 200);
    let orgs =
        a.s.http()
            .get(format!("{}/ims/organizations/v6", a.s.url))
            .bearer_auth(at)
            .send()
            .await
            .unwrap();
    assert_eq!(orgs.status(), 403, "read_organizations was not granted");
}
