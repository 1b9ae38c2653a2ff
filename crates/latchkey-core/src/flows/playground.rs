//! The Playground's lookups and its session (see `crate::playground`): loading and
//! saving the sealed session by the hash of its cookie, checking before a flow starts
//! that the credential can run it (so the developer gets an explanation instead of an
//! error page half-way), suggesting scopes, listing a signed-in developer's own
//! credentials, and the debugger's revocation check.

use super::token::IssuedTokens;
use super::{Context, FlowError};
use crate::admin::allowed_scopes;
use crate::admin::redirect::matches_registered;
use crate::admin::service_accounts::managed_credential;
use crate::admin::{Actor, AdminError};
use crate::ids::{ClientId, TokenHash, UserId};
use crate::keys::MasterKey;
use crate::model::{AuthKind, Credential, CredentialKind};
use crate::playground::explain::{Explanation, explain};
use crate::playground::inspect::{Inspection, NotAToken, inspect};
use crate::playground::{self, SESSION_TTL_SECS, State};
use crate::rand::token;
use crate::secret::sha256_hex;
use crate::store::StoreError;
use crate::token::Dialect;
use crate::token::TokenInvalid;

/// The session behind cookie value `raw`, if live (a damaged or foreign one is `None`).
pub async fn load(
    cx: &Context<'_>,
    master: &MasterKey,
    raw: &str,
) -> Result<Option<State>, StoreError> {
    let hash = sha256_hex(raw);
    let Some(sealed) = cx
        .store
        .get_playground(&TokenHash(hash.clone()), cx.now)
        .await?
    else {
        return Ok(None);
    };
    Ok(playground::open(master, &hash, &sealed))
}

/// Save `state` under cookie value `raw` (a new random one when `None`); returns the
/// cookie value. Each save extends the session by `SESSION_TTL_SECS`.
pub async fn save(
    cx: &Context<'_>,
    master: &MasterKey,
    raw: Option<&str>,
    state: &State,
) -> Result<String, StoreError> {
    let raw = raw.map_or_else(|| token(cx.rng, 32), str::to_owned);
    let hash = sha256_hex(&raw);
    let sealed = playground::seal(master, cx.rng, &hash, state)
        .ok_or_else(|| StoreError::Backend("could not seal the playground session".into()))?;
    cx.store
        .put_playground(
            &TokenHash(hash),
            &sealed,
            cx.now.plus_secs(SESSION_TTL_SECS),
        )
        .await?;
    Ok(raw)
}

pub async fn forget(cx: &Context<'_>, raw: &str) -> Result<(), StoreError> {
    cx.store
        .delete_playground(&TokenHash(sha256_hex(raw)))
        .await
}

/// What the Playground knows of a client id before it starts a flow.
pub struct ClientCheck {
    pub credential: Credential,
    /// The scopes it may ask for (suggestions for the scope field).
    pub scopes: Vec<String>,
}

/// Check that `client_id` is a live credential that can run the authorization code flow
/// with the Playground's `redirect_uri`; else the explanation the page shows.
pub async fn check_user_flow(
    cx: &Context<'_>,
    client_id: &str,
    redirect_uri: &str,
) -> Result<Result<ClientCheck, Explanation>, StoreError> {
    let check = check_client(cx, client_id).await?;
    let Ok(found) = check else {
        return Ok(check);
    };
    let c = &found.credential;
    if c.kind.auth_kind() != AuthKind::OAuthUser {
        return Ok(Err(explain(
            "unauthorized_client",
            &format!(
                "a {} credential cannot sign users in; use \"Generate access token\" instead",
                c.kind.label()
            ),
            client_id,
        )));
    }
    if !matches_registered(redirect_uri, &c.redirect_uris, c.kind) {
        return Ok(Err(explain(
            "redirect_uri_not_registered",
            &format!("{redirect_uri} is not registered on this credential"),
            client_id,
        )));
    }
    Ok(Ok(found))
}

/// `client_id` as a live credential with its allowed scopes; else the explanation.
pub async fn check_client(
    cx: &Context<'_>,
    client_id: &str,
) -> Result<Result<ClientCheck, Explanation>, StoreError> {
    let id = client_id.trim();
    let found = if id.is_empty() || id.len() > 128 {
        None
    } else {
        cx.store.get_credential(&ClientId(id.to_owned())).await?
    };
    let Some(credential) = found else {
        return Ok(Err(explain("invalid_client", "unknown client id", "")));
    };
    if credential.disabled {
        return Ok(Err(explain(
            "invalid_client",
            "the credential is disabled",
            client_id,
        )));
    }
    let scopes = allowed_scopes(cx.store, &credential).await?;
    Ok(Ok(ClientCheck { credential, scopes }))
}

/// The credentials a signed-in person may pick from: those of every project in their
/// orgs, except API keys (which get no tokens).
pub async fn own_credentials(
    cx: &Context<'_>,
    user: &UserId,
) -> Result<Vec<Credential>, StoreError> {
    let mut out = Vec::new();
    for (org, _) in cx.store.user_memberships(user).await? {
        for p in cx.store.list_projects(&org.id).await? {
            for c in cx.store.list_credentials(&p.id).await? {
                if c.kind != CredentialKind::ApiKey && !c.disabled {
                    out.push(c);
                }
            }
        }
    }
    Ok(out)
}

/// The debugger's verdict on a pasted token.
pub struct Debugged {
    pub inspection: Inspection,
    /// For our access tokens: `valid`, or why not (expired, revoked, …).
    pub validity: String,
    pub valid: bool,
}

/// Inspect `raw` and, for an access token of ours, check it as a resource server would
/// (expiry, revocation, disabled client or user, removed consent).
pub async fn debug(cx: &Context<'_>, raw: &str) -> Result<Result<Debugged, NotAToken>, StoreError> {
    let inspection = match inspect(raw, cx.keyring, &cx.settings.issuer, cx.now) {
        Ok(i) => i,
        Err(e) => return Ok(Err(e)),
    };
    let (valid, validity) = validity(cx, raw, &inspection).await?;
    Ok(Ok(Debugged {
        inspection,
        validity,
        valid,
    }))
}

/// Whether the token `inspection` describes is good now, and in words: the full check
/// for our access tokens, signature and expiry for our other tokens.
pub async fn validity(
    cx: &Context<'_>,
    raw: &str,
    inspection: &Inspection,
) -> Result<(bool, String), StoreError> {
    Ok(if !inspection.ours {
        (
            false,
            "cannot be checked: not signed by this server".to_owned(),
        )
    } else if inspection.kind == "access token" {
        match super::validation::check_access_token(cx, raw.trim()).await {
            Ok(_) => (true, "valid".to_owned()),
            Err(super::validation::CheckError::Invalid(e)) => (false, describe(&e)),
            Err(super::validation::CheckError::Store(e)) => return Err(e),
        }
    } else {
        match inspection.expires_in {
            Some(left) if left <= 0 => (false, "expired".to_owned()),
            _ => (
                true,
                format!(
                    "signature and expiry good (a {} is checked for revocation only when \
                     it is used)",
                    inspection.kind
                ),
            ),
        }
    })
}

fn describe(e: &TokenInvalid) -> String {
    match e {
        TokenInvalid::Revoked => "revoked".to_owned(),
        TokenInvalid::Expired => "expired".to_owned(),
        other => other.to_string(),
    }
}

/// The claims of the IMS assertion for service-account credential `c`: its org, its
/// technical account, and the metascopes of its project's APIs that accept service
/// accounts.
pub async fn service_account_claims(
    cx: &Context<'_>,
    c: &Credential,
) -> Result<Option<serde_json::Value>, StoreError> {
    let Some(tech) = &c.technical_account else {
        return Ok(None);
    };
    let mut metascopes = Vec::new();
    for api in cx.store.project_apis(&c.project_id).await? {
        if api.auth.contains(&AuthKind::ServiceAccountJwt) {
            metascopes.extend(api.metascopes);
        }
    }
    Ok(Some(crate::playground::assertion::ims_claims(
        &cx.settings.issuer,
        c.org_id.as_str(),
        tech.as_str(),
        c.client_id.as_str(),
        &metascopes,
        cx.now.secs(),
    )))
}

/// "Generate access token" on a server-to-server credential's console page: someone who
/// may manage the credential (and so could rotate its secret and read a new one) gets a
/// client_credentials token for it without pasting the secret, as in Adobe's console.
/// Anyone else learns nothing: the credential is "unknown".
pub async fn token_for_manager(
    cx: &Context<'_>,
    actor: &Actor,
    client_id: &str,
    scope: Option<&str>,
) -> Result<Result<IssuedTokens, Explanation>, StoreError> {
    let ctx = crate::admin::Ctx {
        store: cx.store,
        rng: cx.rng,
        now: cx.now,
        address: cx.address,
    };
    let cred = match managed_credential(&ctx, actor, &ClientId(client_id.to_owned())).await {
        Ok(c) => c,
        Err(AdminError::Store(e)) => return Err(e),
        Err(AdminError::Forbidden(d)) => return Ok(Err(explain("access_denied", &d, client_id))),
        Err(_) => return Ok(Err(explain("invalid_client", "unknown client id", ""))),
    };
    if cred.kind.auth_kind() != AuthKind::ServerToServer {
        return Ok(Err(explain(
            "unauthorized_client",
            &format!(
                "a {} credential cannot use client_credentials",
                cred.kind.label()
            ),
            client_id,
        )));
    }
    if cred.disabled {
        return Ok(Err(explain(
            "invalid_client",
            "the credential is disabled",
            client_id,
        )));
    }
    match super::client_credentials::grant(cx, &cred, scope, None, Dialect::Ims).await {
        Ok(t) => Ok(Ok(t)),
        Err(FlowError::Store(e)) => Err(e),
        Err(FlowError::Refused { error, .. }) => Ok(Err(explain(
            error.code_name(),
            &error.description,
            client_id,
        ))),
    }
}
