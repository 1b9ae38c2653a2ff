//! The token response of the user flows (authorization code and refresh): an access token
//! tied to its grant, a rotated refresh token when `offline_access` was granted, and an ID
//! token when `openid` was (OIDC Core §3.1.3.3; docs/ims-contract.md §2.2).

use super::Endpoint;
use crate::error::ApiError;
use crate::state::AppState;
use latchkey_core::OAuthError;
use latchkey_core::artifact::{self, ArtifactKind, ArtifactRequest, Minted};
use latchkey_core::idtoken::{self, IdTokenRequest};
use latchkey_core::keys::KeyAlg;
use latchkey_core::model::{Credential, User};
use latchkey_core::scope::{OFFLINE_ACCESS, ScopeSet};
use latchkey_core::token::{AccessTokenRequest, CTP_USER, Dialect, issue_access_token};
use serde_json::{Map, Value};

/// IMS default refresh-token lifetime: 14 days (docs/ims-contract.md §2.2).
pub const REFRESH_TTL_SECS: i64 = 14 * 86_400;
/// Longest a chain of refreshes can go on after one sign-in (SEC-25, SEC-45: 90 days).
pub const REFRESH_ABSOLUTE_SECS: i64 = 90 * 86_400;

pub struct UserTokenRequest<'a> {
    pub cred: &'a Credential,
    pub user: &'a User,
    pub grant_id: &'a str,
    /// Scopes of this access token (may be narrower than the grant's on refresh).
    pub scopes: &'a ScopeSet,
    pub nonce: Option<&'a str>,
    pub auth_time: latchkey_core::clock::Timestamp,
    /// The refresh token to return, already stored by the caller.
    pub refresh: Option<&'a Minted>,
}

/// Mint (but do not store) a refresh token for `scopes`.
pub fn mint_refresh(
    st: &AppState,
    cred: &Credential,
    user: &User,
    scopes: &ScopeSet,
    dialect: Dialect,
) -> Result<Minted, OAuthError> {
    artifact::mint(
        &st.keyring(),
        st.tokens().access_token_alg,
        st.rng.as_ref(),
        st.now(),
        &ArtifactRequest {
            kind: ArtifactKind::RefreshToken,
            client_id: cred.client_id.as_str(),
            user_id: user.id.as_str(),
            scope: &dialect.join_scopes(scopes),
            ims_as: &st.tokens().ims_as,
            ttl_secs: REFRESH_TTL_SECS,
        },
    )
}

/// Whether a refresh token is issued: `offline_access` granted (SEC-20).
pub fn wants_refresh(scopes: &ScopeSet) -> bool {
    scopes.contains(OFFLINE_ACCESS)
}

pub fn respond(
    st: &AppState,
    ep: Endpoint,
    req: &UserTokenRequest<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let dialect = ep.dialect();
    let issued = issue_access_token(
        st.tokens(),
        &st.keyring(),
        st.rng.as_ref(),
        st.now(),
        &AccessTokenRequest {
            client_id: req.cred.client_id.as_str(),
            subject: req.user.id.as_str(),
            org: None,
            scopes: req.scopes,
            dialect,
            ctp: CTP_USER,
            grant_id: Some(req.grant_id),
        },
    )?;
    let mut body = Map::new();
    body.insert("access_token".into(), Value::from(issued.token.clone()));
    body.insert("token_type".into(), Value::from(ep.token_type()));
    body.insert(
        "expires_in".into(),
        Value::from(ep.expires_in(issued.expires_in_secs)),
    );
    if let Some(r) = req.refresh {
        body.insert("refresh_token".into(), Value::from(r.token.clone()));
    }
    if req.scopes.contains("openid") {
        let id = idtoken::issue(
            &st.keyring(),
            st.now(),
            &IdTokenRequest {
                issuer: &st.tokens().issuer,
                client_id: req.cred.client_id.as_str(),
                user: req.user,
                scopes: req.scopes,
                nonce: req.nonce,
                auth_time: req.auth_time,
                access_token: &issued.token,
                alg: KeyAlg::Rs256,
            },
        )?;
        body.insert("id_token".into(), Value::from(id));
    }
    match dialect {
        Dialect::Standard => {
            body.insert("scope".into(), Value::from(req.scopes.to_standard()));
        }
        Dialect::Ims => {
            // The IMS responses carry `sub`; the legacy endpoint also the profile (docs/ims-contract.md §2.2).
            body.insert("sub".into(), Value::from(req.user.id.as_str()));
            if ep == Endpoint::ImsLegacy {
                for (k, v) in idtoken::profile_claims(req.user, req.scopes) {
                    let v = if k == "email_verified" {
                        Value::from("true")
                    } else {
                        v
                    };
                    body.entry(k).or_insert(v);
                }
            }
        }
    }
    Ok(body)
}
