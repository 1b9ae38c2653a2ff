//! I/O Events against a real HTTP receiver on loopback, with the real `latchkey` binary:
//! registration answers a challenge first; deliveries are signed (verified here with the
//! server's JWKS); a receiver that is down for a while gets every event once it is up,
//! duplicates carrying the same delivery id; a server killed with SIGKILL mid-delivery
//! delivers the event after its restart; two nodes on one PostgreSQL deliver each event
//! once; loopback targets are refused unless the operator allows them (SSRF).

use crate::support::{Env, Got, Mode, PgTempDb, Receiver, Server, http};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// Wait up to `secs` for `cond`.
fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..secs * 10 {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

/// Delivery ids the receiver was sent, with how often each came.
fn by_id(got: &[Got]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for g in got {
        *m.entry(g.headers["x-latchkey-delivery-id"].clone())
            .or_insert(0) += 1;
    }
    m
}

fn events_env(env: Env) -> Env {
    env.with_var("LATCHKEY_EVENTS_ALLOW_PRIVATE_TARGETS", "true")
        .with_var("LATCHKEY_EVENTS_RETRY_BASE_MS", "200")
        .with_var("LATCHKEY_EVENTS_LEASE_SECS", "2")
}

/// An org with a project; the project's id.
fn project(env: &Env) -> String {
    let org = env.cli_json(&["org", "create", "--name", "Acme", "--json"]);
    let p = env.cli_json(&[
        "project",
        "create",
        "--org",
        org["id"].as_str().unwrap(),
        "--name",
        "Hooks",
        "--json",
    ]);
    p["id"].as_str().unwrap().to_owned()
}

/// A credential created by the CLI: one `credential.created` event.
fn event(env: &Env, project: &str, name: &str) -> String {
    let c = env.cli_json(&[
        "credential",
        "create",
        "--project",
        project,
        "--kind",
        "api_key",
        "--name",
        name,
        "--json",
    ]);
    c["client_id"].as_str().unwrap().to_owned()
}

fn subscribe(env: &Env, project: &str, url: &str) -> String {
    let s = env.cli_json(&[
        "events",
        "subscribe",
        "--project",
        project,
        "--url",
        url,
        "--event",
        "credential.created",
        "--event",
        "credential.deleted",
        "--json",
    ]);
    s["id"].as_str().unwrap().to_owned()
}

async fn verify(server: &Server, g: &Got) -> Value {
    let set: JwkSet = http()
        .get(format!("{}/ims/keys", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jws = &g.headers["x-latchkey-signature"];
    let kid = decode_header(jws).unwrap().kid.unwrap();
    let jwk = set
        .find(&kid)
        .expect("the signing key is published in JWKS");
    let mut v = Validation::new(Algorithm::ES256);
    v.validate_exp = false;
    v.required_spec_claims.clear();
    v.set_issuer(&[server.url.as_str()]);
    let claims = decode::<Value>(jws, &DecodingKey::from_jwk(jwk).unwrap(), &v)
        .expect("the signature verifies with JWKS")
        .claims;
    assert_eq!(claims["jti"], g.headers["x-latchkey-delivery-id"].as_str());
    assert_eq!(
        claims["body_sha256"],
        latchkey_core::pkce::s256(&g.body).as_str(),
        "the signature covers this body"
    );
    let ts: i64 = g.headers["x-latchkey-timestamp"].parse().unwrap();
    assert_eq!(claims["iat"], ts);
    claims
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_signed_retried_until_the_receiver_is_up_and_survive_sigkill() {
    let rx = Receiver::start();
    let env = events_env(Env::new());
    let project = project(&env);
    let server = env.serve(&[]);
    let sub = subscribe(&env, &project, &rx.url);

    // Delivered and signed.
    let c1 = event(&env, &project, "first");
    wait_for(20, "the first delivery", || !rx.got().is_empty());
    let g = rx.got()[0].clone();
    let claims = verify(&server, &g).await;
    let body: Value = serde_json::from_str(&g.body).unwrap();
    assert_eq!(body["type"], "credential.created");
    assert_eq!(body["target"], format!("credential {c1}"));
    assert_eq!(claims["event_id"], body["event_id"]);
    assert_eq!(claims["subscription_id"], sub.as_str());
    assert_eq!(g.headers["x-latchkey-event-type"], "credential.created");

    // The receiver is down: retried with backoff, nothing lost once it is up.
    rx.set(Mode::Down);
    let before = rx.got().len();
    for n in 0..3 {
        event(&env, &project, &format!("while down {n}"));
    }
    wait_for(20, "retries while down", || rx.got().len() >= before + 6);
    let log = env.cli_json(&["events", "deliveries", "--subscription", &sub, "--json"]);
    let pending: Vec<&Value> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "pending")
        .collect();
    assert_eq!(pending.len(), 3, "{log}");
    assert!(pending.iter().all(|d| d["last_status"] == 503), "{log}");
    rx.set(Mode::Up);
    wait_for(30, "every delivery", || {
        let log = env.cli_json(&["events", "deliveries", "--subscription", &sub, "--json"]);
        log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "delivered")
    });
    let ids = by_id(&rx.got());
    assert_eq!(ids.len(), 4, "four events, four delivery ids: {ids:?}");
    assert!(ids.values().any(|n| *n > 1), "retries repeat the same id");
    for g in rx.got() {
        verify(&server, &g).await;
    }

    // SIGKILL while a delivery is in flight: it is delivered after the restart.
    rx.set(Mode::Hold);
    let held = rx.got().len();
    event(&env, &project, "in flight");
    wait_for(20, "the held delivery to arrive", || rx.got().len() > held);
    let in_flight = rx.got()[held].headers["x-latchkey-delivery-id"].clone();
    server.kill9();
    rx.set(Mode::Up);
    let server = env.serve(&[]);
    wait_for(30, "the delivery after the restart", || {
        rx.got()[held + 1..]
            .iter()
            .any(|g| g.headers["x-latchkey-delivery-id"] == in_flight)
    });
    wait_for(20, "the log to say delivered", || {
        let log = env.cli_json(&["events", "deliveries", "--subscription", &sub, "--json"]);
        log["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == in_flight.as_str() && d["status"] == "delivered")
    });

    // Manual redelivery sends it again, with its id.
    let before = rx.got().len();
    env.cli_json(&["events", "redeliver", "--delivery", &in_flight, "--json"]);
    wait_for(20, "the redelivery", || {
        rx.got()[before..]
            .iter()
            .any(|g| g.headers["x-latchkey-delivery-id"] == in_flight)
    });
    drop(server);
}

#[test]
fn registration_answers_a_challenge_and_refuses_private_targets_by_default() {
    let rx = Receiver::start();
    let env = Env::new();
    let project = project(&env);
    let err = env.cli_fails(&[
        "events",
        "subscribe",
        "--project",
        &project,
        "--url",
        &rx.url,
        "--event",
        "credential.created",
    ]);
    assert!(err.contains("not a public address"), "{err}");
    let env = env.with_var("LATCHKEY_EVENTS_ALLOW_PRIVATE_TARGETS", "true");
    // A URL that does not echo the challenge is refused.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in silent.incoming().map_while(Result::ok) {
            let mut s = s;
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nno");
        }
    });
    let err = env.cli_fails(&[
        "events",
        "subscribe",
        "--project",
        &project,
        "--url",
        &format!("http://{addr}/x"),
        "--event",
        "credential.created",
    ]);
    assert!(err.contains("did not echo the challenge"), "{err}");
    for bad in ["ftp://example.com/x", "https://user:pw@example.com/"] {
        let err = env.cli_fails(&[
            "events",
            "subscribe",
            "--project",
            &project,
            "--url",
            bad,
            "--event",
            "credential.created",
        ]);
        assert!(err.contains("webhook URL"), "{bad}: {err}");
    }
    let err = env.cli_fails(&[
        "events",
        "subscribe",
        "--project",
        &project,
        "--url",
        &rx.url,
        "--event",
        "nope",
    ]);
    assert!(err.contains("unknown AuditAction"), "{err}");
    let err = env.cli_fails(&[
        "events",
        "subscribe",
        "--project",
        &project,
        "--url",
        &rx.url,
        "--event",
        "signing_key.rotated",
    ]);
    assert!(err.contains("belongs to no org"), "{err}");
    let id = subscribe(&env, &project, &rx.url);
    let list = env.cli_json(&["events", "list", "--project", &project, "--json"]);
    assert_eq!(list["subscriptions"][0]["id"], id.as_str());
    assert_eq!(
        list["subscriptions"][0]["event_types"],
        serde_json::json!(["credential.created", "credential.deleted"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgres_deliver_each_event_once() {
    let Some(db) = PgTempDb::create() else {
        return;
    };
    let rx = Receiver::start();
    let env = events_env(
        Env::new()
            .with_database(&db.url)
            .with_master_key(&"ab".repeat(32)),
    )
    .with_var("LATCHKEY_EVENTS_LEASE_SECS", "30");
    let project = project(&env);
    let a = env.serve(&[]);
    let b = env.serve(&[]);
    subscribe(&env, &project, &rx.url);
    const N: usize = 20;
    for n in 0..N {
        event(&env, &project, &format!("event {n}"));
    }
    wait_for(60, "every event", || by_id(&rx.got()).len() == N);
    // A little longer, for any double delivery to show up.
    std::thread::sleep(Duration::from_secs(2));
    let ids = by_id(&rx.got());
    assert_eq!(ids.len(), N);
    assert!(
        ids.values().all(|n| *n == 1),
        "each delivered once: {ids:?}"
    );
    drop((a, b));
}

/// The Developer Console's Events pages, in process: a system admin subscribes (the
/// challenge is answered), a change queues a delivery in the log, one worker round
/// delivers it, and "Redeliver" sends it again with its id; a read-only member sees the
/// log but may not subscribe; another org's admin gets 404 (SEC-40).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_subscribes_lists_deliveries_and_redelivers() {
    use latchkey_core::admin::{self, Actor, NewCredential, NewUser};
    use latchkey_core::ids::{OrgId, ProjectId};
    use latchkey_core::model::{CredentialKind, OrgRole};
    use latchkey_testkit::browser::{Browser, hidden, location};
    use latchkey_testkit::flow::PASSWORD;
    let rx = Receiver::start();
    let s = latchkey_testkit::TestServer::start().await;
    let app = s.credential(CredentialKind::OAuthWeb).await;
    let other = s.credential(CredentialKind::OAuthWeb).await;
    let ctx = s.ctx();
    for (org, email, role) in [
        (&app.org_id, "boss@acme.example", OrgRole::SystemAdmin),
        (&app.org_id, "viewer@acme.example", OrgRole::User),
        (&other.org_id, "boss@globex.example", OrgRole::SystemAdmin),
    ] {
        admin::create_user(
            &ctx,
            NewUser {
                org: &OrgId(org.clone()),
                email,
                password: PASSWORD,
                role,
                given_name: None,
                family_name: None,
                country: None,
            },
        )
        .await
        .unwrap();
    }
    let project = s
        .state
        .store
        .list_projects(&OrgId(app.org_id.clone()))
        .await
        .unwrap()
        .remove(0);
    let page = format!("/console/projects/{}/events", project.id);
    let signed_in = |email: &'static str| {
        let url = s.url.clone();
        async move {
            let mut b = Browser::new(&url);
            let html = b.get("/login").await.text().await.unwrap();
            let r = b
                .post(
                    "/login",
                    &[
                        ("username", email),
                        ("password", PASSWORD),
                        ("csrf", &hidden(&html, "csrf")),
                    ],
                )
                .await;
            assert_eq!(r.status(), 303);
            b
        }
    };
    let mut boss = signed_in("boss@acme.example").await;
    let html = boss.get(&page).await.text().await.unwrap();
    assert!(html.contains("id=\"subscribe\""));
    let csrf = hidden(&html, "csrf");
    let r = boss
        .post(
            &page,
            &[
                ("csrf", csrf.as_str()),
                ("url", rx.url.as_str()),
                ("event", "credential.created"),
                ("event", "credential.deleted"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    assert_eq!(location(&r), format!("{page}?done=subscribed"));
    let html = boss
        .get(&page)
        .await
        .text()
        .await
        .unwrap()
        .replace("&#x2f;", "/");
    let log = html
        .split("href=\"/console/events/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|id| format!("/console/events/{id}"))
        .expect("a subscription row");

    // A change queues a delivery; one worker round sends it.
    let created = admin::create_credential(
        &ctx,
        &Actor::Operator,
        NewCredential {
            project: &ProjectId(project.id.0.clone()),
            kind: CredentialKind::ApiKey,
            name: Some("Watched"),
            redirect_uris: &[],
            certificate_pem: None,
            profiles: &[],
        },
    )
    .await
    .unwrap();
    let html = boss.get(&log).await.text().await.unwrap();
    assert!(html.contains("data-status=\"pending\""), "{html}");
    let settings = s.state.settings.events;
    let sent = latchkey_http::events::deliver_due(&s.state, &settings)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let got = rx.got();
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(
        body["target"],
        format!("credential {}", created.credential.client_id)
    );
    let html = boss.get(&log).await.text().await.unwrap();
    assert!(html.contains("data-status=\"delivered\""), "{html}");
    let delivery = got[0].headers["x-latchkey-delivery-id"].clone();
    let r = boss
        .post(
            &format!("{log}/redeliver"),
            &[
                ("csrf", hidden(&html, "csrf").as_str()),
                ("delivery", delivery.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    latchkey_http::events::deliver_due(&s.state, &settings)
        .await
        .unwrap();
    let got = rx.got();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[1].headers["x-latchkey-delivery-id"], delivery,
        "the same id"
    );

    // A read-only member sees the log, may not subscribe; an outsider sees nothing.
    let mut viewer = signed_in("viewer@acme.example").await;
    let html = viewer.get(&page).await.text().await.unwrap();
    assert!(!html.contains("id=\"subscribe\""));
    // A valid CSRF token of the viewer's own session (their read-only page has no form).
    let any = viewer
        .get("/account/connected-applications")
        .await
        .text()
        .await
        .unwrap();
    let r = viewer
        .post(
            &page,
            &[
                ("csrf", hidden(&any, "csrf").as_str()),
                ("url", rx.url.as_str()),
                ("event", "user.created"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(viewer.get(&log).await.status(), 200);
    let mut outsider = signed_in("boss@globex.example").await;
    assert_eq!(outsider.get(&page).await.status(), 404);
    assert_eq!(outsider.get(&log).await.status(), 404);
}

/// `https` webhooks speak TLS and verify the certificate against the Mozilla roots: a
/// self-signed certificate (from `openssl s_server`) is refused at the challenge.
#[test]
fn https_webhooks_verify_the_receivers_certificate() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args(["-days", "1", "-subj", "/CN=127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is installed (.ci/run installs it)");
    assert!(made.success());
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-www",
            "-accept",
            &port.to_string(),
            "-cert",
        ])
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(20, "openssl s_server", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let env = Env::new().with_var("LATCHKEY_EVENTS_ALLOW_PRIVATE_TARGETS", "true");
    let project = project(&env);
    let err = env.cli_fails(&[
        "events",
        "subscribe",
        "--project",
        &project,
        "--url",
        &format!("https://127.0.0.1:{port}/hook"),
        "--event",
        "credential.created",
    ]);
    let _ = server.kill();
    let _ = server.wait();
    assert!(err.contains("did not answer the challenge"), "{err}");
    assert!(
        err.to_lowercase().contains("certificate"),
        "refused for its certificate, after a TLS handshake: {err}"
    );
}
