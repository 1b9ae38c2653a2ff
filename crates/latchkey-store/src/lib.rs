//! Latchkey storage: the SQLite (embedded) and PostgreSQL implementations of the core's
//! store traits ([`latchkey_core::store`]), and [`open`], which picks one by URL.
//!
//! Both backends share one implementation of the traits (`directory.rs`, `credentials.rs`,
//! `revocations.rs`, `grants.rs`, `sessions.rs`, ...) and equivalent schemas
//! (`migrations/sqlite`, `migrations/postgres`), migrated at open.

mod admin;
mod audit;
mod cache;
mod credentials;
mod directory;
mod error;
mod events;
mod grants;
mod group_commit;
mod migrate;
mod postgres;
mod products;
mod revocations;
mod rows;
mod sessions;
mod sqlite;

pub use cache::CachedStore;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use latchkey_core::store::{Store, StoreError};
use std::sync::Arc;

/// Open the store named by `url`, creating and migrating its schema as needed:
/// `sqlite://path` (created if missing; `sqlite://latchkey.db` is relative,
/// `sqlite:///abs/path.db` absolute), `sqlite::memory:` (tests), or
/// `postgres://…` / `postgresql://…`. The store comes with the hot-path caches in front
/// ([`CachedStore`]).
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let wake = Arc::new(tokio::sync::Notify::new());
    if url.starts_with("sqlite:") {
        let s = Arc::new(SqliteStore::open(url).await?);
        Ok(Arc::new(CachedStore::new(s.clone(), s, wake)))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let s = Arc::new(PgStore::open(url).await?);
        s.spawn_listener(Arc::downgrade(&wake));
        Ok(Arc::new(CachedStore::new(s.clone(), s, wake)))
    } else {
        // Only the scheme: the rest of a URL may carry a password.
        let scheme = url.split_once(':').map_or("(none)", |(s, _)| s);
        Err(StoreError::Backend(format!(
            "unsupported database URL scheme '{scheme}': use sqlite://PATH or postgres://…"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unknown_schemes_are_refused_without_echoing_the_url() {
        let err = open("mysql://root:hunter2@db/x")
            .await
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.contains("'mysql'"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[tokio::test]
    async fn memory_databases_open_and_answer() {
        let store = open("sqlite::memory:").await.unwrap();
        assert_eq!(store.backend(), "sqlite");
        store.ping().await.unwrap();
    }
}
