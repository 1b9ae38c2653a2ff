//! The token endpoint for people's tokens: the code flow end to end (CONF-01, CONF-29), code
//! redemption (SEC-04, SEC-13…17, NEG-03…05), refresh (SEC-20…24, CONF-28, NEG-14, the
//! SEC-25 idle and absolute lifetimes), the IMS dialect's code flow, and client
//! authentication: secret rotation (SEC-41) and the per-address slow-down (SEC-43).
//! Bad input at the same endpoint is in `bad_input`; service accounts in `service_accounts`.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use latchkey_core::model::CredentialKind;
use latchkey_testkit::browser::{Browser, query_param};
use latchkey_testkit::flow::{
    REDIRECT, VERIFIER, app, authorize_url, code_for, exchange, refresh, sign_in, token_as,
    tokens_for, userinfo,
};
use latchkey_testkit::{
    TestServer, assert_oauth_error, assert_rfc6749_error, futures_join, oauth_error,
};
use serde_json::Value;

#[tokio::test]
async fn conf_01_29_code_flow_happy_path_with_pkce_id_token_userinfo_and_refresh() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let cb = sign_in(
        &a,
        &mut b,
        &authorize_url(&a, "openid profile email address offline_access", ""),
    )
    .await;
    assert!(cb.starts_with(&format!("{REDIRECT}?code=")), "{cb}");
    assert_eq!(
        query_param(&cb, "state").as_deref(),
        Some("st ate"),
        "SEC-35: state byte for byte"
    );
    assert_eq!(
        query_param(&cb, "iss").as_deref(),
        Some(a.s.url.as_str()),
        "SEC-36: iss in the response"
    );
    let code = query_param(&cb, "code").unwrap();
    let code_payload: Value = jsonwebtoken::dangerous::insecure_decode(&code)
        .unwrap()
        .claims;
    assert_eq!(
        code_payload["type"], "authorization_code",
        "IMS clients decode codes"
    );

    let r = exchange(&a, &code, Some(VERIFIER)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let t: Value = r.json().await.unwrap();
    let (at, rt, idt) = (
        t["access_token"].as_str().unwrap(),
        t["refresh_token"].as_str().unwrap(),
        t["id_token"].as_str().unwrap(),
    );

    // The ID token verifies against JWKS with a third-party library (CONF-03, SEC-47).
    let jwks: JwkSet =
        a.s.get("/oauth2/jwks")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let header = decode_header(idt).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[&a.client.client_id]);
    v.set_issuer(&[&a.s.url]);
    let claims = decode::<Value>(
        idt,
        &DecodingKey::from_jwk(jwks.find(&header.kid.unwrap()).unwrap()).unwrap(),
        &v,
    )
    .unwrap()
    .claims;
    assert_eq!(claims["nonce"], "n-0S6", "SEC-19");
    assert!(claims["auth_time"].as_i64().is_some());
    assert_eq!(claims["at_hash"], latchkey_core::idtoken::at_hash(at));

    let info: Value = userinfo(&a, at).await.json().await.unwrap();
    assert_eq!(
        info["sub"], claims["sub"],
        "SEC-50: userinfo sub = id_token sub"
    );
    assert_eq!(info["email"], a.email.as_str());
    assert_eq!(info["name"], "Ada Lovelace");
    assert_eq!(info["address"]["country"], "GB");

    // Refresh rotates; the new access token works.
    let r2: Value = refresh(&a, rt).await.json().await.unwrap();
    let rt2 = r2["refresh_token"].as_str().unwrap();
    assert_ne!(rt2, rt);
    assert_eq!(
        userinfo(&a, r2["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn sec_15_neg_03_code_replay_is_invalid_grant_and_revokes_what_it_issued() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid offline_access").await;
    let first: Value = exchange(&a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    let r = exchange(&a, &code, Some(VERIFIER)).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    let access = first["access_token"].as_str().unwrap();
    assert_oauth_error(userinfo(&a, access).await, 401, "invalid_token").await;
    let i: Value =
        a.s.post("/oauth2/introspect")
            .basic_auth(&a.client.client_id, Some(&a.client.client_secret))
            .form(&[("token", access)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(i, serde_json::json!({"active": false}));
    let r = refresh(&a, first["refresh_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
}

#[tokio::test]
async fn sec_22_neg_14_refresh_reuse_revokes_the_whole_grant() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens_for(&a, "openid offline_access").await;
    let rt1 = t["refresh_token"].as_str().unwrap();
    let t2: Value = refresh(&a, rt1).await.json().await.unwrap();
    let rt2 = t2["refresh_token"].as_str().unwrap();
    assert_oauth_error(refresh(&a, rt1).await, 400, "invalid_grant").await;
    assert_eq!(
        oauth_error(refresh(&a, rt2).await).await,
        (400, "invalid_grant".into()),
        "the newest refresh token died too"
    );
    let r = userinfo(&a, t2["access_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 401, "invalid_token").await;
}

/// Refresh tokens are found by the hash of their whole text, with no signature check
/// (docs/performance.md): one changed anywhere is refused without touching the real one;
/// one stored before that, under the hash of its `id`, still refreshes.
#[tokio::test]
async fn sec_26_fuzz_09_a_changed_refresh_token_is_refused_and_an_old_one_still_refreshes() {
    use latchkey_core::artifact::{self, ArtifactKind, ArtifactRequest};
    use latchkey_core::keys::KeyAlg;
    use latchkey_core::model::RefreshToken;

    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens_for(&a, "openid offline_access").await;
    let rt1 = t["refresh_token"].as_str().unwrap();
    let last = rt1.len() - 3;
    for at in [2, rt1.find('.').unwrap() + 5, last] {
        let mut changed = rt1.to_owned().into_bytes();
        changed[at] = if changed[at] == b'x' { b'y' } else { b'x' };
        let changed = String::from_utf8(changed).unwrap();
        assert_oauth_error(refresh(&a, &changed).await, 400, "invalid_grant").await;
    }
    let t2: Value = refresh(&a, rt1).await.json().await.unwrap();
    let rt2 = t2["refresh_token"]
        .as_str()
        .expect("the real one was untouched");

    let st = &a.s.state;
    let stored = st
        .store
        .find_refresh_token(&artifact::key_of(rt2))
        .await
        .unwrap()
        .expect("stored under the hash of the whole token");
    let now = st.clock.now();
    let keyring = st.keyring();
    let old = artifact::mint(
        &keyring,
        KeyAlg::Es256,
        st.rng.as_ref(),
        now,
        &ArtifactRequest {
            kind: ArtifactKind::RefreshToken,
            client_id: stored.client_id.as_str(),
            user_id: stored.user_id.as_str(),
            scope: "openid offline_access",
            ims_as: "ims-na1",
            ttl_secs: 3600,
        },
    )
    .unwrap();
    let legacy =
        artifact::legacy_key_of(&keyring, now, ArtifactKind::RefreshToken, &old.token).unwrap();
    st.store
        .insert_refresh_token(&RefreshToken {
            hash: legacy,
            created_at: now,
            expires_at: now.plus_secs(3600),
            ..stored
        })
        .await
        .unwrap();
    let r = refresh(&a, &old.token).await;
    assert_eq!(
        r.status(),
        200,
        "a token stored under its id hash still refreshes"
    );
    let t3: Value = r.json().await.unwrap();
    assert_eq!(
        userinfo(&a, t3["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    assert_oauth_error(refresh(&a, &old.token).await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn sec_23_concurrent_refresh_and_code_redemption_exactly_one_wins() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid offline_access").await;
    let results = futures_join(8, |_| exchange(&a, &code, Some(VERIFIER))).await;
    assert_eq!(
        results.iter().filter(|s| **s == 200).count(),
        1,
        "{results:?}"
    );
    assert!(
        results.iter().all(|s| *s == 200 || *s == 400),
        "{results:?}"
    );
    let (_, t) = tokens_for(&a, "openid offline_access").await;
    let rt = t["refresh_token"].as_str().unwrap();
    let results = futures_join(8, |_| refresh(&a, rt)).await;
    assert_eq!(
        results.iter().filter(|s| **s == 200).count(),
        1,
        "{results:?}"
    );
}

#[tokio::test]
async fn sec_21_conf_28_a_refresh_token_is_bound_to_its_client() {
    let a = app(CredentialKind::OAuthWeb).await;
    let other = a.s.credential(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens_for(&a, "openid offline_access").await;
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
    assert_oauth_error(r, 400, "invalid_grant").await;
}

#[tokio::test]
async fn neg_05_sec_13_14_wrong_or_missing_verifier_is_invalid_grant() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid").await;
    let r = exchange(&a, &code, Some(&VERIFIER.replace('d', "e"))).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    let (_, code) = code_for(&a, "openid").await;
    assert_oauth_error(exchange(&a, &code, None).await, 400, "invalid_grant").await;
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
    assert_oauth_error(r, 400, "invalid_grant").await;
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
    assert_oauth_error(r, 400, "invalid_grant").await;
}

#[tokio::test]
async fn sec_17_expired_code_is_invalid_grant() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, code) = code_for(&a, "openid").await;
    a.s.clock.advance_secs(61);
    let r = exchange(&a, &code, Some(VERIFIER)).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
}

#[tokio::test]
async fn sec_20_no_refresh_token_without_offline_access_and_sec_24_no_widening() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens_for(&a, "openid email").await;
    assert!(t.get("refresh_token").is_none());
    let (_, t) = tokens_for(&a, "openid offline_access").await;
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
    assert_oauth_error(r, 400, "invalid_scope").await;
}

#[tokio::test]
async fn sec_25_refresh_tokens_have_an_idle_timeout_and_an_absolute_lifetime() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens_for(&a, "openid offline_access").await;
    // Idle: unused for 14 days, a refresh token is dead.
    a.s.clock.advance_secs(14 * 86_400 + 1);
    let r = refresh(&a, t["refresh_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    // Absolute: used every 13 days, the chain still ends 90 days after the sign-in.
    let (_, t) = tokens_for(&a, "openid offline_access").await;
    let mut rt = t["refresh_token"].as_str().unwrap().to_owned();
    let mut days = 0;
    loop {
        a.s.clock.advance_secs(13 * 86_400);
        days += 13;
        let r = refresh(&a, &rt).await;
        if days < 90 {
            assert_eq!(r.status(), 200, "day {days}");
            rt = r.json::<Value>().await.unwrap()["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned();
        } else {
            assert_eq!(
                oauth_error(r).await,
                (400, "invalid_grant".into()),
                "day {days}: past the absolute lifetime"
            );
            break;
        }
    }
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
        a.s.post("/ims/token/v1")
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
        a.s.post("/ims/token")
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
        a.s.get(&format!(
            "/ims/userinfo/v2?client_id={}",
            a.client.client_id
        ))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let orgs =
        a.s.get("/ims/organizations/v6")
            .bearer_auth(at)
            .send()
            .await
            .unwrap();
    assert_eq!(
        oauth_error(orgs).await,
        (403, "insufficient_scope".into()),
        "read_organizations was not granted"
    );
}

#[tokio::test]
async fn sec_41_secrets_are_stored_hashed_and_rotate_with_two_active() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    // The plain secret appears nowhere in the database files.
    for f in std::fs::read_dir(s.dir.path()).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(c.client_secret.len())
                .any(|w| w == c.client_secret.as_bytes())
        );
    }
    let ctx = s.ctx();
    let cid = latchkey_core::ids::ClientId(c.client_id.clone());
    let (second, _) =
        latchkey_core::admin::rotate_secret(&ctx, &latchkey_core::admin::Actor::Operator, &cid)
            .await
            .unwrap();
    let with = |secret: &str| {
        s.post("/ims/token/v3")
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", c.client_id.as_str()),
                ("client_secret", secret),
                ("scope", "openid,AdobeID"),
            ])
            .send()
    };
    assert_eq!(
        with(&c.client_secret).await.unwrap().status(),
        200,
        "old secret still works during rotation"
    );
    assert_eq!(with(second.expose()).await.unwrap().status(), 200);
    let (third, revoked) =
        latchkey_core::admin::rotate_secret(&ctx, &latchkey_core::admin::Actor::Operator, &cid)
            .await
            .unwrap();
    assert_eq!(revoked.len(), 1);
    assert_rfc6749_error(with(&c.client_secret).await.unwrap(), 401, "invalid_client").await;
    assert_eq!(with(second.expose()).await.unwrap().status(), 200);
    assert_eq!(with(third.expose()).await.unwrap().status(), 200);
    // Deleting one of the two: it stops working at once; the last one cannot be deleted.
    let secrets = s.state.store.active_secrets(&cid).await.unwrap();
    assert_eq!(secrets.len(), 2);
    let op = latchkey_core::admin::Actor::Operator;
    latchkey_core::admin::delete_secret(&ctx, &op, &cid, &secrets[0].id)
        .await
        .unwrap();
    assert_rfc6749_error(with(second.expose()).await.unwrap(), 401, "invalid_client").await;
    assert_eq!(with(third.expose()).await.unwrap().status(), 200);
    let last = latchkey_core::admin::delete_secret(&ctx, &op, &cid, &secrets[1].id).await;
    assert!(
        matches!(last, Err(latchkey_core::admin::AdminError::Conflict(_))),
        "{last:?}"
    );
    assert_eq!(with(third.expose()).await.unwrap().status(), 200);
}

#[tokio::test]
async fn sec_43_an_address_with_many_failed_client_authentications_is_slowed_down() {
    let limits = latchkey_http::throttle::AddressLimits {
        login_failures: 3,
        client_auth_failures: 4,
    };
    let s = TestServer::start_limited(None, limits).await;
    let c = s.s2s().await;
    let form = |secret: &str| {
        vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_id".to_owned(), c.client_id.clone()),
            ("client_secret".to_owned(), secret.to_owned()),
            ("scope".to_owned(), "openid".to_owned()),
        ]
    };
    let token = |secret: &str| s.post("/ims/token/v3").form(&form(secret)).send();
    // Successes do not count; each 401, on any client-authenticating endpoint, does.
    assert_eq!(token(&c.client_secret).await.unwrap().status(), 200);
    for path in [
        "/ims/token/v3",
        "/oauth2/introspect",
        "/oauth2/revoke",
        "/oauth2/token",
    ] {
        let r = s
            .post(path)
            .basic_auth(&c.client_id, Some("wrong"))
            .form(&[("grant_type", "client_credentials"), ("token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            oauth_error(r).await,
            (401, "invalid_client".into()),
            "{path}"
        );
    }
    // Now even the right secret waits, and is not checked.
    let r = token(&c.client_secret).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&wait), "{wait}");
    assert_oauth_error(r, 429, "temporarily_unavailable").await;
    // Discovery and keys stay reachable.
    let r = s.get("/oauth2/jwks").send().await.unwrap();
    assert_eq!(r.status(), 200);
    s.clock.advance_secs(wait);
    assert_eq!(token(&c.client_secret).await.unwrap().status(), 200);
}

/// A secret's "last used" (the console's column) follows its use to within five minutes:
/// a busy client writes it once per five minutes, not once per request.
#[tokio::test]
async fn a_secrets_last_use_is_recorded_every_five_minutes_at_most() {
    let s = latchkey_testkit::TestServer::start().await;
    let c = s.s2s().await;
    let id = latchkey_core::ids::ClientId(c.client_id.clone());
    let last_used = || async { s.state.store.active_secrets(&id).await.unwrap()[0].last_used_at };
    assert_eq!(last_used().await, None);
    let t0 = latchkey_core::clock::Clock::now(s.clock.as_ref());
    s.token(&c, "openid").await;
    assert_eq!(last_used().await, Some(t0));
    s.clock.advance_secs(299);
    s.token(&c, "openid").await;
    assert_eq!(
        last_used().await,
        Some(t0),
        "not rewritten within five minutes"
    );
    s.clock.advance_secs(1);
    s.token(&c, "openid").await;
    assert_eq!(last_used().await, Some(t0.plus_secs(300)));
    // A failed attempt is not a use.
    s.clock.advance_secs(600);
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c.client_id),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(last_used().await, Some(t0.plus_secs(300)));
}
