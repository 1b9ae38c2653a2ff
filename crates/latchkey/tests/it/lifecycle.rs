//! SEC-25: what happens to tokens when an account or a client changes — disabled, new
//! password — and the refresh family's idle and absolute lifetimes.

use crate::browser::{Browser, location};
use crate::user_flow::{
    App, PASSWORD, REDIRECT, VERIFIER, app, authorize_url, code_for, exchange, sign_in, token_as,
    userinfo,
};
use latchkey_core::admin::{Actor, accounts};
use latchkey_core::ids::ClientId;
use latchkey_core::model::CredentialKind;
use serde_json::Value;

async fn tokens(a: &App) -> (Browser, Value) {
    let (b, code) = code_for(a, "openid offline_access").await;
    let t: Value = exchange(a, &code, Some(VERIFIER))
        .await
        .json()
        .await
        .unwrap();
    (b, t)
}

async fn refresh(a: &App, rt: &str) -> reqwest::Response {
    token_as(
        a,
        &a.client,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await
}

#[tokio::test]
async fn sec_25_disabling_a_user_revokes_their_tokens_and_sessions() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (mut b, t) = tokens(&a).await;
    accounts::set_user_disabled(&a.s.ctx(), &Actor::Operator, &a.email, true)
        .await
        .unwrap();
    assert_eq!(
        userinfo(&a, t["access_token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    let r = refresh(&a, t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    // The session ended: authorize asks to sign in, and signing in is refused.
    let r = b.get(&authorize_url(&a, "openid", "")).await;
    let login = location(&r);
    assert!(login.starts_with("/login"));
    let html = b.get(&login).await.text().await.unwrap();
    let (csrf, ar) = (
        crate::browser::hidden(&html, "csrf"),
        crate::browser::hidden(&html, "ar"),
    );
    let r = b
        .post(
            "/login",
            &[
                ("username", &a.email),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("ar", &ar),
            ],
        )
        .await;
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
    let (_, t) = tokens(&a).await;
    accounts::set_password(
        &a.s.ctx(),
        &Actor::Operator,
        &a.email,
        "a brand new password",
    )
    .await
    .unwrap();
    assert_eq!(
        refresh(&a, t["refresh_token"].as_str().unwrap())
            .await
            .status(),
        400
    );
    assert_eq!(
        userinfo(&a, t["access_token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    let mut b = Browser::new(&a.s.url);
    let r = b.get(&authorize_url(&a, "openid", "")).await;
    let html = b.get(&location(&r)).await.text().await.unwrap();
    let (csrf, ar) = (
        crate::browser::hidden(&html, "csrf"),
        crate::browser::hidden(&html, "ar"),
    );
    let r = b
        .post(
            "/login",
            &[
                ("username", &a.email),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("ar", &ar),
            ],
        )
        .await;
    assert_eq!(r.status(), 401, "the old password no longer works");
    let r = b
        .post(
            "/login",
            &[
                ("username", &a.email),
                ("password", "a brand new password"),
                ("csrf", &csrf),
                ("ar", &ar),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn sec_25_disabling_a_client_kills_its_tokens() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens(&a).await;
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
    assert_eq!(
        userinfo(&a, t["access_token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    let r = refresh(&a, t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        r.status(),
        401,
        "a disabled client cannot even authenticate"
    );
    let v: Value =
        a.s.http()
            .post(format!("{}/ims/validate_token/v1", a.s.url))
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
    assert_eq!(
        refresh(&a, t["refresh_token"].as_str().unwrap())
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn sec_25_refresh_tokens_have_an_idle_timeout_and_an_absolute_lifetime() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens(&a).await;
    // Idle: unused for 14 days, a refresh token is dead.
    a.s.clock.advance_secs(14 * 86_400 + 1);
    assert_eq!(
        refresh(&a, t["refresh_token"].as_str().unwrap())
            .await
            .status(),
        400
    );
    // Absolute: used every 13 days, the chain still ends 90 days after the sign-in.
    let (_, t) = tokens(&a).await;
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
            assert_eq!(r.status(), 400, "day {days}: past the absolute lifetime");
            break;
        }
    }
}

#[test]
fn sec_25_lifecycle_commands_work_from_the_cli() {
    let env = crate::support::Env::new();
    let org = env.cli_json(&["org", "create", "--name", "Acme", "--json"]);
    let org_id = org["id"].as_str().unwrap();
    env.cli_json(&[
        "user",
        "create",
        "--org",
        org_id,
        "--email",
        "eve@acme.example",
        "--password",
        "long enough",
        "--json",
    ]);
    let d = env.cli_json(&["user", "disable", "--user", "eve@acme.example", "--json"]);
    assert_eq!(d["disabled"], true);
    env.cli_json(&[
        "user",
        "set-password",
        "--user",
        "EVE@acme.example",
        "--password",
        "another one!",
        "--json",
    ]);
    let err = env.cli_fails(&[
        "user",
        "set-password",
        "--user",
        "eve@acme.example",
        "--password",
        "short",
        "--json",
    ]);
    assert!(err.contains("password must be"), "{err}");
    assert!(
        env.cli_fails(&["user", "disable", "--user", "nobody@acme.example"])
            .contains("not found")
    );
    let p = env.cli_json(&[
        "project", "create", "--org", org_id, "--name", "P", "--json",
    ]);
    let c = env.cli_json(&[
        "credential",
        "create",
        "--project",
        p["id"].as_str().unwrap(),
        "--kind",
        "server_to_server",
        "--json",
    ]);
    let d = env.cli_json(&[
        "credential",
        "disable",
        "--client-id",
        c["client_id"].as_str().unwrap(),
        "--json",
    ]);
    assert_eq!(d["disabled"], true);
}
