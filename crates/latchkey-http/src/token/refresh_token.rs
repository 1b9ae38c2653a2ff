//! The refresh token grant (RFC 6749 §6) with rotation and reuse detection (SEC-21…24):
//! every refresh returns a new refresh token; presenting a rotated-out one revokes the
//! whole grant. A request may narrow the scope, never widen it; the new refresh token
//! keeps the original scope.

use super::Endpoint;
use super::user_tokens::{REFRESH_ABSOLUTE_SECS, UserTokenRequest, mint_refresh, respond};
use crate::auth::authenticate_client;
use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::state::AppState;
use latchkey_core::artifact::{self, ArtifactKind};
use latchkey_core::authorize::is_browser_client;
use latchkey_core::model::{RefreshToken, Rotation};
use latchkey_core::scope::ScopeSet;
use latchkey_core::{ErrorCode, OAuthError};
use serde_json::{Map, Value};

pub(super) async fn grant(
    st: &AppState,
    req: &OAuthRequest,
    ep: Endpoint,
) -> Result<Map<String, Value>, ApiError> {
    let (cred, _) = authenticate_client(st, req).await?;
    if !is_browser_client(cred.kind) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this credential may not use the refresh_token grant",
        )
        .into());
    }
    let raw = req.params.require("refresh_token")?;
    let bad = || OAuthError::invalid_grant("the refresh token is invalid, expired or revoked");
    let now = st.now();
    let (hash, _) =
        artifact::hash_of(&st.keyring(), now, ArtifactKind::RefreshToken, raw).ok_or_else(bad)?;
    let old = st.store.find_refresh_token(&hash).await?.ok_or_else(bad)?;
    if old.client_id != cred.client_id {
        return Err(bad().into()); // SEC-21
    }
    let original = ScopeSet::from_list(old.scopes.iter().cloned());
    let scopes = match req.params.get("scope") {
        None => original.clone(),
        Some(raw) => {
            let asked = ScopeSet::parse(raw)?;
            let wider = asked.outside(&old.scopes);
            if !wider.is_empty() {
                return Err(OAuthError::invalid_scope(format!(
                    "scope exceeds the original grant: {}",
                    wider.join(" ")
                ))
                .into());
            }
            asked
        }
    };
    let user = match st.store.get_user(&old.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => return Err(OAuthError::invalid_grant("the account is no longer available").into()),
    };
    // SEC-25: each refresh token lives 14 days unused (idle timeout); the family ends
    // REFRESH_ABSOLUTE_SECS after the sign-in, whatever the rotations.
    let absolute = old.auth_time.plus_secs(REFRESH_ABSOLUTE_SECS);
    if now >= absolute {
        return Err(OAuthError::invalid_grant("the sign-in is too old; sign in again").into());
    }
    let minted = mint_refresh(st, &cred, &user, &original, ep.dialect())?;
    let new = RefreshToken {
        hash: minted.hash.clone(),
        grant_id: old.grant_id.clone(),
        client_id: cred.client_id.clone(),
        user_id: user.id.clone(),
        scopes: old.scopes.clone(),
        auth_time: old.auth_time,
        created_at: now,
        expires_at: minted.expires_at.min(absolute),
    };
    match st.store.rotate_refresh_token(&hash, &new, now).await? {
        Rotation::Rotated => {}
        Rotation::Reused { grant_id } => {
            st.store.revoke_grant(&grant_id, now).await?;
            tracing::warn!(client_id = %cred.client_id, grant = %grant_id, "refresh token reused; grant revoked");
            return Err(bad().into());
        }
        Rotation::Invalid => return Err(bad().into()),
    }
    st.store.touch_grant(&old.grant_id, now).await?;
    respond(
        st,
        ep,
        &UserTokenRequest {
            cred: &cred,
            user: &user,
            grant_id: &old.grant_id,
            scopes: &scopes,
            nonce: None,
            auth_time: old.auth_time,
            refresh: Some(&minted),
        },
    )
}
