//! What the user flows (authorization code and refresh) issue: an access token tied to
//! its grant, a refresh token when `offline_access` was granted (SEC-20), and an ID token
//! when `openid` was (OIDC Core §3.1.3.3; docs/ims-contract.md §2.2).

use super::Context;
use super::token::IssuedTokens;
use crate::OAuthError;
use crate::artifact::{self, ArtifactKind, ArtifactRequest, Minted};
use crate::clock::Timestamp;
use crate::ids::GrantId;
use crate::idtoken::{self, IdTokenRequest};
use crate::keys::KeyAlg;
use crate::model::{Credential, User};
use crate::scope::{OFFLINE_ACCESS, ScopeSet};
use crate::token::{AccessTokenRequest, CTP_USER, Dialect, issue_access_token};

/// Mint (but do not store) a refresh token for `scopes`, living the idle lifetime.
pub fn mint_refresh(
    cx: &Context<'_>,
    cred: &Credential,
    user: &User,
    scopes: &ScopeSet,
    dialect: Dialect,
) -> Result<Minted, OAuthError> {
    artifact::mint(
        cx.keyring,
        cx.settings.access_token_alg,
        cx.rng,
        cx.now,
        &ArtifactRequest {
            kind: ArtifactKind::RefreshToken,
            client_id: cred.client_id.as_str(),
            user_id: user.id.as_str(),
            scope: &dialect.join_scopes(scopes),
            ims_as: &cx.settings.ims_as,
            ttl_secs: cx.settings.lifetimes.refresh_idle_secs,
        },
    )
}

/// Whether a refresh token is issued: `offline_access` granted (SEC-20).
pub fn wants_refresh(scopes: &ScopeSet) -> bool {
    scopes.contains(OFFLINE_ACCESS)
}

pub struct UserTokenRequest<'a> {
    pub cred: &'a Credential,
    pub user: &'a User,
    pub grant_id: &'a GrantId,
    /// Scopes of this access token (may be narrower than the grant's on refresh).
    pub scopes: &'a ScopeSet,
    pub nonce: Option<&'a str>,
    pub auth_time: Timestamp,
    /// The refresh token to return, already stored.
    pub refresh: Option<String>,
    pub dialect: Dialect,
}

/// The access token (and ID token) of a user flow, with the refresh token it stored.
pub fn issue(cx: &Context<'_>, req: UserTokenRequest<'_>) -> Result<IssuedTokens, OAuthError> {
    let issued = issue_access_token(
        cx.settings,
        cx.keyring,
        cx.rng,
        cx.now,
        &AccessTokenRequest {
            client_id: req.cred.client_id.as_str(),
            subject: req.user.id.as_str(),
            org: None,
            scopes: req.scopes,
            dialect: req.dialect,
            ctp: CTP_USER,
            grant_id: Some(req.grant_id.as_str()),
            kind: req.cred.kind,
        },
    )?;
    let id_token = if req.scopes.contains("openid") {
        Some(idtoken::issue(
            cx.keyring,
            cx.now,
            &IdTokenRequest {
                issuer: &cx.settings.issuer,
                client_id: req.cred.client_id.as_str(),
                user: req.user,
                scopes: req.scopes,
                nonce: req.nonce,
                auth_time: req.auth_time,
                access_token: &issued.token,
                alg: KeyAlg::Rs256,
            },
        )?)
    } else {
        None
    };
    Ok(IssuedTokens {
        access_token: issued.token,
        expires_in_secs: issued.expires_in_secs,
        scopes: req.scopes.clone(),
        refresh_token: req.refresh,
        id_token,
        user: Some(req.user.clone()),
    })
}
