//! The real binary and its CLI: the foundation flow end to end (org → project → API →
//! server-to-server credential by the CLI, tokens on every token path and body encoding,
//! signatures checked with a third-party JWT library against the published JWKS,
//! validation, revocation, and a revocation that survives `kill -9` and restart: REL-02,
//! REL-04), the master key (REL-10), the demo data, CLI errors, and the commands for
//! account lifecycle (SEC-25), certificates, product profiles, roles and conversion.

use crate::helpers::{EC_CERT, RSA_CERT};
use crate::support::{Env, http};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;

struct Cred {
    client_id: String,
    client_secret: String,
    org_id: String,
    technical_account_id: String,
}

fn setup(env: &Env) -> Cred {
    let org = env.cli_json(&["org", "create", "--name", "Acme", "--json"]);
    let org_id = org["id"].as_str().unwrap().to_owned();
    assert!(org_id.ends_with("@LatchkeyOrg"));
    let project = env.cli_json(&[
        "project",
        "create",
        "--org",
        &org_id,
        "--name",
        "Integration",
        "--json",
    ]);
    let pid = project["id"].as_str().unwrap();
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        pid,
        "--api",
        "firefly",
        "--json",
    ]);
    let c = env.cli_json(&[
        "credential",
        "create",
        "--project",
        pid,
        "--kind",
        "server_to_server",
        "--name",
        "Batch job",
        "--json",
    ]);
    assert_eq!(c["kind"], "server_to_server");
    assert_eq!(c["org_id"], org_id.as_str());
    let scopes: Vec<&str> = c["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        scopes.contains(&"firefly_api") && scopes.contains(&"openid"),
        "{scopes:?}"
    );
    assert!(
        c["technical_account_email"]
            .as_str()
            .unwrap()
            .contains("@techacct.")
    );
    Cred {
        client_id: c["client_id"].as_str().unwrap().into(),
        client_secret: c["client_secret"].as_str().unwrap().into(),
        org_id,
        technical_account_id: c["technical_account_id"].as_str().unwrap().into(),
    }
}

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Urlencoded,
    Multipart,
    Query,
    BasicAuth,
}

async fn get_token(url: &str, path: &str, enc: Encoding, c: &Cred) -> Value {
    let scope = "openid,AdobeID,firefly_api";
    let mut fields = vec![("grant_type", "client_credentials"), ("scope", scope)];
    if path.ends_with("/v2") {
        fields.push(("org_id", &c.org_id));
    }
    let with_secret = {
        let mut f = fields.clone();
        f.push(("client_id", &c.client_id));
        f.push(("client_secret", &c.client_secret));
        f
    };
    let endpoint = format!("{url}{path}");
    let req = match enc {
        Encoding::Urlencoded => http().post(&endpoint).form(&with_secret),
        Encoding::Multipart => {
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in &with_secret {
                form = form.text(k.to_string(), v.to_string());
            }
            http().post(&endpoint).multipart(form)
        }
        Encoding::Query => http().post(&endpoint).query(&with_secret),
        Encoding::BasicAuth => http()
            .post(&endpoint)
            .basic_auth(&c.client_id, Some(&c.client_secret))
            .form(&fields),
    };
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path} {enc:?}");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    resp.json().await.unwrap()
}

async fn jwks(url: &str, path: &str) -> JwkSet {
    http()
        .get(format!("{url}{path}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Verify with `jsonwebtoken` (a third-party library) against the published JWKS.
fn verify(token: &str, set: &JwkSet, c: &Cred, issuer: &str) -> Value {
    let kid = decode_header(token).unwrap().kid.unwrap();
    let jwk = set.find(&kid).expect("token kid is published in JWKS");
    let mut v = Validation::new(Algorithm::ES256);
    v.set_audience(&[&c.client_id]);
    v.set_issuer(&[issuer]);
    v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &v)
        .unwrap()
        .claims
}

async fn validate(url: &str, token: &str) -> Value {
    let r = http()
        .post(format!("{url}/ims/validate_token/v1"))
        .bearer_auth(token)
        .form(&[("type", "access_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "validate_token answers 200 even when invalid"
    );
    r.json().await.unwrap()
}

async fn introspect(url: &str, token: &str, c: &Cred) -> Value {
    let r = http()
        .post(format!("{url}/oauth2/introspect"))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn s2s_token_on_every_path_and_encoding_verifies_and_revocation_survives_kill_9() {
    let env = Env::new();
    let c = setup(&env);
    // A fixed issuer, so tokens stay valid when the restarted server gets another port.
    let issuer = "https://idp.example.test";
    let server = env.serve(&["--issuer", issuer]);
    let url = server.url.clone();
    let disco: Value = http()
        .get(format!("{url}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(disco["issuer"], issuer);
    assert_eq!(disco["token_endpoint"], format!("{issuer}/oauth2/token"));
    let ims_keys = jwks(&url, "/ims/keys").await;
    let std_keys = jwks(&url, "/oauth2/jwks").await;
    assert_eq!(ims_keys.keys.len(), std_keys.keys.len());

    let paths = [
        "/ims/token/v1",
        "/ims/token/v2",
        "/ims/token/v3",
        "/ims/token",
        "/oauth2/token",
    ];
    let encodings = [
        Encoding::Urlencoded,
        Encoding::Multipart,
        Encoding::Query,
        Encoding::BasicAuth,
    ];
    let mut tokens = Vec::new();
    for path in paths {
        for enc in encodings {
            let body = get_token(&url, path, enc, &c).await;
            let token = body["access_token"].as_str().unwrap().to_owned();
            let expected_expires_in = if path == "/ims/token" {
                86_400_000
            } else {
                86_400
            };
            assert_eq!(body["expires_in"], expected_expires_in, "{path}");
            assert!(
                body.get("refresh_token").is_none(),
                "client_credentials never gets a refresh token"
            );
            let claims = verify(
                &token,
                if path.starts_with("/ims") {
                    &ims_keys
                } else {
                    &std_keys
                },
                &c,
                issuer,
            );
            assert_eq!(claims["type"], "access_token");
            assert_eq!(claims["client_id"], c.client_id.as_str());
            assert_eq!(claims["user_id"], c.technical_account_id.as_str());
            assert_eq!(claims["sub"], c.technical_account_id.as_str());
            assert_eq!(claims["org"], c.org_id.as_str());
            assert_eq!(claims["as"], "ims-na1");
            let created: i64 = claims["created_at"].as_str().unwrap().parse().unwrap();
            let expires: i64 = claims["expires_in"].as_str().unwrap().parse().unwrap();
            assert_eq!(expires, 86_400_000);
            assert_eq!(created / 1000, claims["iat"].as_i64().unwrap());
            let scope = claims["scope"].as_str().unwrap();
            if path.starts_with("/ims") {
                assert_eq!(scope, "openid,AdobeID,firefly_api");
            } else {
                assert_eq!(scope, "openid AdobeID firefly_api");
            }
            tokens.push(token);
        }
    }

    // A token issued on one dialect validates on the other.
    let (revoked, kept) = (tokens[0].clone(), tokens[tokens.len() - 1].clone());
    let v = validate(&url, &revoked).await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["token"]["client_id"], c.client_id.as_str());
    assert_eq!(introspect(&url, &kept, &c).await["active"], true);

    let r = http()
        .post(format!("{url}/ims/revoke"))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[("token", revoked.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "");
    let v = validate(&url, &revoked).await;
    assert_eq!(v["valid"], false);
    assert_eq!(v["reason"], "token has been revoked");
    assert_eq!(
        introspect(&url, &revoked, &c).await,
        serde_json::json!({"active": false})
    );

    // REL-02: the revocation was durable before the 200; SIGKILL gives the server no
    // chance to flush anything afterwards.
    server.kill9();
    let server = env.serve(&["--issuer", issuer]);
    assert_ne!(server.url, url, "a new process on a new port");
    assert_eq!(
        validate(&server.url, &revoked).await["valid"],
        false,
        "revocation lost across kill -9"
    );
    // REL-04: keys were reloaded, not regenerated: an unrevoked token from before still validates.
    assert_eq!(validate(&server.url, &kept).await["valid"], true);
    assert_eq!(
        jwks(&server.url, "/ims/keys").await.keys.len(),
        ims_keys.keys.len()
    );
    // The master key file sits beside the database, readable by its owner only.
    let key_file = env.dir.path().join("latchkey.db.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // A clean SIGTERM exits 0.
    assert!(server.terminate().success());
}

#[tokio::test]
async fn rel_10_refuses_to_start_when_the_master_key_is_missing() {
    let env = Env::new();
    setup(&env);
    env.serve(&[]).terminate();
    std::fs::remove_file(env.dir.path().join("latchkey.db.key")).unwrap();
    let err = env.cli_fails(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(
        err.contains("master key file") && err.contains("missing"),
        "{err}"
    );
    // ...and did not replace the keys: with a wrong master key it refuses too.
    let out = std::process::Command::new(crate::support::bin())
        .args(["config", "check"])
        .env("LATCHKEY_DATABASE_URL", env.database_url())
        .env("LATCHKEY_MASTER_KEY", "ab".repeat(32))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be decrypted"));
}

#[tokio::test]
async fn demo_server_prints_credentials_that_work() {
    let env = Env::new();
    let server = env.serve(&["--demo", "--json"]);
    let demo: Value = server
        .printed
        .iter()
        .find_map(|l| serde_json::from_str::<Value>(l).ok())
        .expect("demo JSON line");
    let creds = demo["demo"]["credentials"].as_array().unwrap();
    let kinds: Vec<&str> = creds.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    for k in [
        "api_key",
        "oauth_web",
        "oauth_spa",
        "oauth_native",
        "server_to_server",
        "service_account_jwt",
    ] {
        assert!(kinds.contains(&k), "demo lacks a {k} credential");
    }
    let s2s = creds
        .iter()
        .find(|c| c["kind"] == "server_to_server")
        .unwrap();
    let r = http()
        .post(format!("{}/ims/token/v3", server.url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", s2s["client_id"].as_str().unwrap()),
            ("client_secret", s2s["client_secret"].as_str().unwrap()),
            ("scope", "openid,AdobeID,firefly_api"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(demo["demo"]["user"]["email"], "demo@example.com");
    // A second start does not seed again (and says so).
    drop(server);
    let again = env.serve(&["--demo", "--json"]);
    assert!(again.printed.iter().any(|l| l.contains("already has data")));
}

#[test]
fn cli_errors_are_one_line_and_non_zero() {
    let env = Env::new();
    let err = env.cli_fails(&[
        "credential",
        "create",
        "--project",
        "nope",
        "--kind",
        "bogus",
        "--json",
    ]);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("unknown CredentialKind 'bogus'"), "{err}");
    let err = env.cli_fails(&[
        "project",
        "create",
        "--org",
        "NOPE@LatchkeyOrg",
        "--name",
        "x",
        "--json",
    ]);
    assert!(err.contains("not found"), "{err}");
    let apis = env.cli_json(&["api", "list", "--json"]);
    assert!(
        apis.as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == "firefly" && a["scopes"][0] == "firefly_api")
    );
}

#[test]
fn sec_25_lifecycle_commands_work_from_the_cli() {
    let env = Env::new();
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

/// The CLI for all of it: org settings, certificates, product profiles, roles, conversion.
#[test]
fn cli_manages_certificates_profiles_roles_and_conversion() {
    let env = Env::new();
    let org = env.cli_json(&["org", "create", "--name", "CLI Org", "--json"]);
    let org_id = org["id"].as_str().unwrap();
    let settings = env.cli_json(&[
        "org",
        "settings",
        "--org",
        org_id,
        "--developers-may-manage-credentials",
        "false",
        "--json",
    ]);
    assert_eq!(settings["developers_may_manage_credentials"], false);
    let p = env.cli_json(&[
        "project", "create", "--org", org_id, "--name", "P", "--json",
    ]);
    let pid = p["id"].as_str().unwrap();
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        pid,
        "--api",
        "workfront",
        "--json",
    ]);
    let cert = env.dir.path().join("sa.crt");
    std::fs::write(&cert, RSA_CERT).unwrap();
    let ec = env.dir.path().join("ec.crt");
    std::fs::write(&ec, EC_CERT).unwrap();
    let c = env.cli_json(&[
        "credential",
        "create",
        "--project",
        pid,
        "--kind",
        "service_account_jwt",
        "--certificate",
        cert.to_str().unwrap(),
        "--json",
    ]);
    let cid = c["client_id"].as_str().unwrap();
    let tech = c["technical_account_id"].as_str().unwrap();
    let added = env.cli_json(&[
        "credential",
        "add-certificate",
        "--client-id",
        cid,
        "--certificate",
        ec.to_str().unwrap(),
        "--json",
    ]);
    let ec_id = added["id"].as_str().unwrap();
    let list = env.cli_json(&["credential", "certificates", "--client-id", cid, "--json"]);
    assert_eq!(list["certificates"].as_array().unwrap().len(), 2);
    let expired = env.cli_json(&[
        "credential",
        "expire-certificate",
        "--client-id",
        cid,
        "--certificate-id",
        ec_id,
        "--json",
    ]);
    assert!(expired["expires_at"].as_i64().is_some());
    env.cli_json(&[
        "credential",
        "remove-certificate",
        "--client-id",
        cid,
        "--certificate-id",
        ec_id,
        "--json",
    ]);
    let roles = env.cli_json(&["product", "roles", "--user", tech, "--json"]);
    assert_eq!(roles["product_roles"][0]["product"], "Workfront");
    assert_eq!(roles["product_roles"][0]["role"], "contributor");
    let instances = env.cli_json(&["product", "instances", "--org", org_id, "--json"]);
    let instance = instances["instances"][0]["id"].as_str().unwrap();
    let profile = env.cli_json(&[
        "product",
        "create-profile",
        "--instance",
        instance,
        "--name",
        "Admins",
        "--json",
    ]);
    let profile_id = profile["id"].as_str().unwrap();
    env.cli_json(&[
        "product",
        "add-member",
        "--profile",
        profile_id,
        "--user",
        tech,
        "--admin",
        "--json",
    ]);
    let roles = env.cli_json(&["product", "roles", "--user", tech, "--json"]);
    assert_eq!(roles["product_roles"][0]["role"], "admin");
    let profiles = env.cli_json(&["product", "profiles", "--instance", instance, "--json"]);
    assert_eq!(profiles["profiles"][0]["members"][0]["is_admin"], true);
    let second = env.cli_json(&[
        "product",
        "create-instance",
        "--org",
        org_id,
        "--product",
        "Workfront",
        "--name",
        "Workfront EU",
        "--json",
    ]);
    assert_eq!(second["product"], "Workfront");
    let converted = env.cli_json(&["credential", "convert", "--client-id", cid, "--json"]);
    assert_eq!(converted["kind"], "server_to_server");
    assert_eq!(converted["client_id"], cid);
    assert_eq!(converted["technical_account_id"], tech);
    let roles = env.cli_json(&["product", "roles", "--user", tech, "--json"]);
    assert_eq!(roles["product_roles"][0]["role"], "admin", "profiles kept");
    let err = env.cli_fails(&["credential", "convert", "--client-id", cid]);
    assert!(err.contains("only service_account_jwt"), "{err}");
    let err = env.cli_fails(&[
        "credential",
        "add-certificate",
        "--client-id",
        cid,
        "--certificate",
        ec.to_str().unwrap(),
    ]);
    assert!(err.contains("only service_account_jwt"), "{err}");
    env.cli_json(&[
        "product",
        "remove-member",
        "--profile",
        profile_id,
        "--user",
        tech,
        "--json",
    ]);
}

/// Console parity on the CLI: projects and credentials listed and shown (never a secret),
/// and a credential renamed and its redirect URIs replaced with the validation of creation.
#[test]
fn projects_and_credentials_are_listed_shown_and_updated() {
    let env = Env::new();
    let s2s = setup(&env);
    let projects = env.cli_json(&["project", "list", "--org", &s2s.org_id, "--json"]);
    let list = projects["projects"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "Integration");
    let pid = list[0]["id"].as_str().unwrap().to_owned();
    let web = env.cli_json(&[
        "credential",
        "create",
        "--project",
        &pid,
        "--kind",
        "oauth_web",
        "--name",
        "Portal",
        "--redirect-uri",
        "https://portal.example/cb",
        "--json",
    ]);
    let web_id = web["client_id"].as_str().unwrap().to_owned();
    let web_secret = web["client_secret"].as_str().unwrap().to_owned();

    let shown = env.cli_json(&["project", "show", "--project", &pid, "--json"]);
    assert_eq!(shown["apis"], serde_json::json!(["firefly"]));
    let creds = shown["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 2);
    let listed = env.cli_json(&["credential", "list", "--project", &pid, "--json"]);
    assert_eq!(listed["credentials"], shown["credentials"]);
    let removed = env.cli_json(&[
        "project",
        "remove-api",
        "--project",
        &pid,
        "--api",
        "firefly",
        "--json",
    ]);
    assert_eq!(removed["removed"], true);
    let after = env.cli_json(&["project", "show", "--project", &pid, "--json"]);
    assert_eq!(after["apis"], serde_json::json!([]));
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        &pid,
        "--api",
        "firefly",
        "--json",
    ]);
    let one = env.cli_json(&["credential", "show", "--client-id", &web_id, "--json"]);
    assert_eq!(
        one["redirect_uris"],
        serde_json::json!(["https://portal.example/cb"])
    );
    assert_eq!(one["secrets"].as_array().unwrap().len(), 1);
    let everything = format!("{shown}{listed}{one}");
    for secret in [&web_secret, &s2s.client_secret] {
        assert!(
            !everything.contains(secret.as_str()),
            "a secret was printed"
        );
    }

    let updated = env.cli_json(&[
        "credential",
        "update",
        "--client-id",
        &web_id,
        "--name",
        "Customer portal",
        "--redirect-uri",
        "https://portal.example/callback",
        "--redirect-uri",
        "http://127.0.0.1:4000/cb",
        "--json",
    ]);
    assert_eq!(updated["name"], "Customer portal");
    assert_eq!(
        updated["redirect_uris"],
        serde_json::json!([
            "https://portal.example/callback",
            "http://127.0.0.1:4000/cb"
        ])
    );
    // The same validation as at creation (SEC-03), and nothing changes when it fails.
    for (bad, why) in [
        ("http://portal.example/cb", "loopback"),
        ("https://portal.example/cb#frag", "fragment"),
        ("https://portal.example/cb?code=1", "must not carry"),
    ] {
        let e = env.cli_fails(&[
            "credential",
            "update",
            "--client-id",
            &web_id,
            "--redirect-uri",
            bad,
        ]);
        assert!(e.contains(why), "{bad}: {e}");
    }
    let e = env.cli_fails(&[
        "credential",
        "update",
        "--client-id",
        &s2s.client_id,
        "--redirect-uri",
        "https://x.example/cb",
    ]);
    assert!(e.contains("take no redirect URIs"), "{e}");
    let e = env.cli_fails(&[
        "credential",
        "update",
        "--client-id",
        &web_id,
        "--name",
        "Latchkey Login",
    ]);
    assert!(e.contains("may not imitate"), "{e}");
    let e = env.cli_fails(&[
        "credential",
        "update",
        "--client-id",
        "ffffffffffffffffffffffffffffffff",
        "--name",
        "x",
    ]);
    assert!(e.contains("not found"), "{e}");
    let again = env.cli_json(&["credential", "show", "--client-id", &web_id, "--json"]);
    assert_eq!(again["redirect_uris"], updated["redirect_uris"]);
    assert_eq!(again["name"], "Customer portal");
}

/// The console's "select product profiles" step on the CLI: a server-to-server
/// credential's technical account joins the chosen profiles at creation; a profile of a
/// product the project does not bring, one of another org, or one for a credential
/// without a technical account is refused, and nothing is created then.
#[test]
fn a_new_credential_joins_the_product_profiles_chosen_for_it() {
    let env = Env::new();
    let org = env.cli_json(&["org", "create", "--name", "Profiles Org", "--json"]);
    let org_id = org["id"].as_str().unwrap();
    let pid = env.cli_json(&[
        "project", "create", "--org", org_id, "--name", "P", "--json",
    ])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.cli_json(&[
        "project",
        "add-api",
        "--project",
        &pid,
        "--api",
        "workfront",
        "--json",
    ]);
    let wf = env.cli_json(&[
        "product",
        "create-instance",
        "--org",
        org_id,
        "--product",
        "Workfront",
        "--json",
    ]);
    let wf_id = wf["id"].as_str().unwrap();
    let editors = env.cli_json(&[
        "product",
        "create-profile",
        "--instance",
        wf_id,
        "--name",
        "Editors",
        "--json",
    ]);
    let editors_id = editors["id"].as_str().unwrap();
    let other = env.cli_json(&[
        "product",
        "create-instance",
        "--org",
        org_id,
        "--product",
        "Adobe Analytics",
        "--json",
    ]);
    let analysts = env.cli_json(&[
        "product",
        "create-profile",
        "--instance",
        other["id"].as_str().unwrap(),
        "--name",
        "Analysts",
        "--json",
    ]);
    let elsewhere = env.cli_json(&["org", "create", "--name", "Elsewhere", "--json"]);
    let theirs = env.cli_json(&[
        "product",
        "create-instance",
        "--org",
        elsewhere["id"].as_str().unwrap(),
        "--product",
        "Workfront",
        "--json",
    ]);
    let their_profile = env.cli_json(&[
        "product",
        "create-profile",
        "--instance",
        theirs["id"].as_str().unwrap(),
        "--name",
        "Theirs",
        "--json",
    ]);

    let create = |kind: &str, profile: &str| {
        vec![
            "credential".to_owned(),
            "create".into(),
            "--project".into(),
            pid.clone(),
            "--kind".into(),
            kind.into(),
            "--profile".into(),
            profile.into(),
        ]
    };
    for (kind, profile, why) in [
        (
            "server_to_server",
            analysts["id"].as_str().unwrap(),
            "no API of the project brings",
        ),
        (
            "server_to_server",
            their_profile["id"].as_str().unwrap(),
            "not found",
        ),
        ("api_key", editors_id, "no technical account"),
    ] {
        let args = create(kind, profile);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let e = env.cli_fails(&args);
        assert!(e.contains(why), "{kind} {profile}: {e}");
    }
    let listed = env.cli_json(&["credential", "list", "--project", &pid, "--json"]);
    assert_eq!(
        listed["credentials"],
        serde_json::json!([]),
        "nothing half-created"
    );

    let mut args = create("server_to_server", editors_id);
    args.push("--json".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let c = env.cli_json(&args);
    assert_eq!(c["profiles"], serde_json::json!([editors_id]));
    let tech = c["technical_account_id"].as_str().unwrap();
    let profiles = env.cli_json(&["product", "profiles", "--instance", wf_id, "--json"]);
    let members = &profiles["profiles"][0]["members"];
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["user_id"] == tech && m["is_admin"] == false),
        "{profiles}"
    );
    let roles = env.cli_json(&["product", "roles", "--user", tech, "--json"]);
    assert_eq!(roles["product_roles"][0]["role"], "contributor");
}
