//! The refresh token grant (RFC 6749 §6) with rotation and reuse detection (SEC-21…24):
//! every refresh returns a new refresh token; presenting a rotated-out one revokes the
//! whole grant. A request may narrow the scope, never widen it; the new refresh token
//! keeps the original scope. Each refresh token lives the idle lifetime; the chain ends
//! the absolute lifetime after the sign-in (SEC-25).

use super::token::IssuedTokens;
use super::user_tokens::{self, UserTokenRequest, mint_refresh};
use super::{Context, FlowError, FlowResult};
use crate::artifact::{self, ArtifactKind};
use crate::authorize::is_browser_client;
use crate::ids::TokenHash;
use crate::model::{Credential, RefreshToken, Rotation};
use crate::scope::ScopeSet;
use crate::token::Dialect;
use crate::{ErrorCode, OAuthError};

fn bad() -> OAuthError {
    OAuthError::invalid_grant("the refresh token is invalid, expired or revoked")
}

/// The stored refresh token `presented` is, with its key: found by the hash of the whole
/// token (`artifact::key_of`), or, for one minted before that, by the hash of its `id`.
pub(super) async fn find(
    cx: &Context<'_>,
    presented: &str,
) -> FlowResult<Option<(TokenHash, RefreshToken)>> {
    let key = artifact::key_of(presented);
    if let Some(rt) = cx.store.find_refresh_token(&key).await? {
        return Ok(Some((key, rt)));
    }
    let Some(old) =
        artifact::legacy_key_of(cx.keyring, cx.now, ArtifactKind::RefreshToken, presented)
    else {
        return Ok(None);
    };
    Ok(cx.store.find_refresh_token(&old).await?.map(|rt| (old, rt)))
}

pub async fn rotate(
    cx: &Context<'_>,
    cred: &Credential,
    presented: &str,
    scope: Option<&str>,
    dialect: Dialect,
) -> FlowResult<IssuedTokens> {
    if !is_browser_client(cred.kind) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this credential may not use the refresh_token grant",
        )
        .into());
    }
    let (hash, old) = find(cx, presented).await?.ok_or_else(bad)?;
    if old.client_id != cred.client_id {
        return Err(bad().into()); // SEC-21
    }
    let original = ScopeSet::from_list(old.scopes.iter().cloned());
    let scopes = match scope {
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
    let user = match cx.store.get_user(&old.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => return Err(OAuthError::invalid_grant("the account is no longer available").into()),
    };
    let absolute = old
        .auth_time
        .plus_secs(cx.settings.lifetimes.refresh_absolute_secs);
    if cx.now >= absolute {
        return Err(OAuthError::invalid_grant("the sign-in is too old; sign in again").into());
    }
    let minted = mint_refresh(cx, cred, &user, &original, dialect)?;
    let new = RefreshToken {
        hash: minted.hash.clone(),
        grant_id: old.grant_id.clone(),
        client_id: cred.client_id.clone(),
        user_id: user.id.clone(),
        scopes: old.scopes.clone(),
        auth_time: old.auth_time,
        created_at: cx.now,
        expires_at: minted.expires_at.min(absolute),
    };
    match cx.store.rotate_refresh_token(&hash, &new, cx.now).await? {
        Rotation::Rotated => {}
        Rotation::Reused { grant_id } => {
            let event = cx.audit(
                Some(&cred.org_id),
                cred.client_id.as_str(),
                crate::model::AuditAction::RefreshReused,
                format!("grant {grant_id}"),
                serde_json::json!({"user_id": user.id, "grant_revoked": true}),
            );
            cx.store
                .audited(vec![event])
                .revoke_grant(&grant_id, cx.now)
                .await?;
            return Err(FlowError::logged(
                bad(),
                format!(
                    "refresh token reused by client {}; grant {grant_id} revoked",
                    cred.client_id
                ),
            ));
        }
        Rotation::Invalid => return Err(bad().into()),
    }
    Ok(user_tokens::issue(
        cx,
        UserTokenRequest {
            cred,
            user: &user,
            grant_id: &old.grant_id,
            scopes: &scopes,
            nonce: None,
            auth_time: old.auth_time,
            refresh: Some(minted.token),
            dialect,
        },
    )?)
}
