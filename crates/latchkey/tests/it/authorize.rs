//! The authorization endpoint and the consent step: which requests get a page and which a
//! redirect (SEC-02, CONF-21), response types (SEC-27, NEG-10, CONF-02), PKCE for public
//! clients (SEC-11, SEC-12), loopback redirect URIs of native apps (SEC-01), prompt and
//! max_age (SEC-37, CONF-10…14), consent remembered and denied (SEC-38, NEG-09), request
//! objects (CONF-24, CONF-25, CONF-27) and parameters to ignore (CONF-09, CONF-22, …),
//! and CRLF in `state` (FUZZ-14, SEC-35). The redirect-URI matching tricks are in
//! `conformance` (FUZZ-13, CONF-31, CONF-32).

use latchkey_core::model::CredentialKind;
use latchkey_core::pkce::s256;
use latchkey_testkit::browser::{Browser, hidden, location, query_param};
use latchkey_testkit::flow::{
    PASSWORD, REDIRECT, VERIFIER, another_credential, app, authorize_url, login_form, post_login,
    sign_in,
};
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
async fn sec_01_native_apps_may_use_any_loopback_port() {
    let a = app(CredentialKind::OAuthNative).await;
    // The test kit registers https://app.example/cb for every browser kind; register a
    // loopback one by creating another native credential through the core.
    let native = another_credential(
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
        a.s.post("/oauth2/token")
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
async fn neg_09_deny_redirects_access_denied_with_state() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let form = login_form(&mut b, &authorize_url(&a, "openid email", "")).await;
    let r = post_login(&mut b, &form, &a.email, PASSWORD).await;
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
