#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The storage test binary, the one harness for the storage suite: runs every case of
//! `store/suite.rs` (which re-exports the cases of `store/grants.rs` and
//! `store/service_accounts.rs`) on SQLite (a temp file, always) and on PostgreSQL (a fresh
//! database per test; skipped with a notice when no server answers, a failure under
//! `LATCHKEY_REQUIRE_POSTGRES=1`), and the close-and-reopen cases (REL-07) on both.

#[path = "store/admin.rs"]
mod admin;
#[path = "store/caches.rs"]
mod caches;
#[path = "store/fixtures.rs"]
mod fixtures;
#[path = "store/grants.rs"]
mod grants;
#[path = "store/service_accounts.rs"]
mod service_accounts;
#[path = "store/suite.rs"]
mod suite;

use fixtures::{PgDb, SqliteDb};
use latchkey_core::store::Store;
use latchkey_store::{PgStore, SqliteStore};
use std::future::Future;
use std::sync::Arc;
use tokio::task::JoinError;

/// Run `case` on a fresh SQLite file opened through `latchkey_store::open`.
async fn on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = SqliteDb::new();
    let store = latchkey_store::open(&db.url).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    case(store).await;
}

/// Run `case` on a fresh PostgreSQL database, dropped afterwards even if `case` panics.
async fn on_postgres<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = PgDb::create().await else {
        return;
    };
    let url = db.url.clone();
    let outcome = tokio::spawn(async move {
        let store = latchkey_store::open(&url).await.unwrap();
        assert_eq!(store.backend(), "postgres");
        case(store).await;
    })
    .await;
    db.drop_db().await;
    resume_panic(outcome);
}

/// Re-raise the panic of a test body that ran in a spawned task (after its database was
/// dropped), so the test fails with the body's own message.
fn resume_panic(outcome: Result<(), JoinError>) {
    if let Err(e) = outcome {
        std::panic::resume_unwind(
            e.try_into_panic()
                .unwrap_or_else(|e| Box::new(e.to_string())),
        );
    }
}

/// One test per backend per case: `sqlite::<case>` and `postgres::<case>`. `by_ref` cases
/// take `&dyn Store`; `shared` cases take `Arc<dyn Store>` to spawn tasks with it.
macro_rules! suite {
    (by_ref: [$($r:ident),* $(,)?], shared: [$($a:ident),* $(,)?] $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $r() {
                    on_sqlite(|s| async move { suite::$r(&*s).await }).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $a() {
                    on_sqlite(suite::$a).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $r() {
                    on_postgres(|s| async move { suite::$r(&*s).await }).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $a() {
                    on_postgres(suite::$a).await;
                }
            )*
        }
    };
}

suite! {
    by_ref: [
        ping_answers,
        orgs_users_and_memberships_roundtrip,
        duplicate_email_is_a_conflict_case_insensitively,
        projects_and_catalog_roundtrip,
        credentials_roundtrip,
        update_credential_renames_and_replaces_redirect_uris,
        delete_credential_and_project,
        console_numbers_are_stable_and_unique_per_kind,
        insert_credential_is_atomic,
        add_secret_keeps_at_most_two_active,
        touch_secret_records_the_last_use,
        revoke_secret_only_hits_active_secrets,
        initial_keys_are_inserted_only_once,
        token_revocation_and_purge,
        user_memberships_are_ordered_by_org_name,
        grant_upsert_unions_scopes_and_never_revives,
        revoke_grant_kills_codes_and_refresh_tokens,
        consume_code_redeems_once,
        redeem_code_writes_refresh_and_last_use_together,
        rotate_refresh_token_detects_reuse,
        rotate_refresh_token_refuses_expired_and_unknown,
        sessions_roundtrip_and_expire,
        purge_removes_expired_codes_refresh_tokens_and_sessions,
        account_and_client_changes_revoke_what_they_must,
        review_05_disabling_sets_a_token_cutoff_that_enabling_keeps,
        certificates_roundtrip,
        jtis_are_single_use_until_expiry,
        products_profiles_and_roles,
        members_are_searched_by_email_name_and_id,
        the_last_enabled_system_admin_stays,
        invitations_work_once_and_expire,
        profiles_rename_delete_and_instance_users,
        audit_entries_commit_with_their_change,
        deliveries_are_queued_with_their_entry_and_purged_when_done,
        product_writes_commit_their_audit_entries,
        deleting_a_subscription_takes_its_deliveries,
        a_member_user_is_written_with_its_membership_or_not_at_all,
        removing_a_member_takes_their_org_access_only,
        a_new_invitation_replaces_the_old_one,
    ],
    shared: [
        concurrent_revocations_of_one_jti_all_succeed,
        concurrent_initial_keys_insert_exactly_once,
        concurrent_rotations_keep_two_active,
        concurrent_code_redemptions_redeem_once,
        concurrent_refresh_rotations_rotate_once,
        concurrent_grant_upserts_keep_one_grant_with_every_scope,
        rel_08_revoke_racing_refresh_leaves_nothing_usable,
        concurrent_jti_records_succeed_once,
        concurrent_token_writes_each_get_their_own_outcome,
        concurrent_demotions_keep_one_system_admin,
    ],
}

/// REL-07: what `$before` wrote is in the database, not in a cache: close the pool, check
/// that it is closed, reopen (which re-runs the migrator against an up-to-date schema),
/// and `$after` still sees it. One test per backend, named `$sqlite` and `$postgres`.
macro_rules! survives_reopen {
    ($sqlite:ident, $postgres:ident, $before:path, $after:path $(,)?) => {
        #[tokio::test]
        async fn $sqlite() {
            let db = SqliteDb::new();
            let first = SqliteStore::open(&db.url).await.unwrap();
            $before(&first).await;
            first.close().await;
            assert!(first.ping().await.is_err(), "closed");
            let again = SqliteStore::open(&db.url).await.unwrap();
            $after(&again).await;
            again.close().await;
        }

        #[tokio::test]
        async fn $postgres() {
            let Some(db) = PgDb::create().await else {
                return;
            };
            let url = db.url.clone();
            let outcome = tokio::spawn(async move {
                let first = PgStore::open(&url).await.unwrap();
                $before(&first).await;
                first.close().await;
                assert!(first.ping().await.is_err(), "closed");
                let again = PgStore::open(&url).await.unwrap();
                $after(&again).await;
                again.close().await;
            })
            .await;
            db.drop_db().await;
            resume_panic(outcome);
        }
    };
}

// A revoked token stays revoked.
survives_reopen!(
    sqlite_revocation_survives_reopen,
    postgres_revocation_survives_reopen,
    suite::revoke_before_reopen,
    suite::still_revoked_after_reopen,
);

// A revoked grant stays revoked, and its refresh token dead.
survives_reopen!(
    sqlite_grant_revocation_survives_reopen,
    postgres_grant_revocation_survives_reopen,
    suite::revoke_grant_before_reopen,
    suite::grant_still_revoked_after_reopen,
);

/// `sqlite://relative.db` creates the file relative to the working directory.
#[tokio::test]
async fn sqlite_url_creates_a_missing_file() {
    let db = SqliteDb::new();
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    assert!(!std::path::Path::new(&path).exists());
    let store = SqliteStore::open(&db.url).await.unwrap();
    assert!(std::path::Path::new(&path).exists());
    store.close().await;
}

/// Two nodes on one SQLite file: node B's caches follow node A's writes within a second
/// (by polling `cache_events`).
#[tokio::test]
async fn sqlite_caches_follow_another_nodes_changes_within_a_second() {
    let db = SqliteDb::new();
    caches::a_change_on_one_node_reaches_the_others_cache_within_a_second(db.url.clone()).await;
}

/// Two nodes on one PostgreSQL database: the same, woken by NOTIFY.
#[tokio::test]
async fn postgres_caches_follow_another_nodes_changes_within_a_second() {
    let Some(db) = PgDb::create().await else {
        return;
    };
    let url = db.url.clone();
    let outcome =
        tokio::spawn(caches::a_change_on_one_node_reaches_the_others_cache_within_a_second(url))
            .await;
    db.drop_db().await;
    resume_panic(outcome);
}

#[tokio::test]
async fn sqlite_two_nodes_purging_at_once_share_the_work() {
    let db = SqliteDb::new();
    caches::two_nodes_purging_at_once_share_the_work(db.url.clone()).await;
}

#[tokio::test]
async fn postgres_two_nodes_purging_at_once_share_the_work() {
    let Some(db) = PgDb::create().await else {
        return;
    };
    let url = db.url.clone();
    let outcome = tokio::spawn(caches::two_nodes_purging_at_once_share_the_work(url)).await;
    db.drop_db().await;
    resume_panic(outcome);
}

/// REL-07 under group commit: 200 revocations at once on one SQLite file share far fewer
/// commits than there are writes, each caller is answered only once its write is durable,
/// and all 200 are there after the store is closed and reopened.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rel_07_sqlite_group_commit_shares_commits_and_loses_nothing() {
    use latchkey_core::clock::Timestamp;
    use latchkey_core::ids::{ClientId, Jti};
    use latchkey_core::store::RevocationStore;
    let db = SqliteDb::new();
    let store = Arc::new(SqliteStore::open(&db.url).await.unwrap());
    let before = store.group_commit_stats().unwrap();
    let start = Arc::new(tokio::sync::Barrier::new(200));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let (s, start) = (Arc::clone(&store), Arc::clone(&start));
        tasks.spawn(async move {
            start.wait().await;
            s.revoke_token(
                &Jti(format!("jti-{i}")),
                &ClientId("c1".into()),
                Timestamp(i64::MAX),
                Timestamp(1),
            )
            .await
        });
    }
    for done in tasks.join_all().await {
        done.unwrap();
    }
    let after = store.group_commit_stats().unwrap();
    let (commits, writes) = (after.commits - before.commits, after.writes - before.writes);
    assert_eq!(writes, 200);
    assert!(
        commits <= 100,
        "{commits} commits for 200 concurrent writes"
    );
    store.close().await;
    let again = SqliteStore::open(&db.url).await.unwrap();
    for i in 0..200 {
        assert!(
            again
                .is_token_revoked(&Jti(format!("jti-{i}")))
                .await
                .unwrap(),
            "jti-{i} lost"
        );
    }
    again.close().await;
}
