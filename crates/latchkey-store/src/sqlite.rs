//! The embedded backend: SQLite in WAL mode with `synchronous=FULL`, so an acknowledged
//! write survives power loss (REL-07). Transactions that read then write start with
//! `BEGIN IMMEDIATE`: they take the write lock up front instead of failing with
//! `SQLITE_BUSY` when two deferred transactions both try to upgrade.

use crate::cache::impl_events;
use crate::credentials::impl_credentials;
use crate::directory::impl_directory;
use crate::error::backend;
use crate::grants::impl_grants;
use crate::group_commit::{GroupCommit, OpFuture};
use crate::products::impl_products;
use latchkey_core::store::{GroupCommitStats, StoreError, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, SqliteConnection, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// Connections in the pool of a file database. SQLite serialises writers anyway; a few
/// connections let readers proceed alongside the writer (WAL).
const MAX_CONNECTIONS: u32 = 8;
/// How long a statement waits for another connection's write lock before `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite store. Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The token paths' writes, committed in shared transactions (`group_commit.rs`).
    writes: GroupCommit,
    /// Audit events for the next write (`audit.rs`); empty but in `audited` views.
    pending: crate::audit::Pending,
}

/// `sqlite::memory:` and `?mode=memory` databases live only as long as a connection does.
fn is_in_memory(url: &str) -> bool {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (db, params) = rest.split_once('?').unwrap_or((rest, ""));
    db == ":memory:" || params.split('&').any(|p| p == "mode=memory")
}

impl SqliteStore {
    /// Open (creating if missing) the database at `url` — `sqlite://latchkey.db` (relative),
    /// `sqlite:///var/lib/latchkey.db` (absolute) or `sqlite::memory:` — and migrate it.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Backend(format!("invalid SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool_options = if is_in_memory(url) {
            // One connection that never closes: the database is gone with the last one.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(MAX_CONNECTIONS)
        };
        let pool = pool_options
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Backend(format!("opening SQLite database: {e}")))?;
        crate::migrate::run(crate::migrate::SQLITE, &pool).await?;
        tracing::info!(database = %url, "SQLite store ready");
        let writes = GroupCommit::start(pool.clone());
        Ok(SqliteStore {
            pool,
            writes,
            pending: None,
        })
    }

    /// Close every connection (checkpointing the WAL); later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// No row locks in SQLite: `begin_write` already serialises writers.
    const FOR_UPDATE: &'static str = "";
    /// How a housekeeping batch leaves rows another node is deleting alone.
    const SKIP_LOCKED: &'static str = "";
    /// The database's clock in seconds (what `cache_events.at` is stamped with).
    const DB_NOW_SECS: &'static str = "CAST(strftime('%s', 'now') AS INTEGER)";

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)
    }

    fn write_stats(&self) -> Option<GroupCommitStats> {
        Some(self.writes.stats())
    }

    /// Run a token-path write in the next group commit: durable when this returns.
    async fn in_write<T, F>(&self, op: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> OpFuture<'c, T> + Send + 'static,
    {
        let events = crate::audit::take(&self.pending);
        if events.is_empty() {
            return self.writes.run(op).await;
        }
        self.writes
            .run(move |c| {
                Box::pin(async move {
                    let out = op(&mut *c).await?;
                    Self::insert_audit(c, &events).await?;
                    Ok(out)
                })
            })
            .await
    }

    async fn begin_read(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.pool.begin().await.map_err(backend)
    }

    /// Nothing to do: `begin_write` already holds the database's one write lock.
    async fn lock_keys(_tx: &mut Transaction<'static, Sqlite>) -> StoreResult<()> {
        Ok(())
    }

    /// Whether the credential exists; `BEGIN IMMEDIATE` already serialises writers.
    async fn lock_credential(
        tx: &mut Transaction<'static, Sqlite>,
        client_id: &str,
    ) -> StoreResult<bool> {
        let hit: Option<String> =
            sqlx::query_scalar("SELECT client_id FROM credentials WHERE client_id = $1")
                .bind(client_id)
                .fetch_optional(&mut **tx)
                .await
                .map_err(backend)?;
        Ok(hit.is_some())
    }
}

impl_directory!(SqliteStore, Sqlite);
crate::sessions::impl_sessions!(SqliteStore);
impl_grants!(SqliteStore, Sqlite);
impl_products!(SqliteStore, Sqlite);
crate::admin::impl_admin!(SqliteStore, Sqlite);
crate::audit::impl_audit!(SqliteStore, Sqlite);
crate::events::impl_event_store!(SqliteStore, Sqlite);
crate::revocations::impl_revocations!(SqliteStore);
impl_credentials!(SqliteStore, Sqlite, "sqlite");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_urls_are_recognised() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://:memory:"));
        assert!(is_in_memory("sqlite://x.db?mode=memory&cache=shared"));
        assert!(!is_in_memory("sqlite://latchkey.db"));
        assert!(!is_in_memory("sqlite:///var/lib/memory.db"));
    }

    #[tokio::test]
    async fn rel_07_file_databases_use_wal_and_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let store = SqliteStore::open(&url).await.unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let fks: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!((mode.as_str(), sync, fks), ("wal", 2, 1));
        drop(conn);
        store.close().await;
    }
}

impl_events!(SqliteStore);
