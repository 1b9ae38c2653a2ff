//! Revocation: RFC 7009 and IMS `invalidate_token` (docs/ims-contract.md §2.5). A token
//! of another client is not revoked (SEC-48): confidential callers are told, public ones
//! get a silent success. A refresh token is revoked with its grant, and so the access
//! tokens issued from it (RFC 7009 §2.1 SHOULD). Anything unrecognised needs no action
//! (§2.2). The revocation is committed before this returns (REL-02).

use super::{Context, FlowResult};
use crate::OAuthError;
use crate::client_auth::AuthMethod;
use crate::clock::Timestamp;
use crate::ids::{GrantId, Jti};
use crate::model::Credential;
use crate::token;

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    AccessToken {
        jti: Jti,
    },
    Grant {
        grant_id: GrantId,
    },
    /// Not ours, unknown, or another client's presented by a public client.
    Nothing,
}

fn not_yours(method: AuthMethod) -> FlowResult<Revoked> {
    if method == AuthMethod::None {
        Ok(Revoked::Nothing)
    } else {
        Err(OAuthError::invalid_request("the token was not issued to this client").into())
    }
}

/// Revoke `raw` for the authenticated `caller`. `token_type_hint` is only a hint (RFC
/// 7009 §2.1), so it is not asked for: the token says what it is.
pub async fn revoke(
    cx: &Context<'_>,
    caller: &Credential,
    method: AuthMethod,
    raw: &str,
) -> FlowResult<Revoked> {
    if let Ok(claims) = token::verified_claims(cx.keyring, cx.now, raw) {
        if claims.client_id != caller.client_id.as_str() {
            return not_yours(method);
        }
        let jti = Jti(claims.jti);
        let event = cx.audit(
            Some(&caller.org_id),
            caller.client_id.as_str(),
            crate::model::AuditAction::TokenRevoked,
            format!("token {jti}"),
            serde_json::json!({"subject": claims.sub}),
        );
        cx.store
            .audited(vec![event])
            .revoke_token(
                &jti,
                &caller.client_id,
                Timestamp::from_secs(claims.exp),
                cx.now,
            )
            .await?;
        return Ok(Revoked::AccessToken { jti });
    }
    let Some((_, rt)) = super::refresh::find(cx, raw).await? else {
        return Ok(Revoked::Nothing);
    };
    if rt.client_id != caller.client_id {
        return not_yours(method);
    }
    let event = cx.audit(
        Some(&caller.org_id),
        caller.client_id.as_str(),
        crate::model::AuditAction::GrantRevoked,
        format!("grant {}", rt.grant_id),
        serde_json::json!({"user_id": rt.user_id}),
    );
    cx.store
        .audited(vec![event])
        .revoke_grant(&rt.grant_id, cx.now)
        .await?;
    Ok(Revoked::Grant {
        grant_id: rt.grant_id,
    })
}
