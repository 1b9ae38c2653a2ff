//! Service accounts over HTTP: the IMS JWT exchange (docs/ims-contract.md §2.3, §7), the
//! RFC 7523 grant (SEC-31, NEG-06, NEG-08), `private_key_jwt` client authentication
//! (SEC-32, CONF-34), replay of an assertion's `jti` at once and across a restart
//! (FUZZ-07, NEG-13, REL-05), certificates, and conversion to server-to-server. Hostile
//! assertions (FUZZ-01…10, FUZZ-19) are in `hostile_assertions`; who may administer
//! service accounts (SEC-40) is in `admin`.

use crate::helpers::{
    CLIENT_ASSERTION_TYPE, EC_CERT, EC_KEY, JWT_BEARER, RSA_CERT, RSA_PUB, Sa,
    client_assertion_claims, grant_claims, ims_claims, ims_exchange, jwt_bearer, rs256,
    service_account, sign_with,
};
use crate::support::{Env, http};
use jsonwebtoken::{Algorithm, Header};
use latchkey_core::admin::service_accounts as sa;
use latchkey_core::admin::{self, Actor, AdminError, products};
use latchkey_core::clock::Clock;
use latchkey_core::ids::ClientId;
use latchkey_core::model::CredentialKind;
use latchkey_testkit::{TestServer, assert_error, assert_oauth_error};
use serde_json::{Value, json};

#[tokio::test]
async fn ims_exchange_issues_a_technical_account_token_with_product_roles() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    for path in ["/ims/exchange/jwt", "/ims/exchange/jwt/"] {
        let r = s
            .post_form(
                path,
                &[
                    ("client_id", &c.client_id),
                    ("client_secret", &c.client_secret),
                    ("jwt_token", &rs256(&ims_claims(&s, &c))),
                ],
            )
            .await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["token_type"], "bearer");
        assert_eq!(
            v["expires_in"], 86_400_000,
            "milliseconds (docs/ims-contract.md §2.3)"
        );
        let token = v["access_token"].as_str().unwrap();
        let claims = s.validate(token).await;
        assert_eq!(claims["valid"], true, "{claims}");
        assert_eq!(claims["token"]["org"], c.org_id.as_str());
        assert_eq!(claims["token"]["user_id"], c.tech.as_str());
        assert_eq!(claims["token"]["ctp"], 3);
        let scope = claims["token"]["scope"].as_str().unwrap();
        assert!(scope.split(',').any(|x| x == "workfront.read"), "{scope}");
        assert!(!scope.split(',').any(|x| x == "firefly_api"), "{scope}");
        let roles = claims["product_roles"].as_array().unwrap();
        let wf = roles.iter().find(|r| r["product"] == "Workfront").unwrap();
        assert_eq!(wf["role"], "contributor");
    }
    // The public-key upload path works too (a PUBLIC KEY PEM instead of a certificate).
    let pk = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_PUB)).await;
    let got = ims_exchange(&s, &pk, &rs256(&ims_claims(&s, &pk))).await;
    assert_eq!(got.0, 200, "{}", got.1);
}

#[tokio::test]
async fn exchange_client_errors_follow_the_contract_table() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let jwt = rs256(&ims_claims(&s, &c));
    let unknown = Sa {
        client_id: "0".repeat(32),
        ..service_account(&s, CredentialKind::ServiceAccountJwt, None).await
    };
    assert_error(
        &ims_exchange(&s, &unknown, &jwt).await,
        400,
        "invalid_client",
    );
    let wrong = Sa {
        client_secret: "wrong".into(),
        ..service_account(&s, CredentialKind::ServiceAccountJwt, None).await
    };
    let wrong = Sa {
        client_id: c.client_id.clone(),
        ..wrong
    };
    assert_error(&ims_exchange(&s, &wrong, &jwt).await, 401, "invalid_client");
    let s2s = service_account(&s, CredentialKind::ServerToServer, None).await;
    assert_error(&ims_exchange(&s, &s2s, &jwt).await, 401, "invalid_client");
    let r = s
        .post_form(
            "/ims/exchange/jwt",
            &[
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
            ],
        )
        .await;
    assert_oauth_error(r, 400, "invalid_token").await;
    let r = s.get("/ims/exchange/jwt").send().await.unwrap();
    assert_oauth_error(r, 405, "invalid_request").await;
}

#[tokio::test]
async fn sec_31_jwt_bearer_grant_on_the_standard_token_endpoint() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let a = rs256(&grant_claims(&s, &c, "std-1"));
    let (st, v) = jwt_bearer(&s, &c, &a, Some("openid workfront.read")).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["scope"], "openid workfront.read");
    assert!(v.get("refresh_token").is_none());
    let claims = s.validate(v["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["token"]["sub"], c.tech.as_str());
    // The issuer itself is an accepted audience too.
    let mut claims = grant_claims(&s, &c, "std-2");
    claims["aud"] = json!(s.url);
    assert_eq!(jwt_bearer(&s, &c, &rs256(&claims), None).await.0, 200);
    let r = s
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", JWT_BEARER),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
            ],
        )
        .await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    let mut no_jti = grant_claims(&s, &c, "x");
    no_jti.as_object_mut().unwrap().remove("jti");
    assert_error(
        &jwt_bearer(&s, &c, &rs256(&no_jti), None).await,
        400,
        "invalid_grant",
    );
    let disc: Value = s
        .http()
        .get(format!("{}/.well-known/openid-configuration", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        disc["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!(JWT_BEARER))
    );
}

#[tokio::test]
async fn neg_06_jwt_bearer_for_a_server_to_server_client_is_unauthorized_client() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServerToServer, None).await;
    let a = rs256(&grant_claims(&s, &c, "neg6"));
    assert_error(
        &jwt_bearer(&s, &c, &a, None).await,
        400,
        "unauthorized_client",
    );
}

#[tokio::test]
async fn neg_08_metascope_outside_the_binding_and_unknown_scope_are_invalid_scope() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let mut claims = ims_claims(&s, &c);
    claims[format!("{}/s/ent_campaign_sdk", s.url)] = json!(true);
    let got = ims_exchange(&s, &c, &rs256(&claims)).await;
    assert_error(&got, 400, "invalid_scope");
    assert!(
        got.1["error_description"]
            .as_str()
            .unwrap()
            .contains("not a subset")
    );
    let mut none = ims_claims(&s, &c);
    none.as_object_mut()
        .unwrap()
        .remove(&format!("{}/s/ent_workfront_sdk", s.url));
    assert_error(
        &ims_exchange(&s, &c, &rs256(&none)).await,
        400,
        "invalid_scope",
    );
    let a = rs256(&grant_claims(&s, &c, "scope-1"));
    assert_error(
        &jwt_bearer(&s, &c, &a, Some("cc_files")).await,
        400,
        "invalid_scope",
    );
}

#[tokio::test]
async fn sec_32_conf_34_private_key_jwt_client_authentication() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let client_assertion = |jti: &str, patch: Value| {
        let mut claims = client_assertion_claims(&s, &c, jti);
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        rs256(&claims)
    };
    let post = |ca: String, extra: Vec<(&'static str, String)>| {
        let grant = rs256(&grant_claims(
            &s,
            &c,
            &format!("g-{}", ca.len() + extra.len()),
        ));
        let mut form: Vec<(String, String)> = vec![
            ("grant_type".into(), JWT_BEARER.into()),
            ("assertion".into(), grant),
            ("client_assertion_type".into(), CLIENT_ASSERTION_TYPE.into()),
            ("client_assertion".into(), ca),
        ];
        form.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
        let url = format!("{}/oauth2/token", s.url);
        async move {
            let r = http().post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let first = client_assertion("ca-1", json!({}));
    let ok = post(first.clone(), vec![]).await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    // CONF-34: the issuer itself is an accepted audience.
    let ok = post(client_assertion("ca-iss", json!({"aud": s.url})), vec![]).await;
    assert_eq!(ok.0, 200, "CONF-34: {}", ok.1);
    // The same client assertion again: replay.
    assert_error(&post(first, vec![]).await, 401, "invalid_client");
    for patch in [
        json!({"iss": "someone"}),
        json!({"sub": c.tech}),
        json!({"aud": format!("{}/oauth2/introspect", s.url)}),
        json!({"jti": null}),
        json!({"exp": null}),
    ] {
        let got = post(client_assertion("ca-x", patch.clone()), vec![]).await;
        assert_error(&got, 401, "invalid_client");
    }
    let got = post(
        client_assertion("ca-2", json!({})),
        vec![("client_secret", c.client_secret.clone())],
    )
    .await;
    assert_error(&got, 400, "invalid_request");
    let r = http()
        .post(format!("{}/oauth2/token", s.url))
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", &client_assertion("ca-3", json!({}))),
        ])
        .send()
        .await
        .unwrap();
    // Two authentication methods at once (SEC-42).
    assert_oauth_error(r, 400, "invalid_request").await;
    let r = http()
        .post(format!("{}/oauth2/token", s.url))
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
            ),
            ("client_assertion", &client_assertion("ca-4", json!({}))),
        ])
        .send()
        .await
        .unwrap();
    assert_oauth_error(r, 401, "invalid_client").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_07_neg_13_replayed_jti_is_refused_even_in_parallel() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let mut claims = ims_claims(&s, &c);
    claims["jti"] = json!(424242);
    let form = vec![
        ("client_id".to_owned(), c.client_id.clone()),
        ("client_secret".to_owned(), c.client_secret.clone()),
        ("jwt_token".to_owned(), rs256(&claims)),
    ];
    let url = format!("{}/ims/exchange/jwt", s.url);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (url, form) = (url.clone(), form.clone());
            tokio::spawn(async move {
                let r = http().post(url).form(&form).send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let ok = results.iter().filter(|r| r.0 == 200).count();
    assert_eq!(ok, 1, "{results:?}");
    for r in results.iter().filter(|r| r.0 != 200) {
        assert_error(r, 400, "invalid_token");
    }
    // RFC 7523 grant: the second use is invalid_grant (NEG-13).
    let a = rs256(&grant_claims(&s, &c, "grant-jti-1"));
    assert_eq!(jwt_bearer(&s, &c, &a, None).await.0, 200);
    assert_error(&jwt_bearer(&s, &c, &a, None).await, 400, "invalid_grant");
}

#[test]
fn fuzz_07_rel_05_replayed_jti_is_refused_across_a_restart() {
    let env = Env::new();
    let org = env.cli_json(&["org", "create", "--name", "Restart Org", "--json"]);
    let org_id = org["id"].as_str().unwrap();
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
    let (cid, secret, tech) = (
        c["client_id"].as_str().unwrap().to_owned(),
        c["client_secret"].as_str().unwrap().to_owned(),
        c["technical_account_id"].as_str().unwrap().to_owned(),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let exchange_at = |url: &str, jwt: &str| {
        let form = [
            ("client_id", cid.as_str()),
            ("client_secret", secret.as_str()),
            ("jwt_token", jwt),
        ];
        let url = format!("{url}/ims/exchange/jwt");
        rt.block_on(async {
            let r = http().post(url).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        })
    };
    // A fixed issuer: the assertion's `aud` must survive the new port after the restart.
    let issuer = "http://127.0.0.1:9";
    let server = env.serve(&["--issuer", issuer]);
    let now = latchkey_core::clock::SystemClock.now().secs();
    let claims = json!({"iss": org_id, "sub": tech, "aud": format!("{issuer}/c/{cid}"),
        "exp": now + 600, "jti": 777, format!("{issuer}/s/ent_workfront_sdk"): true});
    let jwt = rs256(&claims);
    let first = exchange_at(&server.url, &jwt);
    assert_eq!(first.0, 200, "{}", first.1);
    server.kill9();
    let server = env.serve(&["--issuer", issuer]);
    let again = exchange_at(&server.url, &jwt);
    assert_error(&again, 400, "invalid_token");
    assert!(
        again.1["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
}

#[tokio::test]
async fn certificates_are_listed_expired_and_removed() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let ctx = s.ctx();
    let cid = ClientId(c.client_id.clone());
    let ec = sa::add_certificate(&ctx, &Actor::Operator, &cid, EC_CERT)
        .await
        .unwrap();
    let list = sa::list_certificates(&ctx, &Actor::Operator, &cid)
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter().all(|k| k.expires_at.is_some()),
        "notAfter recorded"
    );
    let ec_jwt = |s: &TestServer| {
        sign_with(
            Algorithm::ES256,
            EC_KEY,
            Header::default(),
            &ims_claims(s, &c),
        )
    };
    assert_eq!(ims_exchange(&s, &c, &ec_jwt(&s)).await.0, 200);
    let rsa_id = list.iter().find(|k| k.id != ec.id).unwrap().id.clone();
    sa::expire_certificate(&ctx, &Actor::Operator, &cid, &rsa_id, None)
        .await
        .unwrap();
    assert_error(
        &ims_exchange(&s, &c, &rs256(&ims_claims(&s, &c))).await,
        400,
        "invalid_signature",
    );
    sa::remove_certificate(&ctx, &Actor::Operator, &cid, &ec.id)
        .await
        .unwrap();
    assert_error(
        &ims_exchange(&s, &c, &ec_jwt(&s)).await,
        400,
        "invalid_signature",
    );
    assert!(matches!(
        sa::remove_certificate(&ctx, &Actor::Operator, &cid, &ec.id).await,
        Err(AdminError::NotFound(_))
    ));
    for bad in [
        "not a pem",
        "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----",
    ] {
        assert!(matches!(
            sa::add_certificate(&ctx, &Actor::Operator, &cid, bad).await,
            Err(AdminError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn conversion_keeps_client_id_technical_account_scopes_and_profiles() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let ctx = s.ctx();
    let op = &Actor::Operator;
    let org = latchkey_core::ids::OrgId(c.org_id.clone());
    let instance = products::list_instances(&ctx, op, &org)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.product == "Workfront")
        .unwrap();
    let profile = products::create_profile(&ctx, op, &instance.id, "Workfront Admins")
        .await
        .unwrap();
    products::add_profile_member(&ctx, op, &profile.id, &c.tech, true)
        .await
        .unwrap();
    let cid = ClientId(c.client_id.clone());
    let before = admin::allowed_scopes(
        ctx.store,
        &ctx.store.get_credential(&cid).await.unwrap().unwrap(),
    )
    .await
    .unwrap();
    let (cred, scopes) = sa::convert_to_server_to_server(&ctx, op, &cid)
        .await
        .unwrap();
    assert_eq!(cred.kind, CredentialKind::ServerToServer);
    assert_eq!(cred.client_id, cid);
    assert_eq!(cred.technical_account.as_ref().unwrap().0, c.tech);
    // Nothing is lost; APIs of the project that take only server-to-server add theirs.
    assert!(
        before.iter().all(|b| scopes.contains(b)),
        "{before:?} ⊄ {scopes:?}"
    );
    // Same secret, now through client_credentials; the token carries the admin role.
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
                ("scope", "openid,workfront.read"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let token: Value = r.json().await.unwrap();
    let v = s.validate(token["access_token"].as_str().unwrap()).await;
    assert_eq!(v["token"]["user_id"], c.tech.as_str());
    let wf = v["product_roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["product"] == "Workfront")
        .unwrap()
        .clone();
    assert_eq!(wf["role"], "admin");
    // The JWT exchange is over for it; converting twice is refused.
    assert_error(
        &ims_exchange(&s, &c, &rs256(&ims_claims(&s, &c))).await,
        401,
        "invalid_client",
    );
    assert!(matches!(
        sa::convert_to_server_to_server(&ctx, op, &cid).await,
        Err(AdminError::Invalid(_))
    ));
}

/// The console's "generate a key pair": the public key is registered, the private key is
/// handed over once (never stored) and signs assertions the exchange accepts, for RS256
/// and ES256; only service-account credentials take one.
#[tokio::test]
async fn a_generated_key_pair_signs_assertions_the_exchange_accepts() {
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, None).await;
    let id = ClientId(c.client_id.clone());
    for (alg, jwt_alg) in [
        (latchkey_core::keys::KeyAlg::Rs256, Algorithm::RS256),
        (latchkey_core::keys::KeyAlg::Es256, Algorithm::ES256),
    ] {
        let k = sa::generate_key(&s.ctx(), &Actor::Operator, &id, alg)
            .await
            .unwrap();
        assert!(k.private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let stored = sa::list_certificates(&s.ctx(), &Actor::Operator, &id)
            .await
            .unwrap();
        assert!(stored.iter().any(|r| r.id == k.certificate.id));
        assert!(
            stored.iter().all(|r| !r.pem.contains("PRIVATE")),
            "the private key is never stored"
        );
        let header = Header {
            kid: Some(k.certificate.id.clone()),
            ..Header::default()
        };
        let jwt = sign_with(jwt_alg, &k.private_key_pem, header, &ims_claims(&s, &c));
        let (status, body) = ims_exchange(&s, &c, &jwt).await;
        assert_eq!(status, 200, "{alg:?}: {body}");
    }
    let s2s = s.s2s().await;
    let refused = sa::generate_key(
        &s.ctx(),
        &Actor::Operator,
        &ClientId(s2s.client_id.clone()),
        latchkey_core::keys::KeyAlg::Rs256,
    )
    .await;
    assert!(
        matches!(refused, Err(AdminError::Invalid(_))),
        "{refused:?}"
    );
}

/// The IMS JWT exchange authenticates with the credential's client secret, so it counts
/// as a use of that secret (the console's "last used"), as the token endpoint does; a
/// refused secret does not.
#[tokio::test]
async fn the_ims_exchange_records_its_secrets_last_use() {
    async fn exchange(s: &TestServer, c: &Sa, secret: &str) -> u16 {
        let jwt = rs256(&ims_claims(s, c));
        let form = [
            ("client_id", c.client_id.as_str()),
            ("client_secret", secret),
            ("jwt_token", jwt.as_str()),
        ];
        s.post_form("/ims/exchange/jwt", &form)
            .await
            .status()
            .as_u16()
    }
    let s = TestServer::start().await;
    let c = service_account(&s, CredentialKind::ServiceAccountJwt, Some(RSA_CERT)).await;
    let id = ClientId(c.client_id.clone());
    let last_used = || async { s.state.store.active_secrets(&id).await.unwrap()[0].last_used_at };
    assert_eq!(last_used().await, None);
    s.clock.advance_secs(60);
    assert_eq!(exchange(&s, &c, "wrong").await, 401);
    assert_eq!(last_used().await, None, "a refused secret is not a use");
    assert_eq!(exchange(&s, &c, &c.client_secret).await, 200);
    assert_eq!(last_used().await, Some(s.clock.now()));
}
