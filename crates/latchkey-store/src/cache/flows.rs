//! The store traits of `CachedStore` over flows and the rest: grants, sessions, service
//! accounts, products, console ids, admin, audit and events (see `super` for how the cache
//! stays correct).

use async_trait::async_trait;
use latchkey_core::clock::Timestamp;
use latchkey_core::ids::{ClientId, GrantId, Jti, OrgId, ProjectId, TokenHash, UserId};
use latchkey_core::model::{
    AuditEvent, AuditQuery, AuthCode, CodeRedemption, CredentialKind, Grant, Invitation,
    Membership, OrgRole, RefreshToken, Rotation, Session, User,
};
use latchkey_core::products::{
    CertificateRecord, InstanceUser, ProductInstance, ProductProfile, ProductRole, ProfileMember,
};
use latchkey_core::store::*;
use std::sync::Arc;

use super::CachedStore;

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

    async fn remove_member(&self, org: &OrgId, user: &UserId) -> StoreResult<bool> {
        let r = self.inner.remove_member(org, user).await;
        self.cache.invalidate_all();
        r
    }

    async fn insert_member_user(&self, user: &User, m: &Membership) -> StoreResult<()> {
        let r = self.inner.insert_member_user(user, m).await;
        self.cache.invalidate_all();
        r
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

    async fn invite_member(&self, m: &Membership, invitation: &Invitation) -> StoreResult<()> {
        let r = self.inner.invite_member(m, invitation).await;
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
