//! What a person's access token opens: `/oauth2/userinfo` (NEG-11, NEG-12, CONF-05), the
//! IMS profile and organizations, and the tokens that are not access tokens (FUZZ-19).
//! Which claims each scope releases is CONF-07 in `conformance`; the profile's scope rules
//! are finding 3 in `security_review`.

use latchkey_core::model::CredentialKind;
use latchkey_testkit::assert_oauth_error;
use latchkey_testkit::flow::{app, tokens_for, userinfo};
use serde_json::Value;

#[tokio::test]
async fn neg_11_12_userinfo_needs_a_live_token_with_openid() {
    let a = app(CredentialKind::OAuthWeb).await;
    for r in [
        a.s.get("/oauth2/userinfo").send().await.unwrap(),
        a.s.get("/oauth2/userinfo")
            .bearer_auth("garbage")
            .send()
            .await
            .unwrap(),
    ] {
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        assert_oauth_error(r, 401, "invalid_token").await;
    }
    let (_, t) = tokens_for(&a, "email").await;
    let r = userinfo(&a, t["access_token"].as_str().unwrap()).await;
    assert_oauth_error(r, 403, "insufficient_scope").await;
}

#[tokio::test]
async fn fuzz_19_id_and_refresh_tokens_are_not_access_tokens() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens_for(&a, "openid offline_access").await;
    for not_access in [
        t["id_token"].as_str().unwrap(),
        t["refresh_token"].as_str().unwrap(),
    ] {
        assert_oauth_error(userinfo(&a, not_access).await, 401, "invalid_token").await;
        let v: Value =
            a.s.post("/ims/validate_token/v1")
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
        a.s.get(&format!(
            "/oauth2/userinfo?access_token={}",
            t["access_token"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_oauth_error(r, 400, "invalid_request").await;
    // CONF-05: POST with the token in the body works.
    let r =
        a.s.post("/oauth2/userinfo")
            .form(&[("access_token", t["access_token"].as_str().unwrap())])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn profile_and_organizations_report_the_users_orgs() {
    let a = app(CredentialKind::OAuthWeb).await;
    let (_, t) = tokens_for(&a, "openid profile read_organizations").await;
    let at = t["access_token"].as_str().unwrap();
    let p: Value =
        a.s.get("/ims/profile/v1")
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
        a.s.get("/ims/organizations/v6")
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
