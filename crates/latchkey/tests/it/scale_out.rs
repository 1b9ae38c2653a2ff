//! Operations across processes: key rotation by the CLI while tokens are in flight
//! (REL-04, CONF-33), and two nodes on one PostgreSQL database (docs/design.md "Scale-out").

use crate::support::{Env, PgTempDb, http, within_a_second};
use serde_json::Value;

async fn s2s_token(url: &str, c: &Value) -> String {
    let r = http()
        .post(format!("{url}/ims/token/v3"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", c["client_id"].as_str().unwrap()),
            ("client_secret", c["client_secret"].as_str().unwrap()),
            ("scope", "openid,AdobeID"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn valid(url: &str, token: &str) -> bool {
    let v: Value = http()
        .post(format!("{url}/ims/validate_token/v1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["valid"] == true
}

async fn token_status(url: &str, client_id: &str, secret: &str) -> u16 {
    http()
        .post(format!("{url}/ims/token/v3"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

fn s2s(env: &Env) -> Value {
    let org = env.cli_json(&["org", "create", "--name", "Ops", "--json"]);
    let p = env.cli_json(&[
        "project",
        "create",
        "--org",
        org["id"].as_str().unwrap(),
        "--name",
        "Ops",
        "--json",
    ]);
    env.cli_json(&[
        "credential",
        "create",
        "--project",
        p["id"].as_str().unwrap(),
        "--kind",
        "server_to_server",
        "--json",
    ])
}

#[tokio::test]
async fn rel_04_conf_33_key_rotation_keeps_old_tokens_valid_and_publishes_before_use() {
    let env = Env::new();
    let c = s2s(&env);
    let issuer = "https://idp.rotation.test";
    let server = env.serve(&["--issuer", issuer]);
    let old = s2s_token(&server.url, &c).await;
    let jwks_before: Value = http()
        .get(format!("{}/ims/keys", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Published ahead: the new keys are in JWKS but do not sign yet.
    let rotated = env.cli_json(&["keys", "rotate", "--publish-ahead", "3600", "--json"]);
    assert_eq!(rotated["kids"].as_array().unwrap().len(), 2);
    server.kill9();
    let server = env.serve(&["--issuer", issuer]);
    let jwks: Value = http()
        .get(format!("{}/ims/keys", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(
        kids.len(),
        jwks_before["keys"].as_array().unwrap().len() + 2
    );
    for new_kid in rotated["kids"].as_array().unwrap() {
        assert!(
            kids.contains(&new_kid.as_str().unwrap()),
            "new key published before use"
        );
    }
    assert_eq!(
        kid(&s2s_token(&server.url, &c).await),
        kid(&old),
        "still signing with the old key"
    );

    // Active now: new tokens use the new key; the old token still validates.
    env.cli_json(&["keys", "rotate", "--publish-ahead", "0", "--json"]);
    server.kill9();
    let server = env.serve(&["--issuer", issuer]);
    let new = s2s_token(&server.url, &c).await;
    assert_ne!(kid(&new), kid(&old));
    assert!(
        valid(&server.url, &old).await,
        "a retired key keeps verifying what it signed"
    );
    assert!(valid(&server.url, &new).await);
}

#[tokio::test]
async fn scale_out_two_nodes_on_one_postgres_share_tokens_and_revocations() {
    let Some(db) = PgTempDb::create() else {
        return;
    };
    let master = "cd".repeat(32);
    let env = Env::new().with_database(&db.url).with_master_key(&master);
    let c = s2s(&env);
    let issuer = "https://idp.cluster.test";
    let a = env.serve(&["--issuer", issuer]);
    let b = env.serve(&["--issuer", issuer]);
    let token = s2s_token(&a.url, &c).await;
    assert!(
        valid(&b.url, &token).await,
        "node B validates what node A issued"
    );
    let jwks_a: Value = http()
        .get(format!("{}/ims/keys", a.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwks_b: Value = http()
        .get(format!("{}/ims/keys", b.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks_a, jwks_b, "one key set for the cluster");
    let r = http()
        .post(format!("{}/oauth2/revoke", b.url))
        .basic_auth(
            c["client_id"].as_str().unwrap(),
            c["client_secret"].as_str(),
        )
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    within_a_second("a revocation at B, at A", || async {
        !valid(&a.url, &token).await
    })
    .await;
    let ready = http()
        .get(format!("{}/readyz", a.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = http()
        .get(format!("{}/metrics", a.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("backend=\"postgres\""));
}

/// Two nodes on one PostgreSQL database with warm caches: a token revoked at node A, a
/// secret rotated away and a credential disabled by the CLI (any writer) are refused by
/// node B within a second, and stay refused.
#[tokio::test]
async fn caches_on_every_node_follow_revocations_rotations_and_disabling_within_a_second() {
    let Some(db) = PgTempDb::create() else {
        return;
    };
    let env = Env::new()
        .with_database(&db.url)
        .with_master_key(&"ef".repeat(32));
    let c = s2s(&env);
    let (id, secret) = (
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
    );
    let issuer = "https://idp.cluster.test";
    let a = env.serve(&["--issuer", issuer]);
    let b = env.serve(&["--issuer", issuer]);
    // Warm node B: the credential, its secrets and the token's state in memory.
    let token = s2s_token(&b.url, &c).await;
    for _ in 0..3 {
        assert!(valid(&b.url, &token).await);
        assert_eq!(token_status(&b.url, id, secret).await, 200);
    }
    let r = http()
        .post(format!("{}/ims/revoke", a.url))
        .form(&[
            ("token", token.as_str()),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    within_a_second("token revoked at A, at B", || async {
        !valid(&b.url, &token).await
    })
    .await;

    // Two rotations by the CLI retire the original secret.
    env.cli_json(&["credential", "rotate-secret", "--client-id", id, "--json"]);
    let newest = env.cli_json(&["credential", "rotate-secret", "--client-id", id, "--json"]);
    let newest = newest["client_secret"].as_str().unwrap().to_owned();
    within_a_second("secret rotated away by the CLI, at B", || async {
        token_status(&b.url, id, secret).await == 401
    })
    .await;
    assert_eq!(token_status(&b.url, id, &newest).await, 200);
    let fresh = {
        let mut c = c.clone();
        c["client_secret"] = Value::String(newest.clone());
        s2s_token(&b.url, &c).await
    };
    assert!(valid(&b.url, &fresh).await);

    env.cli_json(&["credential", "disable", "--client-id", id, "--json"]);
    within_a_second("credential disabled by the CLI, at B", || async {
        token_status(&b.url, id, &newest).await == 401 && !valid(&b.url, &fresh).await
    })
    .await;
}
