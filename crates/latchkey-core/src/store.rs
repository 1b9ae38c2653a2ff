//! Storage traits the core owns (docs/style.md habit 6). Each trait is narrow and documents the
//! atomicity its callers rely on; `latchkey-store` implements them for SQLite and
//! PostgreSQL, and one storage test suite runs against both.
//!
//! Every method that returns `Ok` after a write has made that write durable: a response
//! that acknowledges a grant, revocation or key is only sent after the commit.

use crate::clock::Timestamp;
use crate::ids::{ApiId, ClientId, GrantId, Jti, OrgId, ProjectId, TokenHash, UserId};
use crate::keys::StoredKey;
use crate::model::CredentialKind;
use crate::model::{
    Api, AuditEvent, AuditQuery, AuthCode, AuthKind, CodeRedemption, Credential, Grant, Invitation,
    Membership, Org, OrgRole, Project, RefreshToken, Rotation, SecretRecord, Session, User,
};
use crate::products::{
    CertificateRecord, InstanceUser, ProductInstance, ProductProfile, ProductRole, ProfileMember,
};
use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("storage error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait OrgStore: Send + Sync {
    async fn insert_org(&self, org: &Org) -> StoreResult<()>;
    async fn get_org(&self, id: &OrgId) -> StoreResult<Option<Org>>;
    async fn list_orgs(&self) -> StoreResult<Vec<Org>>;
    /// Insert or replace the user's role in the org.
    async fn set_membership(&self, m: &Membership) -> StoreResult<()>;
    async fn membership(&self, org: &OrgId, user: &UserId) -> StoreResult<Option<Membership>>;
    /// Every org the user belongs to, with the role, ordered by org name.
    async fn user_memberships(&self, user: &UserId) -> StoreResult<Vec<(Org, OrgRole)>>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// `Conflict` when the email is taken (case-insensitively).
    async fn insert_user(&self, user: &User) -> StoreResult<()>;
    async fn get_user(&self, id: &UserId) -> StoreResult<Option<User>>;
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// One transaction (SEC-25): apply `disabled` and/or `password_hash` (each only if
    /// `Some`); `Conflict`, changing nothing, when disabling would leave an org the user
    /// is a system admin of without an enabled system admin (the last-admin rule); when the account is being disabled or its password changed, also revoke
    /// every active grant of the user (with their codes and refresh tokens), every access
    /// token about the user issued so far (`tokens_revoked_before`), and end all of the
    /// user's browser sessions. `false` if the user does not exist.
    async fn update_user_security(
        &self,
        user: &UserId,
        disabled: Option<bool>,
        password_hash: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<bool>;
}

#[async_trait]
pub trait ProjectStore: Send + Sync {
    async fn insert_project(&self, p: &Project) -> StoreResult<()>;
    async fn get_project(&self, id: &ProjectId) -> StoreResult<Option<Project>>;
    async fn list_projects(&self, org: &OrgId) -> StoreResult<Vec<Project>>;
    /// Idempotent: adding an API twice leaves one link.
    async fn add_project_api(&self, project: &ProjectId, api: &ApiId) -> StoreResult<()>;
    async fn project_apis(&self, project: &ProjectId) -> StoreResult<Vec<Api>>;
    /// The scope names of the project's APIs that accept `auth`
    /// (`crate::model::scope_names`). A cache answers it without copying the APIs.
    async fn project_scope_names(
        &self,
        project: &ProjectId,
        auth: AuthKind,
    ) -> StoreResult<Vec<String>> {
        Ok(crate::model::scope_names(
            &self.project_apis(project).await?,
            auth,
        ))
    }
    /// Take an API off a project; `false` when the project did not have it.
    async fn remove_project_api(&self, project: &ProjectId, api: &ApiId) -> StoreResult<bool>;
    /// `false` if the project does not exist.
    async fn rename_project(&self, project: &ProjectId, name: &str) -> StoreResult<bool>;
    /// One transaction: remove the project, its API links and its event subscriptions
    /// (with their deliveries). `Conflict` while it still
    /// has credentials (they are deleted one by one, each revoking what it issued);
    /// `false` if it does not exist.
    async fn delete_project(&self, project: &ProjectId) -> StoreResult<bool>;
}

#[async_trait]
pub trait ApiCatalog: Send + Sync {
    /// Insert or replace an API with its scopes and metascopes, in one transaction.
    async fn upsert_api(&self, api: &Api) -> StoreResult<()>;
    async fn get_api(&self, id: &ApiId) -> StoreResult<Option<Api>>;
    async fn list_apis(&self) -> StoreResult<Vec<Api>>;
}

#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// One transaction: the credential, its technical account (user + org membership) and
    /// its first secret. Either all exist afterwards or none does.
    async fn insert_credential(
        &self,
        cred: &Credential,
        technical_account: Option<&User>,
        secret: Option<&SecretRecord>,
    ) -> StoreResult<()>;
    async fn get_credential(&self, client_id: &ClientId) -> StoreResult<Option<Credential>>;
    /// One transaction (SEC-25): set the credential's `disabled` flag; when disabling,
    /// also revoke every active grant of the client with its codes and refresh tokens, and
    /// every access token issued to it so far (`tokens_revoked_before`).
    /// `false` if the credential does not exist.
    async fn set_credential_disabled(
        &self,
        client_id: &ClientId,
        disabled: bool,
        now: Timestamp,
    ) -> StoreResult<bool>;
    async fn list_credentials(&self, project: &ProjectId) -> StoreResult<Vec<Credential>>;
    /// One transaction: delete the credential with its secrets, certificates, redirect URIs
    /// and grants (so its codes and refresh tokens), revoke every access token issued to it
    /// (a cutoff, as when disabling), and retire its technical account: disabled, its
    /// tokens revoked, out of the org and of every product. `false` if it does not exist.
    async fn delete_credential(&self, client_id: &ClientId, now: Timestamp) -> StoreResult<bool>;
    /// One transaction: set the credential's name (if `Some`) and replace its redirect
    /// URIs, in order (if `Some`). `false` if the credential does not exist.
    async fn update_credential(
        &self,
        client_id: &ClientId,
        name: Option<&str>,
        redirect_uris: Option<&[String]>,
    ) -> StoreResult<bool>;
    /// Secrets that authenticate now, oldest first.
    async fn active_secrets(&self, client_id: &ClientId) -> StoreResult<Vec<SecretRecord>>;
    /// Record that secret `id` of `client_id` authenticated its client at `now` (never
    /// moving the time back).
    async fn touch_secret(&self, client_id: &ClientId, id: &str, now: Timestamp)
    -> StoreResult<()>;
    /// One transaction: add `rec`, then revoke the oldest active secrets until at most
    /// `max_active` remain. Returns the ids of the secrets revoked.
    async fn add_secret(
        &self,
        rec: &SecretRecord,
        max_active: usize,
        now: Timestamp,
    ) -> StoreResult<Vec<String>>;
    /// Revoke an active secret, in one transaction that keeps at least one: `Conflict` for
    /// the credential's last active secret (a credential without one cannot authenticate;
    /// rotate first). `true` if it was revoked; `false` for an unknown or revoked one.
    async fn revoke_secret(
        &self,
        client_id: &ClientId,
        secret_id: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Insert `keys` only if no key exists yet, atomically: two nodes starting at once on
    /// an empty database end up with one key set. Returns whether they were inserted.
    async fn insert_initial_keys(&self, keys: &[StoredKey]) -> StoreResult<bool>;
    async fn insert_key(&self, key: &StoredKey) -> StoreResult<()>;
    async fn list_keys(&self) -> StoreResult<Vec<StoredKey>>;
    async fn schedule_key_retirement(
        &self,
        kid: &str,
        retire_at: Timestamp,
        expire_at: Timestamp,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Durably record that token `jti` is revoked until `expires_at`. Idempotent.
    async fn revoke_token(
        &self,
        jti: &Jti,
        client_id: &ClientId,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()>;
    async fn is_token_revoked(&self, jti: &Jti) -> StoreResult<bool>;
    /// The cutoff of a token of `client_id` about `subject`: every such token created at
    /// or before the returned time is revoked. Disabling a credential sets the client's
    /// cutoff, disabling an account or changing its password the user's (in the same
    /// transaction as the change), so enabling either again revives nothing.
    async fn tokens_revoked_before(
        &self,
        client_id: &ClientId,
        subject: &UserId,
    ) -> StoreResult<Option<Timestamp>>;
    /// Forget what has expired anyway: revocations of expired tokens, expired codes,
    /// refresh tokens and sessions.
    async fn purge_expired(&self, now: Timestamp) -> StoreResult<u64>;
}

/// Consent grants and what hangs off them: authorization codes and refresh tokens.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Record consent. If (user, client) has an active grant, its scopes become the union
    /// of its scopes and `scopes`; otherwise a grant with id `new_id` is created. A revoked
    /// grant is never revived, so what it issued stays dead. Returns the active grant.
    async fn upsert_grant(
        &self,
        new_id: &GrantId,
        user: &UserId,
        client: &ClientId,
        scopes: &[String],
        now: Timestamp,
    ) -> StoreResult<Grant>;
    async fn active_grant(&self, user: &UserId, client: &ClientId) -> StoreResult<Option<Grant>>;
    async fn get_grant(&self, id: &GrantId) -> StoreResult<Option<Grant>>;
    /// The user's active grants, most recently created first.
    async fn list_user_grants(&self, user: &UserId) -> StoreResult<Vec<Grant>>;
    /// One transaction: mark the grant revoked, and its unredeemed codes and live refresh
    /// tokens dead. Idempotent; `true` if it was active.
    async fn revoke_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<bool>;
    async fn grant_is_active(&self, id: &GrantId) -> StoreResult<bool>;
    /// Record that the grant was used (Connected Applications shows "last used").
    async fn touch_grant(&self, id: &GrantId, now: Timestamp) -> StoreResult<()>;
    async fn insert_code(&self, code: &AuthCode) -> StoreResult<()>;
    /// The code with that hash, whether consumed or not. Changes nothing: the token
    /// endpoint checks who presents a code before anything is consumed (SEC-16).
    async fn find_code(&self, hash: &TokenHash) -> StoreResult<Option<AuthCode>>;
    /// Redeem a code, in one transaction: consume it, insert `refresh` (which must belong
    /// to the code's grant, else `Conflict`) and record the grant as used. Atomic single
    /// use (docs/style.md habit 7): of any number of concurrent calls with one hash, exactly one
    /// gets `Redeemed`; later ones get `AlreadyUsed` and write nothing. A crash leaves
    /// either all of it or none. Expiry is the caller's.
    async fn redeem_code(
        &self,
        hash: &TokenHash,
        now: Timestamp,
        refresh: Option<&RefreshToken>,
    ) -> StoreResult<CodeRedemption>;
    async fn insert_refresh_token(&self, rt: &RefreshToken) -> StoreResult<()>;
    async fn find_refresh_token(&self, hash: &TokenHash) -> StoreResult<Option<RefreshToken>>;
    /// One transaction: if `old_hash` is unused, unexpired at `now` and its grant active,
    /// mark it used, insert `new` and record the grant's last use → `Rotated`. If it was
    /// used before → `Reused`.
    /// Otherwise → `Invalid`. Of concurrent rotations of one token exactly one rotates.
    async fn rotate_refresh_token(
        &self,
        old_hash: &TokenHash,
        new: &RefreshToken,
        now: Timestamp,
    ) -> StoreResult<Rotation>;
}

/// Browser sessions (the sign-in cookie).
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, s: &Session) -> StoreResult<()>;
    /// The session if it exists and has not expired at `now`.
    async fn get_session(&self, hash: &TokenHash, now: Timestamp) -> StoreResult<Option<Session>>;
    async fn delete_session(&self, hash: &TokenHash) -> StoreResult<()>;
    /// Write (insert or replace) a Playground session: `sealed` is opaque to the store.
    async fn put_playground(
        &self,
        hash: &TokenHash,
        sealed: &[u8],
        expires_at: Timestamp,
    ) -> StoreResult<()>;
    /// The sealed Playground session if it exists and has not expired at `now`.
    async fn get_playground(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> StoreResult<Option<Vec<u8>>>;
    async fn delete_playground(&self, hash: &TokenHash) -> StoreResult<()>;
}

/// Service-account keys and assertion replay detection (RFC 7523; docs/ims-contract.md §2.3).
#[async_trait]
pub trait ServiceAccountStore: Send + Sync {
    /// Record that `client_id` used assertion `jti`, kept until `expires_at` (REL-05:
    /// durable, so a restart does not reopen the replay window). Rows expired at `now`
    /// are purged first. Atomic: of any number of concurrent calls with one (client, jti)
    /// exactly one returns `true`; every other returns `false` (a replay, FUZZ-07).
    /// An expired row of the same (client, jti) is replaced.
    async fn record_assertion_jti(
        &self,
        client_id: &ClientId,
        jti: &Jti,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Forget every `jti` whose assertion has expired at `now` (the server's cleanup
    /// loop). Returns how many.
    async fn purge_assertion_jtis(&self, now: Timestamp) -> StoreResult<u64>;
    /// `Conflict` if the id is taken, `NotFound` if the credential is missing.
    async fn insert_certificate(&self, cert: &CertificateRecord) -> StoreResult<()>;
    /// Every registered certificate or key of the credential, oldest first.
    async fn list_certificates(&self, client_id: &ClientId) -> StoreResult<Vec<CertificateRecord>>;
    /// Set when a key stops verifying. `false` if there is no such key.
    async fn set_certificate_expiry(
        &self,
        client_id: &ClientId,
        id: &str,
        expires_at: Timestamp,
    ) -> StoreResult<bool>;
    /// `false` if there is no such key.
    async fn delete_certificate(&self, client_id: &ClientId, id: &str) -> StoreResult<bool>;
    /// Change a credential's kind from `from` to `to` in place (client id, secrets,
    /// technical account and everything keyed by them stay). `false` if it was not `from`.
    async fn change_credential_kind(
        &self,
        client_id: &ClientId,
        from: CredentialKind,
        to: CredentialKind,
    ) -> StoreResult<bool>;
}

/// Products, their instances per org, product profiles and product users.
#[async_trait]
pub trait ProductStore: Send + Sync {
    /// The org's policy: may its `developer`s manage credentials? (default: yes).
    async fn developers_may_manage_credentials(&self, org: &OrgId) -> StoreResult<bool>;
    /// `NotFound` if the org is missing.
    async fn set_developers_may_manage_credentials(
        &self,
        org: &OrgId,
        allowed: bool,
    ) -> StoreResult<()>;
    /// Idempotent.
    async fn ensure_product(&self, name: &str, now: Timestamp) -> StoreResult<()>;
    async fn list_products(&self) -> StoreResult<Vec<String>>;
    /// `Conflict` when the org already has an instance of that product with that name.
    async fn insert_instance(&self, instance: &ProductInstance) -> StoreResult<()>;
    async fn get_instance(&self, id: &str) -> StoreResult<Option<ProductInstance>>;
    /// The org's instances, oldest first.
    async fn list_instances(&self, org: &OrgId) -> StoreResult<Vec<ProductInstance>>;
    /// `Conflict` when the instance already has a profile of that name.
    async fn insert_profile(&self, profile: &ProductProfile) -> StoreResult<()>;
    async fn get_profile(&self, id: &str) -> StoreResult<Option<ProductProfile>>;
    async fn list_profiles(&self, instance: &str) -> StoreResult<Vec<ProductProfile>>;
    /// One transaction: insert or update the membership, and make the user a product user
    /// of the profile's instance.
    async fn set_profile_member(
        &self,
        profile: &str,
        user: &UserId,
        is_admin: bool,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// `false` if the user was not a member.
    async fn remove_profile_member(&self, profile: &str, user: &UserId) -> StoreResult<bool>;
    async fn profile_members(&self, profile: &str) -> StoreResult<Vec<ProfileMember>>;
    /// Idempotent.
    async fn add_product_user(
        &self,
        instance: &str,
        user: &UserId,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// The user's role in every instance they use: `admin` when they administer one of
    /// its profiles, else `contributor`.
    async fn product_roles(&self, user: &UserId) -> StoreResult<Vec<ProductRole>>;
}

/// Numeric aliases for the console API (docs/console-contract.md §3): `kind` is one of
/// `org`, `project`, `workspace`, `credential`; `id` the Latchkey id behind the number.
#[async_trait]
pub trait ConsoleIdStore: Send + Sync {
    /// The number of (`kind`, `id`): the one stored, or else `candidate`, stored now. Of
    /// concurrent first calls one number wins and all get it. `Conflict` when `candidate`
    /// is already another object's number of that kind (draw another).
    async fn console_number(&self, kind: &str, id: &str, candidate: &str) -> StoreResult<String>;
    /// The id behind number `number` of `kind`, if any.
    async fn console_id(&self, kind: &str, number: &str) -> StoreResult<Option<String>>;
}

/// The Admin Console's reads and its guarded writes (docs/design.md lists the Admin Console).
#[async_trait]
pub trait AdminStore: Send + Sync {
    /// Members of `org` whose email, name or id contains `query` (case-insensitively;
    /// every member when it is empty), with their role: people before technical accounts,
    /// then by email; at most `limit`.
    async fn search_members(
        &self,
        org: &OrgId,
        query: &str,
        limit: i64,
    ) -> StoreResult<Vec<(User, OrgRole)>>;
    /// One transaction: set a member's org role. `Conflict`, changing nothing, when that
    /// leaves the org without an enabled system admin (the last-admin rule); `false` when
    /// the user is not a member. Concurrent calls on one org are serialised, so two
    /// admins demoting each other cannot both succeed.
    async fn change_role(&self, org: &OrgId, user: &UserId, role: OrgRole) -> StoreResult<bool>;
    /// One transaction: take `user` out of `org`, with what the membership gave them there
    /// (their product profiles and product access in the org's instances, and unused
    /// invitations to it). `Conflict`, changing nothing, when that leaves the org without
    /// an enabled system admin; `false` when the user is not a member. The person stays
    /// (their account and other orgs are theirs).
    async fn remove_member(&self, org: &OrgId, user: &UserId) -> StoreResult<bool>;
    /// One transaction: a new person and their membership `m` (both or neither, so a
    /// failed membership leaves no user behind whose email blocks a retry).
    async fn insert_member_user(&self, user: &User, m: &Membership) -> StoreResult<()>;
    /// One transaction: a new person without a password, their membership with `role`,
    /// and the invitation that lets them set one.
    async fn insert_invited_user(
        &self,
        user: &User,
        role: OrgRole,
        invitation: &Invitation,
    ) -> StoreResult<()>;
    /// One transaction: make an existing person (who has set no password) a member with
    /// `m`'s role, and replace their unused invitations to `m`'s org with `invitation`
    /// (a new link: the old ones stop working).
    async fn invite_member(&self, m: &Membership, invitation: &Invitation) -> StoreResult<()>;
    /// The invitation with that hash if it is unused and unexpired at `now`.
    async fn get_invitation(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> StoreResult<Option<Invitation>>;
    /// One transaction: consume the invitation (unused and unexpired at `now`; of
    /// concurrent calls exactly one wins) and set its user's password, if they have none
    /// yet (a link never resets a password). The user, or
    /// `None` when the invitation is not usable.
    async fn accept_invitation(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<UserId>>;
    /// `Conflict` when the instance has another profile of that name; `false` if absent.
    async fn rename_profile(&self, id: &str, name: &str) -> StoreResult<bool>;
    /// One transaction: the profile and its memberships (its admins stop being admins of
    /// the instance through it; they stay its users). `false` if absent.
    async fn delete_profile(&self, id: &str) -> StoreResult<bool>;
    /// Every user of the instance with their role in it, and for a technical account the
    /// credential it belongs to; people first, then by email.
    async fn instance_users(&self, instance: &str) -> StoreResult<Vec<InstanceUser>>;
}

/// The audit log (docs/security-checklist.md SEC-40): entries written in the transaction
/// of the change they record.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// A view of this store whose next committed write also inserts `events`, in the same
    /// transaction: both are durable, or neither. Use it for the one write that makes the
    /// change; later writes through the view carry nothing.
    fn audited(&self, events: Vec<AuditEvent>) -> std::sync::Arc<dyn Store>;
    /// Insert entries that record no change of their own (a failed sign-in, a lockout,
    /// a detected replay), durably.
    async fn record_audit(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// Entries matching `q`, newest first.
    async fn search_audit(&self, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>>;
    /// Delete entries older than `before` (retention). Returns how many.
    async fn purge_audit(&self, before: Timestamp) -> StoreResult<u64>;
}

/// I/O Events: subscriptions and the durable delivery queue (`crate::events`). Deliveries
/// are inserted by the audit log's writes (the outbox), in the change's transaction.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// `Conflict` when the project already has `MAX_SUBSCRIPTIONS`.
    async fn insert_subscription(&self, s: &crate::events::Subscription) -> StoreResult<()>;
    async fn get_subscription(&self, id: &str) -> StoreResult<Option<crate::events::Subscription>>;
    async fn list_subscriptions(
        &self,
        project: &ProjectId,
    ) -> StoreResult<Vec<crate::events::Subscription>>;
    /// One transaction: the subscription and its deliveries. `false` if absent.
    async fn delete_subscription(&self, id: &str) -> StoreResult<bool>;
    /// Take up to `limit` pending deliveries due at `now` that no node holds, and hold
    /// them until `lease_until` (a node that dies lets go when the lease ends). Several
    /// nodes never take the same delivery at once (`FOR UPDATE SKIP LOCKED`; SQLite
    /// serialises writers). Each comes with its subscription's URL.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<(crate::events::Delivery, String)>>;
    /// Record an attempt's outcome and let go of the delivery, durably.
    async fn finish_delivery(
        &self,
        id: &str,
        outcome: &crate::events::Outcome,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// The subscription's deliveries, newest first.
    async fn list_deliveries(
        &self,
        subscription: &str,
        limit: i64,
    ) -> StoreResult<Vec<crate::events::Delivery>>;
    /// Queue a delivery again, at once, with its id. `false` if absent.
    async fn redeliver(&self, id: &str, now: Timestamp) -> StoreResult<bool>;
    /// Forget delivered and failed deliveries created before `before` (pending ones stay
    /// until they are done). Returns how many.
    async fn purge_deliveries(&self, before: Timestamp) -> StoreResult<u64>;
}

/// Everything a Latchkey node needs from its database.
#[async_trait]
pub trait Store:
    OrgStore
    + UserStore
    + ProjectStore
    + ApiCatalog
    + CredentialStore
    + KeyStore
    + RevocationStore
    + GrantStore
    + SessionStore
    + ServiceAccountStore
    + ProductStore
    + ConsoleIdStore
    + AdminStore
    + AuditStore
    + EventStore
{
    async fn ping(&self) -> StoreResult<()>;
    fn backend(&self) -> &'static str;
    /// Reads answered from the hot-path caches and reads that went to the database, when
    /// the store has caches.
    fn cache_stats(&self) -> Option<CacheStats> {
        None
    }
    /// Transactions committed for groups of token-path writes and the writes they held,
    /// when the store batches them (SQLite's group commit).
    fn group_commit_stats(&self) -> Option<GroupCommitStats> {
        None
    }
}

/// Counters of a store that commits writes in groups (`/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupCommitStats {
    pub commits: u64,
    pub writes: u64,
}

/// Counters of a caching store (`/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
}
