//! The domain model of docs/design.md: orgs, users, projects, the API catalog, credentials.

use crate::clock::Timestamp;
use crate::ids::{ApiId, ClientId, GrantId, OrgId, ProjectId, TokenHash, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! string_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown {} '{}' (expected one of: {})",
                        stringify!($name),
                        s,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

string_enum!(OrgRole {
    SystemAdmin => "system_admin",
    Developer => "developer",
    User => "user",
});

string_enum!(CredentialKind {
    ApiKey => "api_key",
    OAuthWeb => "oauth_web",
    OAuthSpa => "oauth_spa",
    OAuthNative => "oauth_native",
    ServerToServer => "server_to_server",
    ServiceAccountJwt => "service_account_jwt",
});

// How an API may be called; a credential kind maps onto one of these.
string_enum!(AuthKind {
    ApiKey => "api_key",
    OAuthUser => "oauth_user",
    ServerToServer => "server_to_server",
    ServiceAccountJwt => "service_account_jwt",
});

// What an audit-log entry records (the Admin Console's "Audit" tab, `latchkey audit`).
string_enum!(AuditAction {
    SignedIn => "user.signed_in",
    SignInFailed => "user.sign_in_failed",
    LockedOut => "user.locked_out",
    ConsentGiven => "consent.given",
    ConsentRemoved => "consent.removed",
    CodeReplayed => "code.replay_detected",
    RefreshReused => "refresh_token.reuse_detected",
    TokenRevoked => "token.revoked",
    GrantRevoked => "grant.revoked",
    CredentialCreated => "credential.created",
    CredentialChanged => "credential.changed",
    CredentialDisabled => "credential.disabled",
    CredentialEnabled => "credential.enabled",
    CredentialDeleted => "credential.deleted",
    SecretRotated => "secret.rotated",
    SecretDeleted => "secret.deleted",
    CertificateAdded => "certificate.added",
    CertificateRemoved => "certificate.removed",
    UserCreated => "user.created",
    UserInvited => "user.invited",
    UserDisabled => "user.disabled",
    UserEnabled => "user.enabled",
    UserRemoved => "user.removed",
    PasswordChanged => "user.password_changed",
    RoleChanged => "user.role_changed",
    ProductInstanceCreated => "product_instance.created",
    ProfileCreated => "product_profile.created",
    ProfileRenamed => "product_profile.renamed",
    ProfileDeleted => "product_profile.deleted",
    ProfileMemberChanged => "product_profile.member_changed",
    SigningKeyRotated => "signing_key.rotated",
});

string_enum!(UserKind {
    Person => "person",
    Technical => "technical",
});

impl CredentialKind {
    pub fn auth_kind(self) -> AuthKind {
        match self {
            CredentialKind::ApiKey => AuthKind::ApiKey,
            CredentialKind::OAuthWeb | CredentialKind::OAuthSpa | CredentialKind::OAuthNative => {
                AuthKind::OAuthUser
            }
            CredentialKind::ServerToServer => AuthKind::ServerToServer,
            CredentialKind::ServiceAccountJwt => AuthKind::ServiceAccountJwt,
        }
    }
    /// Confidential clients hold a secret (RFC 6749 §2.1).
    pub fn has_secret(self) -> bool {
        matches!(
            self,
            CredentialKind::OAuthWeb
                | CredentialKind::ServerToServer
                | CredentialKind::ServiceAccountJwt
        )
    }
    /// Kinds that act as an org's technical account rather than a person.
    pub fn has_technical_account(self) -> bool {
        matches!(
            self,
            CredentialKind::ServerToServer | CredentialKind::ServiceAccountJwt
        )
    }
    pub fn uses_redirect_uris(self) -> bool {
        matches!(
            self,
            CredentialKind::OAuthWeb | CredentialKind::OAuthSpa | CredentialKind::OAuthNative
        )
    }
    /// User-facing label, as the Developer Console names the kinds.
    pub fn label(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "API Key",
            CredentialKind::OAuthWeb => "OAuth Web App",
            CredentialKind::OAuthSpa => "OAuth Single-Page App",
            CredentialKind::OAuthNative => "OAuth Native App",
            CredentialKind::ServerToServer => "OAuth Server-to-Server",
            CredentialKind::ServiceAccountJwt => "Service Account (JWT)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub created_at: Timestamp,
}

#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub kind: UserKind,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub country: Option<String>,
    /// Argon2id PHC string; `None` for technical accounts, which never sign in.
    pub password_hash: Option<String>,
    pub disabled: bool,
    pub created_at: Timestamp,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("kind", &self.kind)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

impl User {
    pub fn display_name(&self) -> String {
        match (&self.given_name, &self.family_name) {
            (Some(g), Some(f)) => format!("{g} {f}"),
            (Some(g), None) => g.clone(),
            (None, Some(f)) => f.clone(),
            (None, None) => self.email.clone(),
        }
    }
}

/// One entry of the audit log: who did what, when, from which address, in which org. It is
/// written in the same transaction as the change it records (`AuditStore::audited`), so
/// a change is never without its entry nor an entry without its change. Never holds a
/// password or a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// A UUID, stable: what I/O Events and exports de-duplicate on.
    pub id: String,
    pub at: Timestamp,
    /// The org whose admins see it; `None` for events of no org (the operator's key
    /// rotation).
    pub org_id: Option<OrgId>,
    /// A user id, a client id, `operator` (the CLI) or `anonymous`.
    pub actor: String,
    pub action: AuditAction,
    /// What was acted on: `credential <client id>`, `user <id>`, `grant <id>`, ...
    pub target: String,
    /// The caller's IP address, when the change came over HTTP.
    pub address: Option<String>,
    /// A few facts about the change (never a secret), e.g. `{"role": "developer"}`.
    pub details: serde_json::Value,
}

/// A search of an org's audit log: newest first, before `before_seq` when set.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub org_id: Option<OrgId>,
    pub action: Option<AuditAction>,
    /// Matches the actor or the target (contains, case-insensitive).
    pub text: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub limit: i64,
}

/// A one-time link for a new member to set their password (the Admin Console's invite).
/// Only the hash of the link's token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub hash: TokenHash,
    pub user_id: UserId,
    pub org_id: OrgId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: OrgRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: ProjectId,
    pub org_id: OrgId,
    pub name: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiScope {
    pub name: String,
    /// Shown on the consent screen.
    pub description: String,
}

/// An entry of the API catalog: each API brings its scopes and accepts some auth kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Api {
    pub id: ApiId,
    pub name: String,
    pub product: Option<String>,
    pub description: String,
    pub auth: Vec<AuthKind>,
    pub scopes: Vec<ApiScope>,
    /// Service-account metascopes (`ent_*_sdk`, docs/ims-contract.md §4).
    pub metascopes: Vec<String>,
}

/// The scope names of those `apis` that accept `auth`, in API order, each once.
pub fn scope_names(apis: &[Api], auth: AuthKind) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for api in apis.iter().filter(|a| a.auth.contains(&auth)) {
        for s in &api.scopes {
            if !out.contains(&s.name) {
                out.push(s.name.clone());
            }
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub client_id: ClientId,
    pub org_id: OrgId,
    pub project_id: ProjectId,
    pub kind: CredentialKind,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub technical_account: Option<UserId>,
    pub disabled: bool,
    pub created_at: Timestamp,
}

/// A stored client secret: only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    pub id: String,
    pub client_id: ClientId,
    pub hash: crate::secret::SecretHash,
    pub created_at: Timestamp,
    /// When it last authenticated its client, to within five minutes.
    pub last_used_at: Option<Timestamp>,
}

/// Most secrets active at once per credential (docs/ims-contract.md §2.2: "Up to 2").
pub const MAX_ACTIVE_SECRETS: usize = 2;

/// A user's consent to a client: the scopes granted. Owns the codes, refresh tokens and
/// access tokens issued from it; revoking it kills them all (docs/design.md "Grant").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: GrantId,
    pub user_id: UserId,
    pub client_id: ClientId,
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// An authorization code as stored: only the hash of its random id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCode {
    pub hash: TokenHash,
    pub grant_id: GrantId,
    pub client_id: ClientId,
    pub user_id: UserId,
    /// Set when the authorization request carried `redirect_uri` (SEC-04).
    pub redirect_uri: Option<String>,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: Timestamp,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A refresh token as stored: only the hash of its random id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub hash: TokenHash,
    pub grant_id: GrantId,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub scopes: Vec<String>,
    pub auth_time: Timestamp,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A browser session: only the hash of the cookie value is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub hash: TokenHash,
    pub user_id: UserId,
    pub auth_time: Timestamp,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// The outcome of redeeming a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// First redemption: the code is now consumed.
    Redeemed(AuthCode),
    /// The code was consumed before: a replay (SEC-15).
    AlreadyUsed(AuthCode),
    Unknown,
}

/// The outcome of rotating a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The old token is now used and the new one stored.
    Rotated,
    /// The old token had been rotated before: reuse (SEC-22). Nothing was stored.
    Reused { grant_id: GrantId },
    /// Unknown, expired, or its grant is revoked. Nothing was stored.
    Invalid,
}
