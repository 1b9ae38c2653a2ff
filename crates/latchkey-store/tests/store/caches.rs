//! The hot-path caches (`latchkey_store::CachedStore`) across two nodes on one database:
//! what node B holds in memory (a credential, its secrets, a revocation, a cutoff, a
//! grant, product roles, project APIs) follows a change made through node A (or any
//! writer: the triggers of migration 0008 record it) within one second, and never goes
//! back to the old value afterwards; node A sees its own change at once.

use crate::fixtures::*;
use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{ClientId, Jti, ProjectId, UserId};
use latchkey_core::model::{AuthKind, CredentialKind};
use latchkey_core::store::Store;
use std::future::Future;
use std::time::{Duration, Instant};

/// The bound the issue sets: another node's change is seen within this.
const WITHIN: Duration = Duration::from_secs(1);

/// Poll `check` on node B until it holds; how long that took. Fails past `WITHIN`, and
/// checks that once seen it stays seen for a few more polls.
#[allow(clippy::disallowed_methods)]
async fn seen_within<F, Fut>(what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            let took = start.elapsed();
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                assert!(check().await, "{what}: went back to the old value");
            }
            return took;
        }
        assert!(
            start.elapsed() < WITHIN,
            "{what}: node B still had the old value after {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn a_change_on_one_node_reaches_the_others_cache_within_a_second(url: String) {
    let a = latchkey_store::open(&url).await.unwrap();
    let b = latchkey_store::open(&url).await.unwrap();
    let (a, b): (&dyn Store, &dyn Store) = (a.as_ref(), b.as_ref());
    a.insert_org(&org("o1")).await.unwrap();
    a.insert_project(&project("p1", "o1")).await.unwrap();
    a.upsert_api(&api("zeta", &["z.read"], &[])).await.unwrap();
    let tech = technical("T1@techacct");
    let cred = credential("c1", "o1", "p1", CredentialKind::ServerToServer);
    a.insert_credential(
        &latchkey_core::model::Credential {
            technical_account: Some(tech.id.clone()),
            ..cred.clone()
        },
        Some(&tech),
        Some(&secret("s1", "c1", T0)),
    )
    .await
    .unwrap();
    let c1 = ClientId("c1".into());
    let p1 = ProjectId("p1".into());
    let jti_x = Jti("jti-x".into());
    // Warm node B's caches.
    assert!(!b.get_credential(&c1).await.unwrap().unwrap().disabled);
    assert_eq!(b.active_secrets(&c1).await.unwrap().len(), 1);
    assert!(!b.is_token_revoked(&jti_x).await.unwrap());
    assert!(b.project_apis(&p1).await.unwrap().is_empty());
    let s2s = AuthKind::ServerToServer;
    assert!(b.project_scope_names(&p1, s2s).await.unwrap().is_empty());
    assert!(!b.get_user(&tech.id).await.unwrap().unwrap().disabled);
    assert_eq!(b.tokens_revoked_before(&c1, &tech.id).await.unwrap(), None);
    // Node B answers from memory now: a second read is the same.
    assert!(!b.get_credential(&c1).await.unwrap().unwrap().disabled);

    // A revocation on node A: node A sees it at once, node B within a second.
    a.revoke_token(&jti_x, &c1, T0.plus_secs(3600), T0)
        .await
        .unwrap();
    assert!(a.is_token_revoked(&jti_x).await.unwrap(), "node A at once");
    let took = seen_within("revocation", || async {
        b.is_token_revoked(&jti_x).await.unwrap()
    })
    .await;
    eprintln!("revocation seen by node B after {took:?}");

    // A new secret, then the old one revoked (a rotation).
    a.add_secret(&secret("s2", "c1", T0), 2, T0).await.unwrap();
    a.revoke_secret(&c1, "s1", T0).await.unwrap();
    seen_within("rotated secret", || async {
        let live: Vec<String> = b
            .active_secrets(&c1)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        live == ["s2"]
    })
    .await;

    // Disabling the credential (which also sets the client's token cutoff).
    assert!(a.set_credential_disabled(&c1, true, T0).await.unwrap());
    seen_within("disabled credential", || async {
        b.get_credential(&c1).await.unwrap().unwrap().disabled
    })
    .await;
    seen_within("token cutoff", || async {
        b.tokens_revoked_before(&c1, &tech.id).await.unwrap() == Some(T0)
    })
    .await;

    // An API added to the project.
    a.add_project_api(&p1, &latchkey_core::ids::ApiId("zeta".into()))
        .await
        .unwrap();
    seen_within("project API", || async {
        b.project_apis(&p1).await.unwrap().len() == 1
    })
    .await;
    // The scope names the token endpoint reads from the same cached entry.
    assert_eq!(b.project_scope_names(&p1, s2s).await.unwrap(), ["z.read"]);
    assert!(
        b.project_scope_names(&p1, AuthKind::ApiKey)
            .await
            .unwrap()
            .is_empty(),
        "an API that does not accept the credential's kind brings no scope"
    );

    // The technical account disabled.
    a.update_user_security(&tech.id, Some(true), None, T0)
        .await
        .unwrap();
    seen_within("disabled user", || async {
        b.get_user(&UserId(tech.id.0.clone()))
            .await
            .unwrap()
            .unwrap()
            .disabled
    })
    .await;
    let _ = Timestamp(0);
}

/// Housekeeping in batches, shared by two nodes purging at once: every expired row goes,
/// each counted once, none of the live ones, and neither node fails or waits on the other
/// (`SKIP LOCKED` on PostgreSQL).
pub async fn two_nodes_purging_at_once_share_the_work(url: String) {
    let a = latchkey_store::open(&url).await.unwrap();
    let b = latchkey_store::open(&url).await.unwrap();
    a.insert_org(&org("o1")).await.unwrap();
    let u = person("U1", "u1@example.com");
    a.insert_user(&u).await.unwrap();
    let expired = 2100;
    for i in 0..expired {
        a.insert_session(&session(&format!("old-{i}"), "U1", T0.plus_secs(1)))
            .await
            .unwrap();
    }
    for i in 0..10 {
        a.insert_session(&session(&format!("live-{i}"), "U1", T0.plus_secs(1000)))
            .await
            .unwrap();
    }
    let now = T0.plus_secs(10);
    let (ra, rb) = tokio::join!(a.purge_expired(now), b.purge_expired(now));
    assert_eq!(
        ra.unwrap() + rb.unwrap(),
        expired,
        "each expired row counted once"
    );
    assert_eq!(a.purge_expired(now).await.unwrap(), 0);
    assert!(a.get_session(&th("old-7"), T0).await.unwrap().is_none());
    assert!(a.get_session(&th("live-7"), T0).await.unwrap().is_some());
}
