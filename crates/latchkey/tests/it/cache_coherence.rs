//! Two nodes on one PostgreSQL database, both serving cached traffic the whole time
//! (ARCHITECTURE.md, "Caches"): a revocation, a disabled client, a disabled user and a
//! secret rotation made at node A are enforced at node B within a second; and when the
//! nodes' notification connections are killed, B still converges within a second.

use crate::support::{PgTempDb, within_a_second};
use latchkey_core::admin::{self, Actor};
use latchkey_core::ids::ClientId;
use latchkey_testkit::flow::add_user;
use latchkey_testkit::{S2s, TestServer};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

async fn valid(s: &TestServer, token: &str) -> bool {
    s.validate(token).await["valid"] == true
}

async fn token_status(s: &TestServer, client_id: &str, secret: &str) -> u16 {
    s.post_form(
        "/ims/token/v3",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", "openid"),
        ],
    )
    .await
    .status()
    .as_u16()
}

/// Background load on a node until `stop`: validations of `tokens` and client
/// credentials for `c`, as fast as one connection goes. Counts requests and 5xx answers.
fn traffic(
    s: Arc<TestServer>,
    c: S2s,
    tokens: Vec<String>,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    broken: Arc<AtomicU64>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            for t in &tokens {
                let r = s
                    .post("/ims/validate_token/v1")
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap();
                if r.status().is_server_error() {
                    broken.fetch_add(1, Ordering::Relaxed);
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            let status = token_status(&s, &c.client_id, &c.client_secret).await;
            if status >= 500 {
                broken.fetch_add(1, Ordering::Relaxed);
            }
            done.fetch_add(1, Ordering::Relaxed);
        }
    })
}

/// Kill every `LISTEN` connection on `db` (both nodes'); how many were killed.
fn kill_listeners(db: &PgTempDb) -> i64 {
    db.admin_sql(&format!(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = '{}' AND query ILIKE 'LISTEN%'",
        db.name
    ))
    .trim()
    .parse()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rel_12_changes_at_one_node_are_enforced_at_another_within_a_second_under_load() {
    let Some(db) = PgTempDb::create() else {
        return;
    };
    let a = Arc::new(TestServer::start_on(Some(db.url.clone())).await);
    let b = Arc::new(a.another_node().await);
    let ctx = a.ctx();

    // What B will be asked about: an app's token, a person's token, and a bystander
    // credential whose traffic must keep working throughout.
    let c = a.s2s().await;
    let bystander = a.s2s().await;
    let email = format!("ada{}@example.com", &c.client_id[..6]);
    add_user(&a, &c.org_id, &email, None).await;
    let person = admin::accounts::find_user(&ctx, &email).await.unwrap();
    let app_token = b.token(&c, "openid,AdobeID").await;
    let person_token = a.person_token(&c.client_id, &person.id, "openid");
    let steady = b.token(&bystander, "openid").await;
    assert!(valid(&b, &app_token).await && valid(&b, &person_token).await);

    let stop = Arc::new(AtomicBool::new(false));
    let (done, broken) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut load = Vec::new();
    for node in [&a, &b] {
        load.push(traffic(
            Arc::clone(node),
            bystander.clone(),
            vec![steady.clone(), app_token.clone(), person_token.clone()],
            Arc::clone(&stop),
            Arc::clone(&done),
            Arc::clone(&broken),
        ));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // 1. A token revoked at A.
    let r = a
        .post_form(
            "/ims/revoke",
            &[
                ("token", &app_token),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    within_a_second("revoked token", || async { !valid(&b, &app_token).await }).await;

    // 2. A secret rotated away at A: the new secret works at B, the old one stops.
    let id = ClientId(c.client_id.clone());
    let original = a.state.store.active_secrets(&id).await.unwrap();
    let (rotated, _) = admin::rotate_secret(&ctx, &Actor::Operator, &id)
        .await
        .unwrap();
    admin::delete_secret(&ctx, &Actor::Operator, &id, &original[0].id)
        .await
        .unwrap();
    within_a_second("deleted secret", || async {
        token_status(&b, &c.client_id, &c.client_secret).await == 401
    })
    .await;
    assert_eq!(token_status(&b, &c.client_id, rotated.expose()).await, 200);

    // 3. A user disabled at A: their token stops validating at B.
    admin::accounts::set_user_disabled(&ctx, &Actor::Operator, &email, true)
        .await
        .unwrap();
    within_a_second("disabled user", || async {
        !valid(&b, &person_token).await
    })
    .await;

    // 4. The nodes lose their notification connections; B converges anyway (its poll),
    //    and a client disabled at A then is refused at B within a second.
    let fresh = S2s {
        client_secret: rotated.expose().to_owned(),
        ..c.clone()
    };
    let fresh_token = b.token(&fresh, "openid").await;
    assert!(valid(&b, &fresh_token).await);
    assert!(kill_listeners(&db) >= 1, "no LISTEN connection found");
    admin::accounts::set_credential_disabled(&ctx, &Actor::Operator, &id, true)
        .await
        .unwrap();
    within_a_second(
        "client disabled after the notifications dropped",
        || async {
            !valid(&b, &fresh_token).await
                && token_status(&b, &fresh.client_id, &fresh.client_secret).await == 401
        },
    )
    .await;

    stop.store(true, Ordering::Relaxed);
    for l in load {
        l.await.unwrap();
    }
    assert_eq!(
        broken.load(Ordering::Relaxed),
        0,
        "server errors under load"
    );
    assert!(done.load(Ordering::Relaxed) > 100, "the load ran");
    // The bystander was never affected, on either node.
    assert!(valid(&a, &steady).await && valid(&b, &steady).await);
    assert_eq!(
        token_status(&b, &bystander.client_id, &bystander.client_secret).await,
        200
    );
}
