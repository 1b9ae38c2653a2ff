//! The front door at `/` (Developer Console issue, first part) and API keys that work:
//! a resource server checks an `x-api-key` at `/ims/check_api_key/v1`.

use latchkey_core::admin::{self, Actor};
use latchkey_core::ids::{ClientId, ProjectId};
use latchkey_core::model::CredentialKind;
use latchkey_testkit::TestServer;
use latchkey_testkit::browser::Browser;
use latchkey_testkit::flow::{app, authorize_url, sign_in};
use serde_json::Value;

/// The `href`s of a page's links.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&#x2f;", "/").replace("&amp;", "&"))
        .collect()
}

#[tokio::test]
async fn the_front_door_links_to_pages_that_exist() {
    let a = app(CredentialKind::OAuthWeb).await;
    let mut b = Browser::new(&a.s.url);
    let r = b.get("/").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-frame-options"], "DENY", "SEC-33");
    let html = r.text().await.unwrap();
    assert!(html.contains("Latchkey identity server"), "{html}");
    let hrefs = links(&html);
    for wanted in [
        "/login?return_to=/account/connected-applications",
        "/account/connected-applications",
        "/.well-known/openid-configuration",
        "/ims/keys",
    ] {
        assert!(
            hrefs.iter().any(|h| h == wanted),
            "{wanted} not in {hrefs:?}"
        );
    }
    for href in &hrefs {
        let status = b.get(href).await.status().as_u16();
        assert!(status == 200 || status == 303, "{href} answers {status}");
    }
    // Signed in, it says who, and offers no sign-in link.
    sign_in(&a, &mut b, &authorize_url(&a, "openid", "")).await;
    let html = b.get("/").await.text().await.unwrap();
    assert!(html.contains(&a.email));
    assert!(!links(&html).iter().any(|h| h.starts_with("/login")));
}

async fn check(s: &TestServer, key: Option<&str>, api: &str) -> (u16, Value) {
    let mut rq = s.get(&format!("/ims/check_api_key/v1?api={api}"));
    if let Some(k) = key {
        rq = rq.header("x-api-key", k);
    }
    let r = rq.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn an_api_key_is_good_for_the_apis_of_its_project_while_enabled() {
    let s = TestServer::start().await;
    let key = s.credential(CredentialKind::ApiKey).await;
    // Every catalog API is in the test kit's project.
    let (status, ok) = check(&s, Some(&key.client_id), "firefly").await;
    assert_eq!(status, 200);
    assert_eq!(ok["valid"], true, "{ok}");
    assert_eq!(ok["client_id"], key.client_id.as_str());
    assert_eq!(ok["kind"], "api_key");
    assert_eq!(ok["org"], key.org_id.as_str());
    assert_eq!(ok["api"], "firefly");

    // A project without the API.
    let ctx = s.ctx();
    let bare = admin::create_project(&ctx, &latchkey_core::ids::OrgId(key.org_id.clone()), "Bare")
        .await
        .unwrap();
    let other = admin::create_credential(
        &ctx,
        &Actor::Operator,
        admin::NewCredential {
            project: &ProjectId(bare.id.0.clone()),
            kind: CredentialKind::ApiKey,
            name: Some("Bare key"),
            redirect_uris: &[],
            certificate_pem: None,
            profiles: &[],
        },
    )
    .await
    .unwrap();
    let (_, no) = check(&s, Some(&other.credential.client_id.0), "firefly").await;
    assert_eq!(
        no,
        serde_json::json!({"valid": false, "reason": "the api key's project does not have this API"})
    );
    s.add_api(&bare.id.0, "firefly").await;
    assert_eq!(
        check(&s, Some(&other.credential.client_id.0), "firefly")
            .await
            .1["valid"],
        true
    );

    // Unknown keys and disabled credentials are not valid; the answer names no org.
    let (_, unknown) = check(&s, Some("0123456789abcdef0123456789abcdef"), "firefly").await;
    assert_eq!(
        unknown,
        serde_json::json!({"valid": false, "reason": "unknown api key"})
    );
    admin::accounts::set_credential_disabled(
        &ctx,
        &Actor::Operator,
        &ClientId(key.client_id.clone()),
        true,
    )
    .await
    .unwrap();
    let (_, disabled) = check(&s, Some(&key.client_id), "firefly").await;
    assert_eq!(disabled["valid"], false);
    assert!(disabled.get("org").is_none());

    // Bad requests are OAuth errors.
    let (status, e) = check(&s, None, "firefly").await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let r = s
        .get("/ims/check_api_key/v1")
        .header("x-api-key", key.client_id.as_str())
        .send()
        .await
        .unwrap();
    latchkey_testkit::assert_oauth_error(r, 400, "invalid_request").await;
}
