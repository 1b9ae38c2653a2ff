//! The authorization code grant (RFC 6749 §4.1.3; RFC 7636 §4.5). The presenting client,
//! redirect_uri, PKCE verifier and expiry are checked first, without consuming anything
//! (SEC-16); then the code is consumed atomically together with what it issues. A replay
//! by its own client revokes the whole grant, durably, even though the response is an
//! error (SEC-15, docs/style.md habit 7).

use super::Endpoint;
use super::user_tokens::{UserTokenRequest, mint_refresh, respond, wants_refresh};
use crate::auth::authenticate_client;
use crate::error::ApiError;
use crate::extract::OAuthRequest;
use crate::state::AppState;
use latchkey_core::admin::redirect::matches_registered;
use latchkey_core::artifact::{self, ArtifactKind};
use latchkey_core::authorize::is_browser_client;
use latchkey_core::model::{CodeRedemption, RefreshToken};
use latchkey_core::pkce;
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
            "this credential may not use the authorization_code grant",
        )
        .into());
    }
    let raw = req.params.require("code")?;
    let bad =
        || OAuthError::invalid_grant("the authorization code is invalid, expired or already used");
    let now = st.now();
    let (hash, _) = artifact::hash_of(&st.keyring(), now, ArtifactKind::AuthorizationCode, raw)
        .ok_or_else(bad)?;
    // Everything about who presents the code is checked before anything is consumed, so
    // that a leaked code in the wrong hands (another client, a wrong verifier or
    // redirect_uri) changes nothing; only its own client's replay revokes (SEC-16).
    let Some(code) = st.store.find_code(&hash).await? else {
        return Err(bad().into());
    };
    if code.client_id != cred.client_id {
        return Err(bad().into()); // SEC-16
    }
    let given = req.params.get("redirect_uri");
    match (&code.redirect_uri, given) {
        (Some(r), Some(g)) if r == g => {}
        // IMS clients (aio-lib-ims `getAccessToken`) never repeat redirect_uri; the code is
        // still bound to the client and, for public clients, to PKCE. The standard dialect
        // follows RFC 6749 §4.1.3 strictly (SEC-04).
        (Some(_), None) if ep.dialect() == latchkey_core::token::Dialect::Ims => {}
        (Some(_), _) => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            )
            .into());
        }
        (None, Some(g)) if !matches_registered(g, &cred.redirect_uris, cred.kind) => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            )
            .into());
        }
        (None, _) => {}
    }
    pkce::verify(
        code.code_challenge.as_deref(),
        req.params.get("code_verifier"),
    )?;
    if now >= code.expires_at {
        return Err(bad().into()); // SEC-17
    }
    let user = match st.store.get_user(&code.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => return Err(OAuthError::invalid_grant("the account is no longer available").into()),
    };
    let scopes = ScopeSet::from_list(code.scopes.iter().cloned());
    let refresh = if wants_refresh(&scopes) {
        Some(mint_refresh(st, &cred, &user, &scopes, ep.dialect())?)
    } else {
        None
    };
    let stored = refresh.as_ref().map(|minted| RefreshToken {
        hash: minted.hash.clone(),
        grant_id: code.grant_id.clone(),
        client_id: cred.client_id.clone(),
        user_id: user.id.clone(),
        scopes: code.scopes.clone(),
        auth_time: code.auth_time,
        created_at: now,
        expires_at: minted.expires_at,
    });
    // One transaction: the code consumed, the refresh token stored, the grant touched.
    // No separate "grant still active" check: revoking a grant consumes its codes, so a
    // code of a revoked grant is `AlreadyUsed` here.
    match st.store.redeem_code(&hash, now, stored.as_ref()).await? {
        CodeRedemption::Redeemed(_) => {}
        CodeRedemption::AlreadyUsed(c) => {
            // SEC-15: its own client presenting it again revokes everything it issued.
            st.store.revoke_grant(&c.grant_id, now).await?;
            tracing::warn!(client_id = %c.client_id, grant = %c.grant_id, "authorization code replayed; grant revoked");
            return Err(bad().into());
        }
        CodeRedemption::Unknown => return Err(bad().into()),
    }
    respond(
        st,
        ep,
        &UserTokenRequest {
            cred: &cred,
            user: &user,
            grant_id: &code.grant_id,
            scopes: &scopes,
            nonce: code.nonce.as_deref(),
            auth_time: code.auth_time,
            refresh: refresh.as_ref(),
        },
    )
}
