//! The hot paths answer from memory once warm (ARCHITECTURE.md, "Caches"): client
//! credentials, validate_token and introspection make no database read, as the cache
//! counters on /metrics show; and a change made through this node (revoking a token,
//! disabling the client, rotating its secret) is seen by the very next request.

use latchkey_testkit::TestServer;
use serde_json::Value;

async fn misses(s: &TestServer) -> (u64, u64) {
    let body = s.metrics().await;
    let read = |result: &str| -> u64 {
        body.lines()
            .find_map(|l| {
                l.strip_prefix(&format!(
                    "latchkey_cache_reads_total{{result=\"{result}\"}} "
                ))
            })
            .unwrap_or_else(|| panic!("no {result} counter in /metrics:\n{body}"))
            .trim()
            .parse()
            .unwrap()
    };
    (read("hit"), read("miss"))
}

async fn introspect(s: &TestServer, c: &latchkey_testkit::S2s, token: &str) -> Value {
    s.post("/oauth2/introspect")
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn client_credentials_validation_and_introspection_read_nothing_once_warm() {
    let s = TestServer::start().await;
    let c = s.s2s().await;
    let round = async || {
        let t = s.token(&c, "openid,AdobeID,firefly_api").await;
        assert_eq!(s.validate(&t).await["valid"], true);
        assert_eq!(introspect(&s, &c, &t).await["active"], true);
    };
    // Warm up until a whole round reads nothing: the first token records the secret's
    // use, a write whose event (applied a poll later) drops the credential's entries.
    let mut warm = false;
    for _ in 0..20 {
        let (_, before) = misses(&s).await;
        round().await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        if misses(&s).await.1 == before {
            warm = true;
            break;
        }
    }
    assert!(warm, "the hot path never stopped reading the database");
    let (hits_before, misses_before) = misses(&s).await;
    for _ in 0..20 {
        round().await;
    }
    let (hits, misses_after) = misses(&s).await;
    assert_eq!(misses_after, misses_before, "a warm hot path reads nothing");
    assert!(hits >= hits_before + 20 * 8, "{hits_before} -> {hits}");

    // This node's own changes are seen by the next request.
    let t = s.token(&c, "openid").await;
    let r = s
        .post_form(
            "/ims/revoke",
            &[
                ("token", &t),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(s.validate(&t).await["valid"], false, "revoked at once");
    let ctx = s.ctx();
    let id = latchkey_core::ids::ClientId(c.client_id.clone());
    let (rotated, _) =
        latchkey_core::admin::rotate_secret(&ctx, &latchkey_core::admin::Actor::Operator, &id)
            .await
            .unwrap();
    let old = s.state.store.active_secrets(&id).await.unwrap();
    assert_eq!(old.len(), 2);
    latchkey_core::admin::delete_secret(
        &ctx,
        &latchkey_core::admin::Actor::Operator,
        &id,
        &old[0].id,
    )
    .await
    .unwrap();
    let r = s
        .post_form(
            "/ims/token/v3",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c.client_id),
                ("client_secret", &c.client_secret),
            ],
        )
        .await;
    assert_eq!(r.status(), 401, "the deleted secret is refused at once");
    let fresh = latchkey_testkit::S2s {
        client_secret: rotated.expose().to_owned(),
        ..c.clone()
    };
    let t2 = s.token(&fresh, "openid").await;
    latchkey_core::admin::accounts::set_credential_disabled(
        &ctx,
        &latchkey_core::admin::Actor::Operator,
        &id,
        true,
    )
    .await
    .unwrap();
    assert_eq!(s.validate(&t2).await["valid"], false, "disabled at once");
}
