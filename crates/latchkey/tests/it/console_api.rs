//! The Adobe I/O Management read paths (docs/console-contract.md §6 tier 0), with a
//! person's token and an `x-api-key`: orgs, projects, a project, its workspaces and its
//! workspace, in Adobe's numeric ids and shapes; and who sees what (SEC-40).

use latchkey_core::admin::{self, NewUser};
use latchkey_core::ids::{OrgId, UserId};
use latchkey_core::model::{CredentialKind, OrgRole};
use latchkey_testkit::TestServer;
use serde_json::Value;

async fn person(s: &TestServer, org: &str, email: &str, role: OrgRole) -> UserId {
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

async fn get(
    s: &TestServer,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
) -> (u16, Value, bool) {
    // As @adobe/aio-lib-console sends it: a JSON content type even on GET.
    let mut rq = s.get(path).header("content-type", "application/json");
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    if let Some(k) = key {
        rq = rq.header("x-api-key", k);
    }
    let r = rq.send().await.unwrap();
    let has_request_id = r.headers().contains_key("x-request-id");
    (
        r.status().as_u16(),
        r.json().await.unwrap_or(Value::Null),
        has_request_id,
    )
}

fn digits(v: &Value, n: usize) -> String {
    let s = v.as_str().unwrap_or_default().to_owned();
    assert!(
        s.len() == n && s.bytes().all(|b| b.is_ascii_digit()),
        "{v} is not {n} digits"
    );
    s
}

#[tokio::test]
async fn orgs_projects_and_workspaces_read_in_adobes_shapes() {
    let s = TestServer::start().await;
    let app = s.credential(CredentialKind::OAuthWeb).await;
    let admin_id = person(&s, &app.org_id, "admin@acme.example", OrgRole::SystemAdmin).await;
    let token = s.person_token(&app.client_id, &admin_id, "openid,adobeio_api");
    let key = Some(app.client_id.as_str());
    let t = Some(token.as_str());

    let (status, orgs, _) = get(&s, "/console/organizations", t, key).await;
    assert_eq!(status, 200, "{orgs}");
    let org = &orgs[0];
    let org_number = digits(&org["id"], 8);
    assert_eq!(org["code"], app.org_id.as_str());
    assert_eq!(
        (org["type"].as_str(), org["role"].as_str()),
        (Some("entp"), Some("ADMIN"))
    );
    assert_eq!(org["name"], "Test Org");

    let (status, projects, _) = get(
        &s,
        &format!("/console/organizations/{org_number}/projects"),
        t,
        key,
    )
    .await;
    assert_eq!(status, 200, "{projects}");
    let p = &projects[0];
    let project_number = digits(&p["id"], 19);
    assert_eq!(p["org_id"], org_number.as_str());
    assert_eq!(
        (p["name"].as_str(), p["type"].as_str()),
        (Some("Test Project"), Some("default"))
    );
    assert!(p["date_created"].as_str().unwrap().ends_with('Z'));
    let base = format!("/console/organizations/{org_number}/projects/{project_number}");
    let (status, one, _) = get(&s, &base, t, key).await;
    assert_eq!((status, &one), (200, p));

    let (status, ws, _) = get(&s, &format!("{base}/workspaces"), t, key).await;
    assert_eq!(status, 200);
    assert_eq!(ws.as_array().unwrap().len(), 1, "one implicit workspace");
    assert_eq!(ws[0]["name"], "Production");
    let ws_number = digits(&ws[0]["id"], 19);
    assert_ne!(ws_number, project_number);
    let (status, w, _) = get(&s, &format!("{base}/workspaces/{ws_number}"), t, key).await;
    assert_eq!((status, &w), (200, &ws[0]));
    // Stable: the same numbers again.
    let (_, again, _) = get(&s, "/console/organizations", t, key).await;
    assert_eq!(again[0]["id"], org_number.as_str());

    // Adobe's CLI sends its own client id as the API key.
    assert_eq!(
        get(
            &s,
            "/console/organizations",
            t,
            Some("aio-cli-console-auth")
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn sec_40_the_console_read_paths_refuse_and_hide_what_they_must() {
    let s = TestServer::start().await;
    let app = s.credential(CredentialKind::OAuthWeb).await;
    let member = person(&s, &app.org_id, "dev@acme.example", OrgRole::Developer).await;
    let other = s.credential(CredentialKind::OAuthWeb).await;
    let outsider = person(
        &s,
        &other.org_id,
        "someone@else.example",
        OrgRole::SystemAdmin,
    )
    .await;
    let token = s.person_token(&app.client_id, &member, "openid,adobeio_api");
    let key = Some(app.client_id.as_str());
    let t = Some(token.as_str());
    let (_, orgs, _) = get(&s, "/console/organizations", t, key).await;
    let org_number = orgs[0]["id"].as_str().unwrap().to_owned();
    let projects = format!("/console/organizations/{org_number}/projects");
    let (_, list, _) = get(&s, &projects, t, key).await;
    let project_number = list[0]["id"].as_str().unwrap().to_owned();

    let code = |v: &Value| v["error_code"].as_str().unwrap_or_default().to_owned();
    // No token, a token without adobeio_api, no or an unknown API key.
    let (status, body, rid) = get(&s, &projects, None, key).await;
    assert_eq!(
        (status, code(&body), rid),
        (401, "UNAUTHORIZED".into(), true)
    );
    let narrow = s.person_token(&app.client_id, &member, "openid");
    let (status, body, _) = get(&s, &projects, Some(&narrow), key).await;
    assert_eq!((status, code(&body)), (403, "FORBIDDEN".into()));
    let (status, body, _) = get(&s, &projects, t, None).await;
    assert_eq!((status, code(&body)), (403, "FORBIDDEN".into()));
    assert!(body["message"].as_str().unwrap().contains("x-api-key"));
    let (status, _, _) = get(&s, &projects, t, Some("0123456789abcdef0123456789abcdef")).await;
    assert_eq!(status, 403);
    // A technical account's token is not a person's.
    let tech = s.token(&s.s2s().await, "openid,adobeio_api").await;
    assert_eq!(get(&s, &projects, Some(&tech), key).await.0, 401);

    // Another org's admin sees nothing of it: not found, like an unknown number.
    let theirs = s.person_token(&other.client_id, &outsider, "openid,adobeio_api");
    let their_key = Some(other.client_id.as_str());
    let (_, their_orgs, _) = get(&s, "/console/organizations", Some(&theirs), their_key).await;
    assert_eq!(their_orgs.as_array().unwrap().len(), 1);
    assert_ne!(their_orgs[0]["id"], org_number.as_str());
    for path in [
        projects.clone(),
        format!("{projects}/{project_number}"),
        format!("{projects}/{project_number}/workspaces"),
    ] {
        let (status, body, _) = get(&s, &path, Some(&theirs), their_key).await;
        assert_eq!((status, code(&body)), (404, "NOT_FOUND".into()), "{path}");
    }
    for path in [
        "/console/organizations/99999999/projects".to_owned(),
        "/console/organizations/not-a-number/projects".to_owned(),
        format!("{projects}/1234567890123456789"),
        format!("{projects}/{project_number}/workspaces/{project_number}"),
    ] {
        assert_eq!(get(&s, &path, t, key).await.0, 404, "{path}");
    }
}
