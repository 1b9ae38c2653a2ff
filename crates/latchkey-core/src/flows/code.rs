//! Authorization code redemption (RFC 6749 §4.1.3; RFC 7636 §4.5). The presenting client,
//! redirect_uri, PKCE verifier and expiry are checked first, without consuming anything
//! (SEC-16, docs/security-review.md finding 1); then the code is consumed in one
//! transaction together with the refresh token it starts and the grant's "last used". A
//! replay by its own client revokes the whole grant, durably, even though the answer is
//! an error (SEC-15, docs/style.md habit 7).

use super::token::IssuedTokens;
use super::user_tokens::{self, UserTokenRequest, mint_refresh, wants_refresh};
use super::{Context, FlowError, FlowResult};
use crate::admin::redirect::matches_registered;
use crate::artifact;
use crate::authorize::is_browser_client;
use crate::model::{CodeRedemption, Credential, RefreshToken};
use crate::pkce;
use crate::scope::ScopeSet;
use crate::token::Dialect;
use crate::{ErrorCode, OAuthError};

/// The parameters of a code redemption.
pub struct Presented<'p> {
    pub code: &'p str,
    pub redirect_uri: Option<&'p str>,
    pub code_verifier: Option<&'p str>,
}

fn bad() -> OAuthError {
    OAuthError::invalid_grant("the authorization code is invalid, expired or already used")
}

fn mismatch() -> OAuthError {
    OAuthError::invalid_grant("redirect_uri does not match the authorization request")
}

pub async fn redeem(
    cx: &Context<'_>,
    cred: &Credential,
    p: &Presented<'_>,
    dialect: Dialect,
) -> FlowResult<IssuedTokens> {
    if !is_browser_client(cred.kind) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this credential may not use the authorization_code grant",
        )
        .into());
    }
    // Found by the hash of the whole code: one changed anywhere finds nothing. Codes live a
    // minute, so those minted before this key (under their `id` hash) are not looked for.
    let hash = artifact::key_of(p.code);
    let Some(code) = cx.store.find_code(&hash).await? else {
        return Err(bad().into());
    };
    if code.client_id != cred.client_id {
        return Err(bad().into()); // SEC-16
    }
    match (&code.redirect_uri, p.redirect_uri) {
        (Some(r), Some(g)) if r == g => {}
        // IMS clients (aio-lib-ims `getAccessToken`) never repeat redirect_uri; the code is
        // still bound to the client and, for public clients, to PKCE. The standard dialect
        // follows RFC 6749 §4.1.3 strictly (SEC-04).
        (Some(_), None) if dialect == Dialect::Ims => {}
        (Some(_), _) => return Err(mismatch().into()),
        (None, Some(g)) if !matches_registered(g, &cred.redirect_uris, cred.kind) => {
            return Err(mismatch().into());
        }
        (None, _) => {}
    }
    pkce::verify(code.code_challenge.as_deref(), p.code_verifier)?;
    if cx.now >= code.expires_at {
        return Err(bad().into()); // SEC-17
    }
    let user = match cx.store.get_user(&code.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => return Err(OAuthError::invalid_grant("the account is no longer available").into()),
    };
    let scopes = ScopeSet::from_list(code.scopes.iter().cloned());
    let minted = if wants_refresh(&scopes) {
        Some(mint_refresh(cx, cred, &user, &scopes, dialect)?)
    } else {
        None
    };
    let stored = minted.as_ref().map(|m| RefreshToken {
        hash: m.hash.clone(),
        grant_id: code.grant_id.clone(),
        client_id: cred.client_id.clone(),
        user_id: user.id.clone(),
        scopes: code.scopes.clone(),
        auth_time: code.auth_time,
        created_at: cx.now,
        expires_at: m.expires_at,
    });
    // No separate "grant still active" check: revoking a grant consumes its codes, so a
    // code of a revoked grant is `AlreadyUsed` here.
    match cx.store.redeem_code(&hash, cx.now, stored.as_ref()).await? {
        CodeRedemption::Redeemed(_) => {}
        CodeRedemption::AlreadyUsed(c) => {
            // SEC-15: its own client presenting it again revokes everything it issued.
            let event = cx.audit(
                Some(&cred.org_id),
                cred.client_id.as_str(),
                crate::model::AuditAction::CodeReplayed,
                format!("grant {}", c.grant_id),
                serde_json::json!({"user_id": c.user_id, "grant_revoked": true}),
            );
            cx.store
                .audited(vec![event])
                .revoke_grant(&c.grant_id, cx.now)
                .await?;
            return Err(FlowError::logged(
                bad(),
                format!(
                    "authorization code replayed by client {}; grant {} revoked",
                    c.client_id, c.grant_id
                ),
            ));
        }
        CodeRedemption::Unknown => return Err(bad().into()),
    }
    Ok(user_tokens::issue(
        cx,
        UserTokenRequest {
            cred,
            user: &user,
            grant_id: &code.grant_id,
            scopes: &scopes,
            nonce: code.nonce.as_deref(),
            auth_time: code.auth_time,
            refresh: minted.map(|m| m.token),
            dialect,
        },
    )?)
}
