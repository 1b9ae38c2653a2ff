//! The writing half of the console API (docs/console-contract.md §6 tiers 1–2): projects,
//! credentials of every kind the console creates, secrets (§3.7), services with product
//! profiles as `licenseConfigs` (§3.5) and the workspace download (§3.6); the console
//! session as a way in (SEC-34); and the OpenAPI document of everything served.

use latchkey_core::admin::{self, Actor, NewUser, products};
use latchkey_core::ids::{OrgId, UserId};
use latchkey_core::model::{CredentialKind, Membership, OrgRole};
use latchkey_testkit::TestServer;
use latchkey_testkit::browser::{Browser, hidden};
use serde_json::{Value, json};

pub async fn person(s: &TestServer, org: &str, email: &str, role: OrgRole) -> UserId {
    admin::create_user(
        &s.ctx(),
        NewUser {
            org: &OrgId(org.to_owned()),
            email,
            password: "password-123",
            role,
            given_name: None,
            family_name: None,
            country: None,
        },
    )
    .await
    .unwrap()
    .id
}

/// A console API call as `@adobe/aio-lib-console` makes it: JSON content type, bearer
/// token, API key.
pub async fn call(
    s: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut rq = s
        .http()
        .request(m, format!("{}{path}", s.url))
        .header("content-type", "application/json");
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    if let Some(k) = key {
        rq = rq.header("x-api-key", k);
    }
    if let Some(b) = body {
        rq = rq.body(b.to_string());
    }
    let r = rq.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn digits(v: &Value, n: usize) -> String {
    let s = v.as_str().unwrap_or_default().to_owned();
    assert!(
        s.len() == n && s.bytes().all(|b| b.is_ascii_digit()),
        "{v} is not {n} digits"
    );
    s
}

const ALL_SCOPES: &str = "openid,adobeio_api,read_client_secret,manage_client_secrets";

#[tokio::test]
async fn console_api_creates_projects_credentials_secrets_and_subscriptions() {
    let s = TestServer::start().await;
    let app = s.credential(CredentialKind::OAuthWeb).await;
    let org_id = OrgId(app.org_id.clone());
    let admin_id = person(&s, &app.org_id, "admin@acme.example", OrgRole::SystemAdmin).await;
    let token = s.person_token(&app.client_id, &admin_id, ALL_SCOPES);
    let (t, key) = (Some(token.as_str()), Some(app.client_id.as_str()));
    let ctx = s.ctx();
    let instance = products::create_instance(&ctx, &Actor::Operator, &org_id, "Workfront", None)
        .await
        .unwrap();
    let profile = products::create_profile(&ctx, &Actor::Operator, &instance.id, "WF users")
        .await
        .unwrap();

    let (_, orgs) = call(&s, "GET", "/console/organizations", t, key, None).await;
    let o = format!("/console/organizations/{}", digits(&orgs[0]["id"], 8));
    let org_number = digits(&orgs[0]["id"], 8);

    // Projects: create (201), bad bodies (400), rename, a second workspace (400).
    let (status, created) = call(
        &s,
        "POST",
        &format!("{o}/projects"),
        t,
        key,
        Some(json!({"name": "Journey", "title": "Journey", "type": "default"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["projectType"], "default");
    let p = format!("{o}/projects/{}", digits(&created["projectId"], 19));
    let ws_number = digits(&created["workspaceId"], 19);
    let w = format!("{p}/workspaces/{ws_number}");
    for bad in [
        json!({"name": "x", "type": "firefly"}),
        json!({"type": "default"}),
        json!([1]),
    ] {
        let (status, body) = call(&s, "POST", &format!("{o}/projects"), t, key, Some(bad)).await;
        assert_eq!(
            (status, body["error_code"].as_str()),
            (400, Some("BAD_REQUEST"))
        );
    }
    let (status, _) = call(&s, "POST", &format!("{o}/projects"), t, key, None).await;
    assert_eq!(status, 400, "no body");
    // Paths and queries that do not parse get the console's 400 too.
    for bad in [
        "/console/organizations/%FF%FE/projects".to_owned(),
        format!("{o}/services?sdkCodes=a&sdkCodes=b"),
    ] {
        let (status, body) = call(&s, "GET", &bad, t, key, None).await;
        assert_eq!(
            (status, body["error_code"].as_str()),
            (400, Some("BAD_REQUEST")),
            "{bad}"
        );
    }
    let (status, edited) = call(
        &s,
        "PATCH",
        &p,
        t,
        key,
        Some(json!({"name": "Journey Two"})),
    )
    .await;
    assert_eq!(
        (status, edited["name"].as_str()),
        (200, Some("Journey Two"))
    );
    assert_eq!(
        call(&s, "GET", &p, t, key, None).await.1["name"],
        "Journey Two"
    );
    let (status, body) = call(
        &s,
        "POST",
        &format!("{p}/workspaces"),
        t,
        key,
        Some(json!({"name": "Stage"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Only one workspace")
    );
    assert_eq!(
        call(&s, "GET", &format!("{p}/workspaces"), t, key, None)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Credentials of each kind the console creates.
    let (status, s2s) = call(
        &s,
        "POST",
        &format!("{w}/credentials/oauth-server-to-server"),
        t,
        key,
        Some(json!({"name": "Journey S2S", "description": "d"})),
    )
    .await;
    assert_eq!(status, 200, "{s2s}");
    let s2s_id = digits(&s2s["id"], 8);
    let s2s_key = s2s["apiKey"].as_str().unwrap().to_owned();
    assert_eq!(
        (s2s["orgId"].as_str(), s2s_key.len()),
        (Some(org_number.as_str()), 32)
    );
    assert!(s2s["technicalAccountId"].as_str().unwrap().contains('@'));
    assert!(s2s.get("clientSecret").is_none() && !s2s.to_string().contains("secret"));
    let web_body = json!({"name": "Journey Web", "description": "d", "platform": "WebApp",
        "redirectUriList": ["https://journey.example/cb"], "defaultRedirectUri": "https://journey.example/cb"});
    let (status, web) = call(
        &s,
        "POST",
        &format!("{w}/credentials/adobeId"),
        t,
        key,
        Some(web_body),
    )
    .await;
    assert_eq!(status, 200, "{web}");
    assert!(web.get("technicalAccountId").is_none());
    let (status, apikey) = call(&s, "POST", &format!("{w}/credentials/adobeId"), t, key,
        Some(json!({"name": "Journey Key", "platform": "apiKey", "defaultRedirectUri": "https://x.example"}))).await;
    assert_eq!(status, 200, "{apikey}");
    for bad in [
        json!({"name": "n", "platform": "Bogus", "defaultRedirectUri": "https://x.example"}),
        json!({"name": "n", "platform": "WebApp", "defaultRedirectUri": "javascript:alert(1)"}),
        json!({"name": "n", "platform": "WebApp"}),
    ] {
        let (status, body) = call(
            &s,
            "POST",
            &format!("{w}/credentials/adobeId"),
            t,
            key,
            Some(bad),
        )
        .await;
        assert_eq!(status, 400, "{body}");
    }
    let (_, listed) = call(&s, "GET", &format!("{w}/credentials"), t, key, None).await;
    let mut types: Vec<(String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["id_workspace"], ws_number.as_str());
            (
                c["flow_type"].as_str().unwrap().into(),
                c["integration_type"].as_str().unwrap().into(),
            )
        })
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            ("adobeid".into(), "apikey".into()),
            ("adobeid".into(), "oauthwebapp".into()),
            ("entp".into(), "oauth_server_to_server".into())
        ]
    );
    let (status, integ) = call(
        &s,
        "GET",
        &format!("{o}/integrations/{s2s_id}"),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(
        (status, integ["type"].as_str(), integ["apiKey"].as_str()),
        (200, Some("entp"), Some(s2s_key.as_str()))
    );
    assert_eq!(integ["sdkList"], json!([]));
    let (_, where_) = call(
        &s,
        "GET",
        &format!("{o}/projects_workspaces/credentials/{s2s_id}"),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(where_["workspaceId"], ws_number.as_str());
    let (_, where_ws) = call(
        &s,
        "GET",
        &format!("{o}/projects_workspaces/workspaces/{ws_number}"),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(where_ws, where_);

    // Services: the catalog with the org's profiles; subscribe with a profile.
    let (_, services) = call(&s, "GET", &format!("{o}/services"), t, key, None).await;
    let wf = services
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "WorkfrontSDK")
        .unwrap()
        .clone();
    assert_eq!(
        wf["properties"]["licenseConfigs"][0]["id"],
        profile.id.as_str()
    );
    assert!(
        services
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "AdobeIOManagementAPISDK")
    );
    let (_, only) = call(
        &s,
        "GET",
        &format!("{o}/services?sdkCodes=WorkfrontSDK"),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(only.as_array().unwrap().len(), 1);
    let (status, v2) = call(
        &s,
        "GET",
        &format!(
            "/console/organizations/{}/services/v2?sdkCodes=WorkfrontSDK",
            app.org_id
        ),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(
        (status, v2["orgCode"].as_str(), v2["sdkCodes"].as_str()),
        (200, Some(app.org_id.as_str()), Some("WorkfrontSDK"))
    );
    assert_eq!(v2["services"], only);
    let subscribe = format!("{w}/credentials/oauth_server_to_server/{s2s_id}/services");
    let (status, body) = call(
        &s,
        "PUT",
        &subscribe,
        t,
        key,
        Some(json!([{"sdkCode": "NoSuchSDK", "roles": null, "licenseConfigs": null}])),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = call(
        &s,
        "PUT",
        &subscribe,
        t,
        key,
        Some(json!([{"sdkCode": "WorkfrontSDK", "roles": null,
        "licenseConfigs": [{"op": "add", "id": profile.id, "productId": instance.id}]}])),
    )
    .await;
    assert_eq!(
        (status, &body),
        (200, &json!({"sdkList": ["WorkfrontSDK"]}))
    );
    let tech = UserId(s2s["technicalAccountId"].as_str().unwrap().to_owned());
    let members = s.state.store.profile_members(&profile.id).await.unwrap();
    assert!(
        members.iter().any(|m| m.user_id == tech),
        "the technical account joined the profile"
    );
    let (_, integ) = call(
        &s,
        "GET",
        &format!("{o}/integrations/{s2s_id}"),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(
        integ["serviceProperties"][0]["licenseConfigs"][0]["id"],
        profile.id.as_str()
    );
    let (status, props) = call(
        &s,
        "GET",
        &format!("{o}/integrations/entp/{s2s_id}/service/WorkfrontSDK/properties"),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(
        (status, props["licenseConfigs"][0]["id"].as_str()),
        (200, Some(profile.id.as_str()))
    );
    // The web credential cannot take a profile: it has no technical account.
    let web_id = digits(&web["id"], 8);
    let (status, _) = call(&s, "PUT", &format!("{w}/credentials/adobeid/{web_id}/services"), t, key,
        Some(json!([{"sdkCode": "WorkfrontSDK", "licenseConfigs": [{"op": "add", "id": profile.id}]}]))).await;
    assert_eq!(status, 400);

    // A body too long to be a real one is refused before any look-up.
    let many: Vec<Value> = (0..101)
        .map(|_| json!({"sdkCode": "WorkfrontSDK"}))
        .collect();
    let (status, body) = call(&s, "PUT", &subscribe, t, key, Some(Value::Array(many))).await;
    assert_eq!(status, 400, "{body}");
    // A credential of another project of the org is not in this workspace.
    let (_, projects) = call(&s, "GET", &format!("{o}/projects"), t, key, None).await;
    let test_project = projects
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Test Project")
        .unwrap();
    let (_, their_ws) = call(
        &s,
        "GET",
        &format!(
            "{o}/projects/{}/workspaces",
            test_project["id"].as_str().unwrap()
        ),
        t,
        key,
        None,
    )
    .await;
    let (_, theirs) = call(
        &s,
        "GET",
        &format!(
            "{o}/projects/{}/workspaces/{}/credentials",
            test_project["id"].as_str().unwrap(),
            their_ws[0]["id"].as_str().unwrap()
        ),
        t,
        key,
        None,
    )
    .await;
    let their_cred = theirs[0]["id_integration"].as_str().unwrap().to_owned();
    assert_eq!(
        call(
            &s,
            "DELETE",
            &format!("{w}/credentials/{their_cred}"),
            t,
            key,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(
            &s,
            "PUT",
            &format!("{w}/credentials/adobeid/{their_cred}/services"),
            t,
            key,
            Some(json!([]))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(
            &s,
            "GET",
            &format!("{o}/integrations/{their_cred}"),
            t,
            key,
            None
        )
        .await
        .0,
        200,
        "still there"
    );

    // Secrets: one after creation; a second shown once; a third refused; delete.
    let secrets = format!("{o}/credentials/{s2s_id}/secrets");
    let (status, listed) = call(&s, "GET", &secrets, t, key, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            listed["client_id"].as_str(),
            listed["client_secrets"].as_array().unwrap().len()
        ),
        (Some(s2s_key.as_str()), 1)
    );
    assert!(!listed.to_string().contains("\"client_secret\""));
    let first = listed["client_secrets"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, added) = call(&s, "POST", &secrets, t, key, None).await;
    assert_eq!(status, 201, "{added}");
    let secret = added["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(added["expires_at"], "PERMANENT");
    assert!(added["created_at_str"].as_str().unwrap().ends_with(" UTC"));
    let (status, third) = call(&s, "POST", &secrets, t, key, None).await;
    assert_eq!(
        (status, third["error_code"].as_str()),
        (409, Some("CONFLICT"))
    );
    let (_, by_integration) = call(
        &s,
        "GET",
        &format!("{o}/integrations/{s2s_id}/secrets"),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(
        by_integration["client_secrets"].as_array().unwrap().len(),
        2
    );
    assert!(!by_integration.to_string().contains(&secret));
    // A secret's use shows in its secret_usages; an unused one has none.
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s2s_key),
                ("client_secret", &secret),
                ("scope", "openid"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, used) = call(&s, "GET", &secrets, t, key, None).await;
    let usages: Vec<&Value> = used["client_secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["secret_usages"])
        .collect();
    assert_eq!(usages.iter().filter(|u| u.is_null()).count(), 1, "{used}");
    let usage = usages.iter().find(|u| !u.is_null()).unwrap();
    assert!(
        usage[0]["last_used_at"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .is_ok()
    );
    let (status, _) = call(&s, "DELETE", &format!("{secrets}/{first}"), t, key, None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&s, "DELETE", &format!("{secrets}/{first}"), t, key, None).await;
    assert_eq!(status, 404, "already gone");
    let (status, _) = call(
        &s,
        "DELETE",
        &format!("{secrets}/{}", added["uuid"].as_str().unwrap()),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(status, 409, "the last secret stays");
    // The new secret works at the token endpoint, with the subscribed API's scope.
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s2s_key),
                ("client_secret", &secret),
                ("scope", "openid,workfront.read"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    // The secrets need their scopes in a bearer token.
    let narrow = s.person_token(&app.client_id, &admin_id, "openid,adobeio_api");
    assert_eq!(
        call(&s, "GET", &secrets, Some(&narrow), key, None).await.0,
        403
    );
    assert_eq!(
        call(&s, "POST", &secrets, Some(&narrow), key, None).await.0,
        403
    );

    // Taking the profile off keeps the service.
    let (status, body) = call(&s, "PUT", &format!("{o}/credentials/oauth-server-to-server/{s2s_id}/services"), t, key,
        Some(json!([{"sdkCode": "WorkfrontSDK", "licenseConfigs": [{"op": "remove", "id": profile.id}]}]))).await;
    assert_eq!((status, &body["sdkList"]), (200, &json!(["WorkfrontSDK"])));
    let members = s.state.store.profile_members(&profile.id).await.unwrap();
    assert!(!members.iter().any(|m| m.user_id == tech));

    // The download: Adobe's shape, no secret anywhere.
    let (status, file) = call(&s, "GET", &format!("{w}/download"), t, key, None).await;
    assert_eq!(status, 200, "{file}");
    let project = &file["project"];
    assert_eq!(project["name"], "JourneyTwo");
    assert_eq!(project["org"]["ims_org_id"], app.org_id.as_str());
    assert_eq!(project["workspace"]["id"], ws_number.as_str());
    assert!(
        project["workspace"]["action_url"]
            .as_str()
            .unwrap()
            .starts_with("http")
    );
    let creds = project["workspace"]["details"]["credentials"]
        .as_array()
        .unwrap();
    assert_eq!(creds.len(), 3);
    for c in creds {
        let shapes = ["oauth2", "api_key", "jwt", "oauth_server_to_server"]
            .iter()
            .filter(|k| c.get(**k).is_some())
            .count();
        assert_eq!(shapes, 1, "{c}");
    }
    assert!(!file.to_string().contains(&secret));
    assert_eq!(
        project["workspace"]["details"]["services"][0]["code"],
        "WorkfrontSDK"
    );

    // Devterms, by number and by IMS org code.
    let (status, terms) = call(
        &s,
        "GET",
        &format!("/console/services/ims/organizations/{org_number}/terms"),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(
        (status, terms),
        (200, json!({"accepted": true, "current": true}))
    );
    let (status, _) = call(
        &s,
        "POST",
        &format!("/console/services/ims/organizations/{}/terms", app.org_id),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(status, 200);

    // Deleting: not while credentials remain; then the credentials, then the project.
    assert_eq!(call(&s, "DELETE", &p, t, key, None).await.0, 409);
    for c in [&s2s, &web, &apikey] {
        let id = c["id"].as_str().unwrap();
        assert_eq!(
            call(&s, "DELETE", &format!("{w}/credentials/{id}"), t, key, None)
                .await
                .0,
            200
        );
        assert_eq!(
            call(&s, "GET", &format!("{o}/integrations/{id}"), t, key, None)
                .await
                .0,
            404
        );
    }
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s2s_key),
                ("client_secret", &secret),
                ("scope", "openid"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        401,
        "a deleted credential's secret no longer works"
    );
    assert_eq!(call(&s, "DELETE", &p, t, key, None).await.0, 200);
    assert_eq!(call(&s, "GET", &p, t, key, None).await.0, 404);
}

/// SEC-34: the console pages' own calls ride the session cookie, and every change needs
/// the page's CSRF token in `x-csrf-token`.
#[tokio::test]
async fn sec_34_console_session_callers_need_the_csrf_token_to_change_anything() {
    let a = latchkey_testkit::flow::app(CredentialKind::OAuthWeb).await;
    let s = &a.s;
    let mut b = Browser::new(&s.url);
    let url = latchkey_testkit::flow::authorize_url(&a, "openid", "");
    latchkey_testkit::flow::sign_in(&a, &mut b, &url).await;
    let user = s
        .state
        .store
        .find_user_by_email(&a.email)
        .await
        .unwrap()
        .unwrap();
    s.state
        .store
        .set_membership(&Membership {
            org_id: OrgId(a.client.org_id.clone()),
            user_id: user.id.clone(),
            role: OrgRole::Developer,
        })
        .await
        .unwrap();
    let page = b
        .get(latchkey_http::account::PATH)
        .await
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf");
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let send = |method: &str, path: &str, csrf: Option<&str>, body: Option<Value>| {
        let mut rq = s
            .http()
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", s.url),
            )
            .header("cookie", &cookies)
            .header("content-type", "application/json");
        if let Some(c) = csrf {
            rq = rq.header("x-csrf-token", c);
        }
        if let Some(b) = body {
            rq = rq.body(b.to_string());
        }
        async move {
            let r = rq.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // Reads need no API key and no CSRF token.
    let (status, orgs) = send("GET", "/console/organizations", None, None).await;
    assert_eq!(status, 200, "{orgs}");
    let projects = format!(
        "/console/organizations/{}/projects",
        orgs[0]["id"].as_str().unwrap()
    );
    let new = json!({"name": "From the page", "type": "default"});
    let (status, body) = send("POST", &projects, None, Some(new.clone())).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (403, Some("FORBIDDEN"))
    );
    let (status, _) = send(
        "POST",
        &projects,
        Some("forged-forged-forged-forged"),
        Some(new.clone()),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        send("GET", &projects, None, None)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing created"
    );
    let (status, created) = send("POST", &projects, Some(&csrf), Some(new)).await;
    assert_eq!(status, 201, "{created}");
    // Without the cookie, the same request is anonymous.
    let (status, _) = call(s, "GET", "/console/organizations", None, None, None).await;
    assert_eq!(status, 401);
}

/// The OpenAPI document at `/console/api/openapi.json` lists exactly what is served:
/// every documented operation is routed (none falls to the router's 404 or 405), and
/// every console path of docs/console-contract.md that Latchkey serves is documented.
#[tokio::test]
async fn the_openapi_document_matches_what_is_served() {
    let s = TestServer::start().await;
    let (status, doc) = call(&s, "GET", "/console/api/openapi.json", None, None, None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    let mut served = Vec::new();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            served.push(format!("{} {path}", method.to_uppercase()));
            let concrete: String = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "12345678"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let (status, body) =
                call(&s, &method.to_uppercase(), &concrete, None, None, None).await;
            assert_ne!(status, 405, "{method} {path}");
            assert!(
                body.get("error_code").is_some()
                    || body.get("error").is_some_and(|e| e != "not_found")
                    || status == 200,
                "{method} {path} is documented but not routed: {status} {body}"
            );
        }
    }
    let o = "/console/organizations/{orgId}";
    let w = format!("{o}/projects/{{projectId}}/workspaces/{{workspaceId}}");
    let expected = [
        "GET /console/organizations".to_owned(),
        format!("GET {o}/projects"),
        format!("POST {o}/projects"),
        format!("GET {o}/projects/{{projectId}}"),
        format!("PATCH {o}/projects/{{projectId}}"),
        format!("DELETE {o}/projects/{{projectId}}"),
        format!("GET {o}/projects/{{projectId}}/workspaces"),
        format!("POST {o}/projects/{{projectId}}/workspaces"),
        format!("GET {w}"),
        format!("GET {w}/download"),
        format!("GET {w}/credentials"),
        format!("POST {w}/credentials/oauth-server-to-server"),
        format!("POST {w}/credentials/adobeId"),
        format!("POST {w}/credentials/entp"),
        format!("DELETE {w}/credentials/{{credentialId}}"),
        format!("PUT {w}/credentials/{{credentialType}}/{{credentialId}}/services"),
        format!("PUT {o}/credentials/oauth-server-to-server/{{credentialId}}/services"),
        format!("GET {o}/credentials/{{credentialId}}/secrets"),
        format!("POST {o}/credentials/{{credentialId}}/secrets"),
        format!("DELETE {o}/credentials/{{credentialId}}/secrets/{{secretId}}"),
        format!("GET {o}/integrations/{{credentialId}}"),
        format!("GET {o}/integrations/{{credentialId}}/secrets"),
        format!("GET {o}/integrations/entp/{{credentialId}}/service/{{sdkCode}}/properties"),
        format!("GET {o}/projects_workspaces/credentials/{{credentialId}}"),
        format!("GET {o}/projects_workspaces/workspaces/{{workspaceId}}"),
        format!("GET {o}/services"),
        format!("GET {o}/services/v2"),
        "GET /console/services/ims/organizations/{orgId}/terms".to_owned(),
        "POST /console/services/ims/organizations/{orgId}/terms".to_owned(),
        "GET /console/services/ims/terms".to_owned(),
        "POST /console/api/credentials/{client_id}/convert".to_owned(),
        "GET /console/api/openapi.json".to_owned(),
        // Latchkey's own Admin Console paths.
        "GET /console/api/organizations/{orgId}/users".to_owned(),
        "POST /console/api/organizations/{orgId}/users".to_owned(),
        "GET /console/api/organizations/{orgId}/users/{userId}".to_owned(),
        "PATCH /console/api/organizations/{orgId}/users/{userId}".to_owned(),
        "DELETE /console/api/organizations/{orgId}/users/{userId}".to_owned(),
        "POST /console/api/organizations/{orgId}/users/{userId}/invitation".to_owned(),
        "GET /console/api/organizations/{orgId}/settings".to_owned(),
        "GET /console/api/organizations/{orgId}/audit".to_owned(),
        "GET /console/api/projects/{projectId}/event-subscriptions".to_owned(),
        "POST /console/api/projects/{projectId}/event-subscriptions".to_owned(),
        "DELETE /console/api/event-subscriptions/{subscriptionId}".to_owned(),
        "GET /console/api/event-subscriptions/{subscriptionId}/deliveries".to_owned(),
        "POST /console/api/event-subscriptions/{subscriptionId}/deliveries/{deliveryId}/redeliver"
            .to_owned(),
        "PATCH /console/api/organizations/{orgId}/settings".to_owned(),
        "GET /console/api/product-instances/{instanceId}".to_owned(),
        "POST /console/api/product-instances/{instanceId}/profiles".to_owned(),
        "PATCH /console/api/product-profiles/{profileId}".to_owned(),
        "DELETE /console/api/product-profiles/{profileId}".to_owned(),
        "PUT /console/api/product-profiles/{profileId}/members/{userId}".to_owned(),
        "DELETE /console/api/product-profiles/{profileId}/members/{userId}".to_owned(),
    ];
    let mut want: Vec<String> = expected.to_vec();
    want.sort();
    served.sort();
    assert_eq!(served, want);
    // A method the document does not list for a path is not served.
    let (status, body) = call(&s, "PUT", "/console/organizations", None, None, None).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (405, Some("METHOD_NOT_ALLOWED"))
    );
}

/// A console API call with a multipart body, as `createEnterpriseCredential` sends it.
pub async fn call_form(
    s: &TestServer,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    certificate: &str,
) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .part(
            "certificate",
            reqwest::multipart::Part::text(certificate.to_owned()).file_name("certificate"),
        )
        .text("name", "Journey JWT")
        .text("description", "made by the test");
    let mut rq = s.http().post(format!("{}{path}", s.url)).multipart(form);
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    if let Some(k) = key {
        rq = rq.header("x-api-key", k);
    }
    let r = rq.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `POST W/credentials/entp`: a Service Account (JWT) credential for an uploaded
/// certificate, which then exchanges a JWT signed with the matching key at IMS.
#[tokio::test]
async fn console_api_creates_a_service_account_from_a_certificate() {
    use crate::helpers::{RSA_CERT, Sa, ims_claims, ims_exchange, rs256};
    let s = TestServer::start().await;
    let app = s.credential(CredentialKind::OAuthWeb).await;
    let admin_id = person(&s, &app.org_id, "admin@acme.example", OrgRole::SystemAdmin).await;
    let token = s.person_token(&app.client_id, &admin_id, ALL_SCOPES);
    let (t, key) = (Some(token.as_str()), Some(app.client_id.as_str()));
    let (_, orgs) = call(&s, "GET", "/console/organizations", t, key, None).await;
    let o = format!("/console/organizations/{}", digits(&orgs[0]["id"], 8));
    let (status, created) = call(
        &s,
        "POST",
        &format!("{o}/projects"),
        t,
        key,
        Some(json!({"name": "Jwt", "type": "default"})),
    )
    .await;
    assert_eq!(status, 201);
    let w = format!(
        "{o}/projects/{}/workspaces/{}",
        created["projectId"].as_str().unwrap(),
        created["workspaceId"].as_str().unwrap()
    );
    let entp = format!("{w}/credentials/entp");
    assert_eq!(
        call_form(&s, &entp, t, key, "not a certificate").await.0,
        400
    );
    let (status, body) = call(&s, "POST", &entp, t, key, Some(json!({"name": "x"}))).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (400, Some("BAD_REQUEST"))
    );
    let (status, cred) = call_form(&s, &entp, t, key, RSA_CERT).await;
    assert_eq!(status, 200, "{cred}");
    let id = digits(&cred["id"], 8);
    let (_, listed) = call(&s, "GET", &format!("{w}/credentials"), t, key, None).await;
    assert_eq!(
        (
            listed[0]["flow_type"].as_str(),
            listed[0]["integration_type"].as_str()
        ),
        (Some("entp"), Some("service"))
    );
    let (status, subscribed) = call(
        &s,
        "PUT",
        &format!("{w}/credentials/entp/{id}/services"),
        t,
        key,
        Some(json!([{"sdkCode": "WorkfrontSDK", "roles": null, "licenseConfigs": null}])),
    )
    .await;
    assert_eq!(
        (status, &subscribed),
        (200, &json!({"sdkList": ["WorkfrontSDK"]}))
    );
    // The S2S-only subscribe path is not for it.
    let (status, _) = call(
        &s,
        "PUT",
        &format!("{o}/credentials/oauth-server-to-server/{id}/services"),
        t,
        key,
        Some(json!([{"sdkCode": "WorkfrontSDK"}])),
    )
    .await;
    assert_eq!(status, 400);
    let (_, file) = call(&s, "GET", &format!("{w}/download"), t, key, None).await;
    let jwt = &file["project"]["workspace"]["details"]["credentials"][0]["jwt"];
    assert_eq!(jwt["meta_scopes"], json!(["ent_workfront_sdk"]));
    assert_eq!(jwt["client_secret"], "", "no secret in the file");
    let (status, secret) = call(
        &s,
        "POST",
        &format!("{o}/credentials/{id}/secrets"),
        t,
        key,
        None,
    )
    .await;
    assert_eq!(status, 201);
    let sa = Sa {
        client_id: cred["apiKey"].as_str().unwrap().to_owned(),
        client_secret: secret["client_secret"].as_str().unwrap().to_owned(),
        org_id: app.org_id.clone(),
        tech: cred["technicalAccountId"].as_str().unwrap().to_owned(),
        project_id: String::new(),
    };
    let (status, exchanged) = ims_exchange(&s, &sa, &rs256(&ims_claims(&s, &sa))).await;
    assert_eq!(status, 200, "{exchanged}");
    assert!(exchanged["access_token"].is_string());
}

/// Adobe's own CLI client ids are built-in public clients: a person signs in with
/// `aio-cli-console-auth` on a loopback redirect URI (any port) with PKCE and no secret,
/// gets a token with `adobeio_api`, and calls the console API with that client id as the
/// `x-api-key`, as `aio console` does; once an operator disables the client, its key is
/// refused.
#[tokio::test]
async fn adobe_cli_client_ids_are_built_in_public_clients() {
    use latchkey_testkit::flow::{self, VERIFIER};
    let a = flow::app(CredentialKind::OAuthWeb).await;
    let s = &a.s;
    let redirect = "http://127.0.0.1:49152/";
    let authorize = format!(
        "/ims/authorize/v2?response_type=code&client_id=aio-cli-console-auth&redirect_uri={}&scope=openid,AdobeID,adobeio_api&state=s1&code_challenge={}&code_challenge_method=S256",
        url_encode(redirect),
        latchkey_core::pkce::s256(VERIFIER)
    );
    let mut b = Browser::new(&s.url);
    let back = flow::sign_in(&a, &mut b, &authorize).await;
    assert!(back.starts_with(redirect), "{back}");
    let code = latchkey_testkit::browser::query_param(&back, "code").unwrap();
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "aio-cli-console-auth"),
                ("code", &code),
                ("code_verifier", VERIFIER),
                ("redirect_uri", redirect),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let orgs = |key: &'static str| {
        let req = s
            .get("/console/organizations")
            .bearer_auth(&token)
            .header("x-api-key", key);
        async move { req.send().await.unwrap() }
    };
    let r = orgs("aio-cli-console-auth").await;
    assert_eq!(r.status(), 200);
    let listed: Value = r.json().await.unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["code"] == a.client.org_id.as_str()),
        "{listed}"
    );
    assert!(
        !listed.to_string().contains(admin::builtin::BUILTIN_ORG),
        "nobody is a member of the built-in org"
    );
    // The stage id works as a key too; a made-up one does not.
    assert_eq!(orgs("aio-cli-console-auth-stage").await.status(), 200);
    assert_eq!(orgs("aio-cli-console-auth-dev").await.status(), 403);
    // The operator may disable it like any client.
    admin::accounts::set_credential_disabled(
        &s.ctx(),
        &Actor::Operator,
        &latchkey_core::ids::ClientId("aio-cli-console-auth-stage".into()),
        true,
    )
    .await
    .unwrap();
    assert_eq!(orgs("aio-cli-console-auth-stage").await.status(), 403);
    // Starting again does not bring it back.
    admin::builtin::ensure_adobe_cli_clients(&s.ctx())
        .await
        .unwrap();
    assert_eq!(orgs("aio-cli-console-auth-stage").await.status(), 403);
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
