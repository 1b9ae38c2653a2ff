//! Administrative operations shared by the CLI, the console REST API and the demo seeder:
//! one place decides what a valid org, user, project, API or credential is.

pub mod accounts;
pub mod audit_log;
pub mod authz;
pub mod builtin;
pub mod catalog;
pub mod console;
pub mod console_credentials;
pub mod console_download;
pub mod console_ids;
pub mod console_integrations;
pub mod console_pages;
pub mod console_projects;
pub mod console_secrets;
pub mod console_services;
pub mod console_subscriptions;
pub mod credentials;
pub mod demo;
pub mod invitations;
pub mod keys;
pub mod members;
pub mod products;
pub mod projects;
pub mod redirect;
pub mod service_accounts;
pub mod webhooks;

pub use authz::Actor;
pub use credentials::{
    delete_credential, delete_secret, rotate_secret, show_credential, update_credential,
};

use crate::clock::Timestamp;
use crate::ids::{ApiId, ClientId, OrgId, ProjectId, UserId};
use crate::model::AuditAction;
use crate::model::{
    Api, AuthKind, Credential, CredentialKind, Membership, Org, OrgRole, Project, SecretRecord,
    User, UserKind,
};
use crate::password::hash_password;
use crate::rand::{Rng, lower_hex};
use crate::scope::{IDENTITY_SCOPES, OFFLINE_ACCESS, ScopeSet};
use crate::secret::ClientSecret;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The actor may not do this (SEC-40).
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(w) => AdminError::NotFound(w),
            StoreError::Conflict(w) => AdminError::Conflict(w),
            other => AdminError::Store(other),
        }
    }
}

pub type AdminResult<T> = Result<T, AdminError>;

/// What every operation needs: the store, randomness and the time.
pub struct Ctx<'a> {
    pub store: &'a dyn Store,
    pub rng: &'a dyn Rng,
    pub now: Timestamp,
    /// The caller's IP address, for the audit log (`None` from the CLI).
    pub address: Option<std::net::IpAddr>,
}

impl Ctx<'_> {
    /// An audit entry by `actor` (`audit::Entry`'s other fields as given).
    pub fn audit(
        &self,
        actor: &Actor,
        org: Option<&OrgId>,
        action: crate::model::AuditAction,
        target: String,
        details: serde_json::Value,
    ) -> crate::model::AuditEvent {
        let who = crate::audit::actor_name(actor);
        crate::audit::event(
            self.rng,
            self.now,
            self.address,
            crate::audit::Entry {
                org,
                actor: &who,
                action,
                target,
                details,
            },
        )
    }
}

fn invalid(msg: impl Into<String>) -> AdminError {
    AdminError::Invalid(msg.into())
}

/// A display name: non-empty, at most 200 characters, no control characters.
pub fn check_name(what: &str, name: &str) -> AdminResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 || n.chars().any(char::is_control) {
        return Err(invalid(format!(
            "{what} must be 1 to 200 printable characters"
        )));
    }
    Ok(n.to_owned())
}

/// The name of an org, project or credential: what the consent page shows of a client,
/// so it may also not pose as the authorization server itself (SEC-38).
pub fn check_client_facing_name(what: &str, name: &str) -> AdminResult<String> {
    let n = check_name(what, name)?;
    if imitates_brand(&n) {
        return Err(invalid(format!(
            "{what} may not imitate the Latchkey brand"
        )));
    }
    Ok(n)
}

/// The letters and digits of `s` as a reader sees them: its Unicode TR39 confusable
/// skeleton (so Cyrillic `а`, mathematical `𝐥` and `1` for `l` read as the Latin
/// letter), lower-cased, with everything that is not a letter or digit dropped (so
/// `Latch-Key` and `L a t c h k e y` read as one word). Lower-casing can make new
/// confusables, so the skeleton is taken again.
fn reading(s: &str) -> String {
    use unicode_security::confusable_detection::skeleton;
    let once: String = skeleton(s).collect::<String>().to_lowercase();
    skeleton(&once)
        .collect::<String>()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Whether a name reads as "Latchkey" anywhere in it (docs/security-review.md finding 10).
pub fn imitates_brand(name: &str) -> bool {
    reading(name).contains(&reading("latchkey"))
}

pub(crate) fn check_email(email: &str) -> AdminResult<String> {
    let e = email.trim();
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'));
    if ok {
        Ok(e.to_owned())
    } else {
        Err(invalid(format!("'{e}' is not an email address")))
    }
}

pub async fn create_org(ctx: &Ctx<'_>, name: &str) -> AdminResult<Org> {
    let org = Org {
        id: OrgId::generate(ctx.rng),
        name: check_client_facing_name("org name", name)?,
        created_at: ctx.now,
    };
    ctx.store.insert_org(&org).await?;
    Ok(org)
}

pub struct NewUser<'a> {
    pub org: &'a OrgId,
    pub email: &'a str,
    pub password: &'a str,
    pub role: OrgRole,
    pub given_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
    pub country: Option<&'a str>,
}

/// Minimum password length for people (NIST SP 800-63B: at least 8).
pub const MIN_PASSWORD_LEN: usize = 8;

pub async fn create_user(ctx: &Ctx<'_>, new: NewUser<'_>) -> AdminResult<User> {
    create_user_by(ctx, &Actor::Operator, new).await
}

/// `create_user` on behalf of `actor` (recorded in the audit log).
pub(crate) async fn create_user_by(
    ctx: &Ctx<'_>,
    actor: &Actor,
    new: NewUser<'_>,
) -> AdminResult<User> {
    require_org(ctx, new.org).await?;
    let email = check_email(new.email)?;
    if new.password.chars().count() < MIN_PASSWORD_LEN || new.password.len() > 1024 {
        return Err(invalid(format!(
            "password must be {MIN_PASSWORD_LEN} to 1024 characters"
        )));
    }
    let country = match new.country {
        Some(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            Some(c.to_ascii_uppercase())
        }
        Some(c) => {
            return Err(invalid(format!(
                "country '{c}' is not an ISO 3166 two-letter code"
            )));
        }
        None => None,
    };
    let user = User {
        id: UserId::generate(ctx.rng),
        email,
        kind: UserKind::Person,
        given_name: new
            .given_name
            .map(|g| check_name("given name", g))
            .transpose()?,
        family_name: new
            .family_name
            .map(|f| check_name("family name", f))
            .transpose()?,
        country,
        password_hash: Some(hash_password(ctx.rng, new.password).map_err(invalid)?),
        disabled: false,
        created_at: ctx.now,
    };
    let event = ctx.audit(
        actor,
        Some(new.org),
        AuditAction::UserCreated,
        format!("user {}", user.id),
        serde_json::json!({"email": user.email, "role": new.role}),
    );
    let membership = Membership {
        org_id: new.org.clone(),
        user_id: user.id.clone(),
        role: new.role,
    };
    ctx.store
        .audited(vec![event])
        .insert_member_user(&user, &membership)
        .await?;
    Ok(user)
}

async fn require_org(ctx: &Ctx<'_>, org: &OrgId) -> AdminResult<Org> {
    ctx.store
        .get_org(org)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("org {org}")))
}

pub(crate) async fn require_project(ctx: &Ctx<'_>, id: &ProjectId) -> AdminResult<Project> {
    ctx.store
        .get_project(id)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("project {id}")))
}

pub async fn create_project(ctx: &Ctx<'_>, org: &OrgId, name: &str) -> AdminResult<Project> {
    require_org(ctx, org).await?;
    let p = Project {
        id: ProjectId::generate(ctx.rng),
        org_id: org.clone(),
        name: check_client_facing_name("project name", name)?,
        created_at: ctx.now,
    };
    ctx.store.insert_project(&p).await?;
    Ok(p)
}

/// An API id: 1–64 characters of `[a-z0-9._-]`, starting with a letter or digit.
fn check_api_id(id: &str) -> AdminResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && id.starts_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "API id '{id}' must be 1-64 characters of a-z 0-9 . _ -"
        )))
    }
}

pub async fn create_api(ctx: &Ctx<'_>, api: Api) -> AdminResult<Api> {
    check_api_id(api.id.as_str())?;
    check_name("API name", &api.name)?;
    if api.auth.is_empty() {
        return Err(invalid("an API must accept at least one auth kind"));
    }
    for s in &api.scopes {
        let parsed = ScopeSet::parse(&s.name).map_err(|e| invalid(e.description))?;
        if parsed.len() != 1 {
            return Err(invalid(format!("'{}' is not a single scope", s.name)));
        }
        if s.name == OFFLINE_ACCESS || IDENTITY_SCOPES.contains(&s.name.as_str()) {
            return Err(invalid(format!(
                "'{}' is an identity scope every client already has",
                s.name
            )));
        }
    }
    if ctx.store.get_api(&api.id).await?.is_some() {
        return Err(AdminError::Conflict(format!(
            "API {} already exists",
            api.id
        )));
    }
    ctx.store.upsert_api(&api).await?;
    Ok(api)
}

pub async fn add_api_to_project(
    ctx: &Ctx<'_>,
    project: &ProjectId,
    api: &ApiId,
) -> AdminResult<()> {
    require_project(ctx, project).await?;
    ctx.store
        .get_api(api)
        .await?
        .ok_or_else(|| AdminError::NotFound(format!("API {api}")))?;
    ctx.store.add_project_api(project, api).await?;
    // Technical accounts of the project's credentials become users of the API's product.
    for cred in ctx.store.list_credentials(project).await? {
        products::provision_technical_account(ctx, &cred).await?;
    }
    Ok(())
}

/// The scopes a credential may be granted: the identity scopes (plus `offline_access` for
/// user flows) and the scopes of every project API that accepts the credential's kind.
pub async fn allowed_scopes(
    store: &dyn Store,
    cred: &Credential,
) -> Result<Vec<String>, StoreError> {
    if cred.kind == CredentialKind::ApiKey {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = IDENTITY_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    if cred.kind.auth_kind() == AuthKind::OAuthUser {
        out.push(OFFLINE_ACCESS.to_owned());
    }
    let names = store
        .project_scope_names(&cred.project_id, cred.kind.auth_kind())
        .await?;
    for name in names {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

pub struct NewCredential<'a> {
    pub project: &'a ProjectId,
    pub kind: CredentialKind,
    pub name: Option<&'a str>,
    pub redirect_uris: &'a [String],
    pub certificate_pem: Option<&'a str>,
    /// Product profiles (ids) its technical account joins, as the console's "select
    /// product profiles" step (a contributor of each; see `products::profiles_to_join`).
    pub profiles: &'a [String],
}

pub struct CreatedCredential {
    pub credential: Credential,
    /// Shown once; only its hash is stored.
    pub secret: Option<ClientSecret>,
    pub scopes: Vec<String>,
    pub technical_account: Option<User>,
}

pub(super) fn new_secret_record(
    ctx: &Ctx<'_>,
    client_id: &ClientId,
) -> (ClientSecret, SecretRecord) {
    let secret = ClientSecret::generate(ctx.rng);
    let rec = SecretRecord {
        id: lower_hex(ctx.rng, 8),
        client_id: client_id.clone(),
        hash: secret.hash(),
        created_at: ctx.now,
        last_used_at: None,
    };
    (secret, rec)
}

/// SEC-03: the redirect URIs a credential of `kind` may have: at least one for the user
/// flows, each valid for the kind; none for the others.
pub(super) fn check_redirect_uris(kind: CredentialKind, uris: &[String]) -> AdminResult<()> {
    if kind.uses_redirect_uris() {
        if uris.is_empty() {
            return Err(invalid(format!(
                "{} credentials need at least one --redirect-uri",
                kind.as_str()
            )));
        }
        if uris.len() > MAX_REDIRECT_URIS {
            return Err(invalid(format!(
                "a credential has at most {MAX_REDIRECT_URIS} redirect URIs"
            )));
        }
        for uri in uris {
            redirect::validate_registration(uri, kind).map_err(invalid)?;
        }
    } else if !uris.is_empty() {
        return Err(invalid(format!(
            "{} credentials take no redirect URIs",
            kind.as_str()
        )));
    }
    Ok(())
}

/// Most redirect URIs one credential may register.
pub const MAX_REDIRECT_URIS: usize = 20;

/// A project the actor may change: as for credentials, system admins, and developers
/// where the org allows it (SEC-40; another org's project is not found).
async fn managed_project(ctx: &Ctx<'_>, actor: &Actor, id: &ProjectId) -> AdminResult<Project> {
    let project = require_project(ctx, id).await?;
    authz::authorize(
        ctx,
        actor,
        &project.org_id,
        authz::Action::ManageCredentials,
        &format!("project {id}"),
    )
    .await?;
    Ok(project)
}

pub async fn rename_project(
    ctx: &Ctx<'_>,
    actor: &Actor,
    id: &ProjectId,
    name: &str,
) -> AdminResult<Project> {
    let mut project = managed_project(ctx, actor, id).await?;
    let name = check_client_facing_name("project name", name)?;
    if !ctx.store.rename_project(id, &name).await? {
        return Err(AdminError::NotFound(format!("project {id}")));
    }
    project.name = name;
    Ok(project)
}

/// Delete an empty project (`Conflict` while it has credentials).
pub async fn delete_project(ctx: &Ctx<'_>, actor: &Actor, id: &ProjectId) -> AdminResult<()> {
    managed_project(ctx, actor, id).await?;
    if !ctx.store.delete_project(id).await? {
        return Err(AdminError::NotFound(format!("project {id}")));
    }
    Ok(())
}

/// Create a credential in a project, on behalf of `actor` (SEC-40: org `system_admin`, or
/// `developer` where the org allows it). A technical account is provisioned as a
/// `contributor` of the products behind the project's APIs.
pub async fn create_credential(
    ctx: &Ctx<'_>,
    actor: &Actor,
    new: NewCredential<'_>,
) -> AdminResult<CreatedCredential> {
    let project = require_project(ctx, new.project).await?;
    authz::authorize(
        ctx,
        actor,
        &project.org_id,
        authz::Action::ManageCredentials,
        &format!("project {}", project.id),
    )
    .await?;
    let name = check_client_facing_name("credential name", new.name.unwrap_or(new.kind.label()))?;
    let kind = new.kind;
    check_redirect_uris(kind, new.redirect_uris)?;
    let profiles = products::profiles_to_join(ctx, &project, kind, new.profiles).await?;
    let client_id = ClientId::generate(ctx.rng);
    let certificate = match (kind, new.certificate_pem) {
        (CredentialKind::ServiceAccountJwt, Some(pem)) => {
            Some(service_accounts::new_certificate(ctx, &client_id, pem)?)
        }
        (_, Some(_)) => {
            return Err(invalid(
                "only service_account_jwt credentials take a certificate",
            ));
        }
        (_, None) => None,
    };
    let technical_account = kind.has_technical_account().then(|| {
        let id = UserId::generate_technical(ctx.rng);
        User {
            email: id.0.to_ascii_lowercase(),
            id,
            kind: UserKind::Technical,
            given_name: None,
            family_name: None,
            country: None,
            password_hash: None,
            disabled: false,
            created_at: ctx.now,
        }
    });
    let credential = Credential {
        client_id: client_id.clone(),
        org_id: project.org_id.clone(),
        project_id: project.id.clone(),
        kind,
        name,
        redirect_uris: new.redirect_uris.to_vec(),
        technical_account: technical_account.as_ref().map(|u| u.id.clone()),
        disabled: false,
        created_at: ctx.now,
    };
    let secret = kind
        .has_secret()
        .then(|| new_secret_record(ctx, &client_id));
    let event = ctx.audit(
        actor,
        Some(&credential.org_id),
        AuditAction::CredentialCreated,
        format!("credential {client_id}"),
        serde_json::json!({"name": credential.name, "kind": credential.kind,
                           "project_id": credential.project_id}),
    );
    ctx.store
        .audited(vec![event])
        .insert_credential(
            &credential,
            technical_account.as_ref(),
            secret.as_ref().map(|(_, r)| r),
        )
        .await?;
    if let Some(cert) = certificate {
        let event = ctx.audit(
            actor,
            Some(&credential.org_id),
            AuditAction::CertificateAdded,
            format!("credential {client_id}"),
            serde_json::json!({"certificate_id": cert.id}),
        );
        ctx.store
            .audited(vec![event])
            .insert_certificate(&cert)
            .await?;
    }
    products::provision_technical_account(ctx, &credential).await?;
    if let Some(tech) = &technical_account {
        for p in &profiles {
            ctx.store
                .set_profile_member(&p.id, &tech.id, false, ctx.now)
                .await?;
        }
    }
    let scopes = allowed_scopes(ctx.store, &credential).await?;
    Ok(CreatedCredential {
        credential,
        secret: secret.map(|(s, _)| s),
        scopes,
        technical_account,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_10_brand_imitation_is_caught_through_confusables() {
        for name in [
            "Latchkey",
            "LATCHKEY Sign-in",
            "Official latchkey",
            "L\u{0430}tchkey",          // Cyrillic а
            "\u{1D425}\u{1D41A}tchkey", // mathematical bold 𝐥𝐚
            "1atchkey",                 // digit one for l
            "Latch-Key",
            "L a t c h k e y",
            "Ｌａｔｃｈｋｅｙ",        // fullwidth
            "Latchk\u{0435}y Support", // Cyrillic е
        ] {
            assert!(imitates_brand(name), "{name:?} passed");
            assert!(check_client_facing_name("project name", name).is_err());
        }
        for name in [
            "Acme Web App",
            "Latch",
            "Key Vault",
            "Demo Service Account",
            "Patchkey",
        ] {
            assert!(!imitates_brand(name), "{name:?} refused");
        }
    }
}
