//! The hot-path store traits of `CachedStore` over identities and credentials: orgs, users,
//! projects, the API catalog, credentials, signing keys and revocations (see `super` for how
//! the cache stays correct).

use async_trait::async_trait;
use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{ApiId, ClientId, Jti, OrgId, ProjectId, UserId};
use latchkey_core::keys::StoredKey;
use latchkey_core::model::{
    Api, AuthKind, Credential, Membership, Org, OrgRole, Project, SecretRecord, User,
};
use latchkey_core::store::*;
use std::sync::atomic::Ordering;

use super::CachedStore;

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
