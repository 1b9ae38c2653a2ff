//! The PostgreSQL backend, for several Latchkey nodes sharing one database. Writes that
//! must not interleave take row or table locks inside their transaction; reads spanning
//! several statements use one `REPEATABLE READ` snapshot.

use crate::cache::impl_events;
use crate::credentials::impl_credentials;
use crate::directory::impl_directory;
use crate::error::backend;
use crate::grants::impl_grants;
use crate::group_commit::OpFuture;
use crate::products::impl_products;
use latchkey_core::store::{StoreError, StoreResult};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, Transaction};
use std::time::Duration;

const MAX_CONNECTIONS: u32 = 10;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL store. Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Audit events for the next write (`audit.rs`); empty but in `audited` views.
    pending: crate::audit::Pending,
}

impl PgStore {
    /// Connect to `postgres://…` / `postgresql://…` and migrate the schema.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .map_err(|e| StoreError::Backend(format!("connecting to PostgreSQL: {e}")))?;
        crate::migrate::run(crate::migrate::POSTGRES, &pool).await?;
        tracing::info!("PostgreSQL store ready");
        Ok(PgStore {
            pool,
            pending: None,
        })
    }

    /// Close every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Row locks taken by a `SELECT` inside `begin_write`, held until the transaction ends:
    /// `FOR UPDATE` excludes other lockers.
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    /// How a housekeeping batch leaves rows another node is deleting alone.
    const SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";
    /// The database's clock in seconds (what `cache_events.at` is stamped with).
    const DB_NOW_SECS: &'static str = "extract(epoch FROM now())::bigint";

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(backend)
    }

    /// No group commit here (see `in_write`).
    fn write_stats(&self) -> Option<latchkey_core::store::GroupCommitStats> {
        None
    }

    /// Run a token-path write in its own transaction. No batching here: PostgreSQL's
    /// backends commit concurrently and its WAL writer already syncs waiting commits
    /// together (see `group_commit.rs` for SQLite's).
    async fn in_write<T, F>(&self, op: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut PgConnection) -> OpFuture<'c, T> + Send + 'static,
    {
        let mut tx = self.begin_write().await?;
        let out = op(&mut tx).await?;
        self.commit_audited(tx).await?;
        Ok(out)
    }

    async fn begin_read(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(backend)
    }

    /// Blocks other writers of `signing_keys` (not readers) until the transaction ends, so
    /// a second node's "is it empty?" sees the first node's keys.
    async fn lock_keys(tx: &mut Transaction<'static, Postgres>) -> StoreResult<()> {
        sqlx::query("LOCK TABLE signing_keys IN EXCLUSIVE MODE")
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// Lock the credential's row so concurrent rotations of one credential take turns;
    /// `false` if it does not exist.
    async fn lock_credential(
        tx: &mut Transaction<'static, Postgres>,
        client_id: &str,
    ) -> StoreResult<bool> {
        let hit: Option<String> =
            sqlx::query_scalar("SELECT client_id FROM credentials WHERE client_id = $1 FOR UPDATE")
                .bind(client_id)
                .fetch_optional(&mut **tx)
                .await
                .map_err(backend)?;
        Ok(hit.is_some())
    }
}

impl_directory!(PgStore, Postgres);
crate::sessions::impl_sessions!(PgStore);
impl_grants!(PgStore, Postgres);
impl_products!(PgStore, Postgres);
crate::admin::impl_admin!(PgStore, Postgres);
crate::audit::impl_audit!(PgStore, Postgres);
crate::events::impl_event_store!(PgStore, Postgres);
crate::revocations::impl_revocations!(PgStore);
impl_credentials!(PgStore, Postgres, "postgres");

impl_events!(PgStore);

impl PgStore {
    /// LISTEN on `latchkey_cache` and wake the cache's follower at each NOTIFY, so other
    /// nodes' changes are dropped at once rather than at the next poll. Reconnects after
    /// a lost connection (the poll covers the gap); stops once `wake` is dropped.
    pub(crate) fn spawn_listener(&self, wake: std::sync::Weak<tokio::sync::Notify>) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            loop {
                if wake.strong_count() == 0 {
                    return;
                }
                let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "cache: LISTEN connection failed; polling only");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        continue;
                    }
                };
                if let Err(e) = listener.listen("latchkey_cache").await {
                    tracing::warn!(error = %e, "cache: LISTEN failed; polling only");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
                loop {
                    let next =
                        tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
                            .await;
                    let Some(w) = wake.upgrade() else { return };
                    match next {
                        Ok(Ok(_)) => w.notify_one(),
                        Ok(Err(e)) => {
                            tracing::warn!(error = %e, "cache: LISTEN connection lost; reconnecting");
                            break;
                        }
                        Err(_) => {} // quiet: check that the cache still lives
                    }
                }
            }
        });
    }
}
