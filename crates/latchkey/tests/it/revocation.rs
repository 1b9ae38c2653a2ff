//! Ending tokens: revocation (SEC-48, NEG-15), introspection (SEC-49), IMS validation, and
//! what disabling an account or a client, or a new password, does to its tokens, grants
//! and sessions (SEC-25). Durable disabling is finding 5 in `security_review`; the refresh
//! lifetimes are in `token_endpoint`.

use latchkey_core::admin::{Actor, accounts};
use latchkey_core::ids::ClientId;
use latchkey_core::model::CredentialKind;
use latchkey_testkit::browser::Browser;
use latchkey_testkit::flow::{
    PASSWORD, REDIRECT, app, authorize_url, login_form, post_login, refresh, sign_in, tokens_for,
    userinfo,
};
use latchkey_testkit::{TestServer, assert_oauth_error, assert_rfc6749_error, oauth_error};
use serde_json::Value;

#[tokio::test]
async fn sec_25_disabling_a_user_revokes_their_tokens_and_sessions() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (mut b, t) = tokens_for(&a, "openid offline_access").await;
    accounts::set_user_disabled(&a.s.ctx(), &Actor::Operator, &a.email, true)
        .await
        .unwrap();
    let r = userinfo(&a, t["access_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 401, "invalid_token").await;
    let r = refresh(&a, t["refresh_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    // The session ended: authorize asks to sign in (`login_form` checks that it leads to
    // the login page), and signing in is refused.
    let form = login_form(&mut b, &authorize_url(&a, "openid", "")).await;
    let r = post_login(&mut b, &form, &a.email, PASSWORD).await;
    assert_eq!(r.status(), 401, "a disabled account cannot sign in");
    // Enabled again, the user signs in and must consent again.
    accounts::set_user_disabled(&a.s.ctx(), &Actor::Operator, &a.email, false)
        .await
        .unwrap();
    let cb = sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    assert!(cb.starts_with(REDIRECT));
}

#[tokio::test]
async fn sec_25_a_new_password_revokes_grants_and_the_old_password() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens_for(&a, "openid offline_access").await;
    accounts::set_password(
        &a.s.ctx(),
        &Actor::Operator,
        &a.email,
        "a brand new password",
    )
    .await
    .unwrap();
    let r = refresh(&a, t["refresh_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    let r = userinfo(&a, t["access_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 401, "invalid_token").await;
    let mut b = Browser::new(&a.s.url);
    let form = login_form(&mut b, &authorize_url(&a, "openid", "")).await;
    let r = post_login(&mut b, &form, &a.email, PASSWORD).await;
    assert_eq!(r.status(), 401, "the old password no longer works");
    let r = post_login(&mut b, &form, &a.email, "a brand new password").await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn sec_25_disabling_a_client_kills_its_tokens() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens_for(&a, "openid offline_access").await;
    let s2s = a.s.s2s().await;
    let s2s_token = a.s.token(&s2s, "openid").await;
    for cid in [&a.client.client_id, &s2s.client_id] {
        accounts::set_credential_disabled(
            &a.s.ctx(),
            &Actor::Operator,
            &ClientId(cid.clone()),
            true,
        )
        .await
        .unwrap();
    }
    let r = userinfo(&a, t["access_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 401, "invalid_token").await;
    let r = refresh(&a, t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        oauth_error(r).await,
        (401, "invalid_client".into()),
        "a disabled client cannot even authenticate"
    );
    let v: Value =
        a.s.post("/ims/validate_token/v1")
            .bearer_auth(&s2s_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(v["valid"], false);
    // Re-enabling does not bring revoked grants back.
    accounts::set_credential_disabled(
        &a.s.ctx(),
        &Actor::Operator,
        &ClientId(a.client.client_id.clone()),
        false,
    )
    .await
    .unwrap();
    let r = refresh(&a, t["refresh_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
}

#[tokio::test]
async fn sec_48_neg_15_revocation_rules() {
    let s = TestServer::start().await;
    let a = s.s2s().await;
    let b = s.s2s().await;
    let token = s.token(&a, "openid").await;
    // Client authentication is required.
    let r = s
        .post("/oauth2/revoke")
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    // Missing token.
    let r = s
        .post("/oauth2/revoke")
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    // Another client's token is not revoked.
    let r = s
        .post("/oauth2/revoke")
        .basic_auth(&b.client_id, Some(&b.client_secret))
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    let v: Value = s
        .post("/ims/validate_token/v1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], true);
    // Garbage is a 200 with an empty body.
    let r = s
        .post("/oauth2/revoke")
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .form(&[("token", "garbage")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A wrong hint still revokes; the effect is immediate.
    let r = s
        .post("/ims/invalidate_token/v2")
        .multipart(
            reqwest::multipart::Form::new()
                .text("token_type", "refresh_token")
                .text("token", token.clone())
                .text("cascading", "all")
                .text("client_id", a.client_id.clone())
                .text("client_secret", a.client_secret.clone()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let i: Value = s
        .post("/oauth2/introspect")
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(i, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn sec_49_introspection_needs_a_confidential_client_and_says_only_active_false() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let token = s.token(&c, "openid").await;
    let r = s
        .post("/oauth2/introspect")
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
    let r = s
        .post("/oauth2/introspect")
        .basic_auth(&c.client_id, Some("bad"))
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 401, "invalid_client").await;
    let spa = s.credential(CredentialKind::OAuthSpa).await;
    let r = s
        .post("/oauth2/introspect")
        .form(&[
            ("token", token.as_str()),
            ("client_id", spa.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_rfc6749_error(r, 401, "invalid_client").await;
    for garbage in ["garbage", "a.b.c", &format!("{token}x")] {
        let i: Value = s
            .post("/oauth2/introspect")
            .basic_auth(&c.client_id, Some(&c.client_secret))
            .form(&[("token", garbage)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(i, serde_json::json!({"active": false}));
    }
    // Expired (past exp + skew) is inactive too.
    s.clock.advance_secs(86_400 + 31);
    let i: Value = s
        .post("/oauth2/introspect")
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[("token", &token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(i, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn validate_token_answers_200_with_valid_false_for_bad_tokens() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let token = s.token(&c, "openid").await;
    for (tok, reason) in [
        ("garbage", "token is malformed"),
        ("eyJhbGciOiJub25lIn0.e30.", "token is malformed"),
    ] {
        let v: Value = s
            .post("/ims/validate_token/v1")
            .form(&[("token", tok), ("type", "access_token")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["valid"], false);
        assert_eq!(v["reason"], reason);
    }
    let v: Value = s
        .post("/ims/validate_token/v1")
        .form(&[("token", token.as_str()), ("client_id", "other")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], false, "client_id must match the token's");
    let r = s.post("/ims/validate_token/v1").send().await.unwrap();
    assert_rfc6749_error(r, 400, "invalid_request").await;
}

/// Deleting a credential revokes every token it issued, for good: its access tokens stop
/// validating, its secret authenticates nothing, and its technical account is disabled.
#[tokio::test]
async fn deleting_a_credential_revokes_its_tokens_and_retires_its_technical_account() {
    use latchkey_core::admin::{self, Actor};
    use latchkey_core::ids::{ClientId, ProjectId, UserId};
    let s = latchkey_testkit::TestServer::start().await;
    let c = s.s2s().await;
    let token = s.token(&c, "openid,AdobeID").await;
    assert_eq!(s.validate(&token).await["valid"], true);
    let ctx = s.ctx();
    // The project cannot go while it has the credential.
    let project = ProjectId(c.project_id.clone());
    assert!(matches!(
        admin::delete_project(&ctx, &Actor::Operator, &project).await,
        Err(admin::AdminError::Conflict(_))
    ));
    admin::delete_credential(&ctx, &Actor::Operator, &ClientId(c.client_id.clone()))
        .await
        .unwrap();
    assert_eq!(s.validate(&token).await["valid"], false);
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
                ("scope", "openid"),
            ],
        )
        .await;
    latchkey_testkit::assert_oauth_error(r, 401, "invalid_client").await;
    let tech = s
        .state
        .store
        .get_user(&UserId(c.technical_account_id.clone()))
        .await
        .unwrap()
        .unwrap();
    assert!(tech.disabled);
    admin::delete_project(&ctx, &Actor::Operator, &project)
        .await
        .unwrap();
    assert!(s.state.store.get_project(&project).await.unwrap().is_none());
}
