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
use latchkey_core::ids::{ApiId, ClientId, GrantId, Jti, OrgId, ProjectId, TokenHash, UserId};
use latchkey_core::keys::StoredKey;
use latchkey_core::model::{
    Api, AuditEvent, AuditQuery, AuthCode, CodeRedemption, Credential, Grant, Invitation,
    Membership, Org, OrgRole, Project, RefreshToken, Rotation, SecretRecord, Session, User,
};
use latchkey_core::model::{AuthKind, CredentialKind};
use latchkey_core::products::{
    CertificateRecord, InstanceUser, ProductInstance, ProductProfile, ProductRole, ProfileMember,
};
use latchkey_core::store::*;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

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

#[async_trait]
impl OrgStore for CachedStore {
    async fn insert_org(&self, org: &Org) -> StoreResult<()> {
        self.inner.insert_org(org).await
    }

    async fn get_org(&self, id: &OrgId) -> StoreResult<Option<Org>> {
        self.inner.get_org(id).await
    }

    async fn list_orgs(&self) -> StoreResult<Vec<Org>> {
        self.inner.list_orgs().await
    }

    async fn set_membership(&self, m: &Membership) -> StoreResult<()> {
        self.inner.set_membership(m).await
    }

    async fn membership(&self, org: &OrgId, user: &UserId) -> StoreResult<Option<Membership>> {
        self.inner.membership(org, user).await
    }

    async fn user_memberships(&self, user: &UserId) -> StoreResult<Vec<(Org, OrgRole)>> {
        self.inner.user_memberships(user).await
    }
}

#[async_trait]
impl UserStore for CachedStore {
    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        let r = self.inner.insert_user(user).await;
        self.cache.invalidate_all();
        r
    }

    async fn get_user(&self, id: &UserId) -> StoreResult<Option<User>> {
        self.cache
            .cached(&self.cache.users, id.0.clone(), || self.inner.get_user(id))
            .await
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.inner.find_user_by_email(email).await
    }

    async fn update_user_security(
        &self,
        user: &UserId,
        disabled: Option<bool>,
        password_hash: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let r = self
            .inner
            .update_user_security(user, disabled, password_hash, now)
            .await;
        self.cache.invalidate_all();
        r
    }
}

#[async_trait]
impl ProjectStore for CachedStore {
    async fn insert_project(&self, p: &Project) -> StoreResult<()> {
        self.inner.insert_project(p).await
    }

    async fn get_project(&self, id: &ProjectId) -> StoreResult<Option<Project>> {
        self.inner.get_project(id).await
    }

    async fn list_projects(&self, org: &OrgId) -> StoreResult<Vec<Project>> {
        self.inner.list_projects(org).await
    }

    async fn add_project_api(&self, project: &ProjectId, api: &ApiId) -> StoreResult<()> {
        let r = self.inner.add_project_api(project, api).await;
        self.cache.invalidate_all();
        r
    }

    async fn project_apis(&self, project: &ProjectId) -> StoreResult<Vec<Api>> {
        self.cache
            .cached(&self.cache.project_apis, project.0.clone(), || {
                self.inner.project_apis(project)
            })
            .await
    }

    async fn project_scope_names(
        &self,
        project: &ProjectId,
        auth: AuthKind,
    ) -> StoreResult<Vec<String>> {
        let names = |apis: &Vec<Api>| latchkey_core::model::scope_names(apis, auth);
        if let Some(n) = self.cache.peek(&self.cache.project_apis, &project.0, names) {
            return Ok(n);
        }
        Ok(names(&self.project_apis(project).await?))
    }

    async fn remove_project_api(&self, project: &ProjectId, api: &ApiId) -> StoreResult<bool> {
        let r = self.inner.remove_project_api(project, api).await;
        self.cache.invalidate_all();
        r
    }

    async fn rename_project(&self, project: &ProjectId, name: &str) -> StoreResult<bool> {
        let r = self.inner.rename_project(project, name).await;
        self.cache.invalidate_all();
        r
    }

    async fn delete_project(&self, project: &ProjectId) -> StoreResult<bool> {
        let r = self.inner.delete_project(project).await;
        self.cache.invalidate_all();
        r
    }
}

#[async_trait]
impl ApiCatalog for CachedStore {
    async fn upsert_api(&self, api: &Api) -> StoreResult<()> {
        let r = self.inner.upsert_api(api).await;
        self.cache.invalidate_all();
        r
    }

    async fn get_api(&self, id: &ApiId) -> StoreResult<Option<Api>> {
        self.inner.get_api(id).await
    }

    async fn list_apis(&self) -> StoreResult<Vec<Api>> {
        self.inner.list_apis().await
    }
}

#[async_trait]
impl CredentialStore for CachedStore {
    async fn insert_credential(
        &self,
        cred: &Credential,
        technical_account: Option<&User>,
        secret: Option<&SecretRecord>,
    ) -> StoreResult<()> {
        let r = self
            .inner
            .insert_credential(cred, technical_account, secret)
            .await;
        self.cache.invalidate_all();
        r
    }

    async fn get_credential(&self, client_id: &ClientId) -> StoreResult<Option<Credential>> {
        self.cache
            .cached(&self.cache.credentials, client_id.0.clone(), || {
                self.inner.get_credential(client_id)
            })
            .await
    }

    async fn set_credential_disabled(
        &self,
        client_id: &ClientId,
        disabled: bool,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let r = self
            .inner
            .set_credential_disabled(client_id, disabled, now)
            .await;
        self.cache.invalidate_all();
        r
    }

    async fn list_credentials(&self, project: &ProjectId) -> StoreResult<Vec<Credential>> {
        self.inner.list_credentials(project).await
    }

    async fn delete_credential(&self, client_id: &ClientId, now: Timestamp) -> StoreResult<bool> {
        let r = self.inner.delete_credential(client_id, now).await;
        self.cache.invalidate_all();
        r
    }

    async fn update_credential(
        &self,
        client_id: &ClientId,
        name: Option<&str>,
        redirect_uris: Option<&[String]>,
    ) -> StoreResult<bool> {
        let r = self
            .inner
            .update_credential(client_id, name, redirect_uris)
            .await;
        self.cache.invalidate_all();
        r
    }

    async fn active_secrets(&self, client_id: &ClientId) -> StoreResult<Vec<SecretRecord>> {
        self.cache
            .cached(&self.cache.secrets, client_id.0.clone(), || {
                self.inner.active_secrets(client_id)
            })
            .await
    }

    async fn touch_secret(
        &self,
        client_id: &ClientId,
        id: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let r = self.inner.touch_secret(client_id, id, now).await;
        self.cache.invalidate_credential(client_id.as_str());
        r
    }

    async fn add_secret(
        &self,
        rec: &SecretRecord,
        max_active: usize,
        now: Timestamp,
    ) -> StoreResult<Vec<String>> {
        let r = self.inner.add_secret(rec, max_active, now).await;
        self.cache.invalidate_all();
        r
    }

    async fn revoke_secret(
        &self,
        client_id: &ClientId,
        secret_id: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let r = self.inner.revoke_secret(client_id, secret_id, now).await;
        self.cache.invalidate_all();
        r
    }
}

#[async_trait]
impl KeyStore for CachedStore {
    async fn insert_initial_keys(&self, keys: &[StoredKey]) -> StoreResult<bool> {
        self.inner.insert_initial_keys(keys).await
    }

    async fn insert_key(&self, key: &StoredKey) -> StoreResult<()> {
        self.inner.insert_key(key).await
    }

    async fn list_keys(&self) -> StoreResult<Vec<StoredKey>> {
        self.inner.list_keys().await
    }

    async fn schedule_key_retirement(
        &self,
        kid: &str,
        retire_at: Timestamp,
        expire_at: Timestamp,
    ) -> StoreResult<()> {
        self.inner
            .schedule_key_retirement(kid, retire_at, expire_at)
            .await
    }
}

#[async_trait]
impl RevocationStore for CachedStore {
    async fn revoke_token(
        &self,
        jti: &Jti,
        client_id: &ClientId,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()> {
        let r = self
            .inner
            .revoke_token(jti, client_id, expires_at, now)
            .await;
        if r.is_ok() {
            self.cache.bump();
            self.cache.add_revoked(jti.as_str(), expires_at.0);
        }
        r
    }

    async fn is_token_revoked(&self, jti: &Jti) -> StoreResult<bool> {
        if let Some(revoked) = self.cache.revoked_in_memory(jti.as_str()) {
            return Ok(revoked);
        }
        self.cache.misses.fetch_add(1, Ordering::Relaxed);
        self.inner.is_token_revoked(jti).await
    }

    async fn tokens_revoked_before(
        &self,
        client_id: &ClientId,
        subject: &UserId,
    ) -> StoreResult<Option<Timestamp>> {
        self.cache
            .cached(
                &self.cache.cutoffs,
                (client_id.0.clone(), subject.0.clone()),
                || self.inner.tokens_revoked_before(client_id, subject),
            )
            .await
    }

    async fn purge_expired(&self, now: Timestamp) -> StoreResult<u64> {
        let r = self.inner.purge_expired(now).await;
        if r.is_ok() {
            self.cache.forget_revoked_before(now);
        }
        r
    }
}

#[async_trait]
impl GrantStore for CachedStore {
    async fn upsert_grant(
        &self,
        new_id: &GrantId,
        user: &UserId,
        client: &ClientId,
        scopes: &[String],
        now: Timestamp,
    ) -> StoreResult<Grant> {
        let r = self
            .inner
            .upsert_grant(new_id, user, client, scopes, now)
            .await;
        self.cache.invalidate_all();
        r
    }

    async fn active_grant(&self, user: &UserId, client: &ClientId) -> StoreResult<Option<Grant>> {
        self.inner.active_grant(user, client).await
    }

    async fn get_grant(&self, id: &GrantId) -> StoreResult<Option<Grant>> {
        self.inner.get_grant(id).await
    }

    async fn list_user_grants(&self, user: &UserId) -> StoreResult<Vec<Grant>> {
        self.inner.list_user_grants(user).await
    }

    async fn revoke_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<bool> {
        let r = self.inner.revoke_grant(id, now).await;
        self.cache.invalidate_all();
        r
    }

    async fn grant_is_active(&self, id: &GrantId) -> StoreResult<bool> {
        self.cache
            .cached(&self.cache.grants, id.0.clone(), || {
                self.inner.grant_is_active(id)
            })
            .await
    }

    async fn touch_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<()> {
        self.inner.touch_grant(id, now).await
    }

    async fn insert_code(&self, code: &AuthCode) -> StoreResult<()> {
        self.inner.insert_code(code).await
    }

    async fn find_code(&self, hash: &TokenHash) -> StoreResult<Option<AuthCode>> {
        self.inner.find_code(hash).await
    }

    async fn redeem_code(
        &self,
        hash: &TokenHash,
        now: Timestamp,
        refresh: Option<&RefreshToken>,
    ) -> StoreResult<CodeRedemption> {
        let r = self.inner.redeem_code(hash, now, refresh).await;
        self.cache.invalidate_grants();
        r
    }

    async fn insert_refresh_token(&self, rt: &RefreshToken) -> StoreResult<()> {
        self.inner.insert_refresh_token(rt).await
    }

    async fn find_refresh_token(&self, hash: &TokenHash) -> StoreResult<Option<RefreshToken>> {
        self.inner.find_refresh_token(hash).await
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &TokenHash,
        new: &RefreshToken,
        now: Timestamp,
    ) -> StoreResult<Rotation> {
        let r = self.inner.rotate_refresh_token(old_hash, new, now).await;
        self.cache.invalidate_grants();
        r
    }
}

#[async_trait]
impl SessionStore for CachedStore {
    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        self.inner.insert_session(s).await
    }

    async fn get_session(&self, hash: &TokenHash, now: Timestamp) -> StoreResult<Option<Session>> {
        self.inner.get_session(hash, now).await
    }

    async fn delete_session(&self, hash: &TokenHash) -> StoreResult<()> {
        self.inner.delete_session(hash).await
    }

    async fn put_playground(
        &self,
        hash: &TokenHash,
        sealed: &[u8],
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        self.inner.put_playground(hash, sealed, expires_at).await
    }

    async fn get_playground(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> StoreResult<Option<Vec<u8>>> {
        self.inner.get_playground(hash, now).await
    }

    async fn delete_playground(&self, hash: &TokenHash) -> StoreResult<()> {
        self.inner.delete_playground(hash).await
    }
}

#[async_trait]
impl ServiceAccountStore for CachedStore {
    async fn record_assertion_jti(
        &self,
        client_id: &ClientId,
        jti: &Jti,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.inner
            .record_assertion_jti(client_id, jti, expires_at, now)
            .await
    }

    async fn purge_assertion_jtis(&self, now: Timestamp) -> StoreResult<u64> {
        self.inner.purge_assertion_jtis(now).await
    }

    async fn insert_certificate(&self, cert: &CertificateRecord) -> StoreResult<()> {
        self.inner.insert_certificate(cert).await
    }

    async fn list_certificates(&self, client_id: &ClientId) -> StoreResult<Vec<CertificateRecord>> {
        self.inner.list_certificates(client_id).await
    }

    async fn set_certificate_expiry(
        &self,
        client_id: &ClientId,
        id: &str,
        expires_at: Timestamp,
    ) -> StoreResult<bool> {
        self.inner
            .set_certificate_expiry(client_id, id, expires_at)
            .await
    }

    async fn delete_certificate(&self, client_id: &ClientId, id: &str) -> StoreResult<bool> {
        self.inner.delete_certificate(client_id, id).await
    }

    async fn change_credential_kind(
        &self,
        client_id: &ClientId,
        from: CredentialKind,
        to: CredentialKind,
    ) -> StoreResult<bool> {
        let r = self.inner.change_credential_kind(client_id, from, to).await;
        self.cache.invalidate_all();
        r
    }
}

#[async_trait]
impl ProductStore for CachedStore {
    async fn developers_may_manage_credentials(&self, org: &OrgId) -> StoreResult<bool> {
        self.inner.developers_may_manage_credentials(org).await
    }

    async fn set_developers_may_manage_credentials(
        &self,
        org: &OrgId,
        allowed: bool,
    ) -> StoreResult<()> {
        self.inner
            .set_developers_may_manage_credentials(org, allowed)
            .await
    }

    async fn ensure_product(&self, name: &str, now: Timestamp) -> StoreResult<()> {
        self.inner.ensure_product(name, now).await
    }

    async fn list_products(&self) -> StoreResult<Vec<String>> {
        self.inner.list_products().await
    }

    async fn insert_instance(&self, instance: &ProductInstance) -> StoreResult<()> {
        self.inner.insert_instance(instance).await
    }

    async fn get_instance(&self, id: &str) -> StoreResult<Option<ProductInstance>> {
        self.inner.get_instance(id).await
    }

    async fn list_instances(&self, org: &OrgId) -> StoreResult<Vec<ProductInstance>> {
        self.inner.list_instances(org).await
    }

    async fn insert_profile(&self, profile: &ProductProfile) -> StoreResult<()> {
        self.inner.insert_profile(profile).await
    }

    async fn get_profile(&self, id: &str) -> StoreResult<Option<ProductProfile>> {
        self.inner.get_profile(id).await
    }

    async fn list_profiles(&self, instance: &str) -> StoreResult<Vec<ProductProfile>> {
        self.inner.list_profiles(instance).await
    }

    async fn set_profile_member(
        &self,
        profile: &str,
        user: &UserId,
        is_admin: bool,
        now: Timestamp,
    ) -> StoreResult<()> {
        let r = self
            .inner
            .set_profile_member(profile, user, is_admin, now)
            .await;
        self.cache.invalidate_all();
        r
    }

    async fn remove_profile_member(&self, profile: &str, user: &UserId) -> StoreResult<bool> {
        let r = self.inner.remove_profile_member(profile, user).await;
        self.cache.invalidate_all();
        r
    }

    async fn profile_members(&self, profile: &str) -> StoreResult<Vec<ProfileMember>> {
        self.inner.profile_members(profile).await
    }

    async fn add_product_user(
        &self,
        instance: &str,
        user: &UserId,
        now: Timestamp,
    ) -> StoreResult<()> {
        let r = self.inner.add_product_user(instance, user, now).await;
        self.cache.invalidate_all();
        r
    }

    async fn product_roles(&self, user: &UserId) -> StoreResult<Vec<ProductRole>> {
        self.cache
            .cached(&self.cache.roles, user.0.clone(), || {
                self.inner.product_roles(user)
            })
            .await
    }
}

#[async_trait]
impl ConsoleIdStore for CachedStore {
    async fn console_number(&self, kind: &str, id: &str, candidate: &str) -> StoreResult<String> {
        self.inner.console_number(kind, id, candidate).await
    }

    async fn console_id(&self, kind: &str, number: &str) -> StoreResult<Option<String>> {
        self.inner.console_id(kind, number).await
    }
}

#[async_trait]
impl AdminStore for CachedStore {
    async fn search_members(
        &self,
        org: &OrgId,
        query: &str,
        limit: i64,
    ) -> StoreResult<Vec<(User, OrgRole)>> {
        self.inner.search_members(org, query, limit).await
    }

    async fn change_role(&self, org: &OrgId, user: &UserId, role: OrgRole) -> StoreResult<bool> {
        self.inner.change_role(org, user, role).await
    }

    async fn insert_invited_user(
        &self,
        user: &User,
        role: OrgRole,
        invitation: &Invitation,
    ) -> StoreResult<()> {
        let r = self.inner.insert_invited_user(user, role, invitation).await;
        self.cache.invalidate_all();
        r
    }

    async fn get_invitation(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> StoreResult<Option<Invitation>> {
        self.inner.get_invitation(hash, now).await
    }

    async fn accept_invitation(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<UserId>> {
        let r = self.inner.accept_invitation(hash, password_hash, now).await;
        self.cache.invalidate_all();
        r
    }

    async fn rename_profile(&self, id: &str, name: &str) -> StoreResult<bool> {
        self.inner.rename_profile(id, name).await
    }

    async fn delete_profile(&self, id: &str) -> StoreResult<bool> {
        let r = self.inner.delete_profile(id).await;
        self.cache.invalidate_all();
        r
    }

    async fn instance_users(&self, instance: &str) -> StoreResult<Vec<InstanceUser>> {
        self.inner.instance_users(instance).await
    }
}

#[async_trait]
impl AuditStore for CachedStore {
    /// A view sharing this node's caches, whose inner store carries the events.
    fn audited(&self, events: Vec<AuditEvent>) -> Arc<dyn Store> {
        Arc::new(CachedStore {
            inner: self.inner.audited(events),
            cache: self.cache.clone(),
        })
    }

    async fn record_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        self.inner.record_audit(events).await
    }

    async fn search_audit(&self, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        self.inner.search_audit(q).await
    }

    async fn purge_audit(&self, before: Timestamp) -> StoreResult<u64> {
        self.inner.purge_audit(before).await
    }
}

#[async_trait]
impl EventStore for CachedStore {
    async fn insert_subscription(
        &self,
        s: &latchkey_core::events::Subscription,
    ) -> StoreResult<()> {
        self.inner.insert_subscription(s).await
    }

    async fn get_subscription(
        &self,
        id: &str,
    ) -> StoreResult<Option<latchkey_core::events::Subscription>> {
        self.inner.get_subscription(id).await
    }

    async fn list_subscriptions(
        &self,
        project: &ProjectId,
    ) -> StoreResult<Vec<latchkey_core::events::Subscription>> {
        self.inner.list_subscriptions(project).await
    }

    async fn delete_subscription(&self, id: &str) -> StoreResult<bool> {
        self.inner.delete_subscription(id).await
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<(latchkey_core::events::Delivery, String)>> {
        self.inner.claim_deliveries(now, lease_until, limit).await
    }

    async fn finish_delivery(
        &self,
        id: &str,
        outcome: &latchkey_core::events::Outcome,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.inner.finish_delivery(id, outcome, now).await
    }

    async fn list_deliveries(
        &self,
        subscription: &str,
        limit: i64,
    ) -> StoreResult<Vec<latchkey_core::events::Delivery>> {
        self.inner.list_deliveries(subscription, limit).await
    }

    async fn redeliver(&self, id: &str, now: Timestamp) -> StoreResult<bool> {
        self.inner.redeliver(id, now).await
    }

    async fn purge_deliveries(&self, before: Timestamp) -> StoreResult<u64> {
        self.inner.purge_deliveries(before).await
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
