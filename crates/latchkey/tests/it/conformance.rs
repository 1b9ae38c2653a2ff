//! The OpenID conformance suite's code-flow modules that the other files do not already
//! name (CONF-04…CONF-34 of docs/security-checklist.md): discovery and the published keys
//! (CONF-04, CONF-30, SEC-47), ID tokens and claims, prompt with an ID token hint, code
//! reuse, client_secret_post, the redirect-URI rules and encoding tricks (CONF-31, CONF-32,
//! FUZZ-13), and the integrity of self-describing artifacts (SEC-26). The suite itself
//! cannot run here (checklist: Java 21, MongoDB, Maven Central), so each module's
//! assertion is replayed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::model::CredentialKind;
use latchkey_core::pkce::s256;
use latchkey_testkit::browser::{Browser, location, query_param};
use latchkey_testkit::flow::{
    App, PASSWORD, REDIRECT, VERIFIER, add_user, another_credential, app, authorize_url, code_for,
    exchange, login_form, post_login, sign_in, token_as, tokens_for, userinfo,
};
use latchkey_testkit::{TestServer, assert_oauth_error, oauth_error};
use serde_json::Value;

async fn web_client(a: &App, uris: &[&str]) -> String {
    another_credential(a, CredentialKind::OAuthWeb, uris).await
}

fn payload(jwt: &str) -> Value {
    let p = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

#[tokio::test]
async fn conf_04_30_discovery_is_complete_and_never_offers_alg_none() {
    let a = app(CredentialKind::OAuthWeb).await;
    let http = a.s.http();
    for (path, prefix) in [
        ("/.well-known/openid-configuration", "/oauth2/"),
        ("/ims/.well-known/openid-configuration", "/ims/"),
    ] {
        let r = http.get(format!("{}{path}", a.s.url)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let d: Value = r.json().await.unwrap();
        assert_eq!(d["issuer"], a.s.url.as_str(), "issuer = discovery base");
        assert_eq!(d["response_types_supported"], serde_json::json!(["code"]));
        assert!(
            d["subject_types_supported"]
                .as_array()
                .unwrap()
                .contains(&"public".into())
        );
        let algs = d["id_token_signing_alg_values_supported"]
            .as_array()
            .unwrap();
        assert!(algs.contains(&"RS256".into()), "RS256 is required");
        assert!(
            !algs.contains(&"none".into()),
            "CONF-04: no unsigned ID tokens"
        );
        for ep in [
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
        ] {
            let url = d[ep].as_str().unwrap();
            assert!(
                url.starts_with(&format!("{}{prefix}", a.s.url)),
                "{ep}: {url}"
            );
        }
        assert_eq!(d["request_parameter_supported"], false);
        assert_eq!(d["request_uri_parameter_supported"], false);
        assert_eq!(d["claims_parameter_supported"], false);
        let claims = d["claims_supported"].as_array().unwrap();
        for c in ["sub", "email", "name"] {
            assert!(claims.contains(&c.into()), "{c}");
        }
        // Every advertised scope-driven claim really comes back (CONF-07 below).
        let jwks: Value = http
            .get(d["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert!(keys.len() >= 2);
        for k in keys {
            assert!(k["kid"].is_string() && k["kty"].is_string() && k["alg"].is_string());
            assert!(k.get("d").is_none(), "no private parts in JWKS");
        }
    }
}

#[tokio::test]
async fn sec_47_jwks_has_distinct_kids_and_no_private_members() {
    let s = TestServer::start().await;
    let jwks: Value = s
        .http()
        .get(format!("{}/ims/keys", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert!(keys.len() >= 2);
    let mut kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    kids.sort();
    kids.dedup();
    assert_eq!(kids.len(), keys.len());
    assert!(
        keys.iter()
            .any(|k| k["alg"] == "RS256" && k["kty"] == "RSA")
    );
    assert!(
        keys.iter()
            .any(|k| k["alg"] == "ES256" && k["crv"] == "P-256")
    );
    for k in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(k.get(private).is_none(), "JWKS leaks {private}");
        }
    }
    let disco: Value = s
        .http()
        .get(format!("{}/.well-known/openid-configuration", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !disco["id_token_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "none")
    );
}

#[tokio::test]
async fn conf_06_code_flow_without_nonce_still_issues_a_code_and_an_id_token() {
    let a = app(CredentialKind::OAuthWeb).await;
    let url = authorize_url(&a, "openid", "").replace("&nonce=n-0S6", "");
    assert!(!url.contains("nonce"));
    let mut b = Browser::new(&a.s.url);
    let cb = sign_in(&a, &mut b, &url).await;
    let t: Value = exchange(&a, &query_param(&cb, "code").unwrap(), Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let id = payload(t["id_token"].as_str().unwrap());
    assert!(id.get("nonce").is_none(), "{id}");
    assert_eq!(id["aud"], a.client.client_id.as_str());
}

#[tokio::test]
async fn conf_07_scopes_drive_the_claims_in_userinfo_and_nothing_more() {
    let a = app(CredentialKind::OAuthWeb).await;
    let cases: [(&str, &[&str], &[&str]); 4] = [
        (
            "openid profile",
            &["name", "given_name", "family_name"],
            &["email", "address"],
        ),
        (
            "openid email",
            &["email", "email_verified"],
            &["name", "address"],
        ),
        ("openid address", &["address"], &["name", "email"]),
        (
            "openid profile email address",
            &["name", "email", "address"],
            &[],
        ),
    ];
    for (scope, present, absent) in cases {
        let (_, t) = tokens_for(&a, scope).await;
        let info: Value = userinfo(&a, t["access_token"].as_str().unwrap())
            .await
            .json()
            .await
            .unwrap();
        for c in present {
            assert!(info.get(*c).is_some(), "{scope}: {c} missing from {info}");
        }
        for c in absent {
            assert!(info.get(*c).is_none(), "{scope}: {c} leaked into {info}");
        }
    }
    // phone is not offered, so asking for it is an error, not a silent grant.
    let d: Value =
        a.s.http()
            .get(format!("{}/.well-known/openid-configuration", a.s.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert!(
        !d["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&"phone".into())
    );
    let mut b = Browser::new(&a.s.url);
    let r = b.get(&authorize_url(&a, "openid phone", "")).await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("invalid_scope")
    );
}

#[tokio::test]
async fn conf_08_reversed_scopes_and_reordered_parameters_still_work() {
    let a = app(CredentialKind::OAuthWeb).await;
    let url = format!(
        "/oauth2/authorize?code_challenge_method=S256&scope=email%20openid&state=x&redirect_uri={REDIRECT}&code_challenge={}&client_id={}&response_type=code",
        s256(VERIFIER),
        a.client.client_id
    );
    let mut b = Browser::new(&a.s.url);
    let cb = sign_in(&a, &mut b, &url).await;
    let t: Value = exchange(&a, &query_param(&cb, "code").unwrap(), Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let scopes: Vec<&str> = t["scope"].as_str().unwrap().split(' ').collect();
    assert!(
        scopes.contains(&"openid") && scopes.contains(&"email"),
        "{t}"
    );
    assert!(t["id_token"].is_string());
}

#[tokio::test]
async fn conf_16_prompt_none_with_an_id_token_hint_needs_no_interaction() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let cb = sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    let t: Value = exchange(&a, &query_param(&cb, "code").unwrap(), Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let idt = t["id_token"].as_str().unwrap().to_owned();
    // An expired hint is still a hint (OIDC Core §3.1.2.1 does not require it be fresh).
    a.s.clock.advance_secs(2 * 3600);
    let hinted = format!("&prompt=none&id_token_hint={idt}");
    let r = b.get(&authorize_url(&a, "openid", &hinted)).await;
    let to = location(&r);
    assert!(query_param(&to, "code").is_some(), "{to}");

    // The browser is now someone else's: the hint's user must sign in again.
    let other = "grace@example.com";
    add_user(&a.s, &a.client.org_id, other, None).await;
    let mut b2 = Browser::new(&a.s.url);
    let form = login_form(&mut b2, &authorize_url(&a, "openid", "")).await;
    let r = post_login(&mut b2, &form, other, PASSWORD).await;
    assert_eq!(r.status(), 303);
    a.s.clock.advance_secs(1);
    let r = b2.get(&authorize_url(&a, "openid", &hinted)).await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("login_required")
    );
    let r = b2
        .get(&authorize_url(
            &a,
            "openid",
            &format!("&id_token_hint={idt}"),
        ))
        .await;
    assert!(location(&r).starts_with("/login"), "{}", location(&r));

    // A hint that is not one of our ID tokens for this client is refused.
    let second = web_client(&a, &[REDIRECT]).await;
    let foreign = authorize_url(&a, "openid", &hinted).replace(&a.client.client_id, &second);
    let r = b.get(&foreign).await;
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("invalid_request"),
        "a hint issued to another client"
    );
    let access = t["access_token"].as_str().unwrap();
    for bad in ["garbage", access] {
        let r = b
            .get(&authorize_url(
                &a,
                "openid",
                &format!("&id_token_hint={bad}"),
            ))
            .await;
        assert_eq!(
            query_param(&location(&r), "error").as_deref(),
            Some("invalid_request")
        );
    }
}

#[tokio::test]
async fn conf_19_20_sec_15_code_reuse_after_30_seconds_is_invalid_grant() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid").await;
    let first: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    a.s.clock.advance_secs(31);
    let r = exchange(&a, &code, Some(VERIFIER)).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    assert_eq!(
        oauth_error(userinfo(&a, first["access_token"].as_str().unwrap()).await).await,
        (401, "invalid_token".into()),
        "the first access token is revoked"
    );
}

#[tokio::test]
async fn conf_23_client_secret_post_happy_path() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid").await;
    let r =
        a.s.http()
            .post(format!("{}/oauth2/token", a.s.url))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
                ("client_id", &a.client.client_id),
                ("client_secret", &a.client.client_secret),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert!(t["id_token"].is_string() && t["access_token"].is_string());
}

#[tokio::test]
async fn conf_31_two_registered_uris_and_none_sent_is_an_error_page() {
    let a = app(CredentialKind::OAuthWeb).await;
    let two = web_client(&a, &[REDIRECT, "https://app.example/other"]).await;
    let mut b = Browser::new(&a.s.url);
    let r = b
        .get(&format!(
            "/oauth2/authorize?response_type=code&client_id={two}&scope=openid&state=s"
        ))
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    // With one registered URI it may be left out, and then must not be sent back either.
    let one = web_client(&a, &[REDIRECT]).await;
    let r = b
        .get(&format!(
            "/oauth2/authorize?response_type=code&client_id={one}&scope=openid&state=s"
        ))
        .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
}

#[tokio::test]
async fn conf_32_a_registered_query_must_match_exactly() {
    let a = app(CredentialKind::OAuthWeb).await;
    let registered = "https://app.example/cb?tenant=7";
    let id = web_client(&a, &[registered]).await;
    let url = |redirect: &str| {
        format!(
            "/oauth2/authorize?response_type=code&client_id={id}&scope=openid&state=s&redirect_uri={}",
            redirect.replace('?', "%3F").replace('&', "%26")
        )
    };
    let mut b = Browser::new(&a.s.url);
    for bad in [
        "https://app.example/cb?tenant=7&extra=1",
        "https://app.example/cb?tenant=8",
        "https://app.example/cb",
    ] {
        let r = b.get(&url(bad)).await;
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.headers().get("location").is_none(), "{bad}");
    }
    let cb = sign_in(&a, &mut b, &url(registered)).await;
    assert!(
        cb.starts_with("https://app.example/cb?tenant=7&code="),
        "the registered query is kept and ours appended: {cb}"
    );
}

#[tokio::test]
async fn fuzz_13_encoding_tricks_in_redirect_uri_never_match() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    for trick in [
        "https://app.example/cb%2F..%2Fevil",
        "https://\u{430}pp.example/cb",
        "https://xn--pp-8cd.example/cb",
        "https://app.example\u{FF0F}cb",
        "https://app.example\\@evil.test/cb",
        "https://evil.test#@app.example/cb",
        "https://app.example/cb?code=x",
        "https://app.example/cb%00",
        "https://app.example/cb%20",
        "https://app.example./cb",
        "https://app.example/%2Ecb",
        "https://app.example/cb/.",
        "https://APP.EXAMPLE/cb",
        "https://app.example:443/cb",
        "https://app.example/cb/",
        " https://app.example/cb",
    ] {
        let mut enc = String::new();
        for byte in trick.bytes() {
            if byte.is_ascii_alphanumeric() {
                enc.push(byte as char);
            } else {
                enc.push_str(&format!("%{byte:02X}"));
            }
        }
        let r = b
            .get(&format!(
                "/oauth2/authorize?response_type=code&client_id={}&scope=openid&redirect_uri={enc}&code_challenge={}&code_challenge_method=S256",
                a.client.client_id,
                s256(VERIFIER)
            ))
            .await;
        assert_eq!(r.status(), 400, "{trick}");
        assert!(r.headers().get("location").is_none(), "{trick}");
    }
}

/// Flip one character of a JWS's payload, keeping it valid base64url.
fn tamper(jws: &str) -> String {
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let mut p: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    let obj = p.as_object_mut().unwrap();
    let key = ["sid", "id", "jti", "grant_id", "sub"]
        .into_iter()
        .find(|k| obj.get(*k).is_some_and(Value::is_string))
        .unwrap_or_else(|| panic!("no id claim in {obj:?}"));
    let v = obj[key].as_str().unwrap().to_owned();
    let last = v.chars().last().unwrap();
    let flipped = format!(
        "{}{}",
        &v[..v.len() - 1],
        if last == 'a' { 'b' } else { 'a' }
    );
    obj.insert(key.to_owned(), Value::from(flipped));
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&p).unwrap());
    parts.join(".")
}

#[tokio::test]
async fn sec_26_codes_and_refresh_tokens_are_integrity_protected() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid offline_access").await;
    let r = exchange(&a, &tamper(&code), Some(VERIFIER)).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    // The untampered code still works: the forged one consumed nothing.
    let t: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let rt = t["refresh_token"].as_str().unwrap();
    for forged in [
        tamper(rt),
        // A valid signature from another artifact with this one's payload.
        format!(
            "{}.{}",
            rt.rsplit_once('.').unwrap().0,
            code.rsplit_once('.').unwrap().1
        ),
    ] {
        let r = token_as(
            &a,
            &a.client,
            &[("grant_type", "refresh_token"), ("refresh_token", &forged)],
        )
        .await;
        assert_oauth_error(r, 400, "invalid_grant").await;
    }
    // Forgeries did not count as reuse: the real refresh token still rotates.
    let r = token_as(
        &a,
        &a.client,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await;
    assert_eq!(r.status(), 200);
}
