//! Caches for the hot paths (ARCHITECTURE.md, "Caches"): token issuance, validation and
//! introspection read credentials, their secrets' hashes, technical accounts, project
//! APIs, product roles, revocations, token cutoffs and grant states from memory once
//! warm, so a node answers them without a database round trip.
//!
//! Correct, not just fast:
//! - **This process:** every write through this store that can change a cached row drops
//!   the cache before it returns (`invalidate_all`, or the grants only for code and
//!   refresh-token redemption, which revoke a grant on replay).
//! - **Other nodes and the CLI:** the database's triggers (migration 0008) append the key
//!   of every changed row to `cache_events` in the writer's transaction. Each node reads
//!   the events after the last one it saw every `POLL` (at once when PostgreSQL NOTIFYs
//!   `latchkey_cache`) and drops what they name.
//! - **No stale answers when the events cannot be read:** an entry is served only while
//!   the last successful read of the events is younger than `FRESH` (one second); past
//!   that every read goes to the database, and after an outage longer than `RESYNC_AFTER`
//!   (events are kept for a minute) the whole cache is dropped.
//! - **No lost invalidation:** an entry loaded from the database is kept only if no
//!   invalidation happened while it was being read (`generation`), checked under the
//!   map's lock that invalidations also take.

use async_trait::async_trait;
use latchkey_core::clock::Timestamp;
use latchkey_core::model::{Api, Credential, SecretRecord, User};
use latchkey_core::products::ProductRole;
use latchkey_core::store::*;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

mod flows;
mod identity;

/// How often a node reads new invalidation events.
pub const POLL: Duration = Duration::from_millis(250);
/// How recent the last successful read of the events must be for cached entries to be
/// served: the bound on how long another node's change can go unseen.
pub const FRESH: Duration = Duration::from_secs(1);
/// After an outage this long the events a node missed may have been pruned: drop all.
const RESYNC_AFTER: Duration = Duration::from_secs(30);
/// Events read per query.
const BATCH: i64 = 1000;
/// Entries per map; a full map is emptied (a bound on memory, e.g. against unknown ids).
const MAX_ENTRIES: usize = 100_000;

/// Where a node reads the invalidation events (the `cache_events` table).
#[async_trait]
pub(crate) trait EventSource: Send + Sync {
    /// The highest event number so far (0 when there is none).
    async fn latest_event(&self) -> StoreResult<i64>;
    /// Up to `limit` events after `seq`, plus those of the last `window_secs` seconds (by
    /// the database's clock), in order. The window catches an event whose number was
    /// taken before a higher one but committed after it (PostgreSQL sequences), which a
    /// plain `seq > last` would skip for good.
    async fn recent_events(
        &self,
        seq: i64,
        window_secs: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, String)>>;
    /// Every revoked token id still stored, with its row's expiry (ms).
    async fn revoked_jtis(&self) -> StoreResult<Vec<(String, i64)>>;
}

type Map<K, V> = RwLock<HashMap<K, V>>;

fn read<K, V>(m: &Map<K, V>) -> std::sync::RwLockReadGuard<'_, HashMap<K, V>> {
    m.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<K, V>(m: &Map<K, V>) -> std::sync::RwLockWriteGuard<'_, HashMap<K, V>> {
    m.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Default)]
pub(crate) struct Cache {
    generation: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    synced: Mutex<Option<Instant>>,
    credentials: Map<String, Option<Credential>>,
    secrets: Map<String, Vec<SecretRecord>>,
    users: Map<String, Option<User>>,
    project_apis: Map<String, Vec<Api>>,
    roles: Map<String, Vec<ProductRole>>,
    /// Every revoked `jti` with its row's expiry (ms), loaded at start and grown by
    /// events: authoritative while fresh, so a token that was never revoked costs no
    /// database read either. A revocation is never undone, so entries only leave when
    /// `purge_expired` deletes their rows.
    revoked: RwLock<Option<HashMap<String, i64>>>,
    cutoffs: Map<(String, String), Option<Timestamp>>,
    grants: Map<String, bool>,
}

impl Cache {
    fn fresh(&self) -> bool {
        let synced = *self
            .synced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        synced.is_some_and(|t| t.elapsed() < FRESH)
    }

    /// Record a successful read of the events; true when the previous one is so old
    /// that events may have been missed.
    fn mark_synced(&self) -> bool {
        let mut s = self
            .synced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let long_gap = s.is_none_or(|t| t.elapsed() > RESYNC_AFTER);
        *s = Some(Instant::now());
        long_gap
    }

    /// The value for `key`: from memory when fresh, else loaded and (if nothing was
    /// invalidated meanwhile) kept.
    async fn cached<K, V, F, Fut>(&self, map: &Map<K, V>, key: K, load: F) -> StoreResult<V>
    where
        K: Eq + Hash,
        V: Clone,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = StoreResult<V>>,
    {
        if self.fresh()
            && let Some(v) = read(map).get(&key)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(v.clone());
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let before = self.generation.load(Ordering::SeqCst);
        let v = load().await?;
        if self.fresh() {
            let mut m = write(map);
            if self.generation.load(Ordering::SeqCst) == before {
                if m.len() >= MAX_ENTRIES {
                    m.clear();
                }
                m.insert(key, v.clone());
            }
        }
        Ok(v)
    }

    /// `f` of the value for `key` when it is in memory and fresh: read in place, not cloned.
    fn peek<K, V, R>(&self, map: &Map<K, V>, key: &K, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        K: Eq + Hash,
    {
        if !self.fresh() {
            return None;
        }
        let r = read(map).get(key).map(f)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(r)
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn invalidate_all(&self) {
        self.bump();
        write(&self.credentials).clear();
        write(&self.secrets).clear();
        write(&self.users).clear();
        write(&self.project_apis).clear();
        write(&self.roles).clear();
        write(&self.cutoffs).clear();
        write(&self.grants).clear();
    }

    /// One credential's entries (its secrets' last use changed).
    pub(crate) fn invalidate_credential(&self, client_id: &str) {
        self.bump();
        write(&self.credentials).remove(client_id);
        write(&self.secrets).remove(client_id);
    }

    pub(crate) fn invalidate_grants(&self) {
        self.bump();
        write(&self.grants).clear();
    }

    fn revoked_set(&self) -> std::sync::RwLockWriteGuard<'_, Option<HashMap<String, i64>>> {
        self.revoked
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add_revoked(&self, jti: &str, expires_at: i64) {
        if let Some(set) = self.revoked_set().as_mut() {
            set.insert(jti.to_owned(), expires_at);
        }
    }

    /// Merge the stored revocations in (never dropping one: a concurrent revocation may
    /// be in memory and not yet in what was read).
    fn load_revoked(&self, all: Vec<(String, i64)>) {
        let mut set = self.revoked_set();
        set.get_or_insert_with(HashMap::new).extend(all);
    }

    /// What `purge_expired(now)` deleted: rows with `expires_at < now`.
    fn forget_revoked_before(&self, now: Timestamp) {
        if let Some(set) = self.revoked_set().as_mut() {
            set.retain(|_, exp| *exp >= now.0);
        }
    }

    /// Whether `jti` is revoked, from memory when the set is loaded and fresh.
    fn revoked_in_memory(&self, jti: &str) -> Option<bool> {
        if !self.fresh() {
            return None;
        }
        let set = self
            .revoked
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let hit = set.as_ref().map(|s| s.contains_key(jti));
        if hit.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        hit
    }

    /// Drop what one event names (see migration 0008 for the keys).
    fn apply(&self, key: &str) {
        self.bump();
        let (kind, id) = key.split_once(':').unwrap_or((key, ""));
        match kind {
            "credential" => {
                write(&self.credentials).remove(id);
                write(&self.secrets).remove(id);
            }
            "user" => {
                write(&self.users).remove(id);
                write(&self.roles).remove(id);
            }
            "project" => {
                write(&self.project_apis).remove(id);
            }
            "apis" => write(&self.project_apis).clear(),
            "jti" => match id.split_once(':') {
                Some((exp, jti)) => self.add_revoked(jti, exp.parse().unwrap_or(i64::MAX)),
                None => self.invalidate_all(),
            },
            "cutoff" => write(&self.cutoffs).clear(),
            "grant" => {
                write(&self.grants).remove(id);
            }
            "roles" => write(&self.roles).clear(),
            _ => self.invalidate_all(),
        }
    }
}

/// Seconds of events re-read on every poll (see `EventSource::recent_events`).
const WINDOW_SECS: i64 = 2;

/// Load the stored revocations into memory (the database answers until this succeeds).
async fn load_revoked(c: &Cache, events: &dyn EventSource) {
    match events.revoked_jtis().await {
        Ok(all) => c.load_revoked(all),
        Err(e) => {
            tracing::warn!(error = %e, "cache: cannot load revoked tokens; asking the database")
        }
    }
}

/// Read the events until the cache is dropped: every `POLL`, or at once when `wake` is
/// notified (PostgreSQL's NOTIFY).
async fn follow(cache: Weak<Cache>, events: Arc<dyn EventSource>, wake: Arc<Notify>) {
    // The event number first, then the revoked set: a revocation committed in between
    // is in the set, in the events after `last`, or both.
    let mut last = loop {
        match events.latest_event().await {
            Ok(n) => break n,
            Err(e) => {
                tracing::warn!(error = %e, "cache: cannot read cache_events yet");
                tokio::time::sleep(POLL).await;
                if cache.strong_count() == 0 {
                    return;
                }
            }
        }
    };
    match cache.upgrade() {
        Some(c) => {
            load_revoked(&c, events.as_ref()).await;
            c.mark_synced();
        }
        None => return,
    }
    // Events already applied among those the window returns again.
    let mut seen = std::collections::BTreeSet::new();
    let mut failing = false;
    loop {
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            () = wake.notified() => {}
        }
        let Some(c) = cache.upgrade() else { return };
        match events.recent_events(last, WINDOW_SECS, BATCH).await {
            Ok(batch) => {
                let long_gap = c.mark_synced();
                if long_gap {
                    c.invalidate_all();
                }
                if long_gap || c.revoked_set().is_none() {
                    load_revoked(&c, events.as_ref()).await;
                }
                let oldest = batch.first().map(|(seq, _)| *seq);
                let full = batch.iter().filter(|(seq, _)| *seq > last).count() as i64 >= BATCH;
                for (seq, key) in &batch {
                    if seen.insert(*seq) {
                        c.apply(key);
                    }
                    last = last.max(*seq);
                }
                // Forget what the window no longer returns.
                if let Some(oldest) = oldest {
                    seen = seen.split_off(&oldest);
                }
                if full {
                    wake.notify_one();
                }
                if failing {
                    tracing::info!("cache: reading invalidation events again");
                    failing = false;
                }
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cache: cannot read invalidation events; serving from the database");
                    failing = true;
                }
            }
        }
    }
}

/// A store with the hot-path caches in front of `inner`.
pub struct CachedStore {
    inner: Arc<dyn Store>,
    cache: Arc<Cache>,
}

impl CachedStore {
    /// Wrap `inner`, following its invalidation events from `events`; `wake`, when
    /// notified, makes the follower read at once.
    pub(crate) fn new(
        inner: Arc<dyn Store>,
        events: Arc<dyn EventSource>,
        wake: Arc<Notify>,
    ) -> Self {
        let cache = Arc::new(Cache::default());
        tokio::spawn(follow(Arc::downgrade(&cache), events, wake));
        CachedStore { inner, cache }
    }
}

#[async_trait]
impl Store for CachedStore {
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }

    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn cache_stats(&self) -> Option<CacheStats> {
        Some(CacheStats {
            hits: self.cache.hits.load(Ordering::Relaxed),
            misses: self.cache.misses.load(Ordering::Relaxed),
        })
    }

    fn group_commit_stats(&self) -> Option<GroupCommitStats> {
        self.inner.group_commit_stats()
    }
}

/// `EventSource` over a store's pool: the same SQL on both databases.
macro_rules! impl_events {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::cache::EventSource for $store {
            async fn latest_event(&self) -> latchkey_core::store::StoreResult<i64> {
                sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM cache_events")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(crate::error::backend)
            }

            async fn recent_events(
                &self,
                seq: i64,
                window_secs: i64,
                limit: i64,
            ) -> latchkey_core::store::StoreResult<Vec<(i64, String)>> {
                sqlx::query_as::<_, (i64, String)>(&format!(
                    "SELECT seq, key FROM cache_events \
                     WHERE seq > $1 OR at >= {} - $2 ORDER BY seq LIMIT $3",
                    Self::DB_NOW_SECS
                ))
                .bind(seq)
                .bind(window_secs)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(crate::error::backend)
            }

            async fn revoked_jtis(&self) -> latchkey_core::store::StoreResult<Vec<(String, i64)>> {
                sqlx::query_as::<_, (String, i64)>("SELECT jti, expires_at FROM revoked_tokens")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(crate::error::backend)
            }
        }
    };
}

pub(crate) use impl_events;
